//===- HistogramAmax.h - static FP8 amax from a histogram -------*- C++ -*-===//
//
// Calibration records a histogram of |x| over [0, max] in equal bins. Two
// ways to choose the static amax from it besides the plain maximum (as
// NVIDIA ModelOpt and TensorRT calibrate):
//  * percentile: the upper edge of the first bin at which the cumulative
//    count reaches p percent of all values;
//  * mse: of the bins' upper edges, the amax whose FP8 round trip (scale
//    computeFp8Scale(amax), encodeFp8 with satfinite, decode, unscale) of
//    every bin's centre, weighted by the bin's count, has the least squared
//    error. Values above the amax saturate, so clipping outliers is traded
//    against resolution near zero.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_NUMERICS_HISTOGRAMAMAX_H
#define SPARQ_NUMERICS_HISTOGRAMAMAX_H

#include "sparq/Numerics/FP8.h"

#include <cstdint>

namespace sparq::numerics {

/// The upper edge of the first bin where the cumulative count reaches
/// `percent` (0 < percent <= 100) of the total; 0 for an empty histogram.
double percentileAmax(const double *counts, int64_t bins, double max,
                      double percent);

/// Squared error of the FP8 round trip of every bin centre at `amax`,
/// weighted by the counts.
double histogramFp8Error(const double *counts, int64_t bins, double max,
                         double amax, Fp8Format format, int margin);

/// The bin upper edge with the least histogramFp8Error (ties to the larger
/// amax); 0 for an empty histogram.
double mseAmax(const double *counts, int64_t bins, double max,
               Fp8Format format, int margin);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_HISTOGRAMAMAX_H
