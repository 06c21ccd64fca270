//===- SparseGPT.cpp - One-shot N:M pruning with OBS updates --------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/SparseGPT.h"

#include <algorithm>
#include <cmath>
#include <vector>

using namespace sparq::numerics;

namespace {

using Matrix = std::vector<double>; // row-major k x k

/// Pivots at most this fraction of their diagonal entry count as zero: the
/// matrix is singular to working precision (condition number >~ 1e10), as a
/// Gram matrix with a duplicated column is once rounded.
constexpr double kRelativePivot = 1e-10;

/// In-place lower Cholesky factor (a = L L^T, upper triangle zeroed); false
/// when a pivot is not finite or not above kRelativePivot times its
/// diagonal entry.
bool choleskyLower(Matrix &a, int64_t k) {
  for (int64_t j = 0; j < k; ++j) {
    double d = a[j * k + j];
    const double diagonal = d;
    for (int64_t p = 0; p < j; ++p)
      d -= a[j * k + p] * a[j * k + p];
    if (!(d > kRelativePivot * diagonal) || !(d > 0) || !std::isfinite(d))
      return false;
    const double l = std::sqrt(d);
    a[j * k + j] = l;
    for (int64_t i = j + 1; i < k; ++i) {
      double s = a[i * k + j];
      for (int64_t p = 0; p < j; ++p)
        s -= a[i * k + p] * a[j * k + p];
      a[i * k + j] = s / l;
    }
    for (int64_t i = 0; i < j; ++i)
      a[i * k + j] = 0;
  }
  return true;
}

/// H^-1 from the lower factor L of H: H^-1 = L^-T L^-1. Both loops run
/// along rows (contiguous) for cache reuse at K in the thousands.
Matrix inverseFromCholesky(const Matrix &l, int64_t k) {
  // Row i of L^-1: (e_i - sum_{p<i} L[i][p] * row p) / L[i][i].
  Matrix linv(size_t(k * k), 0.0);
  for (int64_t i = 0; i < k; ++i) {
    double *row = &linv[size_t(i * k)];
    row[i] = 1.0;
    for (int64_t p = 0; p < i; ++p) {
      const double f = l[size_t(i * k + p)];
      const double *rp = &linv[size_t(p * k)];
      for (int64_t c = 0; c <= p; ++c)
        row[c] -= f * rp[c];
    }
    const double d = l[size_t(i * k + i)];
    for (int64_t c = 0; c <= i; ++c)
      row[c] /= d;
  }
  // (L^-T L^-1)[i][j] = sum_p linv[p][i] * linv[p][j], as rank-1 updates of
  // the lower triangle, then mirrored.
  Matrix inv(size_t(k * k), 0.0);
  for (int64_t p = 0; p < k; ++p) {
    const double *rp = &linv[size_t(p * k)];
    for (int64_t i = 0; i <= p; ++i) {
      const double f = rp[i];
      double *out = &inv[size_t(i * k)];
      for (int64_t j = 0; j <= i; ++j)
        out[j] += f * rp[j];
    }
  }
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < i; ++j)
      inv[size_t(j * k + i)] = inv[size_t(i * k + j)];
  return inv;
}

} // namespace

