//===- ChannelPermutationEvaluation.cpp - Reference scoring of permutations ===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Kept magnitudes and efficacy computed directly in double from W, sharing
// no code with the search kernels, so that benchmarks and tests check the
// searches against an independent scorer.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/ChannelPermutation.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

namespace sparq::search {

double totalMagnitude(const float *w, int64_t rows, int64_t cols) {
  double s = 0;
  for (int64_t i = 0, e = rows * cols; i < e; ++i)
    s += std::fabs(double(w[i]));
  return s;
}

double keptMagnitude(const float *w, int64_t rows, int64_t cols,
                     const std::vector<int32_t> &perm,
                     SparsityPattern pattern) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (checkWeights(w, rows, cols, pattern).status != PermutationStatus::Ok)
    return nan;
  if (!perm.empty() && !isPermutation(perm, cols))
    return nan;
  double kept = 0;
  double v[16];
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = w + r * cols;
    for (int64_t g = 0; g < cols / pattern.m; ++g) {
      for (unsigned i = 0; i < pattern.m; ++i) {
        int64_t j = g * pattern.m + i;
        v[i] = std::fabs(double(row[perm.empty() ? j : perm[size_t(j)]]));
      }
      std::sort(v, v + pattern.m, std::greater<double>());
      for (unsigned i = 0; i < pattern.n; ++i)
        kept += v[i];
    }
  }
  return kept;
}

double keptUnstructured(const float *w, int64_t rows, int64_t cols,
                        SparsityPattern pattern) {
  if (checkWeights(w, rows, cols, pattern).status != PermutationStatus::Ok)
    return std::numeric_limits<double>::quiet_NaN();
  const int64_t keep = cols / pattern.m * pattern.n;
  std::vector<double> v(static_cast<size_t>(cols));
  double kept = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      v[size_t(c)] = std::fabs(double(w[r * cols + c]));
    if (keep < cols)
      std::nth_element(v.begin(), v.begin() + keep, v.end(),
                       std::greater<double>());
    for (int64_t c = 0; c < keep; ++c)
      kept += v[size_t(c)];
  }
  return kept;
}

double efficacy(double kept, double keptIdentity, double keptUnstructured) {
  const double gap = keptUnstructured - keptIdentity;
  if (!(gap > 0))
    return std::numeric_limits<double>::quiet_NaN();
  return (kept - keptIdentity) / gap;
}

PermutationQuality evaluatePermutation(const float *w, int64_t rows,
                                       int64_t cols,
                                       const std::vector<int32_t> &perm,
                                       SparsityPattern pattern) {
  PermutationQuality q;
  q.status = checkWeights(w, rows, cols, pattern).status;
  if (q.status == PermutationStatus::Ok && !perm.empty() &&
      !isPermutation(perm, cols))
    q.status = PermutationStatus::BadArguments;
  if (q.status != PermutationStatus::Ok) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    q.total = q.keptIdentity = q.kept = q.keptUnstructured = q.efficacy = nan;
    return q;
  }
  q.total = totalMagnitude(w, rows, cols);
  q.keptIdentity = keptMagnitude(w, rows, cols, {}, pattern);
  q.kept = keptMagnitude(w, rows, cols, perm, pattern);
  q.keptUnstructured = keptUnstructured(w, rows, cols, pattern);
  q.efficacy = efficacy(q.kept, q.keptIdentity, q.keptUnstructured);
  return q;
}

} // namespace sparq::search
