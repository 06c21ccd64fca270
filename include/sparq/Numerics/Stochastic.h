//===- Stochastic.h - Counter-based random bits -----------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Stochastic rounding of a tensor must be reproducible and cheap to emit in
// generated code, so the random bits of element i are a pure function of
// (seed, i): the SplitMix64 finaliser applied to seed + (i + 1) * golden.
// Element i of a tensor is its row-major linear index.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_STOCHASTIC_H
#define SPARQ_NUMERICS_STOCHASTIC_H

#include <cstdint>

namespace sparq::numerics {

/// The 32 random bits used to stochastically round element `index`.
constexpr uint32_t stochasticBits(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z >> 32);
}

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_STOCHASTIC_H
