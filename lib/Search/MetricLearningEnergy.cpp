//===- MetricLearningEnergy.cpp - The NCA energy and its caches -----------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The energy of MetricLearningProblem: validation and standardisation of
// the data, the projected coordinates and the candidate neighbours with
// their distances and shares, exact all-pairs energies, the perplexity
// calibration, and the independent reference. Moves are in
// MetricLearningMoves.cpp.
//
//===----------------------------------------------------------------------===//

#include "MetricKernels.h"

#include "Multiversion.h"

#include <algorithm>
#include <numeric>

namespace sparq::search {
namespace detail {

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
/// Passing m = 0 skips the candidates. Multiversioned for its n - 1 exps
/// per point: the refreshes took a sixth of a default run on wine.
SPARQ_SEARCH_MULTIVERSION
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

} // namespace detail

using namespace detail;

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
      options.neighbours == 0 ? autoNeighbours(n) : options.neighbours, n - 1);
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
  m = std::min(options.neighbours == 0 ? autoNeighbours(n) : options.neighbours,
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
  // 36 halvings of [-60, 60] leave log(c^2) within 2e-9: far below what
  // changes a fit, and half the cost of the calibration before (on iris
  // it had taken a sixth of the default run).
  for (int it = 0; it < 36; ++it) {
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

} // namespace sparq::search
