//===- SparqToNVVM.cpp - sparq.matmul to Tensor Core kernel launches ------===//
//
// The host side of a sparq.matmul on the GPU: operands (encoded ones as
// values and metadata) are viewed as rank-3 host buffers and passed, with a
// fresh host buffer for the result, to the launch function of their
// variant, which copies them to the device, launches the kernel and copies
// the result back -- on one stream, synchronously at the end. The kernel
// itself is built by MmaKernel.cpp.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"

#include "DeviceConstants.h"
#include "DeviceMemory.h"
#include "KernelLaunch.h"
#include "LaunchFunction.h"
#include "MmaKernel.h"

#include "sparq/Conversion/SparqToLLVM/RuntimeChecks.h"
#include "sparq/Conversion/SparqToNVVM/PipelineIndexing.h"
#include "sparq/Conversion/SparqToNVVM/WgmmaIndexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

FailureOr<MmaFamily> sparq::selectMmaFamily(MatmulOp op, std::string &whyNot) {
  Type lhs = op.getLhs().getType().getElementType();
  Type rhs = op.getRhs().getType().getElementType();
  NMAttr lhsNM = getNMEncoding(op.getLhs().getType());
  NMAttr rhsNM = getNMEncoding(op.getRhs().getType());
  NMAttr nm = lhsNM ? lhsNM : rhsNM;
  if (nm && !(nm.getN() == 2 && nm.getM() == 4)) {
    whyNot = "Tensor Cores take 2:4 sparsity only";
    return failure();
  }
  if (isFP8(op.getType().getElementType()) &&
      op.getSaturation() != Saturation::satfinite) {
    whyNot = "PTX converts to FP8 only with .satfinite";
    return failure();
  }
  if (isFP8(lhs) && isFP8(rhs))
    return nm ? MmaFamily::SparseFp8 : MmaFamily::DenseFp8;
  if (nm && lhs.isF16())
    return MmaFamily::SparseF16;
  if (nm && lhs.isBF16())
    return MmaFamily::SparseBF16;
  whyNot = "sparq lowers FP8 products and 2:4-sparse f16/bf16 products to "
           "Tensor Cores; this one has " +
           std::string(nm ? "sparse " : "dense ") +
           (lhs.isF32() ? "f32" : lhs.isF16() ? "f16" : "bf16") + " operands";
  return failure();
}

namespace {
/// sparq.matmul -> a call of its variant's launch function (below) on host
/// buffers.
struct MatmulToGPU : OpConversionPattern<MatmulOp> {
  MatmulToGPU(const TypeConverter &converter, MLIRContext *ctx,
              gpu::GPUModuleOp kernels, GpuKernelOptions options)
      : OpConversionPattern(converter, ctx, /*benefit=*/2), kernels(kernels),
        options(options) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override;

  gpu::GPUModuleOp kernels;
  GpuKernelOptions options;
  /// The constants' device slots, shared by every product of the module.
  std::shared_ptr<ConstantSlots> constantSlots =
      std::make_shared<ConstantSlots>();
  /// The device results (!llvm.ptr) of the products kept on the device,
  /// for the product that reads each.
  std::shared_ptr<llvm::DenseMap<Operation *, Value>> deviceResults =
      std::make_shared<llvm::DenseMap<Operation *, Value>>();
};

/// `type` with every size dynamic, as kernels and launch functions take
/// buffers (one function per variant, whatever the shapes).
MemRefType dynamicType(MemRefType type) {
  SmallVector<int64_t> shape(type.getRank(), ShapedType::kDynamic);
  return MemRefType::get(shape, type.getElementType());
}

Value castToDynamic(OpBuilder &b, Location loc, Value memref) {
  auto type = cast<MemRefType>(memref.getType());
  if (type == dynamicType(type))
    return memref;
  return memref::CastOp::create(b, loc, dynamicType(type), memref);
}

/// `tensor` with a leading unit batch dimension when it has rank 2.
Value rank3(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() == 3)
    return tensor;
  SmallVector<int64_t> shape = {1};
  shape.append(type.getShape().begin(), type.getShape().end());
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(tensor::getMixedSize(b, loc, tensor, d));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), tensor,
      SmallVector<ReassociationIndices>{{0, 1}, {2}}, sizes);
}

