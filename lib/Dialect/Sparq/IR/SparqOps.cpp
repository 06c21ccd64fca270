//===- SparqOps.cpp - sparq op verifiers ----------------------------------===//
//
// Verifiers only; folders live in SparqFolds.cpp and canonicalization
// patterns in SparqCanonicalize.cpp.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/IR/SparqVerify.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace sparq;

#define GET_OP_CLASSES
#include "sparq/Dialect/Sparq/IR/SparqOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Shared checks
//===----------------------------------------------------------------------===//

/// Element-wise sparq ops, scales and biases work on plain dense tensors;
/// encoded tensors are read through sparq.values / sparq.decompress. The
/// lowering passes such values to the runtime as one dense buffer.
static LogicalResult verifyNotEncoded(Operation *op, Value value,
                                      StringRef what) {
  if (!value)
    return success();
  auto type = cast<RankedTensorType>(value.getType());
  if (getNMEncoding(type))
    return op->emitOpError() << "expects a dense " << what
                             << ", not a #sparq.nm-encoded tensor (use "
                                "sparq.decompress or sparq.values)";
  if (type.getEncoding())
    return op->emitOpError() << "expects no tensor encoding on the " << what
                             << ", got " << type;
  return success();
}

static LogicalResult verifySameShape(Operation *op, RankedTensorType a,
                                     RankedTensorType b, StringRef aName,
                                     StringRef bName) {
  if (a.getShape() != b.getShape())
    return op->emitOpError() << "expects " << aName << " and " << bName
                             << " of the same shape, got " << a << " and "
                             << b;
  return success();
}

/// A rank-0 scale, or with `axis` a rank-1 scale with one entry per index of
/// dimension `axis` of `data`.
static LogicalResult verifyScaleOperand(Operation *op, RankedTensorType data,
                                        RankedTensorType scale,
                                        std::optional<int64_t> axis) {
  if (!axis) {
    if (scale.getRank() != 0)
      return op->emitOpError()
             << "expects a rank-0 scale without 'axis', got " << scale;
    return success();
  }
  if (*axis < 0 || *axis >= data.getRank())
    return op->emitOpError() << "'axis' " << *axis
                             << " is out of range for a rank-"
                             << data.getRank() << " tensor";
  if (scale.getRank() != 1)
    return op->emitOpError()
           << "expects a rank-1 scale with 'axis', got " << scale;
  int64_t want = data.getDimSize(*axis), got = scale.getDimSize(0);
  if (!ShapedType::isDynamic(want) && !ShapedType::isDynamic(got) &&
      want != got)
    return op->emitOpError() << "expects " << want
                             << " scales (one per index of dimension "
                             << *axis << "), got " << got;
  return success();
}

LogicalResult sparq::verifyPatternFor(NMAttr pattern, RankedTensorType type,
                                      function_ref<InFlightDiagnostic()> emitError) {
  if (type.getRank() == 0)
    return emitError() << "N:M sparsity needs a tensor of rank >= 1, got "
                       << type;
  return pattern.verifyEncoding(type.getShape(), type.getElementType(),
                                emitError);
}

//===----------------------------------------------------------------------===//
// quantize / dequantize / amax / scale
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  if (failed(verifyNotEncoded(*this, getInput(), "input")) ||
      failed(verifyNotEncoded(*this, getResult(), "result")) ||
      failed(verifyNotEncoded(*this, getScale(), "scale")) ||
      failed(verifySameShape(*this, inputType, resultType, "input", "result")))
    return failure();
  if (getRounding() == Rounding::stochastic && !getSeed())
    return emitOpError("stochastic rounding requires a 'seed' operand");
  if (getRounding() != Rounding::stochastic && getSeed())
    return emitOpError("'seed' is only used by stochastic rounding");
  return verifyScaleOperand(*this, inputType, getScale().getType(),
                            getAxis());
}

