//===- BulkTest.cpp - Bulk quantize/dequantize/convert/amax ---------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The bulk paths must equal the scalar functions bit for bit, for every
// element kind, scale layout, rounding mode and executor.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Stochastic.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <limits>
#include <random>
#include <vector>

using namespace sparq::numerics;

namespace {

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

/// Random f32 values that exercise every path: arbitrary bit patterns
/// (NaN, inf, f32 subnormals), values around the FP8 ranges, and edges.
std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  const float edges[] = {0.0f,     -0.0f,     448.0f,   464.0f, -464.0f,
                         480.0f,   57344.0f,  61440.0f, 1e-10f, -1e30f,
                         INFINITY, -INFINITY, NAN,      -NAN,   0.001953125f};
  std::vector<float> out(n);
  for (size_t i = 0; i < n; ++i) {
    switch (rng() % 4) {
    case 0:
      out[i] = f32(rng());
      break;
    case 1:
      out[i] = edges[rng() % (sizeof(edges) / sizeof(edges[0]))];
      break;
    default:
      out[i] = std::ldexp(float(int32_t(rng())) / 2147483648.0f,
                          int(rng() % 48) - 24);
      break;
    }
  }
  return out;
}

/// `values` stored as `kind` (round to nearest even, saturating for FP8).
std::vector<uint8_t> storeAs(const std::vector<float> &values,
                             ElementKind kind) {
  std::vector<uint8_t> out(values.size() * elementByteSize(kind));
  for (size_t i = 0; i < values.size(); ++i)
    storeFromF32(kind, out.data(), int64_t(i), values[i],
                 Saturation::SatFinite);
  return out;
}

const ParallelFor &threads() {
  static const ParallelFor pf = makeThreadParallelFor(4);
  return pf;
}

constexpr ElementKind kWideKinds[] = {ElementKind::F32, ElementKind::F16,
                                      ElementKind::BF16};
constexpr ElementKind kAllKinds[] = {ElementKind::F32, ElementKind::F16,
                                     ElementKind::BF16, ElementKind::E4M3,
                                     ElementKind::E5M2};

/// Views covering per-tensor, per-axis innermost and per-axis outer layouts,
/// with sizes that straddle task and block boundaries.
const AxisView kViews[] = {
    {1, 1000, 1},   // flat, short
    {3, 7, 5},      // tiny, odd
    {2, 100000, 1}, // long innermost axis (several tasks)
    {300, 513, 1},  // many rows, innermost
    {5, 3, 20011},  // axis in the middle, long inner runs
    {70000, 2, 1},  // axis of 2, many rows
};

std::vector<float> scalesFor(int64_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  const float specials[] = {1.0f, 0.5f, 3.7f, 1e-3f, 1e4f, 0.0f, 1e-40f};
  std::vector<float> scales(static_cast<size_t>(count));
  for (float &s : scales)
    s = rng() % 3
            ? std::ldexp(float(rng() % 1000 + 1) / 100.0f, int(rng() % 20) - 10)
            : specials[rng() % 7];
  return scales;
}

TEST(Bulk, QuantizeMatchesScalar) {
  for (const AxisView &view : kViews) {
    const int64_t n = view.numElements();
    const std::vector<float> values = randomFloats(size_t(n), uint32_t(n));
    for (ElementKind kind : kWideKinds) {
      const std::vector<uint8_t> input = storeAs(values, kind);
      for (bool perAxis : {false, true}) {
        const std::vector<float> scales =
            scalesFor(perAxis ? view.axis : 1, uint32_t(view.axis));
        for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2})
          for (Saturation sat : {Saturation::None, Saturation::SatFinite})
            for (Rounding rounding :
                 {Rounding::NearestEven, Rounding::Stochastic}) {
              const QuantizeOptions options{format, sat, rounding, 99};
              std::vector<uint8_t> serial(static_cast<size_t>(n)),
                  parallel(static_cast<size_t>(n));
              ASSERT_TRUE(quantize(input.data(), kind, serial.data(), view,
                                   scales.data(), int64_t(scales.size()),
                                   options));
              ASSERT_TRUE(quantize(input.data(), kind, parallel.data(), view,
                                   scales.data(), int64_t(scales.size()),
                                   options, threads()));
              ASSERT_EQ(serial, parallel);
              for (int64_t i = 0; i < n; ++i) {
                const int64_t a = (i / view.inner) % view.axis;
                const float scale = scales[perAxis ? size_t(a) : 0];
                const float x = loadAsF32(kind, input.data(), i);
                const uint8_t want =
                    rounding == Rounding::Stochastic
                        ? encodeFp8Stochastic(x * scale,
                                              stochasticBits(99, uint64_t(i)),
                                              format, sat)
                        : encodeFp8(x * scale, format, sat);
                ASSERT_EQ(serial[size_t(i)], want)
                    << "i=" << i << " x=" << x << " scale=" << scale << " "
                    << elementKindName(kind);
              }
            }
      }
    }
  }
}