/// The host buffer of `tensor`, fully dynamic.
Value hostBuffer(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  Value buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      b.getUnitAttr());
  return castToDynamic(b, loc, buffer);
}
} // namespace

LogicalResult
MatmulToGPU::matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                             ConversionPatternRewriter &rewriter) const {
  std::string whyNot;
  FailureOr<MmaFamily> family = selectMmaFamily(op, whyNot);
  if (failed(family))
    return rewriter.notifyMatchFailure(op, whyNot);
  Location loc = op.getLoc();
  bool rhsSparse = static_cast<bool>(getNMEncoding(op.getRhs().getType()));
  // Dynamic sizes the launch would trust (K, batch, scales, ...) are checked.
  emitRuntimeSizeChecks(rewriter, op, adaptor.getOperands());

  KernelSpec spec;
  spec.family = *family;
  spec.transposed = rhsSparse;
  Type lhsElement = op.getLhs().getType().getElementType();
  Type rhsElement = op.getRhs().getType().getElementType();
  spec.aElement = rhsSparse ? rhsElement : lhsElement;
  spec.bElement = rhsSparse ? lhsElement : rhsElement;
  spec.outElement = op.getType().getElementType();
  auto kindOf = [](Value scale) {
    if (!scale)
      return ScaleKind::None;
    return cast<RankedTensorType>(scale.getType()).getRank() == 0
               ? ScaleKind::Scalar
               : ScaleKind::Vector;
  };
  spec.lhsScale = kindOf(op.getLhsScale());
  spec.rhsScale = kindOf(op.getRhsScale());
  spec.outScale = static_cast<bool>(op.getOutScale());
  spec.bias = static_cast<bool>(op.getBias());

  // Sizes, from the dense operand (the encoded one has static K).
  RankedTensorType resultType = op.getType();
  int64_t rank = resultType.getRank();
  Value lhs0 = adaptor.getLhs()[0], rhs0 = adaptor.getRhs()[0];
  auto lhsType = op.getLhs().getType();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  Value m = tensor::DimOp::create(rewriter, loc, lhs0, rank - 2);
  Value n = tensor::DimOp::create(rewriter, loc, rhs0, rank - 1);
  Value k = getNMEncoding(lhsType) || rhsSparse
                ? index(lhsType.getDimSize(rank - 1))
                : tensor::DimOp::create(rewriter, loc, lhs0, rank - 1)
                      .getResult();
  if (rhsSparse)
    k = index(op.getRhs().getType().getDimSize(rank - 2));

  // The operands in the kernel's order: lhs (values, metadata), rhs
  // (values, metadata), scales, bias. A constant one is uploaded once per
  // program through a module slot; with host copies the others are host
  // buffers the launch function copies, without them device buffers.
  auto module = op->getParentOfType<ModuleOp>();
  SmallVector<Value> inputs, slots;
  SmallVector<LaunchInput> kinds;
  // With host copies, a result that only feeds the next GPU product stays on
  // the device (the pass marks such products, kKeepOnDeviceAttrName).
  bool keep = options.hostCopies && op->hasAttr(kKeepOnDeviceAttrName);
  auto deviceResultOf = [&](Value original) -> Value {
    auto producer = original.getDefiningOp<MatmulOp>();
    if (!options.hostCopies || !producer ||
        !producer->hasAttr(kKeepOnDeviceAttrName))
      return Value();
    return deviceResults->lookup(producer);
  };
  // Without host copies: every operand that is no constant and the
  // destination are device buffers (checked by the pass, see
  // checkDeviceMemoryOperands; nothing is created before this).
  std::array<std::pair<Value, ValueRange>, 6> operands = {{
      {op.getLhs(), adaptor.getLhs()},
      {op.getRhs(), adaptor.getRhs()},
      {op.getLhsScale(), adaptor.getLhsScale()},
      {op.getRhsScale(), adaptor.getRhsScale()},
      {op.getOutScale(), adaptor.getOutScale()},
      {op.getBias(), adaptor.getBias()},
  }};
  bufferization::MaterializeInDestinationOp store;
  if (!options.hostCopies) {
    store = getResultDestination(op);
    if (!store || classifyBuffer(store.getDest()).kind !=
                      OperandMemory::Kind::Device)
      return rewriter.notifyMatchFailure(op, "result not stored on the device");
    for (auto [original, converted] : operands)
      if (original && !matchPattern(original, m_Constant()) &&
          classifyOperand(original).kind != OperandMemory::Kind::Device)
        return rewriter.notifyMatchFailure(op, "operand not on the device");
  }
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto [original, converted] = operand;
    if (i < 2 && original)
      if (auto producer = original.getDefiningOp<MatmulOp>())
        if (options.hostCopies && producer->hasAttr(kKeepOnDeviceAttrName) &&
            !deviceResultOf(original))
          return rewriter.notifyMatchFailure(op, "producer not lowered yet");
  }
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto [original, converted] = operand;
    if (!original)
      continue;
    bool isMatrix = i < 2;
    if (Value pointer = isMatrix ? deviceResultOf(original) : Value()) {
      kinds.push_back(i == 0 ? LaunchInput::DeviceLhs : LaunchInput::DeviceRhs);
      inputs.push_back(pointer);
      continue;
    }
    Attribute value;
    bool constant = matchPattern(original, m_Constant(&value));
    for (auto [part, v] : llvm::enumerate(converted)) {
      Value tensor = isMatrix ? rank3(rewriter, loc, v) : v;
      kinds.push_back(constant ? LaunchInput::Constant : LaunchInput::Host);
      if (constant) {
        LLVM::GlobalOp slot = getOrCreateConstantSlot(
            rewriter, module, *constantSlots, value, part);
        slots.push_back(LLVM::AddressOfOp::create(rewriter, loc, slot));
        inputs.push_back(hostBuffer(rewriter, loc, tensor));
        if (!options.hostCopies)
          inputs.back() = emitDeviceConstant(rewriter, loc, slots.back(),
                                             inputs.back());
      } else if (options.hostCopies) {
        inputs.push_back(hostBuffer(rewriter, loc, tensor));
      } else {
        inputs.push_back(kernelView(
            rewriter, loc, classifyOperand(original).buffer, isMatrix));
      }
    }
  }

  // The result, [B, M, N], written by the kernel: into a fresh host buffer
  // (host copies) or the destination's device buffer.
  SmallVector<int64_t> outShape(resultType.getShape());
  if (rank == 2)
    outShape.insert(outShape.begin(), 1);
  auto outTensorType = RankedTensorType::get(outShape, spec.outElement);
  Value batch = rank == 3 ? tensor::DimOp::create(rewriter, loc, lhs0, 0)
                                .getResult()
                          : index(1);
  SmallVector<Value> dims = {batch, m, n}, outSizes;
  for (int64_t d = 0; d < 3; ++d)
    if (outTensorType.isDynamicDim(d))
      outSizes.push_back(dims[d]);
  Value hostOut, out;
  if (keep) {
    out = batch;
  } else if (options.hostCopies) {
    hostOut = memref::AllocOp::create(
        rewriter, loc, MemRefType::get(outShape, spec.outElement), outSizes);
    out = castToDynamic(rewriter, loc, hostOut);
  } else {
    out = kernelView(rewriter, loc, store.getDest(), /*rank3=*/true);
  }
  SmallVector<Value> args(inputs);
  args.append({out, m, n, k});
  args.append(slots);

  Type ptrType = LLVM::LLVMPointerType::get(rewriter.getContext());
  auto hostType = rewriter.getFunctionType(ValueRange(args).getTypes(),
                                           keep ? TypeRange(ptrType)
                                                : TypeRange());
  Value kept;
  // One launch of `variant`: a call of its launch function (host copies) or
  // the launch sequence itself, inline.
  auto emit = [&](const KernelSpec &variant) {
    gpu::GPUFuncOp kernel =
        variant.warpgroup   ? getOrBuildWgmmaKernel(rewriter, kernels, variant)
        : variant.pipelined ? getOrBuildPipelineKernel(rewriter, kernels, variant)
                            : getOrBuildKernel(rewriter, kernels, variant);
    if (options.hostCopies) {
      auto call = func::CallOp::create(
          rewriter, loc,
          getOrBuildLaunchFunction(rewriter, module, kernels, kernel, variant,
                                   hostType, kinds, keep),
          args);
      if (keep)
        kept = call.getResult(0);
      return;
    }
    LaunchBuilder launch(rewriter, loc);
    launch.start();
    SmallVector<Value> maps;
    emitKernelLaunch(launch, module, kernels, kernel, variant, inputs, out, m,
                     n, k, maps);
    launch.finish();
    destroyTensorMaps(rewriter, loc, module, maps);
  };
  // K from the types (a tensor.dim of a static size is not folded yet).
  std::optional<int64_t> staticK = getConstantIntValue(k);
  if (int64_t typeK = lhsType.getDimSize(rank - 1); !ShapedType::isDynamic(typeK))
    staticK = typeK;
  // The warp-level multistage kernel (cp.async) exists for dense FP8.
  bool pipelined = !options.warpgroup && spec.family == MmaFamily::DenseFp8;
  int64_t alignment = options.warpgroup
                          ? wgmma::getConfig(spec.family).kAlignment()
                          : pipeline::getConfig(spec.family).kAlignment();
  if ((!options.warpgroup && !pipelined) ||
      (staticK && *staticK % alignment != 0)) {
    emit(spec);
  } else {
    // TMA and cp.async need every row 16-byte aligned: a K that breaks it
    // runs the simple warp-level kernel instead (decided here when K is
    // static, at run time otherwise).
    KernelSpec wide = spec;
    wide.warpgroup = options.warpgroup;
    wide.pipelined = pipelined;
    if (staticK) {
      emit(wide);
    } else if (options.warpgroup && !options.fallback) {
      Value aligned = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          arith::RemUIOp::create(rewriter, loc, k, index(alignment)),
          index(0));
      cf::AssertOp::create(
          rewriter, loc, aligned,
          "sparq.matmul with kernels=wgmma: K must be a multiple of " +
              std::to_string(alignment) +
              " (TMA needs rows of 16-byte multiples)");
      emit(wide);
    } else {
      Value aligned = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::eq,
          arith::RemUIOp::create(rewriter, loc, k, index(alignment)),
          index(0));
      auto ifOp = scf::IfOp::create(rewriter, loc, aligned, /*withElse=*/true);
      rewriter.setInsertionPointToStart(ifOp.thenBlock());
      emit(wide);
      rewriter.setInsertionPointToStart(ifOp.elseBlock());
      emit(spec);
      rewriter.setInsertionPointAfter(ifOp);
    }
  }

  if (keep) {
    // The reader takes the device buffer; the tensor only carries sizes.
    if (!kept)
      return rewriter.notifyMatchFailure(op, "no device result");
    (*deviceResults)[op] = kept;
    SmallVector<Value> sizes;
    SmallVector<Value> resultDims =
        rank == 3 ? SmallVector<Value>{batch, m, n} : SmallVector<Value>{m, n};
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        sizes.push_back(resultDims[d]);
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(
        op, resultType.getShape(), resultType.getElementType(), sizes);
    return success();
  }
  if (!options.hostCopies) {
    // The kernel wrote the destination: the store is done.
    rewriter.eraseOp(store);
    rewriter.eraseOp(op);
    return success();
  }
  Value result = bufferization::ToTensorOp::create(
      rewriter, loc, outTensorType, hostOut, /*restrict=*/true,
      /*writable=*/true);
  if (rank == 2)
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, resultType, result,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
  rewriter.replaceOp(op, result);
  return success();
}

void sparq::populateSparqToNVVMPatterns(
    const SparqStorageTypeConverter &converter, gpu::GPUModuleOp kernels,
    RewritePatternSet &patterns, GpuKernelOptions options) {
  patterns.add<MatmulToGPU>(converter, patterns.getContext(), kernels,
                            options);
}
