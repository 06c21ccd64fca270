//===- SparqToLLVM.cpp - sparq ops to CPU runtime calls -------------------===//
//
// Each sparq op becomes: its tensor operands exposed as buffers, a fresh
// buffer for each result, one call of the runtime on their raw pointers, and
// the result buffers wrapped back into tensors. Bufferization then sees only
// to_buffer / to_tensor pairs and allocations it understands.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToLLVM/SparqToLLVM.h"
#include "sparq/Conversion/SparqToLLVM/RuntimeChecks.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/IR/SparqFoldUtils.h"
#include "sparq/Dialect/Sparq/IR/SparqVerify.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;
using namespace sparq;

//===----------------------------------------------------------------------===//
// Type conversion
//===----------------------------------------------------------------------===//

SparqStorageTypeConverter::SparqStorageTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](RankedTensorType type, SmallVectorImpl<Type> &results)
                    -> std::optional<LogicalResult> {
    NMAttr pattern = getNMEncoding(type);
    if (!pattern)
      return std::nullopt;
    int64_t dim = *pattern.getSparseDim(type.getRank());
    SmallVector<int64_t> values(type.getShape()), metadata(type.getShape());
    values[dim] = type.getDimSize(dim) / pattern.getM() * pattern.getN();
    metadata[dim] = getMetadataWordsPerLine(pattern, type.getDimSize(dim));
    results.push_back(RankedTensorType::get(values, type.getElementType()));
    results.push_back(RankedTensorType::get(
        metadata, IntegerType::get(type.getContext(), 16)));
    return success();
  });
}

//===----------------------------------------------------------------------===//
// Building runtime calls
//===----------------------------------------------------------------------===//

namespace {
/// The runtime's element-kind, format, saturation and rounding codes (see
/// SparqRuntime.h).
int32_t kindCode(Type type) {
  return static_cast<int32_t>(*getElementKind(type));
}
int32_t formatCode(Type type) { return isa<Float8E5M2Type>(type) ? 1 : 0; }
int32_t saturationCode(Saturation saturation) {
  return saturation == Saturation::satfinite ? 1 : 0;
}

/// Emits the IR around one runtime call at the position of the op it lowers.
class RuntimeCall {
public:
  RuntimeCall(ConversionPatternRewriter &rewriter, Operation *op)
      : rewriter(rewriter), loc(op->getLoc()),
        module(op->getParentOfType<ModuleOp>()) {}

  Value i32(int64_t value) {
    return arith::ConstantIntOp::create(rewriter, loc, value, 32);
  }
  Value i64(int64_t value) {
    return arith::ConstantIntOp::create(rewriter, loc, value, 64);
  }
  Value null() {
    return LLVM::ZeroOp::create(rewriter, loc,
                                LLVM::LLVMPointerType::get(ctx()));
  }

  /// Size of dimension `d` of `tensor` as i64.
  Value dim(Value tensor, int64_t d) {
    auto type = cast<RankedTensorType>(tensor.getType());
    if (!type.isDynamicDim(d))
      return i64(type.getDimSize(d));
    Value size = tensor::DimOp::create(rewriter, loc, tensor, d);
    return arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                      size);
  }

  /// Product of the sizes of dimensions [begin, end) of `tensor`; static
  /// sizes multiply at compile time.
  Value sizeOf(Value tensor, int64_t begin, int64_t end) {
    auto type = cast<RankedTensorType>(tensor.getType());
    int64_t staticProduct = 1;
    Value product;
    for (int64_t d = begin; d < end; ++d) {
      if (!type.isDynamicDim(d)) {
        staticProduct *= type.getDimSize(d);
        continue;
      }
      Value size = dim(tensor, d);
      product = product ? arith::MulIOp::create(rewriter, loc, product, size)
                        : size;
    }
    if (!product)
      return i64(staticProduct);
    if (staticProduct == 1)
      return product;
    return arith::MulIOp::create(rewriter, loc, product, i64(staticProduct));
  }

