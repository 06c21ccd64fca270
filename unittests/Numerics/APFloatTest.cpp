//===- APFloatTest.cpp - Cross-check against llvm::APFloat ----------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// All f16 and bf16 inputs, every FP8 code, and an f32 set covering every
// rounding class: each exponent, each pattern of the 6 leading mantissa
// bits (the kept bits, the guard bit and more for every target precision,
// normal or subnormal), and tails that make the sticky bits zero, one, all
// ones, or sit exactly at and around the halfway points; both signs.
//
//===----------------------------------------------------------------------===//

#include "APFloatReference.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::testing;
using llvm::APFloat;
using llvm::APInt;

namespace {

constexpr Fp8Format kFormats[] = {Fp8Format::E4M3, Fp8Format::E5M2};

float f32(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

std::vector<uint32_t> roundingClassInputs() {
  std::vector<uint32_t> inputs;
  const uint32_t tails[] = {0x00000, 0x00001, 0x1FFFF, 0x10000, 0x0FFFF,
                            0x10001, 0x08000, 0x07FFF, 0x08001, 0x01000,
                            0x00FFF, 0x01001, 0x00800, 0x00400, 0x00100,
                            0x00010, 0x18000, 0x0F000, 0x00003, 0x1F000};
  for (uint32_t exp = 0; exp < 256; ++exp)
    for (uint32_t top = 0; top < 64; ++top)
      for (uint32_t tail : tails)
        for (uint32_t sign : {0u, 0x80000000u})
          inputs.push_back(sign | exp << 23 | top << 17 | tail);
  return inputs;
}

TEST(APFloat, AllF16AndBF16Inputs) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const APFloat half(APFloat::IEEEhalf(), APInt(16, bits));
    const APFloat brain(APFloat::BFloat(), APInt(16, bits));
    for (Fp8Format format : kFormats) {
      std::string err = checkFp8AgainstAPFloat(
          half, format,
          encodeFp8FromF16(uint16_t(bits), format, Saturation::None),
          encodeFp8FromF16(uint16_t(bits), format, Saturation::SatFinite));
      ASSERT_EQ(err, "") << "f16 0x" << std::hex << bits;
      err = checkFp8AgainstAPFloat(
          brain, format,
          encodeFp8FromBF16(uint16_t(bits), format, Saturation::None),
          encodeFp8FromBF16(uint16_t(bits), format, Saturation::SatFinite));
      ASSERT_EQ(err, "") << "bf16 0x" << std::hex << bits;
    }
    // Widening is exact.
    bool losesInfo;
    APFloat wide = half;
    wide.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                 &losesInfo);
    if (!half.isNaN()) {
      ASSERT_EQ(bitsOf(f16ToF32(uint16_t(bits))),
                uint32_t(wide.bitcastToAPInt().getZExtValue()))
          << std::hex << bits;
    } else {
      ASSERT_TRUE(std::isnan(f16ToF32(uint16_t(bits))));
    }
    APFloat wideB = brain;
    wideB.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                  &losesInfo);
    if (!brain.isNaN()) {
      ASSERT_EQ(bitsOf(bf16ToF32(uint16_t(bits))),
                uint32_t(wideB.bitcastToAPInt().getZExtValue()));
    }
  }
}

TEST(APFloat, F32RoundingClasses) {
  const std::vector<uint32_t> inputs = roundingClassInputs();
  for (uint32_t bits : inputs) {
    const float x = f32(bits);
    const APFloat in(x);
    for (Fp8Format format : kFormats) {
      const std::string err = checkFp8AgainstAPFloat(
          in, format, encodeFp8(x, format, Saturation::None),
          encodeFp8(x, format, Saturation::SatFinite));
      ASSERT_EQ(err, "") << "f32 0x" << std::hex << bits;
    }
  }
}

TEST(APFloat, DecodeEveryCode) {
  for (Fp8Format format : kFormats) {
    for (unsigned code = 0; code < 256; ++code) {
      APFloat v(semanticsOf(format), APInt(8, code));
      bool losesInfo;
      v.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      EXPECT_FALSE(losesInfo);
      const float got = decodeFp8(uint8_t(code), format);
      if (v.isNaN()) {
        EXPECT_TRUE(isFp8NaN(uint8_t(code), format));
        EXPECT_EQ(bitsOf(got), (code & 0x80 ? 0xFFC00000u : 0x7FC00000u));
      } else {
        EXPECT_EQ(bitsOf(got), uint32_t(v.bitcastToAPInt().getZExtValue()))
            << fp8FormatName(format) << " code " << code;
      }
    }
  }
}

TEST(APFloat, F32ToF16AndBF16) {
  const std::vector<uint32_t> inputs = roundingClassInputs();
  for (uint32_t bits : inputs) {
    const float x = f32(bits);
    bool losesInfo;
    APFloat half(x), brain(x);
    half.convert(APFloat::IEEEhalf(), APFloat::rmNearestTiesToEven, &losesInfo);
    brain.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &losesInfo);
    const uint16_t h = f32ToF16(x), b = f32ToBF16(x);
    if (std::isnan(x)) {
      // Quiet NaN of the input's sign (APFloat keeps payloads).
      ASSERT_EQ(h, (bits >> 31) ? 0xFE00 : 0x7E00);
      ASSERT_EQ(b, (bits >> 31) ? 0xFFC0 : 0x7FC0);
      continue;
    }
    ASSERT_EQ(h, uint16_t(half.bitcastToAPInt().getZExtValue()))
        << std::hex << bits;
    ASSERT_EQ(b, uint16_t(brain.bitcastToAPInt().getZExtValue()))
        << std::hex << bits;
  }
}

} // namespace
