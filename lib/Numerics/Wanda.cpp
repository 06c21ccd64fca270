//===- Wanda.cpp - Activation-aware N:M pruning scores --------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Wanda.h"

#include <cmath>
#include <vector>

using namespace sparq::numerics;

const char *sparq::numerics::pruneStatusMessage(PruneStatus status) {
  switch (status) {
  case PruneStatus::Ok:
    return "ok";
  case PruneStatus::BadArguments:
    return "invalid arguments (pattern, sizes, block or dampening)";
  case PruneStatus::NonFinite:
    return "a weight or statistic is NaN or infinite";
  case PruneStatus::NegativeStatistic:
    return "a per-channel sum of squares is negative";
  case PruneStatus::NotSymmetric:
    return "the Hessian is not symmetric";
  case PruneStatus::NotPositiveDefinite:
    return "the Hessian is not positive definite even after dampening";
  }
  return "unknown status";
}

void sparq::numerics::keepLargestInGroup(const double *scores, unsigned n,
                                         unsigned m, uint8_t *keep) {
  // rank(j) = number of elements ordered before j: a larger score, or an
  // equal score at a lower index (NM.h's selectKept on double keys).
  for (unsigned j = 0; j < m; ++j) {
    unsigned rank = 0;
    for (unsigned l = 0; l < m; ++l)
      rank += l < j ? scores[l] >= scores[j] : scores[l] > scores[j];
    keep[j] = rank < n;
  }
}

PruneStatus sparq::numerics::wandaScores(const float *weight, int64_t rows,
                                         int64_t k, const double *inputSumSq,
                                         double *scores) {
  if (rows < 0 || k < 0)
    return PruneStatus::BadArguments;
  for (int64_t j = 0; j < k; ++j) {
    if (!std::isfinite(inputSumSq[j]))
      return PruneStatus::NonFinite;
    if (inputSumSq[j] < 0)
      return PruneStatus::NegativeStatistic;
  }
  for (int64_t i = 0; i < rows * k; ++i)
    if (!std::isfinite(weight[i]))
      return PruneStatus::NonFinite;
  std::vector<double> norm(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j)
    norm[size_t(j)] = std::sqrt(inputSumSq[j]);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < k; ++j)
      scores[r * k + j] =
          std::fabs(double(weight[r * k + j])) * norm[size_t(j)];
  return PruneStatus::Ok;
}

PruneStatus sparq::numerics::wandaPrune(const float *weight, int64_t rows,
                                        int64_t k, const double *inputSumSq,
                                        NMPattern pattern, uint8_t *mask,
                                        float *pruned) {
  if (!pattern.isValid() || rows < 0 || k < 0 || k % pattern.m != 0)
    return PruneStatus::BadArguments;
  std::vector<double> scores(size_t(rows * k));
  if (PruneStatus s = wandaScores(weight, rows, k, inputSumSq, scores.data());
      s != PruneStatus::Ok)
    return s;
  for (int64_t g = 0; g < rows * k; g += pattern.m)
    keepLargestInGroup(&scores[size_t(g)], pattern.n, pattern.m, mask + g);
  if (pruned)
    for (int64_t i = 0; i < rows * k; ++i)
      pruned[i] = mask[i] ? weight[i] : 0.0f;
  return PruneStatus::Ok;
}
