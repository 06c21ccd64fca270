//===- FP8.h - FP8 (E4M3FN, E5M2) scalar conversions ------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The single source of truth for FP8 numbers. The rules (see
// docs/Semantics.md, "FP8 conversion") in brief:
//  * E4M3 is MLIR f8E4M3FN: bias 7, no inf, NaN only S.1111.111, max 448.
//    E5M2 is MLIR f8E5M2: IEEE-like, bias 15, +-inf, max 57344.
//  * Encoding rounds the magnitude (nearest-even or stochastic), keeps the
//    sign of zero, produces subnormals, and decides overflow after rounding.
//    Overflow and +-inf give +-max with SatFinite; with None they give the
//    signed NaN (E4M3) or +-inf (E5M2). Every NaN input gives 0x7F.
//  * Decoding is exact; NaN codes give the quiet f32 NaN of the code's sign.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_FP8_H
#define SPARQ_NUMERICS_FP8_H

#include "sparq/Numerics/Bits.h"

#include <array>
#include <cstdint>

namespace sparq::numerics {

enum class Fp8Format : uint8_t { E4M3, E5M2 };
enum class Saturation : uint8_t { None, SatFinite };
enum class Rounding : uint8_t { NearestEven, Stochastic };

/// The positive canonical NaN every NaN input encodes to, in both formats.
constexpr uint8_t kFp8CanonicalNaN = 0x7F;

/// "E4M3" / "E5M2".
const char *fp8FormatName(Fp8Format format);

constexpr unsigned fp8MantissaBits(Fp8Format format) {
  return format == Fp8Format::E4M3 ? 3 : 2;
}
constexpr int fp8ExponentBias(Fp8Format format) {
  return format == Fp8Format::E4M3 ? 7 : 15;
}
/// Code of the largest finite positive value (0x7E = 448, 0x7B = 57344).
constexpr uint8_t fp8MaxFiniteCode(Fp8Format format) {
  return format == Fp8Format::E4M3 ? 0x7E : 0x7B;
}
constexpr bool fp8HasInfinity(Fp8Format format) {
  return format == Fp8Format::E5M2;
}
constexpr bool isFp8NaN(uint8_t code, Fp8Format format) {
  return format == Fp8Format::E4M3 ? (code & 0x7F) == 0x7F
                                   : (code & 0x7F) > 0x7C;
}
constexpr bool isFp8Inf(uint8_t code, Fp8Format format) {
  return format == Fp8Format::E5M2 && (code & 0x7F) == 0x7C;
}

namespace detail {
/// f32 bits of an FP8 code, computed from the format definition so the
/// tables below are constant-initialised (no static-init order issues).
constexpr uint32_t fp8CodeToF32Bits(uint8_t code, Fp8Format format) {
  const unsigned mantBits = fp8MantissaBits(format);
  const int bias = fp8ExponentBias(format);
  const uint32_t sign = uint32_t(code & 0x80) << 24;
  const uint32_t exp = (code & 0x7F) >> mantBits;
  const uint32_t mant = code & ((1u << mantBits) - 1);
  if (isFp8NaN(code, format))
    return sign | kF32QuietNaNBits;
  if (isFp8Inf(code, format))
    return sign | 0x7F800000u;
  if (exp == 0) {
    if (mant == 0)
      return sign;
    // Subnormal: normalise so the leading one becomes the implicit bit.
    unsigned lead = 0;
    while ((mant >> (lead + 1)) != 0)
      ++lead;
    const uint32_t exp32 = uint32_t(int(lead) + 1 - bias - int(mantBits) + 127);
    return sign | (exp32 << 23) | ((mant - (1u << lead)) << (23 - lead));
  }
  return sign | (uint32_t(int(exp) - bias + 127) << 23) |
         (mant << (23 - mantBits));
}

constexpr std::array<uint32_t, 256> makeFp8DecodeTable(Fp8Format format) {
  std::array<uint32_t, 256> table{};
  for (unsigned code = 0; code < 256; ++code)
    table[code] = fp8CodeToF32Bits(uint8_t(code), format);
  return table;
}

inline constexpr std::array<uint32_t, 256> kE4M3DecodeBits =
    makeFp8DecodeTable(Fp8Format::E4M3);
inline constexpr std::array<uint32_t, 256> kE5M2DecodeBits =
    makeFp8DecodeTable(Fp8Format::E5M2);
} // namespace detail

/// 256-entry table: f32 bits of every code (NaN codes -> signed quiet NaN).
constexpr const std::array<uint32_t, 256> &fp8DecodeTableBits(Fp8Format f) {
  return f == Fp8Format::E4M3 ? detail::kE4M3DecodeBits
                              : detail::kE5M2DecodeBits;
}

/// Exact FP8 -> f32.
inline float decodeFp8(uint8_t code, Fp8Format format) {
  return bitsToFloat(fp8DecodeTableBits(format)[code]);
}

/// 448 / 57344.
inline float maxFinite(Fp8Format format) {
  return decodeFp8(fp8MaxFiniteCode(format), format);
}
/// 2^-6 / 2^-14.
inline float minNormal(Fp8Format format) {
  return decodeFp8(0x08 >> (format == Fp8Format::E5M2), format);
}
/// 2^-9 / 2^-16.
inline float minSubnormal(Fp8Format format) { return decodeFp8(0x01, format); }

/// f32 -> FP8, round to nearest, ties to even.
uint8_t encodeFp8(float value, Fp8Format format, Saturation saturation);

/// f32 -> FP8 with stochastic rounding driven by `randomBits`: the magnitude
/// rounds up iff double(randomBits) < frac * 2^32, where frac in [0, 1) is
/// the position of |value| between its truncation and the next grid point.
uint8_t encodeFp8Stochastic(float value, uint32_t randomBits, Fp8Format format,
                            Saturation saturation);

/// Dispatches on `rounding`; `randomBits` is ignored for NearestEven.
uint8_t encodeFp8(float value, Fp8Format format, Saturation saturation,
                  Rounding rounding, uint32_t randomBits);

/// f16 / bf16 (raw bits) -> FP8: exact widening to f32, then encodeFp8.
uint8_t encodeFp8FromF16(uint16_t bits, Fp8Format format,
                         Saturation saturation);
uint8_t encodeFp8FromBF16(uint16_t bits, Fp8Format format,
                          Saturation saturation);

/// Scaled forms: encode(value * scale) with an f32 (round-to-nearest)
/// product, and decode(code) / scale with an f32 division.
uint8_t quantizeFp8(float value, float scale, Fp8Format format,
                    Saturation saturation,
                    Rounding rounding = Rounding::NearestEven,
                    uint32_t randomBits = 0);
float dequantizeFp8(uint8_t code, float scale, Fp8Format format);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_FP8_H
