//===- FP8ExhaustiveTest.cpp - Every f32, f16 and bf16 input --------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Checks encodeFp8 (nearest-even and stochastic, scalar and bulk, both
// formats, both saturation modes, both signs) for all 2^32 f32 inputs
// against ReferenceGrid. Positive inputs are walked in increasing bit order,
// which is increasing value order, so the reference only ever advances
// through the sorted FP8 values; the negative input of the same magnitude is
// checked in the same step.
//
//===----------------------------------------------------------------------===//

#include "ReferenceGrid.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Stochastic.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::testing;

namespace {

constexpr Fp8Format kFormats[] = {Fp8Format::E4M3, Fp8Format::E5M2};
constexpr Saturation kSats[] = {Saturation::None, Saturation::SatFinite};

float f32FromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Mismatches seen by one worker, with the first few described.
struct Failures {
  uint64_t count = 0;
  std::string first;
  void add(const char *what, uint32_t input, Fp8Format format, Saturation sat,
           unsigned got, unsigned want) {
    if (count++ < 8) {
      std::ostringstream os;
      os << what << " input=0x" << std::hex << input << " "
         << fp8FormatName(format)
         << (sat == Saturation::SatFinite ? " sat" : " nosat") << " got=0x"
         << got << " want=0x" << want << "\n";
      first += os.str();
    }
  }
};

constexpr uint32_t kBlock = 4096;

/// Checks positive inputs [begin, end) and their negatives:
///  * bulk nearest-even quantize (unit scale, so x * 1 == x): every input,
///    both formats, both saturation modes;
///  * scalar encodeFp8: every magnitude, both formats, with the sign and
///    saturation mode rotating over the four combinations;
///  * scalar encodeFp8Stochastic: every magnitude, both formats, signs and
///    saturation modes rotating, random bits from stochasticBits (BulkTest
///    checks the bulk stochastic path against it).
void walkRange(uint32_t begin, uint32_t end, Failures &failures) {
  const ReferenceGrid *grids[] = {&referenceE4M3(), &referenceE5M2()};
  size_t floor[2];
  for (int f = 0; f < 2; ++f)
    floor[f] = grids[f]->floorIndex(double(f32FromBits(begin)));
  std::vector<float> pos(kBlock), neg(kBlock), mixed(kBlock);
  std::vector<uint32_t> random(kBlock);
  // Expected positive results [format][saturate][j]; a negative input
  // expects the same code with the sign bit set.
  std::vector<uint8_t> nearest[2][2], stochastic[2][2];
  for (int f = 0; f < 2; ++f)
    for (int sat = 0; sat < 2; ++sat) {
      nearest[f][sat].resize(kBlock);
      stochastic[f][sat].resize(kBlock);
    }
  std::vector<uint8_t> out(kBlock);
  const float one = 1.0f;

  // Compares out[0, count) with want | sign(j); mismatches are rare, so the
  // fast loop only detects them and a second pass describes them.
  auto check = [&](const char *what, uint32_t start, uint32_t count,
                   const uint8_t *want, auto signOf, Fp8Format format,
                   Saturation sat, auto gotOf) {
    unsigned diff = 0;
    for (uint32_t j = 0; j < count; ++j)
      diff |= gotOf(j) ^ (want[j] | signOf(j));
    if (diff == 0)
      return;
    for (uint32_t j = 0; j < count; ++j)
      if (gotOf(j) != (want[j] | signOf(j)))
        failures.add(what, (start + j) | (signOf(j) ? 0x80000000u : 0), format,
                     sat, gotOf(j), want[j] | signOf(j));
  };

  for (uint32_t start = begin; start < end;
       start += std::min(kBlock, end - start)) {
    const uint32_t count = std::min(kBlock, end - start);
    const uint64_t seed = start;
    for (uint32_t j = 0; j < count; ++j) {
      pos[j] = f32FromBits(start + j);
      neg[j] = -pos[j];
      mixed[j] = j & 1 ? neg[j] : pos[j];
      random[j] = stochasticBits(seed, j);
      const double v = double(pos[j]);
      for (int f = 0; f < 2; ++f) {
        grids[f]->advance(floor[f], v);
        const uint32_t n = grids[f]->roundNearest(v, floor[f]);
        const uint32_t r = grids[f]->roundStochastic(v, floor[f], random[j]);
        for (int sat = 0; sat < 2; ++sat) {
          nearest[f][sat][j] = expectedFp8(n, false, f == 0, sat);
          stochastic[f][sat][j] = expectedFp8(r, false, f == 0, sat);
        }
      }
    }
    auto plus = [](uint32_t) { return 0u; };
    auto minus = [](uint32_t) { return 0x80u; };
    auto alternating = [](uint32_t j) { return j & 1 ? 0x80u : 0u; };
    for (int f = 0; f < 2; ++f) {
      const Fp8Format format = kFormats[f];
      for (int sat = 0; sat < 2; ++sat) {
        QuantizeOptions options{format, kSats[sat], Rounding::NearestEven, 0};
        auto fromOut = [&](uint32_t j) { return unsigned(out[j]); };
        quantize(pos.data(), ElementKind::F32, out.data(),
                 AxisView::flat(count), &one, 1, options);
        check("bulk", start, count, nearest[f][sat].data(), plus, format,
              kSats[sat], fromOut);
        quantize(neg.data(), ElementKind::F32, out.data(),
                 AxisView::flat(count), &one, 1, options);
        check("bulk", start, count, nearest[f][sat].data(), minus, format,
              kSats[sat], fromOut);
      }
      // Scalar: sign alternates with j, the saturation mode with j / 2 (and
      // the opposite one for stochastic rounding).
      for (uint32_t j = 0; j < count; ++j) {
        const int sat = (j >> 1) & 1;
        const unsigned sign = alternating(j);
        const uint8_t got = encodeFp8(mixed[j], format, kSats[sat]);
        if (got != (nearest[f][sat][j] | sign))
          failures.add("scalar", (start + j) | (sign << 24), format, kSats[sat],
                       got, nearest[f][sat][j] | sign);
        const uint8_t gotS =
            encodeFp8Stochastic(mixed[j], random[j], format, kSats[!sat]);
        if (gotS != (stochastic[f][!sat][j] | sign))
          failures.add("scalar-stochastic", (start + j) | (sign << 24), format,
                       kSats[!sat], gotS, stochastic[f][!sat][j] | sign);
      }
    }
  }
}

} // namespace