  /// (outer, axis, inner) of `tensor` viewed along `d`, or flat.
  std::array<Value, 3> view(Value tensor, std::optional<int64_t> d) {
    int64_t rank = cast<RankedTensorType>(tensor.getType()).getRank();
    if (!d)
      return {i64(1), sizeOf(tensor, 0, rank), i64(1)};
    return {sizeOf(tensor, 0, *d), dim(tensor, *d),
            sizeOf(tensor, *d + 1, rank)};
  }

  /// The address of the contiguous buffer holding `tensor`.
  Value pointerTo(Value tensor) {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    Value buffer = bufferization::ToBufferOp::create(
        rewriter, loc, memrefType, tensor, rewriter.getUnitAttr());
    return pointerOf(buffer);
  }

  /// The sizes of the dynamic dimensions of `tensor`.
  SmallVector<Value> dynamicSizesOf(Value tensor) {
    SmallVector<Value> sizes;
    auto type = cast<RankedTensorType>(tensor.getType());
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, tensor, d));
    return sizes;
  }

  /// A fresh buffer of `type` and its address.
  std::pair<Value, Value> allocate(RankedTensorType type,
                                   ValueRange dynamicSizes) {
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    Value buffer =
        memref::AllocOp::create(rewriter, loc, memrefType, dynamicSizes);
    return {buffer, pointerOf(buffer)};
  }

  /// The tensor of a buffer the runtime has filled.
  Value tensorOf(Value buffer, Type tensorType) {
    return bufferization::ToTensorOp::create(rewriter, loc, tensorType, buffer,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }

  /// Calls runtime function `name`, declaring it on first use.
  void call(StringRef name, ValueRange args) {
    auto type = FunctionType::get(ctx(), args.getTypes(), {});
    if (!module.lookupSymbol<func::FuncOp>(name)) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(module.getBody());
      auto decl = func::FuncOp::create(rewriter, loc, name, type);
      decl.setPrivate();
    }
    func::CallOp::create(rewriter, loc, name, TypeRange(), args);
  }

private:
  MLIRContext *ctx() { return rewriter.getContext(); }
  Value pointerOf(Value buffer) {
    Value index =
        memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc, buffer);
    Value address = arith::IndexCastOp::create(rewriter, loc,
                                               rewriter.getI64Type(), index);
    return LLVM::IntToPtrOp::create(
        rewriter, loc, LLVM::LLVMPointerType::get(ctx()), address);
  }

  ConversionPatternRewriter &rewriter;
  Location loc;
  ModuleOp module;
};

/// The single converted value of a dense operand.
Value single(ValueRange values) {
  assert(values.size() == 1 && "dense operand converts 1:1");
  return values.front();
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// sparq.quantize -> sparq_rt_quantize.
struct QuantizeLowering : OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    emitRuntimeSizeChecks(rewriter, op, adaptor.getOperands());
    RuntimeCall rt(rewriter, op);
    Value input = single(adaptor.getInput());
    Value scale = single(adaptor.getScale());
    auto [buffer, out] = rt.allocate(op.getType(), rt.dynamicSizesOf(input));
    auto [outer, axis, inner] = rt.view(input, op.getAxis());
    Value seed = op.getSeed() ? single(adaptor.getSeed()) : rt.i64(0);
    rt.call("sparq_rt_quantize",
            {rt.pointerTo(input), rt.i32(kindCode(op.getInput().getType().getElementType())),
             rt.pointerTo(scale), rt.sizeOf(scale, 0, op.getScale().getType().getRank()),
             out, outer, axis, inner,
             rt.i32(formatCode(op.getType().getElementType())),
             rt.i32(saturationCode(op.getSaturation())),
             rt.i32(op.getRounding() == Rounding::stochastic ? 1 : 0), seed});
    rewriter.replaceOp(op, rt.tensorOf(buffer, op.getType()));
    return success();
  }
};

