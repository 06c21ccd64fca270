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

#include "MmaKernel.h"

#include "sparq/Conversion/SparqToLLVM/RuntimeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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
              gpu::GPUModuleOp kernels)
      : OpConversionPattern(converter, ctx, /*benefit=*/2), kernels(kernels) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override;

  gpu::GPUModuleOp kernels;
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

/// The host function that runs `kernel` on host buffers: it copies the
/// inputs to the device, launches, copies the result into `out` and frees
/// the device buffers, on one stream, synchronously at the end. Arguments:
/// the kernel's buffers (fully dynamic; `out` [B, M, N]) and M, N, K. Kept
/// out of line (sparq.gpu_launch) so that host buffer deallocation, which
/// cannot reason about gpu.wait, skips it: it allocates no host memory.
func::FuncOp getOrBuildLaunchFunction(OpBuilder &builder, ModuleOp module,
                                      gpu::GPUFuncOp kernel, bool transposed) {
  // Reuse this variant's launch function; a user symbol of the same name
  // gets a numbered one instead.
  std::string base = ("sparq_launch_" + kernel.getName()).str(), name = base;
  for (unsigned suffix = 1;; ++suffix) {
    Operation *existing = module.lookupSymbol(name);
    if (!existing)
      break;
    auto func = dyn_cast<func::FuncOp>(existing);
    if (func && func->hasAttr(kGpuLaunchAttrName) &&
        func.getFunctionType() == kernel.getFunctionType())
      return func;
    name = base + "_" + std::to_string(suffix);
  }
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  Location loc = kernel.getLoc();
  auto func = func::FuncOp::create(builder, loc, name,
                                   kernel.getFunctionType());
  func.setPrivate();
  func->setAttr(kGpuLaunchAttrName, UnitAttr::get(ctx));
  Block *entry = func.addEntryBlock();
  builder.setInsertionPointToStart(entry);

  auto argsOf = entry->getArguments();
  ValueRange buffers = argsOf.drop_back(3);
  Value m = argsOf[argsOf.size() - 3], n = argsOf[argsOf.size() - 2],
        k = argsOf.back();
  Value out = buffers.back();
  auto tokenType = gpu::AsyncTokenType::get(ctx);
  Value token =
      gpu::WaitOp::create(builder, loc, tokenType, ValueRange{}).getAsyncToken();
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  // A device buffer shaped like `host`.
  SmallVector<Value> device;
  auto allocLike = [&](Value host) {
    auto type = cast<MemRefType>(host.getType());
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(memref::DimOp::create(builder, loc, host, d));
    auto alloc = gpu::AllocOp::create(builder, loc, type, tokenType,
                                      ValueRange{token}, sizes, ValueRange{},
                                      /*hostShared=*/false);
    token = alloc.getAsyncToken();
    device.push_back(alloc.getMemref());
    return alloc.getMemref();
  };
  for (Value host : buffers.drop_back()) {
    Value buffer = allocLike(host);
    token = gpu::MemcpyOp::create(builder, loc, tokenType, ValueRange{token},
                                  buffer, host)
                .getAsyncToken();
  }
  Value deviceOut = allocLike(out);

  // Grid: column tiles of the instruction's D, row tiles, batch.
  Value rows = transposed ? n : m, cols = transposed ? m : n;
  auto ceilDiv = [&](Value v, int64_t d) {
    return arith::CeilDivUIOp::create(builder, loc, v, index(d));
  };
  gpu::KernelDim3 grid{ceilDiv(cols, kBlockCols), ceilDiv(rows, kBlockRows),
                       memref::DimOp::create(builder, loc, out, 0)};
  gpu::KernelDim3 block{index(32 * kWarpsPerBlock), index(1), index(1)};
  SmallVector<Value> operands(device);
  operands.append({m, n, k});
  token = gpu::LaunchFuncOp::create(builder, loc, kernel, grid, block,
                                    /*dynamicSharedMemorySize=*/Value(),
                                    operands, tokenType, ValueRange{token})
              .getAsyncToken();

  token = gpu::MemcpyOp::create(builder, loc, tokenType, ValueRange{token},
                                out, deviceOut)
              .getAsyncToken();
  for (Value buffer : device)
    token = gpu::DeallocOp::create(builder, loc, tokenType, ValueRange{token},
                                   buffer)
                .getAsyncToken();
  gpu::WaitOp::create(builder, loc, Type(), ValueRange{token});
  func::ReturnOp::create(builder, loc);
  return func;
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

  SmallVector<Value> args;
  for (Value v : adaptor.getLhs())
    args.push_back(hostBuffer(rewriter, loc, rank3(rewriter, loc, v)));
  for (Value v : adaptor.getRhs())
    args.push_back(hostBuffer(rewriter, loc, rank3(rewriter, loc, v)));
  for (ValueRange optional : {adaptor.getLhsScale(), adaptor.getRhsScale(),
                              adaptor.getOutScale(), adaptor.getBias()})
    if (!optional.empty())
      args.push_back(hostBuffer(rewriter, loc, optional[0]));

  // The result, [B, M, N], written by the launch function.
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
  Value hostOut = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(outShape, spec.outElement), outSizes);
  args.push_back(castToDynamic(rewriter, loc, hostOut));
  args.append({m, n, k});

  gpu::GPUFuncOp kernel = getOrBuildKernel(rewriter, kernels, spec);
  func::FuncOp launch = getOrBuildLaunchFunction(
      rewriter, op->getParentOfType<ModuleOp>(), kernel, spec.transposed);
  func::CallOp::create(rewriter, loc, launch, args);

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

void sparq::populateSparqToNVVMConversionPatterns(
    const SparqStorageTypeConverter &converter, gpu::GPUModuleOp kernels,
    RewritePatternSet &patterns) {
  patterns.add<MatmulToGPU>(converter, patterns.getContext(), kernels);
}
