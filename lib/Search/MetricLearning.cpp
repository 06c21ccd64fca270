//===- MetricLearning.cpp - Metric learning by Metropolis annealing -------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/MetricLearning.h"

#include "Multiversion.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

namespace sparq::search {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Hot kernels carry SPARQ_SEARCH_MULTIVERSION (an AVX2 clone, bit-identical:
// see Multiversion.h).

/// Reductions run in this many fixed lanes (vectorisable without
/// reassociation flags, and the same order in every clone).
constexpr int kLanes = 4;

int64_t bitsOf(double x) {
  int64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double doubleOf(int64_t b) {
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
double softmaxEntropy(const double *dist, int64_t m, double c2,
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
/// through `scratch` (m values). One multiversioned call per move, so the
/// row loop and its helpers are compiled into each clone.
SPARQ_SEARCH_MULTIVERSION
void movedShares(const int32_t *nbr, const double *dist, const int32_t *same,
                 int64_t n, int64_t m, const double *zOld, const double *zNew,
                 double c2, double *scratch, double *pOut) {
  for (int64_t i = 0; i < n; ++i) {
    if (same[i] == 0) {
      pOut[i] = 0;
      continue;
    }
    const int32_t *nb = nbr + size_t(i * m);
    const double *di = dist + size_t(i * m);
    const double zi = zOld[i], wi = zNew[i];
    for (int64_t t = 0; t < m; ++t) {
      const int32_t j = nb[t];
      scratch[t] = updatedDistance(di[t], zi, zOld[j], wi, zNew[j], c2);
    }
    pOut[i] = shareOfSame(scratch, m, same[i]);
  }
}

/// Commits such a move to the cached distances, with the arithmetic of
/// movedShares.
SPARQ_SEARCH_MULTIVERSION
void moveDistances(const int32_t *nbr, double *dist, int64_t n, int64_t m,
                   const double *zOld, const double *zNew, double c2) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t *nb = nbr + size_t(i * m);
    double *di = dist + size_t(i * m);
    const double zi = zOld[i], wi = zNew[i];
    for (int64_t t = 0; t < m; ++t)
      di[t] = updatedDistance(di[t], zi, zOld[nb[t]], wi, zNew[nb[t]], c2);
  }
}

/// Squared distances from point i to every point, from column-major
/// coordinates (dOut columns of n).
SPARQ_SEARCH_MULTIVERSION
void distancesFrom(const double *z, int64_t n, int64_t dOut, int64_t i,
                   double *out) {
  std::fill(out, out + n, 0.0);
  for (int64_t k = 0; k < dOut; ++k) {
    const double *col = z + size_t(k) * size_t(n);
    const double zi = col[i];
    for (int64_t j = 0; j < n; ++j) {
      const double v = zi - col[j];
      out[j] += v * v;
    }
  }
}

/// Z = A X by columns: z_k = sum_l A[k][l] x_l (x by column, d x n).
std::vector<double> project(const std::vector<double> &a,
                            const std::vector<double> &xs, int64_t n, int64_t d,
                            int64_t dOut) {
  std::vector<double> z(size_t(dOut * n), 0.0);
  for (int64_t k = 0; k < dOut; ++k) {
    double *zk = z.data() + size_t(k * n);
    for (int64_t l = 0; l < d; ++l) {
      const double w = a[size_t(k * d + l)];
      if (w == 0)
        continue;
      const double *xl = xs.data() + size_t(l * n);
      for (int64_t i = 0; i < n; ++i)
        zk[i] += w * xl[i];
    }
  }
  return z;
}

double energyFromShares(const double *p, int64_t n, NcaForm form) {
  double e = 0;
  if (form == NcaForm::Linear) {
    for (int64_t i = 0; i < n; ++i)
      e -= p[i];
  } else {
    for (int64_t i = 0; i < n; ++i)
      e -= std::log(std::max(p[i], 1e-300));
  }
  return e;
}

/// Exact (all pairs) energy and, optionally, each point's m nearest
/// candidates (same class first, each part by index) with their distances.
/// Passing m = 0 skips the candidates.
double allPairs(const double *z, const std::vector<int32_t> &cls, int64_t n,
                int64_t dOut, NcaForm form, int64_t m, int32_t *nbr,
                int32_t *same, double *dist) {
  std::vector<double> all(static_cast<size_t>(n)), row(all), p(all);
  std::vector<int32_t> order;
  order.reserve(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    distancesFrom(z, n, dOut, i, all.data());
    // Same class first, then the rest, i itself left out.
    int64_t s = 0;
    for (int64_t j = 0; j < n; ++j)
      if (j != i && cls[size_t(j)] == cls[size_t(i)])
        row[size_t(s++)] = all[size_t(j)];
    int64_t t = s;
    for (int64_t j = 0; j < n; ++j)
      if (cls[size_t(j)] != cls[size_t(i)])
        row[size_t(t++)] = all[size_t(j)];
    p[size_t(i)] = shareOfSame(row.data(), n - 1, s);
    if (m == 0)
      continue;

    order.clear();
    for (int64_t j = 0; j < n; ++j)
      if (j != i)
        order.push_back(int32_t(j));
    if (m < n - 1) {
      // Nearest first, ties by index, so the choice is a function of A.
      auto nearer = [&](int32_t u, int32_t v) {
        double du = all[size_t(u)], dv = all[size_t(v)];
        return du < dv || (du == dv && u < v);
      };
      std::nth_element(order.begin(), order.begin() + (m - 1), order.end(),
                       nearer);
      order.resize(size_t(m));
      std::sort(order.begin(), order.end());
    }
    int32_t *nb = nbr + size_t(i * m);
    int64_t k = 0;
    for (int32_t j : order)
      if (cls[size_t(j)] == cls[size_t(i)])
        nb[k++] = j;
    same[i] = int32_t(k);
    for (int32_t j : order)
      if (cls[size_t(j)] != cls[size_t(i)])
        nb[k++] = j;
    for (int64_t t2 = 0; t2 < m; ++t2)
      dist[size_t(i * m + t2)] = all[size_t(nb[t2])];
  }
  return energyFromShares(p.data(), n, form);
}

/// Energy over given candidates from column-major coordinates.
double candidateEnergy(const double *z, int64_t n, int64_t dOut, int64_t m,
                       const int32_t *nbr, const int32_t *same, NcaForm form,
                       double *p) {
  std::vector<double> row(static_cast<size_t>(m));
  for (int64_t i = 0; i < n; ++i) {
    const int32_t *nb = nbr + size_t(i * m);
    for (int64_t t = 0; t < m; ++t) {
      double s = 0;
      for (int64_t k = 0; k < dOut; ++k) {
        const double v = z[size_t(k * n + i)] - z[size_t(k * n + nb[t])];
        s += v * v;
      }
      row[size_t(t)] = s;
    }
    p[i] = shareOfSame(row.data(), m, same[i]);
  }
  return energyFromShares(p, n, form);
}

bool finiteNonNegative(double v) { return std::isfinite(v) && v >= 0; }

constexpr int64_t kAutoNeighbours = 32;
constexpr double kAutoProposals = 4000;

} // namespace

//===----------------------------------------------------------------------===//
// Validation
//===----------------------------------------------------------------------===//

MetricDataCheck checkMetricData(const double *x, const int32_t *labels,
                                int64_t n, int64_t d,
                                const MetricProblemOptions &options) {
  MetricDataCheck c;
  auto bad = [&](const std::string &message) {
    c.status = MetricStatus::BadArguments;
    c.message = message;
    return c;
  };
  if (n < 2)
    return bad("need at least 2 points, got " + std::to_string(n));
  if (d < 1)
    return bad("need at least 1 feature, got " + std::to_string(d));
  if (!x || !labels)
    return bad("null features or labels");
  // Far beyond what a run could use; keeps the size arithmetic in range.
  if (n > (int64_t(1) << 31) - 1 || d > (int64_t(1) << 24))
    return bad("too many points or features");
  const int64_t dOut = options.outputDim ? options.outputDim : d;
  if (dOut < 1 || dOut > d)
    return bad("output dimension " + std::to_string(options.outputDim) +
               " is not in [1, " + std::to_string(d) + "]");
  if (double(dOut) * double(d) > double(int64_t(1) << 28))
    return bad("the transform would have more than 2^28 entries");
  if (options.neighbours < 0)
    return bad("negative number of neighbours");
  const int64_t m = std::min(
      options.neighbours == 0 ? kAutoNeighbours : options.neighbours, n - 1);
  if (double(n) * double(m) > double(int64_t(1) << 28))
    return bad("n * neighbours is too large (at most 2^28 pairs); choose "
               "fewer neighbours");
  if (!options.initial.empty()) {
    if (int64_t(options.initial.size()) != dOut * d)
      return bad("initial transform has " +
                 std::to_string(options.initial.size()) +
                 " entries, expected " + std::to_string(dOut * d));
    for (double v : options.initial)
      if (!std::isfinite(v))
        return bad("initial transform has a non-finite entry");
  }
  for (double v :
       {options.rotateWeight, options.stretchWeight, options.perturbWeight,
        options.rotateScale, options.stretchScale, options.perturbScale})
    if (!finiteNonNegative(v))
      return bad("move weights and scales must be finite and >= 0");
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < d; ++l)
      if (!std::isfinite(x[i * d + l])) {
        c.status = MetricStatus::NonFiniteFeature;
        c.badRow = i;
        c.badColumn = l;
        c.message = "non-finite feature at row " + std::to_string(i) +
                    ", column " + std::to_string(l);
        return c;
      }
  return c;
}

//===----------------------------------------------------------------------===//
// MetricLearningProblem
//===----------------------------------------------------------------------===//

MetricLearningProblem::MetricLearningProblem(
    const double *x, const int32_t *labels, int64_t numPoints,
    int64_t numFeatures, const MetricProblemOptions &options)
    : check(checkMetricData(x, labels, numPoints, numFeatures, options)),
      form(options.form) {
  if (check.status != MetricStatus::Ok)
    return;
  n = numPoints;
  d = numFeatures;
  dOut = options.outputDim ? options.outputDim : d;
  m = std::min(options.neighbours == 0 ? kAutoNeighbours : options.neighbours,
               n - 1);

  // Classes by increasing label.
  std::vector<int32_t> values(labels, labels + n);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  cls.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    cls[size_t(i)] =
        int32_t(std::lower_bound(values.begin(), values.end(), labels[i]) -
                values.begin());

  // Standardise by column. A feature is constant when every value equals
  // the first (then it is 0 after centring, whatever the rounding).
  mu.assign(size_t(d), 0.0);
  sigma.assign(size_t(d), 1.0);
  xs.assign(size_t(d * n), 0.0);
  for (int64_t l = 0; l < d; ++l) {
    double *col = xs.data() + size_t(l * n);
    bool constant = true;
    for (int64_t i = 0; i < n; ++i) {
      col[i] = x[i * d + l];
      constant &= col[i] == col[0];
    }
    if (constant) {
      if (options.standardize) {
        mu[size_t(l)] = col[0];
        std::fill(col, col + n, 0.0);
      }
      continue;
    }
    activeCols.push_back(int32_t(l));
    if (!options.standardize)
      continue;
    double s = 0;
    for (int64_t i = 0; i < n; ++i)
      s += col[i];
    const double mean = s / double(n);
    double ss = 0;
    for (int64_t i = 0; i < n; ++i)
      ss += (col[i] - mean) * (col[i] - mean);
    const double sd = std::sqrt(ss / double(n));
    mu[size_t(l)] = mean;
    sigma[size_t(l)] = sd > 0 ? sd : 1.0;
    for (int64_t i = 0; i < n; ++i)
      col[i] = (col[i] - mean) / sigma[size_t(l)];
  }

  if (options.initial.empty()) {
    a.assign(size_t(dOut * d), 0.0);
    for (int64_t k = 0; k < dOut; ++k)
      a[size_t(k * d + k)] = 1.0;
  } else {
    a = options.initial;
  }
  fixedNorm = options.fixedNorm;
  norm2Target = 0;
  for (double v : a)
    norm2Target += v * v;
  if (!(norm2Target > 0))
    fixedNorm = false;
  nbr.assign(size_t(n * m), 0);
  same.assign(size_t(n), 0);
  dist.assign(size_t(n * m), 0.0);
  p.assign(size_t(n), 0.0);
  zNew.assign(size_t(n), 0.0);
  pNew.assign(size_t(n), 0.0);
  weights[0] = options.rotateWeight;
  weights[1] = options.stretchWeight;
  weights[2] = options.perturbWeight;
  scales[0] = options.rotateScale;
  scales[1] = options.stretchScale;
  scales[2] = options.perturbScale;
  rebuildMoveTable();
  refreshNeighbours();
}

void MetricLearningProblem::rebuildMoveTable() {
  if (dOut < 2)
    weights[0] = 0;
  if (activeCols.empty())
    weights[2] = 0;
  if (!(weights[0] + weights[1] + weights[2] > 0))
    weights[1] = 1;
}

void MetricLearningProblem::setScales(double rotate, double stretch,
                                      double perturb) {
  scales[0] = rotate;
  scales[1] = stretch;
  scales[2] = perturb;
}

void MetricLearningProblem::resetCounts() {
  std::fill(std::begin(proposedCount), std::end(proposedCount), 0);
  std::fill(std::begin(acceptedCount), std::end(acceptedCount), 0);
}

double MetricLearningProblem::energyOf(const double *shares) const {
  return energyFromShares(shares, n, form);
}

double MetricLearningProblem::refreshNeighbours() {
  updateRowNorms();
  z = project(a, xs, n, d, dOut);
  const double exact = allPairs(z.data(), cls, n, dOut, form, m, nbr.data(),
                                same.data(), dist.data());
  // The candidates' shares from the distances just stored.
  std::vector<double> row(static_cast<size_t>(m));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(dist.data() + size_t(i * m), m, row.data());
    p[size_t(i)] = shareOfSame(row.data(), m, same[size_t(i)]);
  }
  e = energyOf(p.data());
  refreshExact = exact;
  return exact;
}

