//===- Wanda.h - Activation-aware N:M pruning scores ------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Wanda (Sun et al. 2023, "A Simple and Effective Pruning Approach for Large
// Language Models"): the importance of weight W[r][j] is
//   |W[r][j]| * ||X_j||_2,   ||X_j||_2 = sqrt(sumsq[j]),
// where sumsq[j] is the sum over calibration tokens of the squared input
// channel j. The N:M mask keeps, in each group of m consecutive input
// channels of a row, the n largest scores.
//
// Layout (shared with SparseGPT.h): the weight is row-major [rows][k], one
// row per output channel, k input channels contiguous; N:M groups run along
// k, i.e. along the contraction dimension K, as NM.h with AxisView{rows, k,
// 1} (the Python default axis=-1). Ties go to the lowest index, as in NM.h.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_WANDA_H
#define SPARQ_NUMERICS_WANDA_H

#include "sparq/Numerics/NM.h"

#include <cstdint>

namespace sparq::numerics {

enum class PruneStatus : uint8_t {
  Ok,
  /// Invalid pattern, negative sizes, k not a multiple of m, a block size
  /// not a positive multiple of m, or a negative / non-finite dampening.
  BadArguments,
  /// A weight or statistic is NaN or infinite.
  NonFinite,
  /// A sum of squares is negative.
  NegativeStatistic,
  /// SparseGPT: the Hessian is not symmetric.
  NotSymmetric,
  /// SparseGPT: the Hessian is not positive definite even after dampening.
  NotPositiveDefinite,
};

/// A short English description of `status`.
const char *pruneStatusMessage(PruneStatus status);

/// Keep-mask (1 = kept) of one group of m scores: the n largest, ties to the
/// lowest index (NM.h's rule; the scores here are finite).
void keepLargestInGroup(const double *scores, unsigned n, unsigned m,
                        uint8_t *keep);

/// scores[r][j] = |weight[r][j]| * sqrt(inputSumSq[j]), computed in double.
PruneStatus wandaScores(const float *weight, int64_t rows, int64_t k,
                        const double *inputSumSq, double *scores);

/// The N:M keep-mask of the Wanda scores (mask[r][j] = 1 if kept) and, when
/// `pruned` is not null, the weight with the other elements set to +0.
PruneStatus wandaPrune(const float *weight, int64_t rows, int64_t k,
                       const double *inputSumSq, NMPattern pattern,
                       uint8_t *mask, float *pruned = nullptr);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_WANDA_H
