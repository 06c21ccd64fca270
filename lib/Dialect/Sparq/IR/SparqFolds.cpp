//===- SparqFolds.cpp - constant folding of sparq ops ---------------------===//
//
// Every fold computes through the sparq::numerics library on the raw bytes of
// the constants, so folded results are bit-identical to what the CPU runtime
// computes. Constants may be DenseElementsAttr (text or hex) or dense_resource
// blobs; large results and results of blob inputs are emitted as blobs.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/IR/SparqFoldUtils.h"
#include "sparq/Dialect/Sparq/IR/SparqVerify.h"
#include "sparq/Numerics/Matmul.h"
#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Scale.h"
#include "sparq/Numerics/Transposable.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

//===----------------------------------------------------------------------===//
// Conversions to the numerics vocabulary
//===----------------------------------------------------------------------===//

static num::Fp8Format toFp8Format(Type type) {
  return isa<Float8E5M2Type>(type) ? num::Fp8Format::E5M2
                                   : num::Fp8Format::E4M3;
}

static num::Saturation toNumerics(Saturation saturation) {
  return saturation == Saturation::satfinite ? num::Saturation::SatFinite
                                             : num::Saturation::None;
}

static num::NMPattern toNumerics(NMAttr pattern) {
  return {pattern.getN(), pattern.getM()};
}

static num::AxisView viewAlong(ShapedType type, int64_t dim) {
  return num::AxisView::forDim(type.getShape().data(), type.getRank(), dim);
}

/// The view that maps a per-axis scale onto `type`, or a flat one.
static num::AxisView scaleView(ShapedType type, std::optional<int64_t> axis) {
  return axis ? viewAlong(type, *axis)
              : num::AxisView::flat(type.getNumElements());
}

