//===- SparqToLLVMPass.cpp - the convert-sparq-to-llvm pass ---------------===//
#include "sparq/Conversion/Passes.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace sparq {
#define GEN_PASS_DEF_CONVERTSPARQTOLLVM
#include "sparq/Conversion/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;

namespace {
struct ConvertSparqToLLVMPass
    : public sparq::impl::ConvertSparqToLLVMBase<ConvertSparqToLLVMPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(checkEncodedUses(getOperation(), "CPU")) ||
        failed(checkRuntimeSizes(getOperation())))
      return signalPassFailure();
    SparqStorageTypeConverter converter;
    RewritePatternSet patterns(ctx);
    populateSparqToLLVMConversionPatterns(converter, patterns);

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                           LLVM::LLVMDialect, memref::MemRefDialect,
                           tensor::TensorDialect>();
    configureSparqStorageConversion(converter, patterns, target);

    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
