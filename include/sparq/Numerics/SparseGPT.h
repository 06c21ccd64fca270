//===- SparseGPT.h - One-shot N:M pruning with OBS updates ------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// SparseGPT (Frantar & Alistarh 2023, Algorithm 1) for N:M masks. Layout as
// in Wanda.h: weight [rows][k] row-major, groups of m along k. `hessian` is
// H = X^T X (k x k, double, symmetric) for calibration inputs X [tokens][k].
//
//   H += lambda I, lambda = damp * mean(diag H)
//   U  = upper Cholesky factor of H^-1 (H^-1 = U^T U)
//   for each block of `block` columns [b, b + B):
//     for j in [b, b + B):
//       if (j - b) % m == 0: in each row, keep the n of columns j..j+m-1
//         with the largest w^2 / U[c][c]^2 (w the current, updated weight)
//       e = (w_j - q_j) / U[j][j]   (q_j = w_j if kept, else 0)
//       w[j..b+B) -= e * U[j][j..b+B)
//     w[b+B..k) -= E * U[b..b+B)[b+B..k)   (the block's errors, lazily)
//
// Everything runs in double; the result is rounded to f32 once. The lazy
// batch update is algebraically identical to updating all later columns
// after each column, so the block size changes only rounding.
//
// Cost: O(K^3) for the factorizations plus O(rows * K^2) for the updates
// (K = 1024, 1024 rows: about 0.6 s in a Release build on a shared core;
// 8.2 s before the row-contiguous inverse).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_SPARSEGPT_H
#define SPARQ_NUMERICS_SPARSEGPT_H

#include "sparq/Numerics/Wanda.h"

#include <cstdint>

namespace sparq::numerics {

struct SparseGPTOptions {
  NMPattern pattern;
  /// Columns per lazy-update block; a positive multiple of pattern.m.
  int64_t block = 128;
  /// lambda = damp * mean(diag H); must be finite and >= 0.
  double damp = 0.01;
};

struct SparseGPTResult {
  PruneStatus status = PruneStatus::Ok;
  /// The value added to the diagonal of H.
  double lambda = 0;
  /// True when H itself was not numerically positive definite (a Cholesky
  /// pivot <= 1e-10 times its diagonal entry), so the dampening was what
  /// made the factorization possible. The damped H must pass the same test.
  bool neededDamping = false;
};

/// Prunes `weight` [rows][k] to the N:M pattern. Writes the reconstructed
/// weight `pruned` [rows][k] (zero outside the mask) and `mask` [rows][k]
/// (1 = kept). On a status other than Ok the outputs are unspecified.
SparseGPTResult sparseGPTPrune(const float *weight, int64_t rows, int64_t k,
                               const double *hessian,
                               const SparseGPTOptions &options, float *pruned,
                               uint8_t *mask);

/// The layer's output error on the calibration set, sum_r (w_r - v_r)^T H
/// (w_r - v_r) = ||X W^T - X V^T||_F^2 for H = X^T X, in double.
double reconstructionError(const float *weight, const float *approx,
                           int64_t rows, int64_t k, const double *hessian);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_SPARSEGPT_H
