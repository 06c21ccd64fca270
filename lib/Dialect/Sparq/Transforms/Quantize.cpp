//===- Quantize.cpp - FP8 quantization of linalg contractions -------------===//
#include "sparq/Dialect/Sparq/Transforms/Quantize.h"

#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Scale.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

Type sparq::getQuantizedFormat(Operation *op, unsigned linalgOperand,
                               const QuantizeOptions &options) {
  MLIRContext *ctx = op->getContext();
  switch (options.format) {
  case QuantizeFormat::E4M3:
    return Float8E4M3FNType::get(ctx);
  case QuantizeFormat::E5M2:
    return Float8E5M2Type::get(ctx);
  case QuantizeFormat::Hybrid:
    break;
  }
  // The FP8 training recipe: E4M3 forward, E5M2 for gradients, whose range
  // matters more than their precision.
  auto gradient = op->getAttrOfType<IntegerAttr>("sparq.gradient_operand");
  if (gradient && gradient.getInt() == int64_t(linalgOperand))
    return Float8E5M2Type::get(ctx);
  return Float8E4M3FNType::get(ctx);
}

unsigned sparq::getWeightOperand(const Contraction &c) {
  Value inputs[2] = {c.op.getDpsInputOperand(0)->get(),
                     c.op.getDpsInputOperand(1)->get()};
  bool constant[2] = {matchPattern(inputs[0], m_Constant()),
                      matchPattern(inputs[1], m_Constant())};
  if (constant[0] != constant[1])
    return constant[0] ? 0 : 1;
  if (auto named = c.op->getAttrOfType<IntegerAttr>("sparq.weight_operand"))
    if (named.getInt() == 0 || named.getInt() == 1)
      return named.getInt();
  return 1;
}

/// Relative L2 error of quantizing the constant `original` as the pass does
/// (amax, scale, quantize and back), computed through the numerics library
/// without folding the IR, which later passes may still rewrite.
static std::optional<double> weightError(Value original, Type format,
                                         std::optional<int64_t> axis,
                                         const QuantizeOptions &options) {
  Attribute attr;
  if (!matchPattern(original, m_Constant(&attr)))
    return std::nullopt;
  auto data = ConstantElements::read(attr);
  if (!data)
    return std::nullopt;
  auto type = cast<ShapedType>(original.getType());
  num::ElementKind kind = *getElementKind(type.getElementType());
  int64_t n = type.getNumElements();
  num::AxisView view =
      axis ? num::AxisView::forDim(type.getShape().data(), type.getRank(), *axis)
           : num::AxisView::flat(n);
  num::Fp8Format fp8 = isa<Float8E5M2Type>(format) ? num::Fp8Format::E5M2
                                                    : num::Fp8Format::E4M3;
  const char *raw = data->getRawData().data();
  std::vector<float> scales(axis ? view.axis : 1);
  if (axis)
    num::amaxPerAxis(raw, kind, view, scales.data());
  else
    scales[0] = num::amax(raw, kind, n);
  for (float &s : scales)
    s = num::computeFp8Scale(s, fp8, options.margin);
  num::QuantizeOptions q;
  q.format = fp8;
  q.saturation = options.saturation == Saturation::satfinite
                     ? num::Saturation::SatFinite
                     : num::Saturation::None;
  std::vector<uint8_t> codes(n);
  std::vector<float> ref(n), deq(n);
  num::quantize(raw, kind, codes.data(), view, scales.data(), scales.size(), q);
  num::dequantize(codes.data(), fp8, deq.data(), num::ElementKind::F32, view,
                  scales.data(), scales.size());
  num::convertElements(raw, kind, ref.data(), num::ElementKind::F32, n,
                       num::Saturation::None);
  double err = 0, norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    err += (double(ref[i]) - deq[i]) * (double(ref[i]) - deq[i]);
    norm += double(ref[i]) * ref[i];
  }
  return norm > 0 ? std::sqrt(err / norm) : 0.0;
}

