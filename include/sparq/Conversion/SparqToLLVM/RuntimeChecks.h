//===- RuntimeChecks.h - run-time checks of dynamic sizes -------*- C++ -*-===//
//
// The verifiers check every size relation of a sparq op whose sizes are
// static; the ones they cannot decide (a dynamic size) are checked here, in
// the program, before the op runs. Shared by the CPU and the GPU lowerings.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTOLLVM_RUNTIMECHECKS_H
#define SPARQ_CONVERSION_SPARQTOLLVM_RUNTIMECHECKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"

namespace sparq {

/// The runtime function a failed check calls (include/sparq/Runtime): it
/// prints the op's location and both sizes on stderr and ends the program.
inline constexpr llvm::StringLiteral kSizeMismatchFunction =
    "sparq_rt_size_mismatch";

/// Emits, at `builder`'s insertion point, a run-time check of every size
/// relation that `op`'s verifier checks when the sizes are static and that
/// involves a dynamic size here; static relations emit nothing. `operands` are
/// `op`'s operands after type conversion (an encoded operand as its values
/// and metadata tensors, see SparqStorageTypeConverter). A failed check calls
/// kSizeMismatchFunction, declared in `op`'s module on first use.
///
/// The relations: the K, batch, M and N sizes of sparq.matmul's operands and
/// result, the lengths of its per-row / per-column scales and bias, the
/// non-sparse sizes of an encoded operand's values and metadata (matmul,
/// decompress), and the length of a per-axis quantize / dequantize scale. The
/// N:M group sizes (prune, mask, compress) need none: the verifiers require
/// a static sparse dimension.
void emitRuntimeSizeChecks(mlir::OpBuilder &builder, mlir::Operation *op,
                           llvm::ArrayRef<mlir::ValueRange> operands);

} // namespace sparq

#endif // SPARQ_CONVERSION_SPARQTOLLVM_RUNTIMECHECKS_H
