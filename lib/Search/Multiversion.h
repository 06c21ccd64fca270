//===- Multiversion.h - AVX2 clones of the search kernels (private) -*- C++ -*-===//
//
// The hot kernels of the search library get an AVX2 clone on x86-64 Linux,
// picked at load time (define SPARQ_SEARCH_MULTIVERSION empty to opt out).
// "avx2" does not enable FMA, and the kernels are written so that no clone
// contracts a multiply-add: every clone performs the same float operations
// in the same order, and results are bit-identical whichever runs.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_SEARCH_MULTIVERSION_H
#define SPARQ_LIB_SEARCH_MULTIVERSION_H

#ifndef SPARQ_SEARCH_MULTIVERSION
#if defined(__x86_64__) && defined(__linux__) && defined(__GNUC__) &&          \
    defined(__has_attribute)
#if __has_attribute(target_clones)
#define SPARQ_SEARCH_MULTIVERSION                                              \
  __attribute__((target_clones("avx2", "default")))
#endif
#endif
#endif
#ifndef SPARQ_SEARCH_MULTIVERSION
#define SPARQ_SEARCH_MULTIVERSION
#endif

#endif // SPARQ_LIB_SEARCH_MULTIVERSION_H