double MetricLearningProblem::meanEntropy(double c2) const {
  std::vector<double> scratch(static_cast<size_t>(m));
  double h = 0;
  for (int64_t i = 0; i < n; ++i)
    h += softmaxEntropy(dist.data() + size_t(i * m), m, c2, scratch.data());
  return h / double(n);
}

double MetricLearningProblem::calibrateScale(double perplexity) {
  if (check.status != MetricStatus::Ok || !(perplexity > 1))
    return 1;
  // The mean entropy falls monotonically as the distances are scaled up;
  // bisect on log(c^2). A target the candidates cannot reach (more than m,
  // or all distances equal) leaves A as it is.
  const double target = std::log(std::min(perplexity, double(m)));
  double lo = -60, hi = 60; // log(c^2)
  if (!(meanEntropy(std::exp(lo)) > target) ||
      !(meanEntropy(std::exp(hi)) < target))
    return 1;
  for (int it = 0; it < 80; ++it) {
    const double mid = 0.5 * (lo + hi);
    (meanEntropy(std::exp(mid)) > target ? lo : hi) = mid;
  }
  const double c = std::exp(0.25 * (lo + hi));
  for (double &v : a)
    v *= c;
  norm2Target *= c * c;
  refreshNeighbours();
  return c;
}

void MetricLearningProblem::updateRowNorms() {
  rowNorm2.assign(size_t(dOut), 0.0);
  for (int64_t k = 0; k < dOut; ++k)
    for (int64_t l = 0; l < d; ++l)
      rowNorm2[size_t(k)] += a[size_t(k * d + l)] * a[size_t(k * d + l)];
}

