//===- Contraction.h - linalg contractions in matmul form -------*- C++ -*-===//
//
// The passes rewrite every linalg contraction they understand into
// sparq.matmul: lhs [B x] M x K times rhs [B x] K x N. This recognises
// linalg.matmul (with or without transposing indexing maps),
// linalg.batch_matmul and linalg.generic contractions, and says which operands
// must be transposed into that form.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_CONTRACTION_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_CONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace sparq {

/// A linalg op seen as result = init + lhs x rhs in (batched) matmul form.
struct Contraction {
  mutable mlir::linalg::LinalgOp op;
  mlir::Value lhs, rhs, init;
  /// Which linalg input (0 or 1) is lhs.
  unsigned lhsIndex = 0;
  /// lhs is stored K x M (rhs N x K) and must be transposed.
  bool transposeLhs = false, transposeRhs = false;
  bool batched = false;
  /// The batch dimension indexes lhs and the result but not rhs (a weight
  /// shared by the batch, as im2col convolutions have): it folds into M.
  bool batchIntoM = false;

  /// The element type shared by the operands and the result.
  mlir::Type getElementType() const;
  /// M * N * K (times the batch), or -1 when a size is dynamic; saturates
  /// at INT64_MAX.
  int64_t getNumMacs() const;
};

/// Matches `op` as a contraction with exactly one M, N and K dimension, at
/// most one batch dimension, an f32/f16/bf16 element type shared by all
/// operands, and a result indexed [batch,] M, N. On failure, `whyNot` says
/// why, for remarks.
mlir::FailureOr<Contraction> matchContraction(mlir::linalg::LinalgOp op,
                                              std::string &whyNot);

/// Turns one operand, already in matmul orientation ([B x] M x K for lhs,
/// [B x] K x N for rhs), into what sparq.matmul takes, and its scale (or a
/// null Value for none).
using OperandTransform =
    llvm::function_ref<std::pair<mlir::Value, mlir::Value>(mlir::Value operand,
                                                           bool isLhs)>;

/// Replaces contraction `c` by a sparq.matmul on the transformed operands:
/// transposes and batch folding as `c` requires, and the init added back
/// unless it is zero. Returns the value replacing the op.
mlir::Value rewriteAsSparqMatmul(mlir::RewriterBase &rewriter,
                                 const Contraction &c,
                                 OperandTransform transform,
                                 mlir::Attribute saturation);

/// Rewrites the products under `root` as frontends write them into forms
/// matchContraction takes with the weight as a direct operand: a
/// linalg.transpose, linalg.broadcast (or a generic that only moves elements)
/// feeding an input is folded into the product's indexing map, and a batch of
/// static size 1 is dropped between reshapes (which fold against the
/// frontend's own expand_shape / collapse_shape). Results are unchanged.
void normalizeContractions(mlir::Operation *root);

/// N and M of a pass option spelled "N:M" with 0 < N < M <= 16.
std::optional<std::pair<unsigned, unsigned>> parseNMPattern(llvm::StringRef);

/// The name passes use to refer to `op` (skip lists, calibration tables):
/// its `sparq.name` string attribute, else the name of a NameLoc location,
/// else empty.
std::string getContractionName(mlir::Operation *op);

/// Whether `value` is init that adds nothing: a linalg.fill with +-0.
bool isZeroInit(mlir::Value value);

/// `value` (rank 2 or 3) with its last two dimensions swapped; constants are
/// transposed at compile time.
mlir::Value transposeLastTwo(mlir::OpBuilder &builder, mlir::Location loc,
                             mlir::Value value);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_CONTRACTION_H