/// Quantizes `value` ([B x] R x C) per `plan`; `channelDim` is its output
/// channel dimension (per-channel weight scales). Returns (codes, scale).
static std::pair<Value, Value>
quantizeOperand(RewriterBase &rewriter, Location loc, Value value,
                const OperandPlan &plan, int64_t channelDim,
                const QuantizeOptions &options, QuantizedContraction &out) {
  auto type = cast<RankedTensorType>(value.getType());
  MLIRContext *ctx = rewriter.getContext();
  auto scalar = RankedTensorType::get({}, rewriter.getF32Type());
  std::optional<int64_t> axis;
  if (plan.isWeight && options.weightGranularity == ScaleGranularity::row)
    axis = channelDim;
  IntegerAttr axisAttr = axis ? rewriter.getI64IntegerAttr(*axis) : nullptr;
  auto formatAttr = TypeAttr::get(plan.format);
  auto margin = rewriter.getI32IntegerAttr(options.margin);

  Value scale;
  switch (plan.scaling) {
  case OperandPlan::Scaling::Current: {
    Type amaxType = axis ? RankedTensorType::get({type.getDimSize(*axis)},
                                                 rewriter.getF32Type())
                         : Type(scalar);
    Value amax = AmaxOp::create(rewriter, loc, amaxType, value, axisAttr);
    scale = ScaleOp::create(rewriter, loc, amax.getType(), amax, formatAttr,
                            margin);
    break;
  }
  case OperandPlan::Scaling::Static: {
    float s = num::computeFp8Scale(
        plan.staticAmax,
        isa<Float8E5M2Type>(plan.format) ? num::Fp8Format::E5M2
                                         : num::Fp8Format::E4M3,
        options.margin);
    scale = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(scalar, ArrayRef<float>(s)));
    break;
  }
  case OperandPlan::Scaling::Delayed: {
    // Scale from the largest amax of the previous steps; this step's amax
    // enters the history, the oldest leaves it.
    Value past =
        AmaxOp::create(rewriter, loc, scalar, plan.history, IntegerAttr());
    scale = ScaleOp::create(rewriter, loc, scalar, past, formatAttr, margin);
    Value current = AmaxOp::create(rewriter, loc, scalar, value, IntegerAttr());
    Value head = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({1}, rewriter.getF32Type()),
        current, ArrayRef<ReassociationIndices>{});
    int64_t length =
        cast<RankedTensorType>(plan.history.getType()).getDimSize(0);
    Value updated = head;
    if (length > 1) {
      Value tail = tensor::ExtractSliceOp::create(
          rewriter, loc, plan.history, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(length - 1)},
          ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
      updated = tensor::ConcatOp::create(rewriter, loc, 0,
                                         ValueRange{head, tail});
    }
    out.newHistories.push_back(updated);
    break;
  }
  }

  auto codesType = RankedTensorType::get(type.getShape(), plan.format);
  // Left unfolded: canonicalization quantizes constants at compile time, and
  // until then --sparq-prune can still see the f32 weight behind the codes.
  Value codes = QuantizeOp::create(rewriter, loc, codesType, value, scale,
                                   /*seed=*/Value(), axisAttr,
                                   RoundingAttr::get(ctx, Rounding::rne),
                                   SaturationAttr::get(ctx, options.saturation));
  if (plan.isWeight)
    if (auto err = weightError(value, plan.format, axis, options))
      out.weightErrors.push_back(*err);
  return {codes, scale};
}

QuantizedContraction sparq::quantizeContraction(RewriterBase &rewriter,
                                                const Contraction &c,
                                                const OperandPlan &lhsPlan,
                                                const OperandPlan &rhsPlan,
                                                const QuantizeOptions &options) {
  QuantizedContraction out;
  Location loc = c.op.getLoc();
  out.result = rewriteAsSparqMatmul(
      rewriter, c,
      [&](Value operand, bool isLhs) {
        int64_t rank = cast<RankedTensorType>(operand.getType()).getRank();
        return isLhs ? quantizeOperand(rewriter, loc, operand, lhsPlan,
                                       rank - 2, options, out)
                     : quantizeOperand(rewriter, loc, operand, rhsPlan,
                                       rank - 1, options, out);
      },
      SaturationAttr::get(rewriter.getContext(), options.saturation));
  return out;
}

unsigned sparq::getWeightOperand(MatmulOp op) {
  Value operands[2] = {op.getLhs(), op.getRhs()};
  for (unsigned i = 0; i < 2; ++i)
    if (getNMEncoding(operands[i].getType()))
      return i;
  bool constant[2] = {matchPattern(operands[0], m_Constant()),
                      matchPattern(operands[1], m_Constant())};
  if (constant[0] != constant[1])
    return constant[0] ? 0 : 1;
  if (auto named = op->getAttrOfType<IntegerAttr>("sparq.weight_operand"))
    if (named.getInt() == 0 || named.getInt() == 1)
      return named.getInt();
  return 1;
}

