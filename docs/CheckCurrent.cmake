# Fails when a committed generated doc differs from what the build generates.
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files
  ${GENERATED} ${COMMITTED} RESULT_VARIABLE differs)
if(differs)
  message(FATAL_ERROR "${COMMITTED} is stale: run "
    "`cmake --build build --target sparq-doc` and commit the result")
endif()
