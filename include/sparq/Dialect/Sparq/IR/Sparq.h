//===- Sparq.h - The sparq dialect, its attributes and ops ------*- C++ -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQ_H
#define SPARQ_DIALECT_SPARQ_IR_SPARQ_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TensorEncoding.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "sparq/Dialect/Sparq/IR/SparqOpsDialect.h.inc"
#include "sparq/Dialect/Sparq/IR/SparqEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqAttrDefs.h.inc"

#define GET_OP_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqOps.h.inc"

namespace sparq {

/// The #sparq.nm encoding of `type`, or null.
NMAttr getNMEncoding(mlir::Type type);

/// Whether `type` is f8E4M3FN or f8E5M2.
bool isFP8(mlir::Type type);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQ_H
