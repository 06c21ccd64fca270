//===- SparqToLLVMPass.cpp - the convert-sparq-to-llvm pass ---------------===//
#include "sparq/Conversion/Passes.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOLLVM
#include "sparq/Conversion/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;

namespace {
/// Encoded tensors become two storage tensors only where this pass knows how
/// to carry them; anywhere else the program cannot run, so say where.
LogicalResult checkEncodedUses(ModuleOp module) {
  WalkResult result = module.walk([](Operation *op) {
    if (isa<SparqDialect, scf::SCFDialect, func::FuncDialect>(op->getDialect()) ||
        isa<arith::ConstantOp>(op))
      return WalkResult::advance();
    auto encoded = [](Type type) { return static_cast<bool>(getNMEncoding(type)); };
    if (llvm::any_of(op->getOperandTypes(), encoded) ||
        llvm::any_of(op->getResultTypes(), encoded)) {
      op->emitOpError() << "cannot take #sparq.nm-encoded tensors to the CPU: "
                           "they may only flow through sparq ops, function "
                           "signatures, calls, returns and scf regions";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

struct ConvertSparqToLLVMPass
    : public sparq::impl::ConvertSparqToLLVMBase<ConvertSparqToLLVMPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(checkEncodedUses(getOperation())))
      return signalPassFailure();
    SparqStorageTypeConverter converter;
    RewritePatternSet patterns(ctx);
    populateSparqToLLVMConversionPatterns(converter, patterns);

    // Encoded tensors may cross function boundaries and scf regions: those
    // carry the two storage tensors instead.
    ConversionTarget target(*ctx);
    target.addIllegalDialect<SparqDialect>();
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           LLVM::LLVMDialect, memref::MemRefDialect,
                           tensor::TensorDialect>();
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

    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