// All 2^31 non-NaN magnitudes below inf, both signs: 2^32 - 2^24 - 2 inputs.
TEST(FP8Exhaustive, AllFiniteF32) {
  constexpr uint32_t kEnd = 0x7F800000u; // +inf, handled below
  // Two threads on the 2-core development machines; more where available.
  const unsigned numThreads =
      std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<Failures> failures(numThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < numThreads; ++t) {
    const uint32_t begin = uint32_t(uint64_t(kEnd) * t / numThreads);
    const uint32_t end = uint32_t(uint64_t(kEnd) * (t + 1) / numThreads);
    threads.emplace_back(walkRange, begin, end, std::ref(failures[t]));
  }
  for (std::thread &thread : threads)
    thread.join();
  for (const Failures &f : failures)
    EXPECT_EQ(f.count, 0u) << f.first;
}

// +-inf and every NaN pattern (2^24 - 2 of them).
TEST(FP8Exhaustive, InfAndAllNaNs) {
  uint64_t bad = 0;
  for (Fp8Format format : kFormats) {
    const bool isE4M3 = format == Fp8Format::E4M3;
    for (Saturation sat : kSats) {
      const bool saturate = sat == Saturation::SatFinite;
      for (uint32_t sign = 0; sign < 2; ++sign) {
        const float inf = f32FromBits(0x7F800000u | sign << 31);
        const uint8_t wantInf =
            expectedFp8(ReferenceGrid::kOverflow, sign, isE4M3, saturate);
        EXPECT_EQ(encodeFp8(inf, format, sat), wantInf);
        EXPECT_EQ(encodeFp8Stochastic(inf, 0, format, sat), wantInf);
        EXPECT_EQ(encodeFp8Stochastic(inf, ~0u, format, sat), wantInf);
        for (uint32_t m = 1; m < (1u << 23); ++m) {
          const float nan = f32FromBits(0x7F800000u | m | sign << 31);
          bad += encodeFp8(nan, format, sat) != kFp8CanonicalNaN;
          bad += encodeFp8Stochastic(nan, m * 2654435761u, format, sat) !=
                 kFp8CanonicalNaN;
        }
      }
    }
  }
  EXPECT_EQ(bad, 0u);
}

// Every f16 and bf16 bit pattern: exact widening, then FP8 encoding.
TEST(FP8Exhaustive, AllF16AndBF16) {
  const ReferenceGrid *grids[] = {&referenceE4M3(), &referenceE5M2()};
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    for (int bf = 0; bf < 2; ++bf) {
      const double v = bf ? decodeBF16Bits(bits) : decodeF16Bits(bits);
      const float widened =
          bf ? bf16ToF32(uint16_t(bits)) : f16ToF32(uint16_t(bits));
      if (std::isnan(v)) {
        ASSERT_TRUE(std::isnan(widened)) << bits;
        // The sign survives; quietness/payload are checked elsewhere.
        ASSERT_EQ(std::signbit(widened), bool(bits & 0x8000)) << bits;
      } else {
        ASSERT_EQ(double(widened), v) << std::hex << bits;
        ASSERT_EQ(std::signbit(widened), bool(bits & 0x8000)) << bits;
      }
      for (int f = 0; f < 2; ++f) {
        for (Saturation sat : kSats) {
          const uint8_t got =
              bf ? encodeFp8FromBF16(uint16_t(bits), kFormats[f], sat)
                 : encodeFp8FromF16(uint16_t(bits), kFormats[f], sat);
          uint8_t want;
          if (std::isnan(v))
            want = kFp8CanonicalNaN;
          else
            want = expectedFp8(grids[f]->roundNearest(std::fabs(v)),
                               std::signbit(v), f == 0,
                               sat == Saturation::SatFinite);
          ASSERT_EQ(got, want) << (bf ? "bf16 0x" : "f16 0x") << std::hex
                               << bits << " " << fp8FormatName(kFormats[f]);
        }
      }
    }
  }
}
