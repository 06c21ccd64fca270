//===- Epilogue.h - scales, bias and conversion of kernel results (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H

#include "MmaKernel.h"

#include <array>

namespace sparq::nvvm {

/// The kernel arguments the epilogue reads: scales, bias and the output
/// [batch, M, N]; null where the variant has none.
struct EpilogueOperands {
  mlir::Value lhsScale, rhsScale, outScale, bias, out, batch;
};

/// One accumulator and the output element it becomes: out[batch, m, n],
/// stored only where `inBounds`.
struct OutputElement {
  mlir::Value value, m, n, inBounds;
};

/// A rank-3 memref of `element` with every size dynamic: how kernels take
/// operands, metadata and the output ([B, rows, cols]).
mlir::MemRefType dynamicBuffer(mlir::Type element);

/// Appends the kernel arguments every variant ends with: the scales, out
/// scale and bias `spec` has (f32; rank 0 per tensor, rank 1 per row or
/// column), the output [B, M, N], and M, N, K as index.
void appendEpilogueArguments(mlir::OpBuilder &b, const KernelSpec &spec,
                             llvm::SmallVectorImpl<mlir::Type> &args);

/// Reads back, from the kernel arguments that follow the operands (`rest`,
/// as appendEpilogueArguments laid them out), the scales, bias and output
/// into `operands` (its batch is left to the caller) and M, N, K into `mnk`.
void readEpilogueArguments(const KernelSpec &spec, mlir::ValueRange rest,
                           EpilogueOperands &operands,
                           std::array<mlir::Value, 3> &mnk);

/// Emits d = acc / (row scale * column scale) + bias, times out_scale,
/// converted to the output type and stored, for every element. FP8 results
/// convert in pairs (elements 2i and 2i + 1) with cvt.rn.satfinite, so
/// `elements` must have even size for them. Per-tensor scales are loaded
/// once. With `adjacentPairs`, elements 2i and 2i + 1 are (m, n) and
/// (m, n + 1), n even: each pair is one vector store where both are in
/// bounds and N is even.
void emitEpilogue(mlir::OpBuilder &b, mlir::Location loc, const KernelSpec &spec,
                  const EpilogueOperands &operands,
                  llvm::ArrayRef<OutputElement> elements,
                  bool adjacentPairs = false);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H
