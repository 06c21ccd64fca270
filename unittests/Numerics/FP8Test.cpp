//===- FP8Test.cpp - FP8 special cases, round trips, stochastic rounding --===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/FP8.h"
#include "ReferenceGrid.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/Stochastic.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace sparq::numerics;
using namespace sparq::numerics::testing;

namespace {

constexpr Fp8Format E4M3 = Fp8Format::E4M3;
constexpr Fp8Format E5M2 = Fp8Format::E5M2;
constexpr Saturation None = Saturation::None;
constexpr Saturation Sat = Saturation::SatFinite;

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
float nextUp(float x) { return std::nextafter(x, INFINITY); }
float nextDown(float x) { return std::nextafter(x, -INFINITY); }
const float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::numeric_limits<float>::quiet_NaN();

//===----------------------------------------------------------------------===//
// The special-case table of docs/Semantics.md
//===----------------------------------------------------------------------===//

struct Case {
  float input;
  Fp8Format format;
  uint8_t none, sat; // expected codes without / with saturation
};

TEST(FP8, SpecialCaseTable) {
  const Case cases[] = {
      // Zeros keep their sign.
      {0.0f, E4M3, 0x00, 0x00},
      {-0.0f, E4M3, 0x80, 0x80},
      {0.0f, E5M2, 0x00, 0x00},
      {-0.0f, E5M2, 0x80, 0x80},
      // Subnormals, no flush; ties to even at the bottom.
      {std::ldexp(1.0f, -9), E4M3, 0x01, 0x01},
      {std::ldexp(1.0f, -10), E4M3, 0x00, 0x00}, // tie 0 / 2^-9 -> 0
      {nextUp(std::ldexp(1.0f, -10)), E4M3, 0x01, 0x01},
      {-std::ldexp(3.0f, -10), E4M3, 0x82, 0x82}, // tie 1 / 2 -> 2
      {std::ldexp(7.5f, -9), E4M3, 0x08, 0x08},   // rounds up to 2^-6
      {std::ldexp(1.0f, -16), E5M2, 0x01, 0x01},
      {std::ldexp(1.0f, -17), E5M2, 0x00, 0x00},
      {std::ldexp(1.0f, -149), E4M3, 0x00, 0x00}, // f32 min subnormal
      // Largest finite values and the overflow boundary.
      {448.0f, E4M3, 0x7E, 0x7E},
      {-448.0f, E4M3, 0xFE, 0xFE},
      {464.0f, E4M3, 0x7E, 0x7E},         // tie -> 448 (even)
      {nextUp(464.0f), E4M3, 0x7F, 0x7E}, // overflow
      {-nextUp(464.0f), E4M3, 0xFF, 0xFE},
      {480.0f, E4M3, 0x7F, 0x7E},
      {1e30f, E4M3, 0x7F, 0x7E},
      {57344.0f, E5M2, 0x7B, 0x7B},
      {nextDown(61440.0f), E5M2, 0x7B, 0x7B},
      {61440.0f, E5M2, 0x7C, 0x7B}, // tie -> 65536 (even)
      {-61440.0f, E5M2, 0xFC, 0xFB},
      {65536.0f, E5M2, 0x7C, 0x7B},
      // Infinities.
      {kInf, E4M3, 0x7F, 0x7E},
      {-kInf, E4M3, 0xFF, 0xFE},
      {kInf, E5M2, 0x7C, 0x7B},
      {-kInf, E5M2, 0xFC, 0xFB},
      // NaNs of either sign and any payload -> 0x7F.
      {kNaN, E4M3, 0x7F, 0x7F},
      {-kNaN, E4M3, 0x7F, 0x7F},
      {f32(0xFF800001u), E4M3, 0x7F, 0x7F},
      {kNaN, E5M2, 0x7F, 0x7F},
      {-kNaN, E5M2, 0x7F, 0x7F},
      {f32(0x7F800001u), E5M2, 0x7F, 0x7F},
      // Ordinary rounding.
      {1.0f, E4M3, 0x38, 0x38},
      {1.0625f, E4M3, 0x38, 0x38}, // tie -> 1.0 (even)
      {1.1875f, E4M3, 0x3A, 0x3A}, // tie -> 1.25 (even)
      {-2.5f, E5M2, 0xC1, 0xC1},
  };
  for (const Case &c : cases) {
    EXPECT_EQ(encodeFp8(c.input, c.format, None), c.none)
        << c.input << " " << fp8FormatName(c.format);
    EXPECT_EQ(encodeFp8(c.input, c.format, Sat), c.sat)
        << c.input << " " << fp8FormatName(c.format);
  }
}

// Exactly the table of docs/Semantics.md ("FP8 conversion").
TEST(FP8, DocumentedTable) {
  struct Row {
    float input;
    uint8_t e4None, e4Sat, e5None, e5Sat;
  };
  const Row rows[] = {
      {0.0f, 0x00, 0x00, 0x00, 0x00},
      {-0.0f, 0x80, 0x80, 0x80, 0x80},
      {std::ldexp(1.0f, -9), 0x01, 0x01, 0x18, 0x18},
      {std::ldexp(1.0f, -10), 0x00, 0x00, 0x14, 0x14},
      {std::ldexp(3.0f, -10), 0x02, 0x02, 0x1A, 0x1A},
      {std::ldexp(1.0f, -16), 0x00, 0x00, 0x01, 0x01},
      {std::ldexp(1.0f, -17), 0x00, 0x00, 0x00, 0x00},
      {448.0f, 0x7E, 0x7E, 0x5F, 0x5F},
      {464.0f, 0x7E, 0x7E, 0x5F, 0x5F},
      {nextUp(464.0f), 0x7F, 0x7E, 0x5F, 0x5F},
      {480.0f, 0x7F, 0x7E, 0x60, 0x60},
      {-480.0f, 0xFF, 0xFE, 0xE0, 0xE0},
      {57344.0f, 0x7F, 0x7E, 0x7B, 0x7B},
      {nextDown(61440.0f), 0x7F, 0x7E, 0x7B, 0x7B},
      {61440.0f, 0x7F, 0x7E, 0x7C, 0x7B},
      {-61440.0f, 0xFF, 0xFE, 0xFC, 0xFB},
      {kInf, 0x7F, 0x7E, 0x7C, 0x7B},
      {-kInf, 0xFF, 0xFE, 0xFC, 0xFB},
      {kNaN, 0x7F, 0x7F, 0x7F, 0x7F},
      {-kNaN, 0x7F, 0x7F, 0x7F, 0x7F},
  };
  for (const Row &r : rows) {
    EXPECT_EQ(encodeFp8(r.input, E4M3, None), r.e4None) << r.input;
    EXPECT_EQ(encodeFp8(r.input, E4M3, Sat), r.e4Sat) << r.input;
    EXPECT_EQ(encodeFp8(r.input, E5M2, None), r.e5None) << r.input;
    EXPECT_EQ(encodeFp8(r.input, E5M2, Sat), r.e5Sat) << r.input;
  }
}

TEST(FP8, FormatConstants) {
  EXPECT_EQ(maxFinite(E4M3), 448.0f);
  EXPECT_EQ(maxFinite(E5M2), 57344.0f);
  EXPECT_EQ(minNormal(E4M3), std::ldexp(1.0f, -6));
  EXPECT_EQ(minNormal(E5M2), std::ldexp(1.0f, -14));
  EXPECT_EQ(minSubnormal(E4M3), std::ldexp(1.0f, -9));
  EXPECT_EQ(minSubnormal(E5M2), std::ldexp(1.0f, -16));
  static_assert(fp8DecodeTableBits(E4M3)[0x7E] == 0x43E00000u, "448");
  static_assert(fp8DecodeTableBits(E5M2)[0xFC] == 0xFF800000u, "-inf");
  static_assert(fp8DecodeTableBits(E4M3)[0xFF] == 0xFFC00000u, "-NaN");
  static_assert(fp8DecodeTableBits(E4M3)[0x01] == 0x3B000000u, "2^-9");
  EXPECT_TRUE(isFp8NaN(0x7F, E4M3));
  EXPECT_TRUE(isFp8NaN(0xFF, E4M3));
  EXPECT_FALSE(isFp8NaN(0x7C, E5M2));
  EXPECT_TRUE(isFp8NaN(0x7D, E5M2));
  EXPECT_TRUE(isFp8Inf(0xFC, E5M2));
  EXPECT_FALSE(isFp8Inf(0x7C, E4M3));
}

//===----------------------------------------------------------------------===//
// Decoding and round trips
//===----------------------------------------------------------------------===//

TEST(FP8, DecodeEveryCode) {
  const ReferenceGrid *grids[] = {&referenceE4M3(), &referenceE5M2()};
  for (int f = 0; f < 2; ++f) {
    const Fp8Format format = f ? E5M2 : E4M3;
    for (unsigned code = 0; code < 256; ++code) {
      const float got = decodeFp8(uint8_t(code), format);
      const bool negative = code & 0x80;
      const uint32_t magnitude = code & 0x7F;
      if (isFp8NaN(uint8_t(code), format)) {
        EXPECT_EQ(bitsOf(got), negative ? 0xFFC00000u : 0x7FC00000u) << code;
      } else if (isFp8Inf(uint8_t(code), format)) {
        EXPECT_EQ(got, negative ? -kInf : kInf);
      } else {
        const double want = grids[f]->valueOf(magnitude);
        EXPECT_EQ(double(got), negative ? -want : want) << code;
        EXPECT_EQ(std::signbit(got), negative) << code;
      }
      EXPECT_EQ(bitsOf(got), fp8DecodeTableBits(format)[code]);
    }
  }
}

TEST(FP8, RoundTripEveryCode) {
  for (Fp8Format format : {E4M3, E5M2}) {
    for (unsigned code = 0; code < 256; ++code) {
      const uint8_t c = uint8_t(code);
      if (isFp8NaN(c, format))
        continue;
      const float value = decodeFp8(c, format);
      EXPECT_EQ(encodeFp8(value, format, None), c) << code;
      if (!isFp8Inf(c, format)) {
        EXPECT_EQ(encodeFp8(value, format, Sat), c) << code;
      }
      // decode(encode(x)) == x for every representable x.
      EXPECT_EQ(bitsOf(decodeFp8(encodeFp8(value, format, None), format)),
                bitsOf(value));
      // Exact values never move under stochastic rounding.
      for (uint32_t r : {0u, 1u, 0x80000000u, 0xFFFFFFFFu}) {
        EXPECT_EQ(encodeFp8Stochastic(value, r, format, None), c);
        if (!isFp8Inf(c, format)) {
          EXPECT_EQ(encodeFp8Stochastic(value, r, format, Sat), c);
        }
      }
    }
  }
}

TEST(FP8, ScaledForms) {
  // f32 product first: 0.1f * 10.0f rounds to exactly 1.0f in f32.
  EXPECT_EQ(quantizeFp8(0.1f, 10.0f, E4M3, Sat), 0x38);
  EXPECT_EQ(quantizeFp8(100.0f, 10.0f, E4M3, Sat), 0x7E);
  EXPECT_EQ(quantizeFp8(100.0f, 10.0f, E4M3, None), 0x7F);
  EXPECT_EQ(dequantizeFp8(0x38, 4.0f, E4M3), 0.25f);
  EXPECT_EQ(dequantizeFp8(0x38, 3.0f, E4M3), 1.0f / 3.0f);
  EXPECT_EQ(quantizeFp8(1.3f, 1.0f, E4M3, Sat, Rounding::Stochastic, 0),
            encodeFp8Stochastic(1.3f, 0, E4M3, Sat));
}

//===----------------------------------------------------------------------===//
// Stochastic rounding
//===----------------------------------------------------------------------===//

TEST(FP8Stochastic, CounterBasedBits) {
  // SplitMix64 outputs (high halves), computed independently.
  EXPECT_EQ(stochasticBits(0, 0), 0xE220A839u);
  EXPECT_EQ(stochasticBits(0, 1), 0x6E789E6Au);
  EXPECT_EQ(stochasticBits(1, 0), 0x910A2DECu);
  EXPECT_EQ(stochasticBits(42, 12345), 0xBE5663AAu);
  EXPECT_EQ(stochasticBits(~0ull, ~0ull), 0xB4D055FCu);
  EXPECT_EQ(stochasticBits(0x0123456789ABCDEFull, 1000000), 0x419D3EE2u);
  static_assert(stochasticBits(0, 0) == 0xE220A839u, "usable in constexpr");
}

TEST(FP8Stochastic, DeterministicGivenBits) {
  std::mt19937 rng(7);
  for (int i = 0; i < 10000; ++i) {
    const float x =
        std::ldexp(float(rng()) / 4294967296.0f, int(rng() % 40) - 20);
    const uint32_t r = rng();
    EXPECT_EQ(encodeFp8Stochastic(x, r, E4M3, Sat),
              encodeFp8Stochastic(x, r, E4M3, Sat));
  }
}

// For E4M3 normals 20 bits are discarded: frac = D / 2^20, and the rule
// r < frac * 2^32 means "round up iff r < D * 2^12".
TEST(FP8Stochastic, ThresholdBoundaries) {
  for (uint32_t dropped : {1u, 2u, 0x80000u, 0xFFFFFu}) {
    const float x = f32(0x3F800000u | dropped); // 1 + D * 2^-23: t = 1.0
    const uint32_t threshold = dropped << 12;
    EXPECT_EQ(encodeFp8Stochastic(x, threshold - 1, E4M3, Sat), 0x39)
        << dropped;
    EXPECT_EQ(encodeFp8Stochastic(x, threshold, E4M3, Sat), 0x38) << dropped;
    EXPECT_EQ(encodeFp8Stochastic(-x, threshold - 1, E4M3, Sat), 0xB9);
    EXPECT_EQ(encodeFp8Stochastic(-x, threshold, E4M3, Sat), 0xB8);
  }
  // r = 0 rounds up whenever frac > 0, however small.
  EXPECT_EQ(encodeFp8Stochastic(nextUp(1.0f), 0, E4M3, Sat), 0x39);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -149), 0, E4M3, Sat), 0x01);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -149), 1, E4M3, Sat), 0x00);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -149), 0, E5M2, None), 0x01);
  // Below the subnormal grid: frac = x / 2^-9; 2^-40 gives frac*2^32 = 2.
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -40), 1, E4M3, Sat), 0x01);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -40), 2, E4M3, Sat), 0x00);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -42), 0, E4M3, Sat), 0x01);
  EXPECT_EQ(encodeFp8Stochastic(std::ldexp(1.0f, -42), 1, E4M3, Sat), 0x00);
  // r = 2^32 - 1 rounds up only if frac > (2^32 - 1) / 2^32, which no f32
  // input reaches (frac has at most 24 significant bits): it truncates.
  std::mt19937 rng(11);
  for (int i = 0; i < 100000; ++i) {
    const float x = f32(rng() & 0x7FFFFFFFu);
    if (!(std::fabs(x) < 400.0f))
      continue;
    const uint8_t down = encodeFp8Stochastic(x, 0xFFFFFFFFu, E4M3, Sat);
    EXPECT_LE(decodeFp8(down, E4M3), x);
    EXPECT_GT(decodeFp8(uint8_t(down + 1), E4M3), x);
  }
  // Overflow is decided after rounding: 470 sits between 448 and 480.
  const double frac470 = (470.0 - 448.0) / 32.0;
  const uint32_t t470 = uint32_t(std::ceil(frac470 * 4294967296.0));
  EXPECT_EQ(encodeFp8Stochastic(470.0f, t470 - 1, E4M3, None), 0x7F);
  EXPECT_EQ(encodeFp8Stochastic(470.0f, t470 - 1, E4M3, Sat), 0x7E);
  EXPECT_EQ(encodeFp8Stochastic(470.0f, t470, E4M3, None), 0x7E);
  EXPECT_EQ(encodeFp8Stochastic(-60000.0f, 0, E5M2, None), 0xFC);
  EXPECT_EQ(encodeFp8Stochastic(-60000.0f, ~0u, E5M2, None), 0xFB);
  EXPECT_EQ(encodeFp8Stochastic(kInf, 0, E5M2, None), 0x7C);
  EXPECT_EQ(encodeFp8Stochastic(-kInf, 0, E4M3, Sat), 0xFE);
  EXPECT_EQ(encodeFp8Stochastic(-kNaN, 0, E4M3, Sat), 0x7F);
}

