//===- SparqToNVVMPass.cpp - the convert-sparq-to-nvvm pass ---------------===//
#include "sparq/Conversion/Passes.h"

#include "sparq/Conversion/SparqToNVVM/KernelIndexing.h"
#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"
#include "sparq/Conversion/SparqToNVVM/WgmmaIndexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace sparq {
#define GEN_PASS_DEF_CONVERTSPARQTONVVM
#include "sparq/Conversion/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

namespace {
/// The launch grid is (column tiles, row tiles, batch) of the instruction's
/// D; CUDA caps y and z at 65535 blocks, x at 2^31 - 1. Static sizes past
/// that are refused here (dynamic ones fail at launch).
LogicalResult checkGrid(MatmulOp op) {
  RankedTensorType type = op.getType();
  int64_t rank = type.getRank();
  bool transposed = static_cast<bool>(getNMEncoding(op.getRhs().getType()));
  int64_t m = type.getDimSize(rank - 2), n = type.getDimSize(rank - 1);
  int64_t rows = transposed ? n : m, cols = transposed ? m : n;
  auto tiles = [](int64_t size, int64_t tile) {
    return ShapedType::isDynamic(size) ? 0 : (size + tile - 1) / tile;
  };
  const char *what = nullptr;
  int64_t count = 0, limit = 0;
  if (tiles(rows, kBlockRows) > 65535) {
    what = "row tiles";
    count = tiles(rows, kBlockRows);
    limit = 65535;
  } else if (rank == 3 && !type.isDynamicDim(0) && type.getDimSize(0) > 65535) {
    what = "batch entries";
    count = type.getDimSize(0);
    limit = 65535;
  } else if (tiles(cols, kBlockCols) > (int64_t(1) << 31) - 1) {
    what = "column tiles";
    count = tiles(cols, kBlockCols);
    limit = (int64_t(1) << 31) - 1;
  }
  if (!what)
    return success();
  return op.emitOpError() << "needs " << count << " " << what
                          << " in its launch grid; CUDA allows " << limit;
}

/// TMA describes a global tensor by its sizes (at most 2^32 elements each)
/// and row strides in multiples of 16 bytes: the K of a warpgroup kernel's
/// operands must keep every row aligned. With kernels=wgmma a static K that
/// does not is refused; with auto the product runs the warp-level kernel
/// (so does a dynamic K found misaligned at run time).
LogicalResult checkTensorMaps(MatmulOp op, MmaFamily family, bool required) {
  RankedTensorType type = op.getType();
  int64_t rank = type.getRank();
  for (int64_t d = 0; d < rank; ++d)
    if (!type.isDynamicDim(d) && type.getDimSize(d) > (int64_t(1) << 32))
      return op.emitOpError()
             << "has a result dimension of " << type.getDimSize(d)
             << " elements; TMA tensor maps take at most 2^32";
  auto lhsType = op.getLhs().getType();
  int64_t k = lhsType.getDimSize(lhsType.getRank() - 1);
  if (ShapedType::isDynamic(k))
    return success();
  if (k > (int64_t(1) << 32))
    return op.emitOpError() << "has K = " << k
                            << "; TMA tensor maps take at most 2^32 elements";
  int64_t alignment = wgmma::getConfig(family).kAlignment();
  if (required && k % alignment != 0)
    return op.emitOpError()
           << "has K = " << k << ", which kernels=wgmma cannot tile: TMA "
           << "needs rows of 16-byte multiples, i.e. K a multiple of "
           << alignment << " for these operands (kernels=auto runs the warp-level kernel instead)";
  return success();
}

struct ConvertSparqToNVVMPass
    : public sparq::impl::ConvertSparqToNVVMBase<ConvertSparqToNVVMPass> {
  using ConvertSparqToNVVMBase::ConvertSparqToNVVMBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    std::optional<Chip> target = parseChip(chip);
    if (!target) {
      emitError(module.getLoc()) << "unknown chip '" << chip
                                 << "': expected sm_80, sm_89, sm_90 or sm_90a";
      return signalPassFailure();
    }

    if (kernels != "auto" && kernels != "mma" && kernels != "wgmma") {
      emitError(module.getLoc()) << "unknown kernels '" << kernels
                                 << "': expected auto, mma or wgmma";
      return signalPassFailure();
    }
    // wgmma and TMA exist on sm_90a only (the arch-specific feature set).
    bool warpgroup = kernels == "wgmma" ||
                     (kernels == "auto" && target->sm == 90 &&
                      target->archSpecific);
    if (warpgroup && !(target->sm == 90 && target->archSpecific)) {
      emitError(module.getLoc())
          << "kernels=wgmma needs chip=sm_90a (wgmma and TMA are sm_90a "
             "features); the target is "
          << target->name();
      return signalPassFailure();
    }

    // Every product (and every use of an encoded tensor) is checked before
    // anything changes.
    if (failed(checkEncodedUses(module, "GPU")) ||
        failed(checkRuntimeSizes(module)))
      return signalPassFailure();
    unsigned needPtx = 0;
    bool ok = true;
    module.walk([&](MatmulOp op) {
      std::string whyNot;
      FailureOr<MmaFamily> family = selectMmaFamily(op, whyNot);
      if (failed(family)) {
        op.emitOpError() << "has no Tensor Core lowering: " << whyNot;
        ok = false;
        return;
      }
      if (target->sm < minimumSm(*family)) {
        op.emitOpError() << "needs " << familyName(*family) << ", which sm_"
                         << minimumSm(*family) << " and newer have; the target "
                         << "is " << target->name();
        ok = false;
        return;
      }
      unsigned opPtx = minimumPtx(*family, *target);
      if (isFP8(op.getType().getElementType()))
        opPtx = std::max(opPtx, minimumPtxForFp8Convert(*target));
      if (ptx != 0 && ptx < opPtx) {
        op.emitOpError() << "needs PTX " << opPtx / 10 << "." << opPtx % 10
                         << " for " << familyName(*family)
                         << (isFP8(op.getType().getElementType())
                                 ? " and its FP8 result conversion"
                                 : "")
                         << "; the requested PTX is " << ptx / 10 << "."
                         << ptx % 10;
        ok = false;
        return;
      }
      if (failed(checkGrid(op)) ||
          (!hostCopies && failed(checkDeviceMemoryOperands(op)))) {
        ok = false;
        return;
      }
      if (warpgroup) {
        if (failed(checkTensorMaps(op, *family, kernels == "wgmma"))) {
          ok = false;
          return;
        }
        opPtx = std::max(opPtx, minimumWgmmaPtx(*family));
      }
      needPtx = std::max(needPtx, opPtx);
    });
    if (!ok)
      return signalPassFailure();
    // The kernel module, with the target that nvvm serialization uses; none
    // without a sparq.matmul (the other sparq ops still go to the CPU).
    gpu::GPUModuleOp kernelModule;
    if (needPtx != 0) {
      unsigned version = std::max<unsigned>(ptx, needPtx);
      OpBuilder builder(ctx);
      builder.setInsertionPointToEnd(module.getBody());
      module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                      UnitAttr::get(ctx));
      auto nvvmTarget = NVVM::NVVMTargetAttr::get(
          ctx, /*optLevel=*/3, "nvptx64-nvidia-cuda", target->name(),
          "+ptx" + std::to_string(version));
      kernelModule = gpu::GPUModuleOp::create(builder, module.getLoc(),
                                         "sparq_kernels",
                                         builder.getArrayAttr({nvvmTarget}));
    }