LogicalResult DequantizeOp::verify() {
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  if (failed(verifyNotEncoded(*this, getInput(), "input")) ||
      failed(verifyNotEncoded(*this, getResult(), "result")) ||
      failed(verifyNotEncoded(*this, getScale(), "scale")) ||
      failed(verifySameShape(*this, inputType, resultType, "input", "result")))
    return failure();
  return verifyScaleOperand(*this, inputType, getScale().getType(),
                            getAxis());
}

LogicalResult AmaxOp::verify() {
  if (failed(verifyNotEncoded(*this, getInput(), "input")) ||
      failed(verifyNotEncoded(*this, getResult(), "result")))
    return failure();
  auto inputType = getInput().getType();
  auto resultType = getResult().getType();
  std::optional<int64_t> axis = getAxis();
  if (!axis) {
    if (resultType.getRank() != 0)
      return emitOpError() << "expects a rank-0 result without 'axis', got "
                           << resultType;
    return success();
  }
  if (*axis < 0 || *axis >= inputType.getRank())
    return emitOpError() << "'axis' " << *axis
                         << " is out of range for a rank-"
                         << inputType.getRank() << " tensor";
  if (resultType.getRank() != 1 ||
      resultType.getDimSize(0) != inputType.getDimSize(*axis))
    return emitOpError() << "expects a result of "
                         << RankedTensorType::get(
                                {inputType.getDimSize(*axis)},
                                resultType.getElementType())
                         << " (one value per index of dimension " << *axis
                         << "), got " << resultType;
  return success();
}

LogicalResult ScaleOp::verify() {
  if (failed(verifyNotEncoded(*this, getAmax(), "amax")))
    return failure();
  if (!isFP8(getFormat()))
    return emitOpError() << "expects an FP8 format (f8E4M3FN or f8E5M2), got "
                         << getFormat();
  if (getAmax().getType().getRank() > 1)
    return emitOpError() << "expects a rank-0 or rank-1 amax, got "
                         << getAmax().getType();
  // Beyond this the scale is 0 or inf for every amax, which is never meant.
  int32_t margin = static_cast<int32_t>(getMargin());
  if (margin < -127 || margin > 127)
    return emitOpError() << "margin " << margin
                         << " is out of range [-127, 127]";
  return success();
}

//===----------------------------------------------------------------------===//
// prune / mask
//===----------------------------------------------------------------------===//

static LogicalResult verifyPruneLike(Operation *op, Value input,
                                     NMAttr pattern, NMRule rule) {
  if (failed(verifyNotEncoded(op, input, "input")))
    return failure();
  auto type = cast<RankedTensorType>(input.getType());
  if (failed(verifyPatternFor(pattern, type,
                              [&] { return op->emitOpError(); })))
    return failure();
  if (rule != NMRule::transposable)
    return success();
  // 4x4 blocks with two per row and column: a 2:4 matrix both ways.
  if (pattern.getN() != 2 || pattern.getM() != 4 || type.getRank() != 2 ||
      type.isDynamicDim(0) || type.isDynamicDim(1) || type.getDimSize(0) % 4 ||
      type.getDimSize(1) % 4)
    return op->emitOpError() << "the transposable rule needs 2:4 on a static "
                                "matrix whose dimensions are multiples of 4, "
                                "got "
                             << pattern << " on " << type;
  return success();
}

LogicalResult PruneOp::verify() {
  return verifyPruneLike(*this, getInput(), getPattern(), getRule());
}

LogicalResult MaskOp::verify() {
  if (failed(verifyPruneLike(*this, getInput(), getPattern(), getRule())) ||
      failed(verifyNotEncoded(*this, getResult(), "result")))
    return failure();
  return verifySameShape(*this, getInput().getType(), getResult().getType(),
                         "input", "result");
}

//===----------------------------------------------------------------------===//
// compress / decompress / values / metadata
//===----------------------------------------------------------------------===//