// The mean of many stochastic roundings of x is x (unbiased), within a few
// standard errors.
TEST(FP8Stochastic, Unbiased) {
  const float values[] = {1.3f,    -0.0123f, 3.0e-3f, 300.1f, 440.0f,
                          2.1e-3f, 5.0e-5f,  -7.7e3f, 4.0e-6f};
  constexpr int kSamples = 200000;
  for (Fp8Format format : {E4M3, E5M2}) {
    for (float x : values) {
      if (std::fabs(x) > maxFinite(format))
        continue;
      double sum = 0.0;
      for (int i = 0; i < kSamples; ++i)
        sum += decodeFp8(encodeFp8Stochastic(
                             x, stochasticBits(1234, uint64_t(i)), format, Sat),
                         format);
      const double mean = sum / kSamples;
      // The two candidates t and t + ulp; Bernoulli variance p(1-p)ulp^2.
      const uint8_t down = encodeFp8Stochastic(x, ~0u, format, Sat);
      const double lo = decodeFp8(down, format);
      const double hi = decodeFp8(uint8_t(down + 1), format);
      const double p = (std::fabs(double(x)) - std::fabs(lo)) /
                       (std::fabs(hi) - std::fabs(lo));
      const double sigma =
          std::fabs(hi - lo) * std::sqrt(p * (1 - p) / kSamples);
      EXPECT_NEAR(mean, double(x), 5 * sigma + 1e-12)
          << x << " " << fp8FormatName(format);
    }
  }
}