void MetricLearningProblem::recomputeCaches() {
  updateRowNorms();
  z = project(a, xs, n, d, dOut);
  std::vector<double> all(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    // Distances as refreshNeighbours() computes them, so a refresh and a
    // restore of the same A give the same caches.
    distancesFrom(z.data(), n, dOut, i, all.data());
    for (int64_t t = 0; t < m; ++t)
      dist[size_t(i * m + t)] = all[size_t(nbr[size_t(i * m + t)])];
  }
  std::vector<double> row(static_cast<size_t>(m));
  for (int64_t i = 0; i < n; ++i) {
    std::copy_n(dist.data() + size_t(i * m), m, row.data());
    p[size_t(i)] = shareOfSame(row.data(), m, same[size_t(i)]);
  }
  e = energyOf(p.data());
}

MetricLearningProblem::Move MetricLearningProblem::propose(Rng &rng) {
  Move mv;
  const double total = weights[0] + weights[1] + weights[2];
  const double u = rng.uniform() * total;
  mv.kind = u < weights[0]                ? MoveKind::Rotate
            : u < weights[0] + weights[1] ? MoveKind::Stretch
                                          : MoveKind::Perturb;
  // Guard the rounding edge where u lands exactly on a zero-weight kind.
  if (mv.kind == MoveKind::Perturb && weights[2] == 0)
    mv.kind = MoveKind::Stretch;
  ++proposedCount[int(mv.kind)];
  const double v = 2 * rng.uniform() - 1;
  mv.row = int32_t(rng.below(uint64_t(dOut)));
  switch (mv.kind) {
  case MoveKind::Rotate: {
    // Two distinct rows, uniformly.
    int32_t s = int32_t(rng.below(uint64_t(dOut - 1)));
    mv.other = s >= mv.row ? s + 1 : s;
    mv.amount = v * scales[0];
    break;
  }
  case MoveKind::Stretch:
    mv.amount = v * scales[1];
    break;
  case MoveKind::Perturb:
    mv.other = activeCols[size_t(rng.below(activeCols.size()))];
    mv.amount = v * scales[2];
    break;
  }
  return mv;
}