std::string sparq::whyNotQuantizable(MatmulOp op) {
  for (Value v : {op.getLhs(), op.getRhs()}) {
    Type element = cast<RankedTensorType>(v.getType()).getElementType();
    if (isFP8(element))
      return "already FP8";
    if (!isa<Float32Type, Float16Type, BFloat16Type>(element))
      return "expects f32, f16 or bf16 operands";
  }
  if (op.getLhsScale() || op.getRhsScale())
    return "already scaled";
  return "";
}

QuantizedContraction sparq::quantizeMatmul(RewriterBase &rewriter,
                                           MatmulOp op,
                                           const OperandPlan &lhsPlan,
                                           const OperandPlan &rhsPlan,
                                           const QuantizeOptions &options) {
  QuantizedContraction out;
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto quantizeSide = [&](Value operand, const OperandPlan &plan,
                          bool isLhs) -> std::pair<Value, Value> {
    auto type = cast<RankedTensorType>(operand.getType());
    NMAttr encoding = getNMEncoding(type);
    Value dense = operand;
    if (encoding)
      dense = DecompressOp::create(
          rewriter, loc,
          RankedTensorType::get(type.getShape(), type.getElementType()),
          operand);
    int64_t rank = type.getRank();
    auto [codes, scale] = quantizeOperand(rewriter, loc, dense, plan,
                                          isLhs ? rank - 2 : rank - 1, options,
                                          out);
    if (encoding)
      codes = CompressOp::create(
          rewriter, loc,
          RankedTensorType::get(type.getShape(), plan.format, encoding), codes);
    return {codes, scale};
  };
  auto [lhs, lhsScale] = quantizeSide(op.getLhs(), lhsPlan, true);
  auto [rhs, rhsScale] = quantizeSide(op.getRhs(), rhsPlan, false);
  out.result = MatmulOp::create(
      rewriter, loc, op.getType(), lhs, rhs, lhsScale, rhsScale,
      op.getOutScale(), op.getBias(),
      SaturationAttr::get(rewriter.getContext(), options.saturation));
  rewriter.replaceOp(op, out.result);
  return out;
}

namespace {
/// Quantizes one contraction with current or attribute-given static scaling.
struct QuantizeContractionPattern
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  QuantizeContractionPattern(MLIRContext *ctx, const QuantizeOptions &options)
      : OpInterfaceRewritePattern(ctx), options(options) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    std::string whyNot;
    FailureOr<Contraction> c = matchContraction(op, whyNot);
    if (failed(c))
      return rewriter.notifyMatchFailure(op, whyNot);
    if (op->hasAttr("sparq.skip"))
      return rewriter.notifyMatchFailure(op, "marked sparq.skip");
    unsigned weight = getWeightOperand(*c);
    OperandPlan plans[2];
    for (unsigned i = 0; i < 2; ++i) {
      plans[i].format = getQuantizedFormat(op, i, options);
      plans[i].isWeight = i == weight;
      if (plans[i].isWeight ||
          options.activationScaling == ActivationScaling::Dynamic)
        continue;
      if (options.activationScaling == ActivationScaling::Delayed)
        return rewriter.notifyMatchFailure(
            op, "delayed scaling needs the sparq-quantize pass");
      auto amax = op->getAttrOfType<FloatAttr>("sparq.activation_amax");
      if (!amax || !std::isfinite(amax.getValueAsDouble()))
        return rewriter.notifyMatchFailure(op, "no finite sparq.activation_amax");
      plans[i].scaling = OperandPlan::Scaling::Static;
      plans[i].staticAmax = amax.getValueAsDouble();
    }
    quantizeContraction(rewriter, *c, plans[c->lhsIndex],
                        plans[1 - c->lhsIndex], options);
    return success();
  }

  QuantizeOptions options;
};
} // namespace

void sparq::populateSparqQuantizePatterns(RewritePatternSet &patterns,
                                          const QuantizeOptions &options) {
  patterns.add<QuantizeContractionPattern>(patterns.getContext(), options);
}
