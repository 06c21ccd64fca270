//===- Epilogue.h - scales, bias and conversion of kernel results (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H

#include "MmaKernel.h"

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

/// Emits d = acc / (row scale * column scale) + bias, times out_scale,
/// converted to the output type and stored, for every element. FP8 results
/// convert in pairs (elements 2i and 2i + 1) with cvt.rn.satfinite, so
/// `elements` must have even size for them. Per-tensor scales are loaded
/// once.
void emitEpilogue(mlir::OpBuilder &b, mlir::Location loc, const KernelSpec &spec,
                  const EpilogueOperands &operands,
                  llvm::ArrayRef<OutputElement> elements);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_EPILOGUE_H