double MetricLearningProblem::delta(Move &mv) {
  if (mv.kind == MoveKind::Rotate)
    return 0; // an isometry of the output space
  const double *zr = z.data() + size_t(mv.row) * size_t(n);
  if (mv.kind == MoveKind::Stretch) {
    const double f = std::exp(mv.amount);
    for (int64_t i = 0; i < n; ++i)
      zNew[size_t(i)] = f * zr[i];
  } else {
    const double *xl = xs.data() + size_t(mv.other) * size_t(n);
    for (int64_t i = 0; i < n; ++i)
      zNew[size_t(i)] = zr[i] + mv.amount * xl[i];
  }
  c2New = 1;
  if (fixedNorm) {
    const double *ar = a.data() + size_t(mv.row) * size_t(d);
    double row2 = 0, total = 0;
    for (int64_t l = 0; l < d; ++l) {
      double v = ar[l];
      if (mv.kind == MoveKind::Stretch)
        v *= std::exp(mv.amount);
      else if (l == mv.other)
        v += mv.amount;
      row2 += v * v;
    }
    for (int64_t k = 0; k < dOut; ++k)
      total += k == mv.row ? row2 : rowNorm2[size_t(k)];
    c2New = total > 0 ? norm2Target / total : 1;
  }
  rowScratch.resize(size_t(m));
  movedShares(nbr.data(), dist.data(), same.data(), n, m, zr, zNew.data(),
              c2New, rowScratch.data(), pNew.data());
  eNew = energyOf(pNew.data());
  return eNew - e;
}

