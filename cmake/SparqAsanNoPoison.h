/*===- SparqAsanNoPoison.h - no manual ASan poisoning in LLVM headers -----===*
 *
 * Force-included into every sparq source of an ASan build (see
 * SparqSanitizers.cmake). LLVM's header-only allocators (BumpPtrAllocator,
 * Recycler) poison the memory they hold when compiled with ASan; sparq's
 * instrumented copies of them then share allocators with the uninstrumented
 * copies inside libMLIR.so, which hand out poisoned memory without
 * unpoisoning it: false use-after-poison reports. Declaring the interface
 * first and turning poisoning into a no-op keeps both copies consistent.
 *
 *===----------------------------------------------------------------------===*/
#ifndef SPARQ_CMAKE_SPARQASANNOPOISON_H
#define SPARQ_CMAKE_SPARQASANNOPOISON_H

#include <sanitizer/asan_interface.h>

#undef __asan_poison_memory_region
#define __asan_poison_memory_region(addr, size) ((void)(addr), (void)(size))

#endif /* SPARQ_CMAKE_SPARQASANNOPOISON_H */
