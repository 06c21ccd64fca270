//===- HistogramAmax.cpp - static FP8 amax from a histogram ---------------===//
#include "sparq/Numerics/HistogramAmax.h"

#include "sparq/Numerics/Scale.h"

#include <cmath>

using namespace sparq::numerics;

double sparq::numerics::percentileAmax(const double *counts, int64_t bins,
                                       double max, double percent) {
  double total = 0;
  for (int64_t b = 0; b < bins; ++b)
    total += counts[b];
  if (!(total > 0) || bins <= 0)
    return 0;
  double target = total * percent / 100.0, seen = 0;
  for (int64_t b = 0; b < bins; ++b) {
    seen += counts[b];
    if (seen >= target)
      return max * double(b + 1) / double(bins);
  }
  return max;
}

double sparq::numerics::histogramFp8Error(const double *counts, int64_t bins,
                                          double max, double amax,
                                          Fp8Format format, int margin) {
  float scale = computeFp8Scale(float(amax), format, margin);
  double width = max / double(bins), error = 0;
  for (int64_t b = 0; b < bins; ++b) {
    if (counts[b] == 0)
      continue;
    double centre = (double(b) + 0.5) * width;
    float q = decodeFp8(
        encodeFp8(float(centre) * scale, format, Saturation::SatFinite), format);
    double diff = double(q) / double(scale) - centre;
    error += counts[b] * diff * diff;
  }
  return error;
}

double sparq::numerics::mseAmax(const double *counts, int64_t bins, double max,
                                Fp8Format format, int margin) {
  double best = 0, bestError = INFINITY;
  for (int64_t b = bins; b >= 1; --b) {
    double amax = max * double(b) / double(bins);
    double error = histogramFp8Error(counts, bins, max, amax, format, margin);
    if (error < bestError) {
      bestError = error;
      best = amax;
    }
  }
  return std::isfinite(bestError) ? best : 0;
}
