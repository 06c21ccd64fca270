# Sanitizer and fuzzing builds of the project's own code (LLVM and MLIR stay
# the uninstrumented Debian libraries). See scripts/sanitize.sh.
#
#   -DSPARQ_SANITIZE="address;undefined"  instrument every sparq target
#   -DSPARQ_ENABLE_FUZZER=ON              libFuzzer coverage on sparq code and
#                                         the fuzz/ target (clang only)

set(SPARQ_SANITIZE "" CACHE STRING
  "Sanitizers for sparq's code, e.g. \"address;undefined\"")
option(SPARQ_ENABLE_FUZZER "Build the libFuzzer target in fuzz/ (clang)" OFF)

if(SPARQ_SANITIZE)
  list(JOIN SPARQ_SANITIZE "," _sparq_sanitizers)
  # Any report aborts, so that `not sparq-opt` in a lit test cannot mistake a
  # sanitizer error for an expected failure. libstdc++'s assertions catch
  # empty std::optional dereferences and out-of-range operator[]; they do not
  # change its ABI.
  add_compile_options(-fsanitize=${_sparq_sanitizers} -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
  if("address" IN_LIST SPARQ_SANITIZE)
    add_compile_options(
      "SHELL:-include ${CMAKE_CURRENT_LIST_DIR}/SparqAsanNoPoison.h")
  endif()
  add_link_options(-fsanitize=${_sparq_sanitizers})
  # Shared libraries (libsparq_runtime.so) get the sanitizer runtime from the
  # process that loads them; HandleLLVMOptions' -z defs would reject that.
  string(REPLACE "-Wl,-z,defs" "" CMAKE_SHARED_LINKER_FLAGS
    "${CMAKE_SHARED_LINKER_FLAGS}")
  # The runtime that uninstrumented executables (mlir-runner) must preload to
  # load the instrumented libsparq_runtime.so; test/lit.cfg.py does that.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    set(_sparq_runtime_name libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so)
  else()
    set(_sparq_runtime_name libasan.so)
  endif()
  execute_process(
    COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=${_sparq_runtime_name}
    OUTPUT_VARIABLE SPARQ_SANITIZER_RUNTIME OUTPUT_STRIP_TRAILING_WHITESPACE)
  message(STATUS "sparq: sanitizers ${_sparq_sanitizers} "
                 "(runtime ${SPARQ_SANITIZER_RUNTIME})")
endif()

if(SPARQ_ENABLE_FUZZER)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SPARQ_ENABLE_FUZZER needs clang (e.g. clang++-22)")
  endif()
  # Coverage feedback from all sparq code; only the fuzz target links
  # libFuzzer itself (-fsanitize=fuzzer), the others get the sanitizer
  # runtime's no-op coverage callbacks.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