static num::AxisView sparseView(ShapedType type, NMAttr pattern) {
  return viewAlong(type, *pattern.getSparseDim(type.getRank()));
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / amax / scale
//===----------------------------------------------------------------------===//

OpFoldResult QuantizeOp::fold(FoldAdaptor adaptor) {
  auto input = ConstantElements::read(adaptor.getInput(),
                                      /*allowLargeSplat=*/true);
  auto scale = ConstantElements::read(adaptor.getScale(),
                                      /*allowLargeSplat=*/true);
  if (!input || !scale)
    return {};
  num::QuantizeOptions options;
  options.format = toFp8Format(getType().getElementType());
  options.saturation = toNumerics(getSaturation());
  if (getRounding() == Rounding::stochastic) {
    auto seed = dyn_cast_or_null<IntegerAttr>(adaptor.getSeed());
    if (!seed)
      return {};
    options.rounding = num::Rounding::Stochastic;
    options.seed = seed.getValue().getZExtValue();
  }
  num::ElementKind kind = *getElementKind(input->getType().getElementType());

  // A splat stays a splat when every element sees the same scale and the
  // same rounding, whatever the tensor's size.
  if (input->isSplat() && (scale->isSplat() || scale->getNumElements() == 1) &&
      options.rounding == num::Rounding::NearestEven) {
    uint8_t code;
    float s = scale->getF32(0);
    num::quantize(input->getFirstElement().data(), kind, &code,
                  num::AxisView::flat(1), &s, 1, options);
    return DenseElementsAttr::getFromRawBuffer(
        getType(), ArrayRef<char>(reinterpret_cast<char *>(&code), 1));
  }
  if (!input->isExpandable() || !scale->isExpandable())
    return {};
  ConstantBuilder result(getType(), input->isResource());
  ArrayRef<char> scales = scale->getRawData();
  if (!num::quantize(input->getRawData().data(), kind,
                     result.dataAs<uint8_t>(),
                     scaleView(getInput().getType(), getAxis()),
                     reinterpret_cast<const float *>(scales.data()),
                     scale->getNumElements(), options,
                     getParallelFor(getContext())))
    return {};
  return result.finish();
}

OpFoldResult DequantizeOp::fold(FoldAdaptor adaptor) {
  auto input = ConstantElements::read(adaptor.getInput(),
                                      /*allowLargeSplat=*/true);
  auto scale = ConstantElements::read(adaptor.getScale(),
                                      /*allowLargeSplat=*/true);
  if (!input || !scale)
    return {};
  num::Fp8Format format = toFp8Format(input->getType().getElementType());
  num::ElementKind outKind = *getElementKind(getType().getElementType());
  if (input->isSplat() && (scale->isSplat() || scale->getNumElements() == 1)) {
    float s = scale->getF32(0);
    uint32_t value = 0;
    num::dequantize(reinterpret_cast<const uint8_t *>(
                        input->getFirstElement().data()),
                    format, &value, outKind, num::AxisView::flat(1), &s, 1);
    return DenseElementsAttr::getFromRawBuffer(
        getType(), ArrayRef<char>(reinterpret_cast<char *>(&value),
                                  num::elementByteSize(outKind)));
  }
  if (!input->isExpandable() || !scale->isExpandable())
    return {};
  ConstantBuilder result(getType(), input->isResource());
  ArrayRef<char> scales = scale->getRawData();
  if (!num::dequantize(
          reinterpret_cast<const uint8_t *>(input->getRawData().data()), format,
          result.data().data(), outKind,
          scaleView(getInput().getType(), getAxis()),
          reinterpret_cast<const float *>(scales.data()),
          scale->getNumElements(), getParallelFor(getContext())))
    return {};
  return result.finish();
}

OpFoldResult AmaxOp::fold(FoldAdaptor adaptor) {
  auto input = ConstantElements::read(adaptor.getInput(),
                                      /*allowLargeSplat=*/true);
  if (!input)
    return {};
  num::ElementKind kind = *getElementKind(input->getType().getElementType());
  if (!getAxis()) {
    // |splat| is the amax of a splat; no need to expand it.
    int64_t count = input->isSplat() ? 1 : input->getNumElements();
    ArrayRef<char> data =
        input->isSplat() ? input->getFirstElement() : input->getRawData();
    float amax = count == 0 ? 0.0f
                            : num::amax(data.data(), kind, count,
                                        getParallelFor(getContext()));
    return DenseElementsAttr::get(getType(), ArrayRef<float>(amax));
  }
  if (input->isSplat() && input->getNumElements() > 0) {
    // Every slice of a non-empty splat has the same amax.
    float amax = num::amax(input->getFirstElement().data(), kind, 1);
    return DenseElementsAttr::get(getType(), ArrayRef<float>(amax));
  }
  num::AxisView view = viewAlong(input->getType(), *getAxis());
  SmallVector<float> amax(view.axis);
  if (!num::amaxPerAxis(input->getRawData().data(), kind, view, amax.data(),
                        getParallelFor(getContext())))
    return {};
  return DenseElementsAttr::get(getType(), ArrayRef<float>(amax));
}

OpFoldResult ScaleOp::fold(FoldAdaptor adaptor) {
  auto amax = ConstantElements::read(adaptor.getAmax(),
                                     /*allowLargeSplat=*/true);
  if (!amax)
    return {};
  num::Fp8Format format = toFp8Format(getFormat());
  SmallVector<float> scales;
  // A splat's scales are a splat.
  int64_t count = amax->getNumElements();
  if (amax->isSplat())
    count = std::min<int64_t>(count, 1);
  for (int64_t i = 0; i < count; ++i)
    scales.push_back(num::computeFp8Scale(amax->getF32(i), format,
                                            static_cast<int32_t>(getMargin())));
  return DenseElementsAttr::get(getType(), ArrayRef<float>(scales));
}

//===----------------------------------------------------------------------===//
// prune / mask
//===----------------------------------------------------------------------===//

OpFoldResult PruneOp::fold(FoldAdaptor adaptor) {
  // Pruning is idempotent: a pruned tensor has at most N non-zeros per group,
  // all of which the second prune keeps; a transposable result is also 2:4
  // along each dimension.
  if (auto inner = getInput().getDefiningOp<PruneOp>())
    if (getRule() == NMRule::magnitude &&
        (inner.getRule() == NMRule::transposable ||
         inner.getPattern().isEquivalentTo(getPattern(), getType().getRank())))
      return getInput();
  auto input = ConstantElements::read(adaptor.getInput());
  if (!input)
    return {};
  ConstantBuilder result(getType(), input->isResource());
  num::ElementKind kind = *getElementKind(getType().getElementType());
  if (getRule() == NMRule::transposable) {
    if (!num::pruneTransposable(input->getRawData().data(), kind,
                                getType().getDimSize(0),
                                getType().getDimSize(1), result.data().data(),
                                getParallelFor(getContext())))
      return {};
    return result.finish();
  }
  if (num::pruneNM(input->getRawData().data(),
                   *getElementKind(getType().getElementType()),
                   sparseView(getType(), getPattern()),
                   toNumerics(getPattern()), result.data().data(),
                   getParallelFor(getContext())) != num::NMStatus::Ok)
    return {};
  return result.finish();
}

OpFoldResult MaskOp::fold(FoldAdaptor adaptor) {
  auto input = ConstantElements::read(adaptor.getInput());
  if (!input)
    return {};
  ConstantBuilder result(getType(), input->isResource());
  if (getRule() == NMRule::transposable) {
    if (!num::selectTransposableMask(
            input->getRawData().data(),
            *getElementKind(input->getType().getElementType()),
            getType().getDimSize(0), getType().getDimSize(1),
            result.dataAs<uint8_t>(), getParallelFor(getContext())))
      return {};
    return result.finish();
  }
  if (num::selectNMMask(input->getRawData().data(),
                        *getElementKind(input->getType().getElementType()),
                        sparseView(getType(), getPattern()),
                        toNumerics(getPattern()), result.dataAs<uint8_t>(),
                        getParallelFor(getContext())) != num::NMStatus::Ok)
    return {};
  return result.finish();
}

//===----------------------------------------------------------------------===//
// compress / decompress / values / metadata
//===----------------------------------------------------------------------===//

/// `attr` with its type replaced by `type` (same shape and element type),
/// sharing the data.
static Attribute retype(Attribute attr, ShapedType type) {
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.reshape(type);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr))
    return DenseResourceElementsAttr::get(type, resource.getRawHandle());
  return {};
}

