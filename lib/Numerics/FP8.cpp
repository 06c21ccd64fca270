//===- FP8.cpp - FP8 scalar conversions -----------------------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/FP8.h"
#include "Kernels.h"

using namespace sparq::numerics;

const char *sparq::numerics::fp8FormatName(Fp8Format format) {
  return format == Fp8Format::E4M3 ? "E4M3" : "E5M2";
}

uint8_t sparq::numerics::encodeFp8(float value, Fp8Format format,
                                   Saturation saturation) {
  const uint32_t bits = floatToBits(value);
  using namespace kernels;
  if (format == Fp8Format::E4M3)
    return saturation == Saturation::SatFinite
               ? encodeFp8NearestEven<Fp8Format::E4M3, Saturation::SatFinite>(
                     bits)
               : encodeFp8NearestEven<Fp8Format::E4M3, Saturation::None>(bits);
  return saturation == Saturation::SatFinite
             ? encodeFp8NearestEven<Fp8Format::E5M2, Saturation::SatFinite>(
                   bits)
             : encodeFp8NearestEven<Fp8Format::E5M2, Saturation::None>(bits);
}

uint8_t sparq::numerics::encodeFp8Stochastic(float value, uint32_t randomBits,
                                             Fp8Format format,
                                             Saturation saturation) {
  const uint32_t bits = floatToBits(value);
  // Qualified: unqualified lookup finds this function, not the kernel
  // template (clang rejects the call; gcc accepts it).
  namespace k = kernels;
  if (format == Fp8Format::E4M3)
    return saturation == Saturation::SatFinite
               ? k::encodeFp8Stochastic<Fp8Format::E4M3, Saturation::SatFinite>(
                     bits, randomBits)
               : k::encodeFp8Stochastic<Fp8Format::E4M3, Saturation::None>(
                     bits, randomBits);
  return saturation == Saturation::SatFinite
             ? k::encodeFp8Stochastic<Fp8Format::E5M2, Saturation::SatFinite>(
                   bits, randomBits)
             : k::encodeFp8Stochastic<Fp8Format::E5M2, Saturation::None>(
                   bits, randomBits);
}

uint8_t sparq::numerics::encodeFp8(float value, Fp8Format format,
                                   Saturation saturation, Rounding rounding,
                                   uint32_t randomBits) {
  return rounding == Rounding::Stochastic
             ? encodeFp8Stochastic(value, randomBits, format, saturation)
             : encodeFp8(value, format, saturation);
}

uint8_t sparq::numerics::encodeFp8FromF16(uint16_t bits, Fp8Format format,
                                          Saturation saturation) {
  return encodeFp8(bitsToFloat(kernels::f16ToF32Bits(bits)), format,
                   saturation);
}

uint8_t sparq::numerics::encodeFp8FromBF16(uint16_t bits, Fp8Format format,
                                           Saturation saturation) {
  return encodeFp8(bitsToFloat(kernels::bf16ToF32Bits(bits)), format,
                   saturation);
}

uint8_t sparq::numerics::quantizeFp8(float value, float scale, Fp8Format format,
                                     Saturation saturation, Rounding rounding,
                                     uint32_t randomBits) {
  return encodeFp8(value * scale, format, saturation, rounding, randomBits);
}

float sparq::numerics::dequantizeFp8(uint8_t code, float scale,
                                     Fp8Format format) {
  return decodeFp8(code, format) / scale;
}