/// sparq.dequantize -> sparq_rt_dequantize.
struct DequantizeLowering : OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    emitRuntimeSizeChecks(rewriter, op, adaptor.getOperands());
    RuntimeCall rt(rewriter, op);
    Value input = single(adaptor.getInput());
    Value scale = single(adaptor.getScale());
    auto [buffer, out] = rt.allocate(op.getType(), rt.dynamicSizesOf(input));
    auto [outer, axis, inner] = rt.view(input, op.getAxis());
    rt.call("sparq_rt_dequantize",
            {rt.pointerTo(input),
             rt.i32(formatCode(op.getInput().getType().getElementType())),
             rt.pointerTo(scale), rt.sizeOf(scale, 0, op.getScale().getType().getRank()),
             out, rt.i32(kindCode(op.getType().getElementType())), outer,
             axis, inner});
    rewriter.replaceOp(op, rt.tensorOf(buffer, op.getType()));
    return success();
  }
};

/// sparq.amax -> sparq_rt_amax.
struct AmaxLowering : OpConversionPattern<AmaxOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AmaxOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RuntimeCall rt(rewriter, op);
    Value input = single(adaptor.getInput());
    // A per-axis result shares its only (maybe dynamic) size with the input's
    // axis dimension; a rank-0 result has none.
    std::optional<int64_t> axis = op.getAxis();
    auto type = op.getType();
    SmallVector<Value> sizes;
    if (axis && type.isDynamicDim(0))
      sizes.push_back(tensor::DimOp::create(rewriter, op.getLoc(), input, *axis));
    auto [buffer, out] = rt.allocate(type, sizes);
    auto [outer, axisSize, inner] = rt.view(input, axis);
    rt.call("sparq_rt_amax",
            {rt.pointerTo(input),
             rt.i32(kindCode(op.getInput().getType().getElementType())), outer,
             axisSize, inner, rt.i32(axis ? 1 : 0), out});
    rewriter.replaceOp(op, rt.tensorOf(buffer, type));
    return success();
  }
};

/// sparq.scale -> sparq_rt_scale.
struct ScaleLowering : OpConversionPattern<ScaleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ScaleOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RuntimeCall rt(rewriter, op);
    Value amax = single(adaptor.getAmax());
    auto [buffer, out] = rt.allocate(op.getType(), rt.dynamicSizesOf(amax));
    rt.call("sparq_rt_scale",
            {rt.pointerTo(amax), rt.sizeOf(amax, 0, op.getType().getRank()),
             rt.i32(formatCode(op.getFormat())),
             rt.i32(static_cast<int32_t>(op.getMargin())), out});
    rewriter.replaceOp(op, rt.tensorOf(buffer, op.getType()));
    return success();
  }
};

/// sparq.prune / sparq.mask -> sparq_rt_prune / sparq_rt_mask.
template <typename OpTy>
struct PruneLikeLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OneToNOpAdaptor = typename OpConversionPattern<OpTy>::OneToNOpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RuntimeCall rt(rewriter, op);
    Value input = single(adaptor.getInput());
    NMAttr pattern = op.getPattern();
    auto [buffer, out] = rt.allocate(op.getType(), rt.dynamicSizesOf(input));
    auto [outer, axis, inner] =
        rt.view(input, pattern.getSparseDim(op.getType().getRank()));
    rt.call(std::is_same_v<OpTy, PruneOp> ? "sparq_rt_prune" : "sparq_rt_mask",
            {rt.pointerTo(input),
             rt.i32(kindCode(op.getInput().getType().getElementType())), outer,
             axis, inner, rt.i32(pattern.getN()), rt.i32(pattern.getM()),
             rt.i32(op.getRule() == NMRule::transposable ? 1 : 0), out});
    rewriter.replaceOp(op, rt.tensorOf(buffer, op.getType()));
    return success();
  }
};