void MetricLearningProblem::apply(const Move &mv) {
  ++acceptedCount[int(mv.kind)];
  double *ar = a.data() + size_t(mv.row) * size_t(d);
  double *zr = z.data() + size_t(mv.row) * size_t(n);
  if (mv.kind == MoveKind::Rotate) {
    const double c = std::cos(mv.amount), s = std::sin(mv.amount);
    double *as = a.data() + size_t(mv.other) * size_t(d);
    double *zs = z.data() + size_t(mv.other) * size_t(n);
    for (int64_t l = 0; l < d; ++l) {
      const double u = ar[l], v = as[l];
      ar[l] = c * u - s * v;
      as[l] = s * u + c * v;
    }
    for (int64_t i = 0; i < n; ++i) {
      const double u = zr[i], v = zs[i];
      zr[i] = c * u - s * v;
      zs[i] = s * u + c * v;
    }
    if (fixedNorm)
      updateRowNorms();
    return;
  }
  if (mv.kind == MoveKind::Stretch) {
    const double f = std::exp(mv.amount);
    for (int64_t l = 0; l < d; ++l)
      ar[l] *= f;
  } else {
    ar[mv.other] += mv.amount;
  }
  moveDistances(nbr.data(), dist.data(), n, m, zr, zNew.data(), c2New);
  std::copy(zNew.begin(), zNew.end(), zr);
  if (fixedNorm) {
    const double c = std::sqrt(c2New);
    for (double &v : a)
      v *= c;
    for (double &v : z)
      v *= c;
    updateRowNorms();
  }
  p.swap(pNew);
  e = eNew;
}

void MetricLearningProblem::restoreState(const State &in) {
  a = in;
  recomputeCaches();
}

bool MetricLearningProblem::setTransform(const std::vector<double> &t) {
  if (check.status != MetricStatus::Ok || int64_t(t.size()) != dOut * d)
    return false;
  for (double v : t)
    if (!std::isfinite(v))
      return false;
  a = t;
  recomputeCaches();
  return true;
}

double MetricLearningProblem::recomputeEnergy() const {
  if (check.status != MetricStatus::Ok)
    return 0;
  std::vector<double> zz = project(a, xs, n, d, dOut),
                      shares(static_cast<size_t>(n));
  return candidateEnergy(zz.data(), n, dOut, m, nbr.data(), same.data(), form,
                         shares.data());
}

