//===- SparqToNVVM.cpp - sparq.matmul to Tensor Core kernel launches ------===//
//
// The host side of a sparq.matmul on the GPU: operands (encoded ones as
// values and metadata) are viewed as rank-3 buffers, copied to the device,
// the kernel of their variant is launched, and the result copied back -- all
// on one stream, synchronously at the end. The kernel itself is built by
// MmaKernel.cpp.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"

#include "MmaKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
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
/// sparq.matmul -> copies to the device, a Tensor Core kernel, a copy back.
struct MatmulToGPU : OpConversionPattern<MatmulOp> {
  MatmulToGPU(const TypeConverter &converter, MLIRContext *ctx,
              gpu::GPUModuleOp kernels)
      : OpConversionPattern(converter, ctx, /*benefit=*/2), kernels(kernels) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override;

  gpu::GPUModuleOp kernels;
};

/// Helpers for the host code of one launch.
class HostCode {
public:
  HostCode(ConversionPatternRewriter &rewriter, Location loc)
      : rewriter(rewriter), loc(loc) {
    token = gpu::WaitOp::create(rewriter, loc,
                                gpu::AsyncTokenType::get(rewriter.getContext()),
                                ValueRange{})
                .getAsyncToken();
  }

  Value index(int64_t v) { return arith::ConstantIndexOp::create(rewriter, loc, v); }

  /// `tensor` with a leading unit batch dimension when it has rank 2.
  Value rank3(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    if (type.getRank() == 3)
      return tensor;
    SmallVector<int64_t> shape = {1};
    shape.append(type.getShape().begin(), type.getShape().end());
    SmallVector<OpFoldResult> sizes = {rewriter.getIndexAttr(1)};
    for (int64_t d = 0; d < type.getRank(); ++d)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, tensor, d));
    return tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
        tensor, SmallVector<ReassociationIndices>{{0, 1}, {2}}, sizes);
  }

  /// A device copy of `tensor`, as a memref of fully dynamic shape.
  Value toDevice(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    Value host = bufferization::ToBufferOp::create(
        rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
        tensor, rewriter.getUnitAttr());
    Value device = alloc(type, tensor);
    token = gpu::MemcpyOp::create(rewriter, loc, tokenType(), ValueRange{token},
                                  device, host)
                .getAsyncToken();
    return dynamic(device);
  }

  /// A device buffer of `type`, dynamic sizes from `like`.
  Value alloc(RankedTensorType type, Value like) {
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, like, d));
    auto alloc = gpu::AllocOp::create(
        rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
        tokenType(), ValueRange{token}, sizes, ValueRange{},
        /*hostShared=*/false);
    token = alloc.getAsyncToken();
    deviceBuffers.push_back(alloc.getMemref());
    return alloc.getMemref();
  }

  /// The same buffer with every static size erased, as kernels take them.
  Value dynamic(Value memref) {
    auto type = cast<MemRefType>(memref.getType());
    SmallVector<int64_t> shape(type.getRank(), ShapedType::kDynamic);
    if (type.getRank() == 0 || type.getShape() == ArrayRef<int64_t>(shape))
      return memref;
    return memref::CastOp::create(
        rewriter, loc, MemRefType::get(shape, type.getElementType()), memref);
  }

  Type tokenType() { return gpu::AsyncTokenType::get(rewriter.getContext()); }

  ConversionPatternRewriter &rewriter;
  Location loc;
  Value token;
  SmallVector<Value> deviceBuffers;
};
} // namespace

