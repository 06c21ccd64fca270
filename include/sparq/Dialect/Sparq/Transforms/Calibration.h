//===- Calibration.h - calibration files read by the passes -----*- C++ -*-===//
//
// One reader for the calibration statistics `sparq.calibrate` writes
// (docs/Calibration.md): per named contraction, the activation's amax, a
// histogram of |x|, the per-input-channel sum of squares (Wanda) and,
// optionally, X^T X in a .npy file next to the JSON (SparseGPT). The older
// table {"name": amax} or {"name": [amax or null, amax or null]} is read too.
//
// Channel j of an entry is index j of the contraction's K (its reduction
// dimension) in the order the prune pass groups the weight along K; for
// im2col convolutions the flattened filter order of Convolution.h.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_CALIBRATION_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_CALIBRATION_H

#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringMap.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace sparq {

/// The statistics of one contraction's activation.
struct OpCalibration {
  /// Legacy tables: an amax per linalg input index (a single number fills
  /// both). New files: both hold `amax`.
  std::array<std::optional<double>, 2> amax;
  /// Number of input channels (K); -1 in legacy tables.
  int64_t channels = -1;
  /// Number of rows (tokens, output pixels) the statistics summarize.
  double samples = 0;
  /// Histogram of |x| over [0, histogramMax] in equal bins; empty if absent.
  double histogramMax = 0;
  std::vector<double> histogram;
  /// Sum over samples of x_j^2, one per channel; empty if absent.
  std::vector<double> sumsq;
  /// Absolute path of the K x K X^T X .npy file; empty if absent.
  std::string hessianPath;
};

class CalibrationFile {
public:
  /// Reads and validates `path`; errors are emitted at `loc` and name the
  /// file and the entry.
  static mlir::FailureOr<CalibrationFile> load(llvm::StringRef path,
                                         mlir::Location loc);

  const OpCalibration *lookup(llvm::StringRef name) const {
    auto it = ops.find(name);
    return it == ops.end() ? nullptr : &it->second;
  }
  const llvm::StringMap<OpCalibration> &getOps() const { return ops; }
  llvm::StringRef getPath() const { return path; }
  bool isLegacy() const { return legacy; }

  /// The K x K Hessian of `name` (row-major, double), checked to be finite,
  /// symmetric and of the entry's channel count; nullopt with an error at
  /// `loc` otherwise.
  std::optional<std::vector<double>> loadHessian(llvm::StringRef name,
                                                 mlir::Location loc) const;

private:
  std::string path;
  bool legacy = false;
  llvm::StringMap<OpCalibration> ops;
};

/// A .npy array of float64 or float32 (little-endian, C order), as double.
struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<double> data;
};
/// Reads `path`; on failure returns nullopt and sets `error`.
std::optional<NpyArray> readNpy(llvm::StringRef path, std::string &error);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_CALIBRATION_H
