//===- SparqAttrs.cpp - #sparq.nm ------------------------------------------===//
#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/IR/DialectImplementation.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace sparq;

/// The library packs metadata words of 16 bits and selects among at most 16
/// candidates per group; larger M would also have no hardware behind it.
static constexpr unsigned kMaxGroupSize = 16;

Attribute NMAttr::parse(AsmParser &parser, Type) {
  unsigned n = 0, m = 0;
  int64_t dim = -1;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseInteger(n) || parser.parseColon() ||
      parser.parseInteger(m))
    return {};
  if (succeeded(parser.parseOptionalComma()) &&
      (parser.parseKeyword("dim") || parser.parseEqual() ||
       parser.parseInteger(dim)))
    return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<NMAttr>(loc, parser.getContext(), n, m, dim);
}

void NMAttr::print(AsmPrinter &printer) const {
  printer << "<" << getN() << ":" << getM();
  if (getDim() != -1)
    printer << ", dim = " << getDim();
  printer << ">";
}

LogicalResult NMAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             unsigned n, unsigned m, int64_t dim) {
  if (m < 2 || m > kMaxGroupSize)
    return emitError() << "N:M group size M must be in [2, " << kMaxGroupSize
                       << "], got " << m;
  if (n == 0 || n >= m)
    return emitError() << "N:M requires 0 < N < M, got " << n << ":" << m;
  return success();
}

std::optional<int64_t> NMAttr::getSparseDim(int64_t rank) const {
  int64_t dim = getDim() < 0 ? rank + getDim() : getDim();
  if (dim < 0 || dim >= rank)
    return std::nullopt;
  return dim;
}

unsigned NMAttr::getMetadataBitsPerGroup() const {
  return getN() * llvm::Log2_32_Ceil(getM());
}

bool NMAttr::isEquivalentTo(NMAttr other, int64_t rank) const {
  return other && getN() == other.getN() && getM() == other.getM() &&
         getSparseDim(rank) == other.getSparseDim(rank);
}

LogicalResult
NMAttr::verifyEncoding(ArrayRef<int64_t> shape, Type elementType,
                       function_ref<InFlightDiagnostic()> emitError) const {
  // MLIR's tensor type parser verifies the encoding before it checks that
  // the element type parsed; it reports that error itself.
  if (!elementType)
    return success();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(elementType) &&
      !isFP8(elementType))
    return emitError() << "#sparq.nm encoding expects an f32, f16, bf16, "
                          "f8E4M3FN or f8E5M2 element type, got "
                       << elementType;
  std::optional<int64_t> dim = getSparseDim(shape.size());
  if (!dim)
    return emitError() << "#sparq.nm sparse dimension " << getDim()
                       << " is out of range for a rank-" << shape.size()
                       << " tensor";
  if (ShapedType::isDynamic(shape[*dim]))
    return emitError() << "#sparq.nm sparse dimension " << *dim
                       << " must be static";
  if (shape[*dim] % getM() != 0)
    return emitError() << "#sparq.nm sparse dimension " << *dim << " (size "
                       << shape[*dim] << ") is not a multiple of M = "
                       << getM();
  return success();
}