TEST(Bulk, DequantizeMatchesScalar) {
  for (const AxisView &view : kViews) {
    const int64_t n = view.numElements();
    std::mt19937 rng(static_cast<uint32_t>(n));
    std::vector<uint8_t> codes(static_cast<size_t>(n));
    for (uint8_t &c : codes)
      c = uint8_t(rng());
    for (bool perAxis : {false, true}) {
      const std::vector<float> scales =
          scalesFor(perAxis ? view.axis : 1, uint32_t(view.axis) + 1);
      for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2})
        for (ElementKind outKind : kWideKinds) {
          const size_t bytes = size_t(n) * elementByteSize(outKind);
          std::vector<uint8_t> serial(bytes), parallel(bytes), want(bytes);
          ASSERT_TRUE(dequantize(codes.data(), format, serial.data(), outKind,
                                 view, scales.data(), int64_t(scales.size())));
          ASSERT_TRUE(dequantize(codes.data(), format, parallel.data(), outKind,
                                 view, scales.data(), int64_t(scales.size()),
                                 threads()));
          ASSERT_EQ(serial, parallel);
          for (int64_t i = 0; i < n; ++i) {
            const int64_t a = (i / view.inner) % view.axis;
            const float scale = scales[perAxis ? size_t(a) : 0];
            const float x = decodeFp8(codes[size_t(i)], format) / scale;
            storeFromF32(outKind, want.data(), i, x, Saturation::None);
          }
          ASSERT_EQ(serial, want) << elementKindName(outKind);
        }
    }
  }
}

TEST(Bulk, ConvertMatchesScalar) {
  const std::vector<float> values = randomFloats(70001, 5);
  for (ElementKind in : kAllKinds) {
    // Inputs: every FP8 code / random wide values.
    std::vector<uint8_t> input = storeAs(values, in);
    if (isFp8(in))
      for (size_t i = 0; i < input.size(); ++i)
        input[i] = uint8_t(i);
    for (ElementKind out : kAllKinds)
      for (Saturation sat : {Saturation::None, Saturation::SatFinite}) {
        const size_t bytes = values.size() * elementByteSize(out);
        std::vector<uint8_t> got(bytes), par(bytes), want(bytes);
        ASSERT_TRUE(convertElements(input.data(), in, got.data(), out,
                                    int64_t(values.size()), sat));
        ASSERT_TRUE(convertElements(input.data(), in, par.data(), out,
                                    int64_t(values.size()), sat, threads()));
        for (size_t i = 0; i < values.size(); ++i)
          storeFromF32(out, want.data(), int64_t(i),
                       loadAsF32(in, input.data(), int64_t(i)), sat);
        ASSERT_EQ(got, want)
            << elementKindName(in) << "->" << elementKindName(out);
        ASSERT_EQ(got, par);
      }
  }
}

/// Reference amax: max |x| in double, NaN-sticky.
float naiveAmax(ElementKind kind, const void *data,
                const std::vector<int64_t> &indices) {
  double best = 0.0;
  for (int64_t i : indices) {
    const float x = loadAsF32(kind, data, i);
    if (std::isnan(x))
      return std::numeric_limits<float>::quiet_NaN();
    best = std::max(best, std::fabs(double(x)));
  }
  return float(best);
}