//===----------------------------------------------------------------------===//
// f16 / bf16
//===----------------------------------------------------------------------===//

TEST(Float16, WideningIsExact) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const double f16 = decodeF16Bits(bits), bf16 = decodeBF16Bits(bits);
    const float a = f16ToF32(uint16_t(bits)), b = bf16ToF32(uint16_t(bits));
    if (std::isnan(f16)) {
      // Payload kept: f16 mantissa bits move to the top of the f32 mantissa.
      EXPECT_EQ(bitsOf(a),
                (bits & 0x8000u) << 16 | 0x7F800000u | (bits & 0x3FFu) << 13);
    } else {
      EXPECT_EQ(double(a), f16);
      EXPECT_EQ(std::signbit(a), bool(bits & 0x8000));
    }
    EXPECT_EQ(bitsOf(b), bits << 16);
    if (!std::isnan(bf16)) {
      EXPECT_EQ(double(b), bf16);
    }
  }
}

TEST(Float16, NarrowingSpecialCases) {
  EXPECT_EQ(f32ToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32ToF16(nextDown(65520.0f)), 0x7BFF);
  EXPECT_EQ(f32ToF16(65520.0f), 0x7C00); // tie -> 65536 -> inf
  EXPECT_EQ(f32ToF16(-kInf), 0xFC00);
  EXPECT_EQ(f32ToF16(kNaN), 0x7E00);
  EXPECT_EQ(f32ToF16(-kNaN), 0xFE00);
  EXPECT_EQ(f32ToF16(f32(0x7F800001u)), 0x7E00); // signalling -> quiet
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(f32ToF16(std::ldexp(1.0f, -25)), 0x0000);  // tie -> 0
  EXPECT_EQ(f32ToF16(-std::ldexp(3.0f, -25)), 0x8002); // tie -> 2
  EXPECT_EQ(f32ToF16(-0.0f), 0x8000);
  EXPECT_EQ(f32ToBF16(1.0f), 0x3F80);
  EXPECT_EQ(f32ToBF16(f32(0x3F808000u)), 0x3F80); // tie -> even
  EXPECT_EQ(f32ToBF16(f32(0x3F818000u)), 0x3F82); // tie -> even
  EXPECT_EQ(f32ToBF16(f32(0x7F7FFFFFu)), 0x7F80); // overflow -> inf
  EXPECT_EQ(f32ToBF16(-kNaN), 0xFFC0);
  EXPECT_EQ(f32ToBF16(f32(0x7F800001u)), 0x7FC0);
  EXPECT_EQ(f32ToBF16(-0.0f), 0x8000);
}