/// `encoded` carries #sparq.nm and `dense` is the same tensor type without it.
static LogicalResult verifyEncodedPair(Operation *op, RankedTensorType dense,
                                       RankedTensorType encoded,
                                       StringRef denseName,
                                       StringRef encodedName) {
  if (!getNMEncoding(encoded))
    return op->emitOpError() << "expects the " << encodedName
                             << " to carry a #sparq.nm encoding, got "
                             << encoded;
  if (dense.getEncoding())
    return op->emitOpError()
           << "expects an unencoded " << denseName << ", got " << dense;
  if (dense.getShape() != encoded.getShape() ||
      dense.getElementType() != encoded.getElementType())
    return op->emitOpError()
           << "expects " << denseName << " and " << encodedName
           << " to differ only in the encoding, got " << dense << " and "
           << encoded;
  return success();
}

LogicalResult CompressOp::verify() {
  // The input's values are not checked: compress is defined for any input,
  // and folding can turn any operand into a constant, so a verifier that
  // rejected some constants would make valid programs invalid.
  return verifyEncodedPair(*this, getInput().getType(), getResult().getType(),
                           "input", "result");
}

LogicalResult DecompressOp::verify() {
  return verifyEncodedPair(*this, getResult().getType(), getInput().getType(),
                           "result", "input");
}

/// The storage tensor of an encoded tensor: its shape with the sparse
/// dimension replaced by `storedSize`.
static LogicalResult verifyStorageType(Operation *op,
                                       RankedTensorType encodedType,
                                       RankedTensorType storageType,
                                       int64_t storedSize, Type elementType,
                                       StringRef what) {
  NMAttr pattern = getNMEncoding(encodedType);
  if (!pattern)
    return op->emitOpError()
           << "expects a #sparq.nm-encoded input, got " << encodedType;
  int64_t dim = *pattern.getSparseDim(encodedType.getRank());
  SmallVector<int64_t> shape(encodedType.getShape());
  shape[dim] = storedSize;
  auto expected = RankedTensorType::get(shape, elementType);
  if (storageType != expected)
    return op->emitOpError() << "expects the " << what << " of " << encodedType
                             << " to be " << expected << ", got "
                             << storageType;
  return success();
}

LogicalResult ValuesOp::verify() {
  auto inputType = getInput().getType();
  NMAttr pattern = getNMEncoding(inputType);
  if (!pattern)
    return emitOpError() << "expects a #sparq.nm-encoded input, got "
                         << inputType;
  int64_t dim = *pattern.getSparseDim(inputType.getRank());
  int64_t kept = inputType.getDimSize(dim) / pattern.getM() * pattern.getN();
  return verifyStorageType(*this, inputType, getResult().getType(), kept,
                           inputType.getElementType(), "values");
}

LogicalResult MetadataOp::verify() {
  auto inputType = getInput().getType();
  NMAttr pattern = getNMEncoding(inputType);
  if (!pattern)
    return emitOpError() << "expects a #sparq.nm-encoded input, got "
                         << inputType;
  int64_t dim = *pattern.getSparseDim(inputType.getRank());
  return verifyStorageType(
      *this, inputType, getResult().getType(),
      getMetadataWordsPerLine(pattern, inputType.getDimSize(dim)),
      IntegerType::get(getContext(), 16), "metadata");
}