OpFoldResult CompressOp::fold(FoldAdaptor adaptor) {
  // compress(decompress(e)) == e: decompress left only kept positions.
  if (auto decompress = getInput().getDefiningOp<DecompressOp>())
    if (decompress.getInput().getType() == getType())
      return decompress.getInput();
  auto input = ConstantElements::read(adaptor.getInput());
  if (!input)
    return {};
  // An encoded constant holds its dense values; a valid input is already
  // that, an invalid one is a verifier error and stays unfolded.
  std::optional<num::NMViolation> violation;
  NMAttr pattern = getNMEncoding(getType());
  if (num::findNMViolation(input->getRawData().data(),
                           *getElementKind(getType().getElementType()),
                           sparseView(getType(), pattern), toNumerics(pattern),
                           violation, getParallelFor(getContext())) !=
          num::NMStatus::Ok ||
      violation)
    return {};
  return retype(adaptor.getInput(), getType());
}

OpFoldResult DecompressOp::fold(FoldAdaptor adaptor) {
  auto input = ConstantElements::read(adaptor.getInput());
  if (!input)
    return {};
  // An encoded constant stands for the compression of its values, which
  // keeps the N largest magnitudes of a group: decompressing gives prune.
  NMAttr pattern = getNMEncoding(input->getType());
  ConstantBuilder result(getType(), input->isResource());
  if (num::pruneNM(input->getRawData().data(),
                   *getElementKind(getType().getElementType()),
                   sparseView(getType(), pattern), toNumerics(pattern),
                   result.data().data(),
                   getParallelFor(getContext())) != num::NMStatus::Ok)
    return {};
  return result.finish();
}

FailureOr<std::pair<ElementsAttr, ElementsAttr>>
sparq::compressEncodedConstant(Attribute attr, MLIRContext *ctx) {
  auto input = ConstantElements::read(attr);
  if (!input)
    return failure();
  auto type = cast<RankedTensorType>(input->getType());
  NMAttr pattern = getNMEncoding(type);
  if (!pattern)
    return failure();
  int64_t dim = *pattern.getSparseDim(type.getRank());
  SmallVector<int64_t> valuesShape(type.getShape()), metadataShape(type.getShape());
  valuesShape[dim] = type.getDimSize(dim) / pattern.getM() * pattern.getN();
  metadataShape[dim] = getMetadataWordsPerLine(pattern, type.getDimSize(dim));
  ConstantBuilder values(RankedTensorType::get(valuesShape, type.getElementType()),
                         input->isResource());
  ConstantBuilder metadata(
      RankedTensorType::get(metadataShape, IntegerType::get(ctx, 16)),
      input->isResource());
  if (num::compressNM(input->getRawData().data(),
                      *getElementKind(type.getElementType()),
                      viewAlong(type, dim), toNumerics(pattern),
                      values.data().data(), metadata.dataAs<uint16_t>(),
                      getParallelFor(ctx)) != num::NMStatus::Ok)
    return failure();
  return std::make_pair(values.finish(), metadata.finish());
}

OpFoldResult ValuesOp::fold(FoldAdaptor adaptor) {
  auto parts = compressEncodedConstant(adaptor.getInput(), getContext());
  return succeeded(parts) ? parts->first : OpFoldResult();
}

