//===- SparqFoldUtils.h - constant computations shared by folds -*- C++ -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQFOLDUTILS_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQFOLDUTILS_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"

namespace sparq {

/// The (values, metadata) storage constants of the #sparq.nm-encoded constant
/// `attr`, as sparq.values and sparq.metadata fold it; failure when `attr` is
/// not a readable encoded constant.
mlir::FailureOr<std::pair<mlir::ElementsAttr, mlir::ElementsAttr>>
compressEncodedConstant(mlir::Attribute attr, mlir::MLIRContext *ctx);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQFOLDUTILS_H