int64_t sparq::getMetadataWordsPerLine(NMAttr pattern, int64_t lineLength) {
  int64_t bits = lineLength / pattern.getM() * pattern.getMetadataBitsPerGroup();
  return llvm::divideCeil(bits, 16);
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

/// Two static sizes that must agree. A dynamic size is compared when the
/// program runs: the CPU and GPU lowerings emit the check (RuntimeChecks.h).
static bool sizesConflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

LogicalResult MatmulOp::verify() {
  auto lhsType = getLhs().getType();
  auto rhsType = getRhs().getType();
  auto resultType = getResult().getType();
  int64_t rank = resultType.getRank();
  if ((rank != 2 && rank != 3) || lhsType.getRank() != rank ||
      rhsType.getRank() != rank)
    return emitOpError() << "expects operands and result all of rank 2 "
                            "(M x K, K x N -> M x N) or all of rank 3 (with a "
                            "leading batch dimension), got "
                         << lhsType << ", " << rhsType << " -> " << resultType;
  int64_t b = rank - 2;
  if (rank == 3 && (sizesConflict(lhsType.getDimSize(0), rhsType.getDimSize(0)) ||
                    sizesConflict(lhsType.getDimSize(0), resultType.getDimSize(0))))
    return emitOpError("expects equal batch sizes");
  int64_t m = lhsType.getDimSize(b), k = lhsType.getDimSize(b + 1);
  int64_t n = rhsType.getDimSize(b + 1);
  if (sizesConflict(k, rhsType.getDimSize(b)))
    return emitOpError() << "expects the K of lhs (" << k << ") and rhs ("
                         << rhsType.getDimSize(b) << ") to agree";
  if (sizesConflict(m, resultType.getDimSize(b)) ||
      sizesConflict(n, resultType.getDimSize(b + 1)))
    return emitOpError() << "expects a result of M x N = " << m << " x " << n
                         << ", got " << resultType;

  Type lhsElt = lhsType.getElementType(), rhsElt = rhsType.getElementType();
  if (lhsElt != rhsElt && !(isFP8(lhsElt) && isFP8(rhsElt)))
    return emitOpError() << "expects operands of the same element type (or "
                            "two FP8 formats), got "
                         << lhsElt << " and " << rhsElt;

  NMAttr lhsNM = getNMEncoding(lhsType), rhsNM = getNMEncoding(rhsType);
  if (lhsNM && rhsNM)
    return emitOpError("expects at most one N:M-encoded operand");
  if (lhsNM && lhsNM.getSparseDim(rank) != b + 1)
    return emitOpError() << "expects lhs to be N:M-sparse along K (dimension "
                         << b + 1 << "), got " << lhsNM;
  if (rhsNM && rhsNM.getSparseDim(rank) != b)
    return emitOpError() << "expects rhs to be N:M-sparse along K (dimension "
                         << b << "), got " << rhsNM;
  if ((lhsType.getEncoding() && !lhsNM) || (rhsType.getEncoding() && !rhsNM) ||
      resultType.getEncoding())
    return emitOpError("supports no tensor encoding but #sparq.nm on operands");

  auto checkVector = [&](Value v, StringRef name, int64_t size,
                         StringRef sizeName, bool allowScalar) -> LogicalResult {
    if (!v)
      return success();
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() == 0 && allowScalar)
      return success();
    if (type.getRank() != 1 || sizesConflict(type.getDimSize(0), size))
      return emitOpError() << "expects " << name << " to be "
                           << (allowScalar ? "rank-0 or " : "")
                           << "tensor<" << sizeName << "xf32> with " << sizeName
                           << " = " << size << ", got " << type;
    return success();
  };
  if (failed(verifyNotEncoded(*this, getLhsScale(), "lhs_scale")) ||
      failed(verifyNotEncoded(*this, getRhsScale(), "rhs_scale")) ||
      failed(verifyNotEncoded(*this, getOutScale(), "out_scale")) ||
      failed(verifyNotEncoded(*this, getBias(), "bias")))
    return failure();
  if (failed(checkVector(getLhsScale(), "lhs_scale", m, "M", true)) ||
      failed(checkVector(getRhsScale(), "rhs_scale", n, "N", true)) ||
      failed(checkVector(getBias(), "bias", n, "N", false)))
    return failure();
  if (getOutScale() && getOutScale().getType().getRank() != 0)
    return emitOpError() << "expects a rank-0 out_scale, got "
                         << getOutScale().getType();
  return success();
}