/// sparq.compress -> sparq_rt_compress, producing the two storage tensors.
struct CompressLowering : OpConversionPattern<CompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(CompressOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Type> storage;
    if (failed(getTypeConverter()->convertType(op.getType(), storage)))
      return failure();
    RuntimeCall rt(rewriter, op);
    Value input = single(adaptor.getInput());
    NMAttr pattern = getNMEncoding(op.getType());
    // The sparse dimension is static; every other dimension matches input's.
    auto valuesType = cast<RankedTensorType>(storage[0]);
    auto metadataType = cast<RankedTensorType>(storage[1]);
    auto [values, valuesPtr] =
        rt.allocate(valuesType, rt.dynamicSizesOf(input));
    auto [metadata, metadataPtr] =
        rt.allocate(metadataType, rt.dynamicSizesOf(input));
    auto [outer, axis, inner] =
        rt.view(input, pattern.getSparseDim(op.getType().getRank()));
    rt.call("sparq_rt_compress",
            {rt.pointerTo(input), rt.i32(kindCode(op.getType().getElementType())),
             outer, axis, inner, rt.i32(pattern.getN()),
             rt.i32(pattern.getM()), valuesPtr, metadataPtr});
    rewriter.replaceOpWithMultiple(
        op, {{rt.tensorOf(values, valuesType),
              rt.tensorOf(metadata, metadataType)}});
    return success();
  }
};

/// sparq.decompress -> sparq_rt_decompress of the two storage tensors.
struct DecompressLowering : OpConversionPattern<DecompressOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DecompressOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange storage = adaptor.getInput();
    if (storage.size() != 2)
      return rewriter.notifyMatchFailure(op, "encoded input not converted");
    emitRuntimeSizeChecks(rewriter, op, adaptor.getOperands());
    RuntimeCall rt(rewriter, op);
    NMAttr pattern = getNMEncoding(op.getInput().getType());
    int64_t rank = op.getType().getRank();
    int64_t dim = *pattern.getSparseDim(rank);
    auto [buffer, out] =
        rt.allocate(op.getType(), rt.dynamicSizesOf(storage[0]));
    // The dense view: the values' dimensions, the sparse one restored.
    Value outer = rt.sizeOf(storage[0], 0, dim);
    Value inner = rt.sizeOf(storage[0], dim + 1, rank);
    rt.call("sparq_rt_decompress",
            {rt.pointerTo(storage[0]), rt.pointerTo(storage[1]),
             rt.i32(kindCode(op.getType().getElementType())), outer,
             rt.i64(op.getType().getDimSize(dim)), inner,
             rt.i32(pattern.getN()), rt.i32(pattern.getM()), out});
    rewriter.replaceOp(op, rt.tensorOf(buffer, op.getType()));
    return success();
  }
};

/// sparq.values / sparq.metadata: one of the two storage tensors.
template <typename OpTy, unsigned Part>
struct StorageLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OneToNOpAdaptor = typename OpConversionPattern<OpTy>::OneToNOpAdaptor;
  LogicalResult
  matchAndRewrite(OpTy op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ValueRange storage = adaptor.getInput();
    if (storage.size() != 2)
      return rewriter.notifyMatchFailure(op, "encoded input not converted");
    rewriter.replaceOp(op, storage[Part]);
    return success();
  }
};

