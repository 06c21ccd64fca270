//===- SparqVerify.h - checks shared by sparq ops and passes ----*- C++ -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQVERIFY_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQVERIFY_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"

namespace sparq {

/// Checks that `pattern` can apply to `type` (rank >= 1, sparse dimension in
/// range, static and a multiple of M, supported element type).
mlir::LogicalResult
verifyPatternFor(NMAttr pattern, mlir::RankedTensorType type,
                 llvm::function_ref<mlir::InFlightDiagnostic()> emitError);

/// i16 metadata words for one line of `lineLength` elements along the sparse
/// dimension.
int64_t getMetadataWordsPerLine(NMAttr pattern, int64_t lineLength);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQVERIFY_H
