//===- Kernels.h - Inline conversion kernels (private) ----------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The one implementation of every conversion, shared by the scalar entry
// points and the bulk loops (which instantiate them with compile-time format
// and saturation so the compiler can vectorise the straight-line code).
//
// Round-to-nearest-even uses the classic "magic addend" trick: adding
// 2^(E + 23 - p) to |x| in f32, where E = max(exponent(|x|), emin) and p is
// the target's mantissa width, makes the FPU round |x| to a multiple of the
// target ulp at |x| (normal or subnormal alike); the addend's bit pattern
// subtracted from the sum's is the rounded magnitude in target ulps. This is
// exact under the default rounding mode and unaffected by FTZ/DAZ (f32
// subnormal inputs are far below half the smallest target subnormal).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_LIB_NUMERICS_KERNELS_H
#define SPARQ_LIB_NUMERICS_KERNELS_H

#include "sparq/Numerics/Bits.h"
#include "sparq/Numerics/FP8.h"

#include <algorithm>
#include <cstdint>

namespace sparq::numerics::kernels {

/// cond ? a : b written with masks. Plain ?: lets GCC sink the f32 magic
/// addition under a branch, and since that addition may trap (as far as
/// -ftrapping-math knows) the branch then blocks if-conversion and
/// vectorisation.
inline uint32_t maskSelect(bool cond, uint32_t a, uint32_t b) {
  const uint32_t mask = 0u - uint32_t(cond);
  return (a & mask) | (b & ~mask);
}

template <Fp8Format F> struct Fp8Params;
template <> struct Fp8Params<Fp8Format::E4M3> {
  static constexpr uint32_t kMantBits = 3;
  /// Biased f32 exponent of the smallest normal, 2^-6.
  static constexpr int32_t kMinNormalExp = 127 - 6;
  static constexpr uint32_t kMaxCode = 0x7E;
  /// Overflow without saturation: the NaN (E4M3 has no inf).
  static constexpr uint32_t kOverflowCode = 0x7F;
  /// Smallest |x| bits that overflow after rounding: 464 ties to 448 (even),
  /// anything above rounds to 480, which does not exist.
  static constexpr int32_t kOverflowBits = 0x43E80001; // nextafter(464, inf)
};
template <> struct Fp8Params<Fp8Format::E5M2> {
  static constexpr uint32_t kMantBits = 2;
  static constexpr int32_t kMinNormalExp = 127 - 14;
  static constexpr uint32_t kMaxCode = 0x7B;
  static constexpr uint32_t kOverflowCode = 0x7C; // inf
  /// 61440 ties between 57344 (odd) and 65536 (even), so it overflows.
  static constexpr int32_t kOverflowBits = 0x47700000; // 61440.0f
};

/// Rounds a non-negative f32 (bits `abs`, below the target's overflow bound)
/// to nearest even on the grid of a binary format with `MantBits` stored
/// mantissa bits and smallest normal 2^(MinNormalExp - 127). Returns the
/// magnitude code (exponent field << MantBits | mantissa field).
template <uint32_t MantBits, int32_t MinNormalExp>
inline uint32_t roundMagnitudeNearestEven(int32_t abs) {
  int32_t exp = abs >> 23;
  exp = exp < MinNormalExp ? MinNormalExp : exp;
  const uint32_t magicBits = uint32_t(exp + int32_t(23 - MantBits)) << 23;
  const float sum = bitsToFloat(magicBits) + bitsToFloat(uint32_t(abs));
  return (uint32_t(exp - MinNormalExp) << MantBits) +
         (floatToBits(sum) - magicBits);
}

template <Fp8Format F, Saturation S>
inline uint8_t encodeFp8NearestEven(uint32_t bits) {
  using P = Fp8Params<F>;
  const int32_t abs = int32_t(bits & 0x7FFFFFFFu);
  const uint32_t sign = (bits >> 24) & 0x80u;
  uint32_t code =
      roundMagnitudeNearestEven<P::kMantBits, P::kMinNormalExp>(abs);
  constexpr uint32_t overflow =
      S == Saturation::SatFinite ? P::kMaxCode : P::kOverflowCode;
  // Values >= the bound (and inf, NaN) gave garbage above; replace it.
  code = maskSelect(abs >= P::kOverflowBits, overflow, code) | sign;
  return uint8_t(maskSelect(abs > 0x7F800000, kFp8CanonicalNaN, code));
}

/// Stochastic rounding: truncate |x| onto the grid, then round the magnitude
/// up iff r < frac * 2^32. With D the s discarded bits of the significand,
/// frac * 2^32 = D * 2^(32 - s), and for an integer r that is the same as
/// r < ceil(D * 2^(32 - s)): a threshold computed exactly in 64 bits.
/// Values at or above the smallest normal (the usual case, so the branch
/// predicts well) discard a fixed number of bits.
template <Fp8Format F, Saturation S>
inline uint8_t encodeFp8Stochastic(uint32_t bits, uint32_t random) {
  using P = Fp8Params<F>;
  constexpr uint32_t normalShift = 23 - P::kMantBits;
  const uint32_t abs = bits & 0x7FFFFFFFu;
  const uint32_t sign = (bits >> 24) & 0x80u;
  const int32_t exp = int32_t(abs >> 23);
  uint32_t code;
  uint64_t threshold;
  if (exp >= P::kMinNormalExp) {
    // Inf gives a huge code (overflow); NaN is replaced below.
    code =
        (abs >> normalShift) - (uint32_t(P::kMinNormalExp - 1) << P::kMantBits);
    threshold = uint64_t(abs & ((1u << normalShift) - 1)) << (32 - normalShift);
  } else {
    // Below the smallest normal the target ulp stays 2^(emin - p): more bits
    // go. f32 subnormals have no implicit bit and exponent 1.
    const uint32_t mant = exp != 0 ? (abs & 0x7FFFFFu) | 0x800000u : abs;
    const uint32_t shift =
        normalShift + uint32_t(P::kMinNormalExp - (exp != 0 ? exp : 1));
    // mant < 2^24: a shift of 24 or more leaves nothing and drops all.
    const uint32_t cut = shift < 24 ? shift : 24;
    code = mant >> cut;
    const uint64_t dropped = mant & ((1u << cut) - 1);
    // ceil(D * 2^32 / 2^s); for s >= 56 it is (D > 0), as D < 2^24, which
    // the capped shift also gives.
    const uint32_t s = shift < 56 ? shift : 56;
    threshold = ((dropped << 32) + (uint64_t(1) << s) - 1) >> s;
  }
  code += uint64_t(random) < threshold;
  constexpr uint32_t overflow =
      S == Saturation::SatFinite ? P::kMaxCode : P::kOverflowCode;
  code = (code > P::kMaxCode ? overflow : code) | sign;
  return abs > 0x7F800000u ? kFp8CanonicalNaN : uint8_t(code);
}

inline uint32_t f16ToF32Bits(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  const uint32_t abs = h & 0x7FFFu;
  uint32_t normal = (abs << 13) + ((127 - 15) << 23);
  normal = maskSelect(abs >= 0x7C00u, (abs << 13) | 0x7F800000u, normal);
  // m * 2^-24 is exact: an 11-bit integer times a power of two.
  const uint32_t subnormal = floatToBits(float(int32_t(abs)) * 0x1p-24f);
  return maskSelect(abs < 0x0400u, subnormal, normal) | sign;
}

inline uint32_t bf16ToF32Bits(uint16_t b) { return uint32_t(b) << 16; }

inline uint16_t f32BitsToF16(uint32_t bits) {
  const int32_t abs = int32_t(bits & 0x7FFFFFFFu);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  uint32_t code = roundMagnitudeNearestEven<10, 127 - 14>(abs);
  // 65520 ties between 65504 (odd) and 65536 (even): overflow.
  code = maskSelect(abs >= 0x477FF000, 0x7C00u, code);
  code = maskSelect(abs > 0x7F800000, 0x7E00u, code);
  return uint16_t(code | sign);
}

inline uint16_t f32BitsToBF16(uint32_t bits) {
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16;
  return uint16_t(
      maskSelect((bits & 0x7FFFFFFFu) > 0x7F800000u, sign | 0x7FC0u, rounded));
}

} // namespace sparq::numerics::kernels

#endif // SPARQ_LIB_NUMERICS_KERNELS_H
