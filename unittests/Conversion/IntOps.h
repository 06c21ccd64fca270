//===- IntOps.h - the kernels' index arithmetic on integers (tests) -*- C++ -*-===//
//
// The value domain KernelIndexing.h and WgmmaIndexing.h are instantiated on
// in the simulations: plain int64_t, conditions 0 or 1, unsigned division
// and comparison as the emitted arith ops do.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_UNITTESTS_CONVERSION_INTOPS_H
#define SPARQ_UNITTESTS_CONVERSION_INTOPS_H

#include <cstdint>

namespace sparq::nvvm::test {

struct IntOps {
  int64_t c(int64_t v) { return v; }
  int64_t add(int64_t x, int64_t y) { return x + y; }
  int64_t sub(int64_t x, int64_t y) { return x - y; }
  int64_t mul(int64_t x, int64_t y) { return x * y; }
  int64_t divu(int64_t x, int64_t y) { return int64_t(uint64_t(x) / uint64_t(y)); }
  int64_t remu(int64_t x, int64_t y) { return int64_t(uint64_t(x) % uint64_t(y)); }
  int64_t minu(int64_t x, int64_t y) { return uint64_t(x) < uint64_t(y) ? x : y; }
  int64_t ult(int64_t x, int64_t y) { return uint64_t(x) < uint64_t(y); }
  int64_t both(int64_t x, int64_t y) { return x & y; }
  int64_t select(int64_t cond, int64_t x, int64_t y) { return cond ? x : y; }
  int64_t shl(int64_t x, int64_t y) { return int64_t(uint64_t(x) << y); }
  int64_t shru(int64_t x, int64_t y) { return int64_t(uint64_t(x) >> y); }
  int64_t xoru(int64_t x, int64_t y) { return x ^ y; }
};

} // namespace sparq::nvvm::test

#endif // SPARQ_UNITTESTS_CONVERSION_INTOPS_H
