//===- Bits.h - Bit casts between float and integer -------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// std::bit_cast is C++20; memcpy is the portable, optimiser-friendly spelling.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_BITS_H
#define SPARQ_NUMERICS_BITS_H

#include <cstdint>
#include <cstring>

namespace sparq::numerics {

inline uint32_t floatToBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float bitsToFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// The canonical quiet f32 NaN produced by this library (sign clear).
constexpr uint32_t kF32QuietNaNBits = 0x7FC00000u;

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_BITS_H
