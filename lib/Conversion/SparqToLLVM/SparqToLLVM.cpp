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
#include "mlir/IR/TypeUtilities.h"

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
// The runtime calls of the element-wise and N:M ops, as a table
//===----------------------------------------------------------------------===//

/// One argument of a runtime call (include/sparq/Runtime/SparqRuntime.h).
/// "In" is operand 0 as converted (an encoded one: its values; InMetadata
/// its metadata); "Out" is the result (an encoded one: its values;
/// OutMetadata its metadata).
enum class Arg : uint8_t {
  In,          // pointer
  InMetadata,  // pointer
  InKind,      // element-kind code of operand 0
  InFormat,    // FP8 format code of operand 0
  InCount,     // element count of operand 0
  Scale,       // pointer to operand 1
  ScaleCount,  // element count of operand 1
  Seed,        // operand 2, or 0 without it
  Out,         // pointer
  OutMetadata, // pointer
  OutKind,     // element-kind code of the result
  OutFormat,   // FP8 format code of the result
  View,        // outer, axis, inner of operand 0's dense shape along the axis
  Format,      // FP8 format code of the op's `format`
  Margin,      // the op's `margin`
  Saturation,  // saturation code
  Rounding,    // 1 for stochastic
  PerAxis,     // 1 with an axis
  N,
  M,           // of the op's N:M pattern
  Rule,        // 1 for the transposable rule
};

/// What an op's row of the table reads from it.
struct OpFacts {
  /// The axis of the View (the scale axis or the sparse dimension).
  std::optional<int64_t> axis;
  NMAttr pattern;
  Saturation saturation = Saturation::satfinite;
  bool stochastic = false, transposable = false;
  Type format = {};
  int32_t margin = 0;
};

int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}
std::optional<int64_t> sparseDim(NMAttr pattern, Value of) {
  return pattern.getSparseDim(rankOf(of));
}
OpFacts factsOf(QuantizeOp op) {
  return {op.getAxis(), {}, op.getSaturation(),
          op.getRounding() == Rounding::stochastic};
}
OpFacts factsOf(DequantizeOp op) { return {op.getAxis()}; }
OpFacts factsOf(AmaxOp op) { return {op.getAxis()}; }
OpFacts factsOf(ScaleOp op) {
  return {std::nullopt, {}, Saturation::satfinite, false, false,
          op.getFormat(), static_cast<int32_t>(op.getMargin())};
}
template <typename OpTy> OpFacts nmFacts(OpTy op, NMAttr pattern) {
  return {sparseDim(pattern, op.getInput()), pattern};
}
OpFacts factsOf(PruneOp op) {
  OpFacts facts = nmFacts(op, op.getPattern());
  facts.transposable = op.getRule() == NMRule::transposable;
  return facts;
}
OpFacts factsOf(MaskOp op) {
  OpFacts facts = nmFacts(op, op.getPattern());
  facts.transposable = op.getRule() == NMRule::transposable;
  return facts;
}
OpFacts factsOf(CompressOp op) {
  return nmFacts(op, getNMEncoding(op.getType()));
}
OpFacts factsOf(DecompressOp op) {
  return nmFacts(op, getNMEncoding(op.getInput().getType()));
}

/// The table: each op's runtime function and its arguments, in order.
template <typename OpTy> struct RuntimeCallOf;
#define SPARQ_RUNTIME_CALL(OP, FUNCTION, ...)                                  \
  template <> struct RuntimeCallOf<OP> {                                       \
    static constexpr llvm::StringLiteral function = FUNCTION;                  \
    static constexpr Arg args[] = {__VA_ARGS__};                               \
  };
SPARQ_RUNTIME_CALL(QuantizeOp, "sparq_rt_quantize", Arg::In, Arg::InKind,
                   Arg::Scale, Arg::ScaleCount, Arg::Out, Arg::View,
                   Arg::OutFormat, Arg::Saturation, Arg::Rounding, Arg::Seed)
SPARQ_RUNTIME_CALL(DequantizeOp, "sparq_rt_dequantize", Arg::In,
                   Arg::InFormat, Arg::Scale, Arg::ScaleCount, Arg::Out,
                   Arg::OutKind, Arg::View)
SPARQ_RUNTIME_CALL(AmaxOp, "sparq_rt_amax", Arg::In, Arg::InKind, Arg::View,
                   Arg::PerAxis, Arg::Out)
SPARQ_RUNTIME_CALL(ScaleOp, "sparq_rt_scale", Arg::In, Arg::InCount,
                   Arg::Format, Arg::Margin, Arg::Out)
SPARQ_RUNTIME_CALL(PruneOp, "sparq_rt_prune", Arg::In, Arg::InKind, Arg::View,
                   Arg::N, Arg::M, Arg::Rule, Arg::Out)
SPARQ_RUNTIME_CALL(MaskOp, "sparq_rt_mask", Arg::In, Arg::InKind, Arg::View,
                   Arg::N, Arg::M, Arg::Rule, Arg::Out)
SPARQ_RUNTIME_CALL(CompressOp, "sparq_rt_compress", Arg::In, Arg::InKind,
                   Arg::View, Arg::N, Arg::M, Arg::Out, Arg::OutMetadata)
