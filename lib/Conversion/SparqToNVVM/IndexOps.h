//===- IndexOps.h - kernel index arithmetic as arith ops (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_INDEXOPS_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_INDEXOPS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace sparq::nvvm {

/// The value domain of KernelIndexing.h and WgmmaIndexing.h on MLIR: each
/// operation on indices becomes an arith op.
struct IndexOps {
  mlir::OpBuilder &b;
  mlir::Location loc;
  using Value = mlir::Value;
  Value c(int64_t v) { return mlir::arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return mlir::arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return mlir::arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return mlir::arith::MulIOp::create(b, loc, x, y); }
  Value divu(Value x, Value y) { return mlir::arith::DivUIOp::create(b, loc, x, y); }
  Value remu(Value x, Value y) { return mlir::arith::RemUIOp::create(b, loc, x, y); }
  Value minu(Value x, Value y) { return mlir::arith::MinUIOp::create(b, loc, x, y); }
  Value ult(Value x, Value y) {
    return mlir::arith::CmpIOp::create(b, loc, mlir::arith::CmpIPredicate::ult,
                                       x, y);
  }
  Value both(Value x, Value y) { return mlir::arith::AndIOp::create(b, loc, x, y); }
  Value select(Value cond, Value x, Value y) {
    return mlir::arith::SelectOp::create(b, loc, cond, x, y);
  }
  Value shl(Value x, Value y) { return mlir::arith::ShLIOp::create(b, loc, x, y); }
  Value shru(Value x, Value y) { return mlir::arith::ShRUIOp::create(b, loc, x, y); }
  Value xoru(Value x, Value y) { return mlir::arith::XOrIOp::create(b, loc, x, y); }
};

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_INDEXOPS_H
