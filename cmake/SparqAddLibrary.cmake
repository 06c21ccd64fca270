# Helpers that keep every CMakeLists.txt in the tree a few lines long.

# sparq_add_library(name src... [DEPENDS tgt...] [LINK lib...] [MLIR])
#   A static library, exported in SparqTargets for find_package(Sparq).
#   MLIR: link the shared libMLIR.so (and through it libLLVM.so).
function(sparq_add_library name)
  cmake_parse_arguments(ARG "MLIR" "" "DEPENDS;LINK" ${ARGN})
  add_library(${name} STATIC ${ARG_UNPARSED_ARGUMENTS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${SPARQ_SOURCE_DIR}/include>
    $<BUILD_INTERFACE:${SPARQ_BINARY_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  if(ARG_DEPENDS)
    add_dependencies(${name} ${ARG_DEPENDS})
  endif()
  if(ARG_MLIR)
    target_link_libraries(${name} PUBLIC MLIR LLVM)
    # Consumers of the installed libraries need MLIR's headers too.
    target_include_directories(${name} SYSTEM PUBLIC
      ${MLIR_INCLUDE_DIRS} ${LLVM_INCLUDE_DIRS})
  endif()
  if(ARG_LINK)
    target_link_libraries(${name} PUBLIC ${ARG_LINK})
  endif()
  set_property(GLOBAL APPEND PROPERTY SPARQ_EXPORTED_LIBS ${name})
  install(TARGETS ${name} EXPORT SparqTargets
    ARCHIVE DESTINATION lib LIBRARY DESTINATION lib)
endfunction()

# sparq_add_unittest(name src... [LINK lib...] [LABELS label...])
#   A GoogleTest executable registered with ctest, one ctest entry per binary
#   so that each binary's own sharding/threads decide its run time.
function(sparq_add_unittest name)
  cmake_parse_arguments(ARG "" "" "LINK;LABELS;ARGS" ${ARGN})
  add_executable(${name} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE GTest::gtest_main ${ARG_LINK})
  set_target_properties(${name} PROPERTIES
    RUNTIME_OUTPUT_DIRECTORY ${SPARQ_BINARY_DIR}/unittests/bin)
  add_test(NAME ${name} COMMAND ${name} ${ARG_ARGS})
  if(ARG_LABELS)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
  add_dependencies(sparq-unittests ${name})
endfunction()
