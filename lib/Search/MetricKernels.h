//===- MetricKernels.h - Metric-learning kernels (private) ------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The arithmetic shared by the metric-learning energy
// (MetricLearningEnergy.cpp) and moves (MetricLearningMoves.cpp). The small
// helpers are inline so that each multiversioned kernel (an AVX2 clone,
// bit-identical: see Multiversion.h) compiles them into every clone.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_SEARCH_METRICKERNELS_H
#define SPARQ_LIB_SEARCH_METRICKERNELS_H

#include "sparq/Search/MetricLearning.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace sparq::search::detail {

/// Reductions run in this many fixed lanes (vectorisable without
/// reassociation flags, and the same order in every clone).
constexpr int kLanes = 4;

inline int64_t bitsOf(double x) {
  int64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
inline double doubleOf(int64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

/// exp(x) for x <= 0, with x clamped at -708 (exp(-708) ~ 3e-308 stays
/// normal, so the clamped tail is never exactly zero and never denormal).
/// libm's exp does not vectorise and is the main cost of a move; this one
/// is plain arithmetic: x = k ln 2 + r with k = round(x / ln 2) by the
/// 1.5 * 2^52 shifter, |r| <= 0.35, e^r by its Taylor series to degree 11
/// (relative error ~1e-15) in Estrin's scheme (a short dependency chain:
/// 1.6x faster than Horner's here), times 2^k built in the exponent bits.
inline double expNonPositive(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kShifter = 0x1.8p52;
  constexpr double kLn2Hi = 6.93147180369123816490e-01; // fdlibm's split
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  x = x > -708.0 ? x : -708.0;
  const double shifted = x * kLog2e + kShifter;
  const double k = shifted - kShifter;
  double r = x - k * kLn2Hi;
  r = r - k * kLn2Lo;
  const double r2 = r * r, r4 = r2 * r2;
  const double p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6);
  const double p45 = 1.0 / 24 + r * (1.0 / 120);
  const double p67 = 1.0 / 720 + r * (1.0 / 5040);
  const double p89 = 1.0 / 40320 + r * (1.0 / 362880);
  const double p1011 = 1.0 / 3628800 + r * (1.0 / 39916800);
  const double q03 = p01 + r2 * p23, q47 = p45 + r2 * p67;
  const double q811 = p89 + r2 * p1011;
  const double q = q03 + r4 * (q47 + r4 * q811);
  const int64_t ki = bitsOf(shifted) - bitsOf(kShifter);
  return q * doubleOf((ki + 1023) << 52);
}

/// The updated squared distance of a pair when one coordinate changes from
/// (zi, zj) to (wi, wj). delta() and apply() both use it, so the distances
/// apply() stores are those delta() scored. Clamped at 0 against rounding.
inline double updatedDistance(double dist, double zi, double zj, double wi,
                              double wj, double c2) {
  const double a = zi - zj, b = wi - wj;
  const double v = c2 * (dist + (b * b - a * a));
  return v > 0 ? v : 0;
}

/// Minimum of v[0, m), m >= 1.
inline double minimum(const double *v, int64_t m) {
  double lanes[kLanes];
  for (double &l : lanes)
    l = std::numeric_limits<double>::infinity();
  int64_t t = 0;
  for (; t + kLanes <= m; t += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lanes[l] = v[t + l] < lanes[l] ? v[t + l] : lanes[l];
  double mn = lanes[0];
  for (int l = 1; l < kLanes; ++l)
    mn = lanes[l] < mn ? lanes[l] : mn;
  for (; t < m; ++t)
    mn = v[t] < mn ? v[t] : mn;
  return mn;
}

/// Sum of v[0, m) in a fixed order.
inline double sum(const double *v, int64_t m) {
  double lanes[kLanes] = {};
  int64_t t = 0;
  for (; t + kLanes <= m; t += kLanes)
    for (int l = 0; l < kLanes; ++l)
      lanes[l] += v[t + l];
  double s = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; t < m; ++t)
    s += v[t];
  return s;
}

/// p_i from the squared distances `dist` of i's m candidates, the first
/// `same` of its class: sum over those of exp(-D) over the sum over all,
/// both shifted by the row minimum (so the largest term is exp(0) and
/// nothing overflows). Overwrites `dist`.
inline double shareOfSame(double *dist, int64_t m, int64_t same) {
  if (same == 0)
    return 0;
  const double mn = minimum(dist, m);
  for (int64_t t = 0; t < m; ++t)
    dist[t] = expNonPositive(mn - dist[t]);
  const double s = sum(dist, same);
  return s / (s + sum(dist + same, m - same));
}

/// Entropy (nats) of the softmax of -c2 * dist over m candidates.
inline double softmaxEntropy(const double *dist, int64_t m, double c2,
                      double *scratch) {
  for (int64_t t = 0; t < m; ++t)
    scratch[t] = c2 * dist[t];
  const double mn = minimum(scratch, m);
  double s = 0, moment = 0;
  for (int64_t t = 0; t < m; ++t) {
    const double w = expNonPositive(mn - scratch[t]);
    s += w;
    moment += w * (scratch[t] - mn);
  }
  return std::log(s) + moment / s;
}

/// Every p_i after a one-coordinate move (z_.r from zOld to zNew, then all
/// distances times c2), into pOut; the candidates' updated distances go
/// through `scratch` (m values).
void movedShares(const int32_t *nbr, const double *dist, const int32_t *same,
                 int64_t n, int64_t m, const double *zOld, const double *zNew,
                 double c2, double *scratch, double *pOut);

/// Commits such a move to the cached distances, with the arithmetic of
/// movedShares.
void moveDistances(const int32_t *nbr, double *dist, int64_t n, int64_t m,
                   const double *zOld, const double *zNew, double c2);

/// Squared distances from point i to every point, from column-major
/// coordinates (dOut columns of n).
void distancesFrom(const double *z, int64_t n, int64_t dOut, int64_t i,
                   double *out);

/// Z = A X by columns: z_k = sum_l A[k][l] x_l (x by column, d x n).
std::vector<double> project(const std::vector<double> &a,
                            const std::vector<double> &xs, int64_t n, int64_t d,
                            int64_t dOut);

double energyFromShares(const double *p, int64_t n, NcaForm form);

/// Exact (all pairs) energy and, optionally, each point's m nearest
/// candidates (same class first, each part by index) with their distances.
/// Passing m = 0 skips the candidates.
double allPairs(const double *z, const std::vector<int32_t> &cls, int64_t n,
                int64_t dOut, NcaForm form, int64_t m, int32_t *nbr,
                int32_t *same, double *dist);

/// Energy over given candidates from column-major coordinates.
double candidateEnergy(const double *z, int64_t n, int64_t dOut, int64_t m,
                       const int32_t *nbr, const int32_t *same, NcaForm form,
                       double *p);

inline bool finiteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

/// The default candidates per point: n / 8 within [16, 32] (m = 32 is
/// over a fifth of iris or wine, far past the perplexity-5 horizon, and
/// m = 16 fitted them as well at half the cost per move).
inline int64_t autoNeighbours(int64_t n) {
  return std::min<int64_t>(32, std::max<int64_t>(16, n / 8));
}
/// The default run length in proposals: 8 per point within [1000, 4000].
/// Few points saturate the training energy sooner (see the early stop in
/// MetricLearning.h): in 5 x 10-fold CV on iris and wine 1000 proposals fit
/// as well as 4000 (0.961 / 0.973 vs 0.957 / 0.971) at a quarter of the cost.
inline double autoProposals(int64_t n) {
  return std::min(4000.0, std::max(1000.0, 8.0 * double(n)));
}

} // namespace sparq::search::detail

#endif // SPARQ_LIB_SEARCH_METRICKERNELS_H
