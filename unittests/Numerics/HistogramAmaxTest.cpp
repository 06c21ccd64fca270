//===- HistogramAmaxTest.cpp - static FP8 amax from a histogram -----------===//
//
// Percentile against hand-counted cumulative sums; MSE against a brute-force
// search written here with its own FP8 round trip (the decode table, not
// encodeFp8: nearest representable value by exhaustive search).
//
//===----------------------------------------------------------------------===//
#include "sparq/Numerics/HistogramAmax.h"

#include "sparq/Numerics/Scale.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

using namespace sparq::numerics;

namespace {
/// The value `x * scale` rounds to in `format` with satfinite, by searching
/// every finite code (ties to the even code), then unscaled.
double referenceRoundTrip(double x, float scale, Fp8Format format) {
  double target = double(float(x) * scale), best = 0, bestDiff = INFINITY;
  int bestCode = 0;
  for (int code = 0; code < 128; ++code) {
    float v = decodeFp8(uint8_t(code), format);
    if (!std::isfinite(v))
      continue;
    double diff = std::fabs(double(v) - target);
    if (diff < bestDiff || (diff == bestDiff && code % 2 == 0)) {
      best = v;
      bestDiff = diff;
      bestCode = code;
    }
  }
  (void)bestCode;
  return best / double(scale);
}

double referenceError(const std::vector<double> &counts, double max,
                      double amax, Fp8Format format) {
  float scale = computeFp8Scale(float(amax), format, 0);
  double width = max / counts.size(), error = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    double centre = (b + 0.5) * width;
    double d = referenceRoundTrip(centre, scale, format) - centre;
    error += counts[b] * d * d;
  }
  return error;
}
} // namespace

TEST(HistogramAmax, PercentileIsTheFirstBinReachingIt) {
  std::vector<double> counts = {10, 10, 10, 10, 1, 1, 1, 1}; // 44 values
  EXPECT_EQ(percentileAmax(counts.data(), 8, 8.0, 90), 4.0);  // 40 >= 39.6
  EXPECT_EQ(percentileAmax(counts.data(), 8, 8.0, 50), 3.0);  // 30 >= 22
  EXPECT_EQ(percentileAmax(counts.data(), 8, 8.0, 99.99), 8.0);
  EXPECT_EQ(percentileAmax(counts.data(), 8, 8.0, 100), 8.0);
  std::vector<double> empty(8, 0.0);
  EXPECT_EQ(percentileAmax(empty.data(), 8, 8.0, 99), 0.0);
}

TEST(HistogramAmax, ErrorMatchesAnIndependentRoundTrip) {
  std::vector<double> counts = {5, 0, 3, 2, 7, 1, 0, 4, 9, 2, 1, 1};
  for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2})
    for (double amax : {0.7, 1.3, 2.9, 3.0, 5.5})
      EXPECT_NEAR(histogramFp8Error(counts.data(), counts.size(), 3.0, amax,
                                    format, 0),
                  referenceError(counts, 3.0, amax, format),
                  1e-12 * (1 + referenceError(counts, 3.0, amax, format)));
}

TEST(HistogramAmax, MseIsTheBestBinEdge) {
  // A bulk of small values and a rare outlier: clipping the outlier pays.
  std::vector<double> counts(256, 0.0);
  for (int b = 0; b < 16; ++b)
    counts[b] = 1000 - 50 * b;
  counts[255] = 1;
  for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2}) {
    double best = mseAmax(counts.data(), counts.size(), 100.0, format, 0);
    double bestError = referenceError(counts, 100.0, best, format);
    for (int b = 1; b <= 256; ++b)
      EXPECT_LE(bestError,
                referenceError(counts, 100.0, 100.0 * b / 256, format) *
                    (1 + 1e-12));
    EXPECT_LT(best, 100.0);
  }
  std::vector<double> empty(4, 0.0);
  EXPECT_EQ(mseAmax(empty.data(), 4, 1.0, Fp8Format::E4M3, 0), 0.0);
}