OpFoldResult MetadataOp::fold(FoldAdaptor adaptor) {
  auto parts = compressEncodedConstant(adaptor.getInput(), getContext());
  return succeeded(parts) ? parts->second : OpFoldResult();
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

/// Folding a matmul costs M*N*K multiply-adds; beyond this it is left to run
/// time, where it belongs.
static constexpr int64_t kMaxFoldMatmulMacs = int64_t(1) << 30;

namespace {
/// A constant matmul operand in the form the numerics library takes; keeps
/// the constants it points into alive.
struct FoldOperand {
  num::MatmulOperand operand;
  std::optional<ConstantElements> data, values, metadata;
};
} // namespace

static bool prepareOperand(Attribute attr, FoldOperand &out,
                           MLIRContext *ctx) {
  out.data = ConstantElements::read(attr);
  if (!out.data)
    return false;
  ShapedType type = out.data->getType();
  out.operand.kind = *getElementKind(type.getElementType());
  NMAttr pattern = getNMEncoding(type);
  if (!pattern) {
    out.operand.data = out.data->getRawData().data();
    return true;
  }
  // Only the kept positions of an encoded operand take part: go through its
  // compressed storage, exactly as the runtime and the GPU do.
  auto parts = compressEncodedConstant(attr, ctx);
  if (failed(parts))
    return false;
  out.values = ConstantElements::read(parts->first);
  out.metadata = ConstantElements::read(parts->second);
  if (!out.values || !out.metadata)
    return false;
  out.operand.data = out.values->getRawData().data();
  out.operand.metadata =
      reinterpret_cast<const uint16_t *>(out.metadata->getRawData().data());
  out.operand.pattern = toNumerics(pattern);
  return true;
}

OpFoldResult MatmulOp::fold(FoldAdaptor adaptor) {
  RankedTensorType resultType = getType();
  if (!resultType.hasStaticShape())
    return {};
  int64_t rank = resultType.getRank();
  num::MatmulShape shape;
  shape.batch = rank == 3 ? resultType.getDimSize(0) : 1;
  shape.m = resultType.getDimSize(rank - 2);
  shape.n = resultType.getDimSize(rank - 1);
  shape.k = getLhs().getType().getDimSize(rank - 1);
  if (ShapedType::isDynamic(shape.k))
    return {};
  // Sizes are any int64_t: the product may overflow.
  std::optional<int64_t> macs = llvm::checkedMul(shape.batch, shape.m);
  for (int64_t size : {shape.n, shape.k})
    if (macs)
      macs = llvm::checkedMul(*macs, size);
  if (!macs || *macs > kMaxFoldMatmulMacs)
    return {};

  FoldOperand lhs, rhs;
  if (!prepareOperand(adaptor.getLhs(), lhs, getContext()) ||
      !prepareOperand(adaptor.getRhs(), rhs, getContext()))
    return {};

  // Optional f32 operands: absent is fine, present-but-not-constant is not.
  num::MatmulEpilogue epilogue;
  epilogue.saturation = toNumerics(getSaturation());
  std::optional<ConstantElements> lhsScale, rhsScale, outScale, bias;
  auto readOptional = [](Value v, Attribute attr,
                         std::optional<ConstantElements> &out,
                         const float *&data, int64_t *count) {
    if (!v)
      return true;
    out = ConstantElements::read(attr);
    if (!out)
      return false;
    data = reinterpret_cast<const float *>(out->getRawData().data());
    if (count)
      *count = out->getNumElements();
    return true;
  };
  if (!readOptional(getLhsScale(), adaptor.getLhsScale(), lhsScale,
                    epilogue.lhsScale, &epilogue.numLhsScales) ||
      !readOptional(getRhsScale(), adaptor.getRhsScale(), rhsScale,
                    epilogue.rhsScale, &epilogue.numRhsScales) ||
      !readOptional(getOutScale(), adaptor.getOutScale(), outScale,
                    epilogue.outScale, nullptr) ||
      !readOptional(getBias(), adaptor.getBias(), bias, epilogue.bias,
                    nullptr))
    return {};

  ConstantBuilder result(resultType, lhs.data->isResource() ||
                                         rhs.data->isResource());
  if (!num::matmul(shape, lhs.operand, rhs.operand, epilogue,
                   result.data().data(),
                   *getElementKind(resultType.getElementType()),
                   getParallelFor(getContext())))
    return {};
  return result.finish();
}