TEST(Bulk, Amax) {
  for (const AxisView &view : kViews) {
    const int64_t n = view.numElements();
    std::vector<float> values = randomFloats(size_t(n), 77);
    // Mostly NaN-free so that the max itself is tested; then one NaN.
    for (float &v : values)
      if (std::isnan(v))
        v = 1.5f;
    for (ElementKind kind : kAllKinds) {
      for (int withNaN = 0; withNaN < 2; ++withNaN) {
        std::vector<uint8_t> data = storeAs(values, kind);
        if (withNaN) { // a NaN in axis slot 1 (or 0) only
          storeFromF32(kind, data.data(),
                       std::min<int64_t>(1, view.axis - 1) * view.inner, NAN,
                       Saturation::None);
        }
        std::vector<int64_t> all(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i)
          all[size_t(i)] = i;
        const float want = naiveAmax(kind, data.data(), all);
        const float got = amax(data.data(), kind, n);
        const float par = amax(data.data(), kind, n, threads());
        ASSERT_EQ(bitsOf(got), bitsOf(want)) << elementKindName(kind);
        ASSERT_EQ(bitsOf(par), bitsOf(want));
        if (withNaN) {
          ASSERT_EQ(bitsOf(got), 0x7FC00000u);
        }

        std::vector<float> perAxis(size_t(view.axis)),
            perAxisPar(size_t(view.axis));
        ASSERT_TRUE(amaxPerAxis(data.data(), kind, view, perAxis.data()));
        ASSERT_TRUE(
            amaxPerAxis(data.data(), kind, view, perAxisPar.data(), threads()));
        for (int64_t a = 0; a < view.axis; ++a) {
          std::vector<int64_t> slot;
          for (int64_t o = 0; o < view.outer; ++o)
            for (int64_t i = 0; i < view.inner; ++i)
              slot.push_back((o * view.axis + a) * view.inner + i);
          const float w = naiveAmax(kind, data.data(), slot);
          ASSERT_EQ(bitsOf(perAxis[size_t(a)]), bitsOf(w)) << a;
          ASSERT_EQ(bitsOf(perAxisPar[size_t(a)]), bitsOf(w)) << a;
        }
      }
    }
  }
  // Empty inputs.
  EXPECT_EQ(amax(nullptr, ElementKind::F32, 0), 0.0f);
  float slots[3] = {-1, -1, -1};
  EXPECT_TRUE(amaxPerAxis(nullptr, ElementKind::F16, {0, 3, 4}, slots));
  EXPECT_EQ(slots[0], 0.0f);
  EXPECT_EQ(slots[2], 0.0f);
}

TEST(Bulk, ElementsAndViews) {
  const int64_t shape[] = {2, 3, 4, 5};
  const AxisView v1 = AxisView::forDim(shape, 4, 1);
  EXPECT_EQ(v1.outer, 2);
  EXPECT_EQ(v1.axis, 3);
  EXPECT_EQ(v1.inner, 20);
  const AxisView v3 = AxisView::forDim(shape, 4, 3);
  EXPECT_EQ(v3.outer, 24);
  EXPECT_EQ(v3.inner, 1);
  EXPECT_EQ(AxisView::forDim(shape, 4, 0).numElements(), 120);
  EXPECT_EQ(elementByteSize(ElementKind::BF16), 2u);
  EXPECT_STREQ(elementKindName(ElementKind::E4M3), "f8E4M3FN");
  EXPECT_EQ(toFp8Format(ElementKind::E5M2), Fp8Format::E5M2);
  EXPECT_EQ(toElementKind(Fp8Format::E4M3), ElementKind::E4M3);
  const uint16_t halves[] = {0x8000, 0x0001, 0x7E00};
  EXPECT_TRUE(isZeroElement(ElementKind::F16, halves, 0));
  EXPECT_FALSE(isZeroElement(ElementKind::F16, halves, 1));
  EXPECT_FALSE(isZeroElement(ElementKind::F16, halves, 2)); // NaN
  const uint8_t codes[] = {0x80, 0x7F};
  EXPECT_TRUE(isZeroElement(ElementKind::E4M3, codes, 0));
  EXPECT_EQ(bitsOf(loadAsF32(ElementKind::E4M3, codes, 1)), 0x7FC00000u);
  uint8_t stored[2];
  storeFromF32(ElementKind::E4M3, stored, 1, 1000.0f, Saturation::None);
  EXPECT_EQ(stored[1], 0x7F);
  storeFromF32(ElementKind::E4M3, stored, 1, 1000.0f, Saturation::SatFinite);
  EXPECT_EQ(stored[1], 0x7E);
}