double MetricLearningProblem::exactEnergy() const {
  if (check.status != MetricStatus::Ok)
    return 0;
  std::vector<double> zz = project(a, xs, n, d, dOut);
  return allPairs(zz.data(), cls, n, dOut, form, 0, nullptr, nullptr, nullptr);
}

std::vector<double> MetricLearningProblem::standardizedFeatures() const {
  std::vector<double> out(size_t(n * d));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < d; ++l)
      out[size_t(i * d + l)] = xs[size_t(l * n + i)];
  return out;
}

//===----------------------------------------------------------------------===//
// Reference
//===----------------------------------------------------------------------===//

double ncaEnergyReference(const double *z, const int32_t *labels, int64_t n,
                          int64_t dOut, NcaForm form) {
  double e = 0;
  std::vector<double> dd(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    double mn = std::numeric_limits<double>::infinity();
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < dOut; ++k) {
        const double v = z[i * dOut + k] - z[j * dOut + k];
        s += v * v;
      }
      dd[size_t(j)] = s;
      if (j != i)
        mn = std::min(mn, s);
    }
    double num = 0, den = 0;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i)
        continue;
      const double w = std::exp(mn - dd[size_t(j)]);
      den += w;
      if (labels[j] == labels[i])
        num += w;
    }
    const double pi = num / den;
    e -= form == NcaForm::Linear ? pi : std::log(std::max(pi, 1e-300));
  }
  return e;
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