SparseGPTResult sparq::numerics::sparseGPTPrune(
    const float *weight, int64_t rows, int64_t k, const double *hessian,
    const SparseGPTOptions &options, float *pruned, uint8_t *mask) {
  SparseGPTResult result;
  const NMPattern pattern = options.pattern;
  const int64_t m = pattern.m, n = pattern.n;
  if (!pattern.isValid() || rows < 0 || k < 0 || k % m != 0 ||
      options.block <= 0 || options.block % m != 0 ||
      !std::isfinite(options.damp) || options.damp < 0) {
    result.status = PruneStatus::BadArguments;
    return result;
  }
  for (int64_t i = 0; i < rows * k; ++i)
    if (!std::isfinite(weight[i])) {
      result.status = PruneStatus::NonFinite;
      return result;
    }
  double maxAbs = 0, trace = 0;
  for (int64_t i = 0; i < k * k; ++i) {
    if (!std::isfinite(hessian[i])) {
      result.status = PruneStatus::NonFinite;
      return result;
    }
    maxAbs = std::max(maxAbs, std::fabs(hessian[i]));
  }
  // Symmetric up to the rounding of an accumulated X^T X.
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < i; ++j)
      if (std::fabs(hessian[i * k + j] - hessian[j * k + i]) >
          1e-9 * maxAbs) {
        result.status = PruneStatus::NotSymmetric;
        return result;
      }
  if (k == 0 || rows == 0)
    return result;
  for (int64_t j = 0; j < k; ++j)
    trace += hessian[j * k + j];

  Matrix h(hessian, hessian + k * k);
  {
    Matrix probe = h;
    result.neededDamping = !choleskyLower(probe, k);
  }
  result.lambda = options.damp * trace / double(k);
  for (int64_t j = 0; j < k; ++j)
    h[j * k + j] += result.lambda;
  if (!choleskyLower(h, k)) {
    result.status = PruneStatus::NotPositiveDefinite;
    return result;
  }
  // U = upper factor of H^-1 = transpose of the lower factor of H^-1,
  // stored row-major so the updates below read its rows contiguously.
  Matrix lower = inverseFromCholesky(h, k);
  if (!choleskyLower(lower, k)) {
    result.status = PruneStatus::NotPositiveDefinite;
    return result;
  }
  Matrix u(size_t(k * k));
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j)
      u[size_t(i * k + j)] = lower[size_t(j * k + i)];
  lower = Matrix();
  auto U = [&](int64_t i, int64_t j) { return u[size_t(i * k + j)]; };

  std::vector<double> w(weight, weight + rows * k);
  std::vector<uint8_t> keep(size_t(rows * k), 1);
  std::vector<double> err(size_t(rows * std::min(options.block, k)));
  std::vector<double> scores(static_cast<size_t>(m));
  for (int64_t b = 0; b < k; b += options.block) {
    const int64_t e = std::min(k, b + options.block), count = e - b;
    for (int64_t j = b; j < e; ++j) {
      if ((j - b) % m == 0)
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t c = 0; c < m; ++c) {
            const double d = U(j + c, j + c);
            scores[size_t(c)] = w[r * k + j + c] * w[r * k + j + c] / (d * d);
          }
          keepLargestInGroup(scores.data(), unsigned(n), unsigned(m),
                             &keep[size_t(r * k + j)]);
        }
      const double d = U(j, j);
      for (int64_t r = 0; r < rows; ++r) {
        double *row = &w[size_t(r * k)];
        const double q = keep[size_t(r * k + j)] ? row[j] : 0.0;
        const double ej = (row[j] - q) / d;
        err[size_t(r * count + (j - b))] = ej;
        if (ej != 0)
          for (int64_t c = j + 1; c < e; ++c)
            row[c] -= ej * U(j, c);
        row[j] = q; // == row[j] - ej * U(j, j), without its rounding
      }
    }
    // Lazy batch update of the columns after the block.
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t p = b; p < e; ++p) {
        const double ep = err[size_t(r * count + (p - b))];
        if (ep != 0)
          for (int64_t c = e; c < k; ++c)
            w[size_t(r * k + c)] -= ep * U(p, c);
      }
  }
  for (int64_t i = 0; i < rows * k; ++i) {
    mask[i] = keep[size_t(i)];
    pruned[i] = keep[size_t(i)] ? float(w[size_t(i)]) : 0.0f;
  }
  return result;
}

double sparq::numerics::reconstructionError(const float *weight,
                                            const float *approx, int64_t rows,
                                            int64_t k, const double *hessian) {
  double total = 0;
  std::vector<double> d(static_cast<size_t>(k));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < k; ++j)
      d[size_t(j)] = double(weight[r * k + j]) - double(approx[r * k + j]);
    for (int64_t i = 0; i < k; ++i) {
      double s = 0;
      for (int64_t j = 0; j < k; ++j)
        s += hessian[i * k + j] * d[size_t(j)];
      total += d[size_t(i)] * s;
    }
  }
  return total;
}