TEST(Bulk, RejectsBadArguments) {
  float x[4] = {1, 2, 3, 4}, scales[2] = {1, 2};
  uint8_t q[4];
  const QuantizeOptions options;
  EXPECT_FALSE(quantize(x, ElementKind::E4M3, q, {1, 4, 1}, scales, 1,
                        options)); // FP8 input
  EXPECT_FALSE(quantize(x, ElementKind::F32, q, {1, 4, 1}, scales, 2,
                        options)); // 2 scales for an axis of 4
  EXPECT_FALSE(
      quantize(x, ElementKind::F32, q, {1, 4, 1}, nullptr, 1, options));
  EXPECT_FALSE(
      quantize(x, ElementKind::F32, q, {-1, 4, 1}, scales, 1, options));
  EXPECT_TRUE(quantize(x, ElementKind::F32, q, {2, 2, 1}, scales, 2, options));
  EXPECT_FALSE(dequantize(q, Fp8Format::E4M3, x, ElementKind::E5M2, {1, 4, 1},
                          scales, 1));
  EXPECT_FALSE(convertElements(x, ElementKind::F32, q, ElementKind::E4M3, -1,
                               Saturation::None));
}

/// Reports the single-core throughput of the main bulk paths (informative;
/// the target for f32 -> FP8 nearest-even quantize is >= 1 GB/s).
TEST(Bulk, Throughput) {
  constexpr int64_t kN = 1 << 24;
  // Weight-like data: roughly normal, a few hundred after scaling.
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 100.0f);
  std::vector<float> values(static_cast<size_t>(kN));
  for (float &v : values)
    v = normal(rng);
  std::vector<uint8_t> out(static_cast<size_t>(kN));
  const float scale = 0.75f;
  auto seconds = [&](auto fn) {
    double best = 1e9;
    for (int rep = 0; rep < 3; ++rep) {
      auto t0 = std::chrono::steady_clock::now();
      fn();
      best = std::min(best, std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - t0)
                                .count());
    }
    return best;
  };
  QuantizeOptions options{Fp8Format::E4M3, Saturation::SatFinite,
                          Rounding::NearestEven, 0};
  const double rne = seconds([&] {
    quantize(values.data(), ElementKind::F32, out.data(), AxisView::flat(kN),
             &scale, 1, options);
  });
  options.rounding = Rounding::Stochastic;
  const double sto = seconds([&] {
    quantize(values.data(), ElementKind::F32, out.data(), AxisView::flat(kN),
             &scale, 1, options);
  });
  std::vector<float> back(static_cast<size_t>(kN));
  const double deq = seconds([&] {
    dequantize(out.data(), Fp8Format::E4M3, back.data(), ElementKind::F32,
               AxisView::flat(kN), &scale, 1);
  });
  const double gb = double(kN) * 4 / 1e9;
  std::cout << "[ bulk ] quantize f32->E4M3 RNE: " << gb / rne
            << " GB/s of f32 input; stochastic: " << gb / sto
            << " GB/s; dequantize E4M3->f32: " << gb / deq
            << " GB/s of f32 output (one core)\n";
  RecordProperty("QuantizeRNEGBps", std::to_string(gb / rne));
  EXPECT_GT(gb / rne, 0.0);
}

} // namespace