// Every f32 class (exponent x leading mantissa bits x tail patterns) against
// the reference grids.
TEST(Float16, NarrowingRoundingClasses) {
  const ReferenceGrid &f16 = referenceF16(), &bf16 = referenceBF16();
  std::mt19937 rng(3);
  auto check = [&](uint32_t bits) {
    const float x = f32(bits);
    const uint16_t h = f32ToF16(x), b = f32ToBF16(x);
    if (std::isnan(x)) {
      ASSERT_EQ(h, (bits >> 31) ? 0xFE00 : 0x7E00);
      ASSERT_EQ(b, (bits >> 31) ? 0xFFC0 : 0x7FC0);
      return;
    }
    const uint16_t sign = uint16_t((bits >> 16) & 0x8000);
    const double v = std::fabs(double(x));
    uint32_t wantH = f16.roundNearest(v), wantB = bf16.roundNearest(v);
    wantH = wantH == ReferenceGrid::kOverflow ? 0x7C00 : wantH;
    wantB = wantB == ReferenceGrid::kOverflow ? 0x7F80 : wantB;
    ASSERT_EQ(h, wantH | sign) << std::hex << bits;
    ASSERT_EQ(b, wantB | sign) << std::hex << bits;
  };
  for (uint32_t exp = 0; exp < 256; ++exp)
    for (uint32_t top = 0; top < 64; ++top)
      for (uint32_t tail :
           {0u, 1u, 0x1FFFFu, 0x10000u, 0xFFFFu, 0x10001u, 0x00FFFu, 0x01000u,
            0x01001u, 0x00800u, 0x7FFu, 0x8000u, 0x8001u, 0x7FFFu, 0x18000u}) {
        const uint32_t bits = exp << 23 | top << 17 | tail;
        check(bits);
        check(bits | 0x80000000u);
      }
  for (int i = 0; i < 1000000; ++i)
    check(rng());
}

} // namespace
