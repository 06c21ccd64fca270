//===- PermuteCalibration.h - calibration for sparq-permute-channels -*- C++ -*-===//
#ifndef SPARQ_LIB_TRANSFORMS_PERMUTECALIBRATION_H
#define SPARQ_LIB_TRANSFORMS_PERMUTECALIBRATION_H

#include "sparq/Dialect/Sparq/Transforms/Calibration.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace sparq {

/// Validates the `criterion` option (magnitude or wanda) and, when
/// `calibration` names a file, loads it into `file` and checks it against
/// `products`: every entry names a product, every constant-weight product the
/// pass may permute has statistics under wanda, channel counts equal K.
/// Errors are emitted (at `loc` or the product).
mlir::LogicalResult
loadPermuteCalibration(mlir::Location loc, llvm::StringRef criterion,
                       llvm::StringRef calibration,
                       llvm::ArrayRef<mlir::linalg::LinalgOp> products,
                       std::optional<CalibrationFile> &file);

} // namespace sparq

#endif // SPARQ_LIB_TRANSFORMS_PERMUTECALIBRATION_H
