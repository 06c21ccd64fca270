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
/// up iff r < frac * 2^32, i.e. (r being an integer) iff r < ceil(frac*2^32).
/// Scaling |x| by 2^(32 - log2 ulp) (exact: a power of two, no overflow or
/// underflow) gives y = (t / ulp + frac) * 2^32 < 2^36, whose integer part
/// holds the truncated magnitude code above bit 32 and floor(frac * 2^32)
/// below it; y being non-integral adds the ceiling's one. f32 subnormal
/// inputs (frac * 2^32 < 1) are handled apart so DAZ cannot affect them.
template <Fp8Format F, Saturation S>
inline uint8_t encodeFp8Stochastic(uint32_t bits, uint32_t random) {
  using P = Fp8Params<F>;
  const uint32_t abs = bits & 0x7FFFFFFFu;
  const uint32_t sign = (bits >> 24) & 0x80u;
  // Inf and NaN become 2^127 (still an overflow; NaN is fixed up below) so
  // that the float -> integer conversion stays defined.
  const uint32_t finite = maskSelect(abs >= 0x7F800000u, 0x7F000000u, abs);
  int32_t exp = int32_t(finite >> 23);
  exp = exp < P::kMinNormalExp ? P::kMinNormalExp : exp;
  // ulp = 2^(exp - 127 - p); the scale 2^(32 + p + 127 - exp) is normal
  // for every exp <= 255.
  const uint32_t scaleBits =
      uint32_t(32 + int32_t(P::kMantBits) + 127 - exp + 127) << 23;
  const float y = bitsToFloat(finite) * bitsToFloat(scaleBits);
  const int64_t whole = int64_t(y);
  // Non-integral y is below 2^23, where float(whole) is exact.
  const uint64_t sticky = float(whole) != y;
  uint32_t code = (uint32_t(exp - P::kMinNormalExp) << P::kMantBits) +
                  uint32_t(uint64_t(whole) >> 32);
  uint64_t threshold = (uint64_t(whole) & 0xFFFFFFFFu) + sticky;
  // f32 subnormals: t = 0 and 0 < frac * 2^32 < 1, so the threshold is 1.
  threshold = abs < 0x00800000u ? uint64_t(abs != 0) : threshold;
  code = abs < 0x00800000u ? 0u : code;
  code += uint64_t(random) < threshold;
  constexpr uint32_t overflow =
      S == Saturation::SatFinite ? P::kMaxCode : P::kOverflowCode;
  code = maskSelect(code > P::kMaxCode, overflow, code) | sign;
  return uint8_t(maskSelect(abs > 0x7F800000u, kFp8CanonicalNaN, code));
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
