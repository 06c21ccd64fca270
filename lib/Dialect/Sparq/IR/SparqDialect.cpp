//===- SparqDialect.cpp - sparq dialect registration ----------------------===//
#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace sparq;

#include "sparq/Dialect/Sparq/IR/SparqOpsDialect.cpp.inc"
#include "sparq/Dialect/Sparq/IR/SparqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqAttrDefs.cpp.inc"

void SparqDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "sparq/Dialect/Sparq/IR/SparqAttrDefs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "sparq/Dialect/Sparq/IR/SparqOps.cpp.inc"
      >();
}

Operation *SparqDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  return arith::ConstantOp::materialize(builder, value, type, loc);
}

NMAttr sparq::getNMEncoding(Type type) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  return tensorType ? dyn_cast_or_null<NMAttr>(tensorType.getEncoding())
                    : NMAttr();
}

bool sparq::isFP8(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type>(type);
}