LogicalResult
MatmulToGPU::matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                             ConversionPatternRewriter &rewriter) const {
  std::string whyNot;
  FailureOr<MmaFamily> family = selectMmaFamily(op, whyNot);
  if (failed(family))
    return rewriter.notifyMatchFailure(op, whyNot);
  Location loc = op.getLoc();
  HostCode host(rewriter, loc);
  bool rhsSparse = static_cast<bool>(getNMEncoding(op.getRhs().getType()));

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
  Value m = tensor::DimOp::create(rewriter, loc, lhs0, rank - 2);
  Value n = tensor::DimOp::create(rewriter, loc, rhs0, rank - 1);
  Value k = getNMEncoding(lhsType) || rhsSparse
                ? host.index(lhsType.getDimSize(rank - 1))
                : tensor::DimOp::create(rewriter, loc, lhs0, rank - 1)
                      .getResult();
  if (rhsSparse)
    k = host.index(op.getRhs().getType().getDimSize(rank - 2));

  SmallVector<Value> args;
  for (Value v : adaptor.getLhs())
    args.push_back(host.toDevice(host.rank3(v)));
  for (Value v : adaptor.getRhs())
    args.push_back(host.toDevice(host.rank3(v)));
  for (ValueRange optional : {adaptor.getLhsScale(), adaptor.getRhsScale(),
                              adaptor.getOutScale(), adaptor.getBias()})
    if (!optional.empty())
      args.push_back(host.toDevice(optional[0]));

  // The result, [B, M, N] on the device.
  SmallVector<int64_t> outShape(resultType.getShape());
  if (rank == 2)
    outShape.insert(outShape.begin(), 1);
  auto outTensorType = RankedTensorType::get(outShape, spec.outElement);
  SmallVector<Value> outSizes;
  Value batch = rank == 3 ? tensor::DimOp::create(rewriter, loc, lhs0, 0)
                                .getResult()
                          : host.index(1);
  SmallVector<Value> dims = {batch, m, n};
  for (int64_t d = 0; d < 3; ++d)
    if (outTensorType.isDynamicDim(d))
      outSizes.push_back(dims[d]);
  auto outAlloc = gpu::AllocOp::create(
      rewriter, loc, MemRefType::get(outShape, spec.outElement),
      host.tokenType(), ValueRange{host.token}, outSizes, ValueRange{}, false);
  host.token = outAlloc.getAsyncToken();
  args.push_back(host.dynamic(outAlloc.getMemref()));
  args.append({m, n, k});

  gpu::GPUFuncOp kernel = getOrBuildKernel(rewriter, kernels, spec);
  // Grid: column tiles of the instruction's D, row tiles, batch.
  Value rowsMMA = rhsSparse ? n : m, colsMMA = rhsSparse ? m : n;
  auto ceilDiv = [&](Value v, int64_t d) {
    return arith::CeilDivUIOp::create(rewriter, loc, v, host.index(d));
  };
  gpu::KernelDim3 grid{ceilDiv(colsMMA, kBlockCols), ceilDiv(rowsMMA, kBlockRows),
                       batch};
  gpu::KernelDim3 block{host.index(32 * kWarpsPerBlock), host.index(1),
                        host.index(1)};
  auto launch = gpu::LaunchFuncOp::create(
      rewriter, loc, kernel, grid, block, /*dynamicSharedMemorySize=*/Value(),
      args, host.tokenType(), ValueRange{host.token});
  host.token = launch.getAsyncToken();

  // Back to the host, then free the device buffers.
  SmallVector<Value> hostSizes;
  for (int64_t d = 0; d < 3; ++d)
    if (outTensorType.isDynamicDim(d))
      hostSizes.push_back(dims[d]);
  Value hostOut = memref::AllocOp::create(
      rewriter, loc, MemRefType::get(outShape, spec.outElement), hostSizes);
  host.token = gpu::MemcpyOp::create(rewriter, loc, host.tokenType(),
                                     ValueRange{host.token}, hostOut,
                                     outAlloc.getMemref())
                   .getAsyncToken();
  host.deviceBuffers.push_back(outAlloc.getMemref());
  for (Value buffer : host.deviceBuffers)
    host.token = gpu::DeallocOp::create(rewriter, loc, host.tokenType(),
                                        ValueRange{host.token}, buffer)
                     .getAsyncToken();
  gpu::WaitOp::create(rewriter, loc, Type(), ValueRange{host.token});

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
