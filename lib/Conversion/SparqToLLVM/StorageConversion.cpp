//===- StorageConversion.cpp - encoded tensors as their storage tensors ---===//
//
// What the CPU and the GPU lowerings share: encoded tensors cross function
// boundaries, calls, returns and scf regions as their two storage tensors,
// and may appear nowhere else once the sparq ops are gone.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToLLVM/SparqToLLVM.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;

LogicalResult sparq::checkEncodedUses(ModuleOp module, llvm::StringRef device) {
  WalkResult result = module.walk([&](Operation *op) {
    if (isa<SparqDialect, scf::SCFDialect, func::FuncDialect>(op->getDialect()) ||
        isa<arith::ConstantOp>(op))
      return WalkResult::advance();
    auto encoded = [](Type type) { return static_cast<bool>(getNMEncoding(type)); };
    if (llvm::any_of(op->getOperandTypes(), encoded) ||
        llvm::any_of(op->getResultTypes(), encoded)) {
      op->emitOpError() << "cannot take #sparq.nm-encoded tensors to the "
                        << device
                        << ": they may only flow through sparq ops, function "
                           "signatures, calls, returns and scf regions";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

LogicalResult sparq::checkRuntimeSizes(ModuleOp module) {
  auto tooLarge = [](Type type) {
    auto tensor = dyn_cast<RankedTensorType>(type);
    if (!tensor)
      return false;
    std::optional<int64_t> product = 1;
    for (int64_t size : tensor.getShape())
      if (product && !ShapedType::isDynamic(size))
        product = llvm::checkedMul(*product, size);
    return !product;
  };
  WalkResult result = module.walk([&](Operation *op) {
    if (!isa<SparqDialect>(op->getDialect()))
      return WalkResult::advance();
    for (Type type : llvm::concat<const Type>(op->getOperandTypes(),
                                              op->getResultTypes()))
      if (tooLarge(type)) {
        op->emitOpError() << "cannot run: the static sizes of " << type
                          << " multiply past int64_t";
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

void sparq::configureSparqStorageConversion(
    const SparqStorageTypeConverter &converter, RewritePatternSet &patterns,
    ConversionTarget &target) {
  target.addIllegalDialect<SparqDialect>();
  target.addDynamicallyLegalOp<arith::ConstantOp>(
      [](arith::ConstantOp op) { return !getNMEncoding(op.getType()); });
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
  target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return converter.isSignatureLegal(op.getFunctionType()) &&
           converter.isLegal(&op.getBody());
  });
  target.addDynamicallyLegalOp<func::CallOp, func::ReturnOp>(
      [&](Operation *op) { return converter.isLegal(op); });
  scf::populateSCFStructuralTypeConversionsAndLegality(converter, patterns,
                                                        target);
  // Anything else that still holds an encoded tensor cannot run.
  target.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return converter.isLegal(op); });
}