/// sparq.matmul -> sparq_rt_matmul; an encoded operand passes its values and
/// metadata.
struct MatmulLowering : OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(MatmulOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    emitRuntimeSizeChecks(rewriter, op, adaptor.getOperands());
    RuntimeCall rt(rewriter, op);
    RankedTensorType resultType = op.getType();
    int64_t rank = resultType.getRank();

    // Data pointer, metadata pointer (or null), N, M of one operand.
    auto operand = [&](ValueRange converted, Type original) {
      NMAttr pattern = getNMEncoding(original);
      Value data = rt.pointerTo(converted[0]);
      if (!pattern)
        return std::array<Value, 4>{data, rt.null(), rt.i32(0), rt.i32(0)};
      return std::array<Value, 4>{data, rt.pointerTo(converted[1]),
                                  rt.i32(pattern.getN()),
                                  rt.i32(pattern.getM())};
    };
    auto optional = [&](ValueRange converted) {
      return converted.empty() ? rt.null() : rt.pointerTo(single(converted));
    };
    auto count = [&](ValueRange converted) {
      return converted.empty()
                 ? rt.i64(0)
                 : rt.sizeOf(single(converted), 0,
                             cast<RankedTensorType>(converted[0].getType())
                                 .getRank());
    };

    // Sizes: M from lhs, N from rhs, K known statically when encoded and
    // otherwise from the dense lhs.
    Value lhs0 = adaptor.getLhs()[0], rhs0 = adaptor.getRhs()[0];
    auto lhsType = op.getLhs().getType();
    Value batch = rank == 3 ? rt.dim(lhs0, 0) : rt.i64(1);
    Value m = rt.dim(lhs0, rank - 2);
    Value n = rt.dim(rhs0, rank - 1);
    Value k = getNMEncoding(lhsType) ? rt.i64(lhsType.getDimSize(rank - 1))
                                     : rt.dim(lhs0, rank - 1);
    // The result's dynamic sizes (batch, M, N) come from the operands.
    SmallVector<Value> sizes;
    Location loc = op.getLoc();
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(rewriter, loc,
                                              d == rank - 1 ? rhs0 : lhs0, d));
    auto [buffer, out] = rt.allocate(resultType, sizes);

    auto [lhsData, lhsMeta, lhsN, lhsM] = operand(adaptor.getLhs(), lhsType);
    auto [rhsData, rhsMeta, rhsN, rhsM] =
        operand(adaptor.getRhs(), op.getRhs().getType());
    rt.call("sparq_rt_matmul",
            {batch, m, n, k, lhsData,
             rt.i32(kindCode(lhsType.getElementType())), lhsMeta, lhsN, lhsM,
             rhsData,
             rt.i32(kindCode(op.getRhs().getType().getElementType())),
             rhsMeta, rhsN, rhsM, optional(adaptor.getLhsScale()),
             count(adaptor.getLhsScale()), optional(adaptor.getRhsScale()),
             count(adaptor.getRhsScale()), optional(adaptor.getOutScale()),
             optional(adaptor.getBias()), out,
             rt.i32(kindCode(resultType.getElementType())),
             rt.i32(saturationCode(op.getSaturation()))});
    rewriter.replaceOp(op, rt.tensorOf(buffer, resultType));
    return success();
  }
};

/// An encoded arith.constant -> its compressed storage constants.
struct EncodedConstantLowering : OpConversionPattern<arith::ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(arith::ConstantOp op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!getNMEncoding(op.getType()))
      return failure();
    auto parts = compressEncodedConstant(op.getValue(), getContext());
    if (failed(parts))
      return rewriter.notifyMatchFailure(op, "encoded constant not readable");
    Value values = arith::ConstantOp::create(rewriter, op.getLoc(), parts->first);
    Value metadata =
        arith::ConstantOp::create(rewriter, op.getLoc(), parts->second);
    rewriter.replaceOpWithMultiple(op, {{values, metadata}});
    return success();
  }
};
} // namespace

void sparq::populateSparqToLLVMConversionPatterns(
    const SparqStorageTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<QuantizeLowering, DequantizeLowering, AmaxLowering,
               ScaleLowering, PruneLikeLowering<PruneOp>,
               PruneLikeLowering<MaskOp>, CompressLowering, DecompressLowering,
               StorageLowering<ValuesOp, 0>, StorageLowering<MetadataOp, 1>,
               MatmulLowering, EncodedConstantLowering>(
      converter, patterns.getContext());
}