SPARQ_RUNTIME_CALL(DecompressOp, "sparq_rt_decompress", Arg::In,
                   Arg::InMetadata, Arg::OutKind, Arg::View, Arg::N, Arg::M,
                   Arg::Out)
#undef SPARQ_RUNTIME_CALL

/// Any op of the table -> its runtime call: operand 0 (and 1, 2) exposed as
/// buffers, a fresh buffer per result (per storage tensor of an encoded
/// result) sized like operand 0, one call, the buffers back as tensors.
template <typename OpTy>
struct RuntimeCallLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OneToNOpAdaptor = typename OpConversionPattern<OpTy>::OneToNOpAdaptor;

  LogicalResult
  matchAndRewrite(OpTy op, OneToNOpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ArrayRef<ValueRange> operands = adaptor.getOperands();
    Type originalIn = op->getOperand(0).getType();
    if (operands[0].size() != (getNMEncoding(originalIn) ? 2u : 1u))
      return rewriter.notifyMatchFailure(op, "encoded input not converted");
    SmallVector<Type> resultTypes;
    if (failed(this->getTypeConverter()->convertType(op.getType(),
                                                     resultTypes)))
      return failure();
    emitRuntimeSizeChecks(rewriter, op, operands);
    RuntimeCall rt(rewriter, op);
    OpFacts facts = factsOf(op);
    Value in = operands[0][0];

    // Result buffers; a dynamic size is operand 0's in the same dimension
    // (the axis dimension, for a per-axis reduction to rank 1).
    SmallVector<Value> buffers, pointers;
    for (Type type : resultTypes) {
      auto tensorType = cast<RankedTensorType>(type);
      SmallVector<Value> sizes;
      for (int64_t d = 0; d < tensorType.getRank(); ++d)
        if (tensorType.isDynamicDim(d))
          sizes.push_back(tensor::DimOp::create(
              rewriter, op.getLoc(), in,
              tensorType.getRank() == rankOf(in) ? d : *facts.axis));
      auto [buffer, pointer] = rt.allocate(tensorType, sizes);
      buffers.push_back(buffer);
      pointers.push_back(pointer);
    }
    // The dense view of operand 0; stored values have the pattern's static
    // dense size along the sparse dimension.
    std::array<Value, 3> view = rt.view(in, facts.axis);
    if (getNMEncoding(originalIn))
      view[1] = rt.i64(cast<RankedTensorType>(originalIn)
                           .getDimSize(*facts.axis));

    Type inElement = getElementTypeOrSelf(originalIn);
    Type outElement = getElementTypeOrSelf(op.getType());
    // One case per Arg: the value(s) that argument passes.
    auto valuesOf = [&](Arg arg) -> SmallVector<Value, 3> {
      switch (arg) {
      case Arg::In: return {rt.pointerTo(in)};
      case Arg::InMetadata: return {rt.pointerTo(operands[0][1])};
      case Arg::InKind: return {rt.i32(kindCode(inElement))};
      case Arg::InFormat: return {rt.i32(formatCode(inElement))};
      case Arg::InCount: return {rt.sizeOf(in, 0, rankOf(in))};
      case Arg::Scale: return {rt.pointerTo(operands[1][0])};
      case Arg::ScaleCount:
        return {rt.sizeOf(operands[1][0], 0, rankOf(operands[1][0]))};
      case Arg::Seed:
        return {operands.size() > 2 ? operands[2][0] : rt.i64(0)};
      case Arg::Out: return {pointers[0]};
      case Arg::OutMetadata: return {pointers[1]};
      case Arg::OutKind: return {rt.i32(kindCode(outElement))};
      case Arg::OutFormat: return {rt.i32(formatCode(outElement))};
      case Arg::View: return {view.begin(), view.end()};
      case Arg::Format: return {rt.i32(formatCode(facts.format))};
      case Arg::Margin: return {rt.i32(facts.margin)};
      case Arg::Saturation: return {rt.i32(saturationCode(facts.saturation))};
      case Arg::Rounding: return {rt.i32(facts.stochastic)};
      case Arg::PerAxis: return {rt.i32(facts.axis.has_value())};
      case Arg::N: return {rt.i32(facts.pattern.getN())};
      case Arg::M: return {rt.i32(facts.pattern.getM())};
      case Arg::Rule: return {rt.i32(facts.transposable)};
      }
      llvm_unreachable("every Arg is handled");
    };
    SmallVector<Value> args;
    for (Arg arg : RuntimeCallOf<OpTy>::args)
      args.append(valuesOf(arg));
    rt.call(RuntimeCallOf<OpTy>::function, args);

    SmallVector<Value> results;
    for (auto [buffer, type] : llvm::zip(buffers, resultTypes))
      results.push_back(rt.tensorOf(buffer, type));
    rewriter.replaceOpWithMultiple(op, {results});
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
  patterns.add<RuntimeCallLowering<QuantizeOp>,
               RuntimeCallLowering<DequantizeOp>, RuntimeCallLowering<AmaxOp>,
               RuntimeCallLowering<ScaleOp>, RuntimeCallLowering<PruneOp>,
               RuntimeCallLowering<MaskOp>, RuntimeCallLowering<CompressOp>,
               RuntimeCallLowering<DecompressOp>, StorageLowering<ValuesOp, 0>,
               StorageLowering<MetadataOp, 1>, MatmulLowering,
               EncodedConstantLowering>(converter, patterns.getContext());
}