MetricLearningResult learnMetric(const double *x, const int32_t *labels,
                                 int64_t n, int64_t d,
                                 const MetricLearningOptions &options) {
  const Clock::time_point start = Clock::now();
  MetricLearningResult result;
  auto finish = [&] {
    result.seconds = secondsSince(start);
    return result;
  };
  MetricLearningProblem problem(x, labels, n, d, options.problem);
  const MetricDataCheck &check = problem.dataCheck();
  result.status = check.status;
  result.message = check.message;
  result.badRow = check.badRow;
  result.badColumn = check.badColumn;
  if (check.status != MetricStatus::Ok)
    return finish();
  if (!std::isfinite(options.sweeps) && !(options.timeBudgetSeconds > 0)) {
    result.status = MetricStatus::BadArguments;
    result.message = "unbounded run: infinite sweeps and no time budget";
    return finish();
  }

  result.inputDim = d;
  result.outputDim = problem.outputDim();
  result.mean = problem.mean();
  result.scale = problem.scale();
  result.neighbours = problem.neighbours();
  if (options.perplexity > 0)
    problem.calibrateScale(options.perplexity);
  std::vector<double> best = problem.transform();
  double bestExact = problem.lastRefreshEnergy();
  result.initialEnergy = bestExact;

  const double budget = options.timeBudgetSeconds;
  // Temperatures for the whole run, from random moves at the start.
  Rng seeder(options.seed);
  const TemperatureSchedule &schedule = options.schedule;
  double t0 = schedule.start, t1 = schedule.end;
  if (!(t0 > 0) || !(t1 > 0)) {
    // Sampled in batches so that a budget also bounds the sampling (to a
    // tenth of it; moves on large data sets take a while).
    std::vector<double> samples;
    while (samples.size() < schedule.autoSamples) {
      std::vector<double> batch =
          sampleAbsDeltas(problem, seeder,
                          unsigned(std::min<size_t>(16, schedule.autoSamples -
                                                            samples.size())));
      samples.insert(samples.end(), batch.begin(), batch.end());
      if (budget > 0 && secondsSince(start) > 0.1 * budget)
        break;
    }
    detail::resolveTemperatures(schedule, samples, t0, t1);
  }
  problem.resetCounts();

  const double perSweep = double(problem.size());
  const double sweeps =
      options.sweeps > 0 ? options.sweeps : kAutoProposals / perSweep;
  // Refreshes (O(n^2 d') each) kept to about a quarter of the run: a
  // refresh costs about n (d' + 32) / (24 m) moves (a move is ~24 flops per
  // candidate pair, mostly the exp; a refresh ~d' + 32 per pair of points).
  int stages = options.stages;
  if (stages <= 0) {
    const double n = double(problem.numPoints());
    const double refreshInMoves = n * double(problem.outputDim() + 32) /
                                  (24.0 * double(problem.neighbours()));
    stages = std::isfinite(sweeps)
                 ? int(std::min(8.0, std::max(1.0, sweeps * perSweep /
                                                       (4 * refreshInMoves))))
                 : 8;
  }
  result.stages = 0;
  AnnealStats &total = result.anneal;
  total.startTemperature = t0;
  total.endTemperature = t1;
  total.initialEnergy = bestExact;
  // Clock reads every ~2^18 pair updates: cheap, and fine enough for a
  // budget even on large problems.
  const double pairs =
      double(problem.numPoints()) * double(problem.neighbours());
  const unsigned chunk =
      unsigned(std::min(256.0, std::max(1.0, double(1 << 18) / pairs)));

  for (int s = 0; s < stages; ++s) {
    AnnealOptions ao;
    ao.seed = seeder.next();
    ao.sweeps = std::isfinite(sweeps) ? sweeps / stages : 1e18;
    ao.chunk = chunk;
    ao.schedule.kind = TemperatureSchedule::Kind::Custom;
    ao.schedule.start = t0;
    ao.schedule.end = t1;
    ao.schedule.custom = [&schedule, s, stages](double progress, double a,
                                                double b) {
      return schedule.at((s + progress) / stages, a, b);
    };
    if (budget > 0) {
      // The first stage runs even when setting up took the whole budget
      // (a loaded machine, a sanitizer build): its first chunk of moves is
      // made regardless, so the result always reflects some search.
      const double left = budget - secondsSince(start);
      if (left <= 0 && s > 0) {
        total.stoppedByTime = true;
        break;
      }
      ao.progressByTime = options.progressByTime;
      ao.timeBudgetSeconds = std::max(
          1e-9, options.progressByTime ? left / double(stages - s) : left);
    }
    AnnealStats st = anneal(problem, ao);
    ++result.stages;
    total.proposed += st.proposed;
    total.accepted += st.accepted;
    total.acceptedUphill += st.acceptedUphill;
    total.improvements += st.improvements;
    total.sweeps += st.sweeps;
    total.lastTemperature = st.lastTemperature;
    total.finalEnergy = st.finalEnergy;
    total.stoppedByTime |= st.stoppedByTime && !options.progressByTime;

    if (options.targetAcceptance > 0) {
      // Scales shrink towards the target acceptance as the chain settles
      // into a minimum, and grow back up to their initial values, never
      // beyond: on the plateaus of a well-fitted NCA energy nearly every
      // move is accepted, and growing steps there only wander away from the
      // metrics that generalise. Rotations are neutral, their scale stays.
      auto adapt = [&](MetricLearningProblem::MoveKind k, double scale,
                       double initial) {
        const uint64_t tried = problem.proposedOf(k);
        if (tried < 20)
          return scale;
        const double rate = double(problem.acceptedOf(k)) / double(tried);
        const double f =
            std::min(2.0, std::max(0.5, rate / options.targetAcceptance));
        return std::min(initial, scale * f);
      };
      problem.setScales(
          problem.rotateScale(),
          adapt(MetricLearningProblem::MoveKind::Stretch,
                problem.stretchScale(), options.problem.stretchScale),
          adapt(MetricLearningProblem::MoveKind::Perturb,
                problem.perturbScale(), options.problem.perturbScale));
    }
    problem.resetCounts();
    const double exact = problem.refreshNeighbours();
    if (exact < bestExact) {
      bestExact = exact;
      best = problem.transform();
    }
    if (st.stoppedByTime && !options.progressByTime)
      break;
  }

  result.transform = best;
  result.energy = bestExact;
  total.bestEnergy = bestExact;
  result.rotateScale = problem.rotateScale();
  result.stretchScale = problem.stretchScale();
  result.perturbScale = problem.perturbScale();
  total.seconds = secondsSince(start);
  return finish();
}

MetricLearningResult learnMetric(const std::vector<double> &x,
                                 const std::vector<int32_t> &labels, int64_t n,
                                 int64_t d,
                                 const MetricLearningOptions &options) {
  if (n < 0 || d < 0 || x.size() != size_t(n) * size_t(d) ||
      labels.size() != size_t(n)) {
    MetricLearningResult result;
    result.status = MetricStatus::BadArguments;
    result.message = "expected " + std::to_string(n) + " x " +
                     std::to_string(d) + " features and " + std::to_string(n) +
                     " labels, got " + std::to_string(x.size()) +
                     " features and " + std::to_string(labels.size()) +
                     " labels";
    return result;
  }
  return learnMetric(x.data(), labels.data(), n, d, options);
}

} // namespace sparq::search