    // With host copies, a result whose only use is the lhs or rhs of the
    // next GPU product in its block stays on the device: the launch that
    // computes it returns the device buffer, the one that reads it frees it
    // (same block, one use: exactly one read per write). Not where a
    // dynamic K may choose the kernel at run time.
    // (The marks are the pass's own: any found in the input are dropped.)
    module.walk([&](MatmulOp op) { op->removeAttr(kKeepOnDeviceAttrName); });
    if (hostCopies && kernelModule)
      module.walk([&](MatmulOp op) {
        if (!op->hasOneUse())
          return;
        auto user = dyn_cast<MatmulOp>(*op->user_begin());
        if (!user || user->getBlock() != op->getBlock() ||
            (user.getLhs() != op.getResult() && user.getRhs() != op.getResult()))
          return;
        auto lhsType = op.getLhs().getType();
        if (lhsType.isDynamicDim(lhsType.getRank() - 1) &&
            !getNMEncoding(op.getRhs().getType()))
          return;
        op->setAttr(kKeepOnDeviceAttrName, UnitAttr::get(ctx));
      });

    SparqStorageTypeConverter converter;
    RewritePatternSet patterns(ctx);
    if (kernelModule) {
      GpuKernelOptions options;
      options.warpgroup = warpgroup;
      options.fallback = kernels != "wgmma";
      options.hostCopies = hostCopies;
      populateSparqToNVVMPatterns(converter, kernelModule, patterns, options);
    }
    populateSparqToLLVMConversionPatterns(converter, patterns);

    ConversionTarget conversion(*ctx);
    conversion.addLegalDialect<
        arith::ArithDialect, bufferization::BufferizationDialect,
        cf::ControlFlowDialect,
        gpu::GPUDialect, LLVM::LLVMDialect, memref::MemRefDialect,
        NVVM::NVVMDialect, scf::SCFDialect, tensor::TensorDialect>();
    configureSparqStorageConversion(converter, patterns, conversion);
    if (failed(applyPartialConversion(module, conversion, std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
