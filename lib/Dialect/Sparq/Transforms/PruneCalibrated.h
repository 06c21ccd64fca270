//===- PruneCalibrated.h - activation-aware pruning of constants -*- C++ -*-===//
//
// The part of --sparq-prune that reads calibration statistics: Wanda and
// SparseGPT masks (and SparseGPT's reconstructed weight) for a constant
// weight, and the output error on the calibration set that the report
// states. Internal to the Transforms library.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_TRANSFORMS_PRUNECALIBRATED_H
#define SPARQ_LIB_TRANSFORMS_PRUNECALIBRATED_H

#include "sparq/Dialect/Sparq/Transforms/Calibration.h"
#include "sparq/Numerics/NM.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"

#include <string>

namespace sparq {

enum class PruneCriterion { Magnitude, Wanda, SparseGPT };

struct CalibratedPruneResult {
  /// The weight to prune in place of the original (already N:M along K,
  /// SparseGPT's values reconstructed); null for magnitude.
  mlir::ElementsAttr weight;
  /// Relative L1 magnitude the mask keeps of the original weight.
  double keptL1 = 0, totalL1 = 0;
  /// For the report: the output error on the calibration set.
  std::string report;
};

/// Prunes the constant `weight` (rank 2, K = dimension `kDim`) by
/// `criterion` with the statistics of product `name`. Errors (no entry, a
/// channel count that is not K, a missing statistic, a Hessian that even
/// damped is not positive definite) are emitted at `loc`; a Hessian that
/// needed the dampening gets a warning. `permutation` (position -> calibrated
/// channel, the product's sparq.channel_permutation) is empty or a
/// permutation of K already checked.
mlir::FailureOr<CalibratedPruneResult>
pruneWithCalibration(mlir::Location loc, mlir::Attribute weight, int64_t kDim,
                     PruneCriterion criterion, const CalibrationFile *file,
                     llvm::StringRef name, numerics::NMPattern pattern,
                     double damp, bool wantReport,
                     llvm::ArrayRef<int32_t> permutation);

} // namespace sparq

#endif // SPARQ_LIB_TRANSFORMS_PRUNECALIBRATED_H
