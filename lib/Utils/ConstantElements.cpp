//===- ConstantElements.cpp - raw bytes of constant tensors ---------------===//
#include "sparq/Utils/ConstantElements.h"

#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Threading.h"

#include <cstring>

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;

std::optional<num::ElementKind> sparq::getElementKind(Type type) {
  if (type.isF32())
    return num::ElementKind::F32;
  if (type.isF16())
    return num::ElementKind::F16;
  if (type.isBF16())
    return num::ElementKind::BF16;
  if (isa<Float8E4M3FNType>(type))
    return num::ElementKind::E4M3;
  if (isa<Float8E5M2Type>(type))
    return num::ElementKind::E5M2;
  return std::nullopt;
}

/// Bytes per element of the raw storage of a constant of `type`.
static std::optional<size_t> getStorageBytes(Type elementType) {
  if (!elementType.isIntOrFloat() || elementType.getIntOrFloatBitWidth() < 8)
    return std::nullopt;
  return llvm::divideCeil(elementType.getIntOrFloatBitWidth(), 8);
}

/// The number of elements of the static `shape`, or std::nullopt above
/// `limit`. Shapes may multiply past int64_t (ShapedType::getNumElements
/// would wrap).
static std::optional<int64_t> countElements(ArrayRef<int64_t> shape,
                                            int64_t limit) {
  if (llvm::is_contained(shape, 0))
    return 0;
  int64_t count = 1;
  for (int64_t size : shape) {
    if (size > limit / count)
      return std::nullopt;
    count *= size;
  }
  return count;
}

std::optional<ConstantElements> ConstantElements::read(Attribute attr,
                                                       bool allowLargeSplat) {
  auto elements = dyn_cast_or_null<ElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  auto type = dyn_cast<ShapedType>(elements.getType());
  if (!type || !type.hasStaticShape())
    return std::nullopt;
  std::optional<int64_t> count =
      countElements(type.getShape(), kMaxFoldElements);
  std::optional<size_t> bytes = getStorageBytes(type.getElementType());
  if (!count || !bytes)
    return std::nullopt;
  size_t total = size_t(*count) * *bytes;

  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(attr)) {
    ArrayRef<char> raw = dense.getRawData();
    bool splat = dense.isSplat();
    if (raw.size() != (splat ? *bytes : total) ||
        (splat && !allowLargeSplat && *count > kMaxSplatExpansionElements))
      return std::nullopt;
    return ConstantElements(type, *count, raw, splat, /*resource=*/false);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // An elided or not-yet-loaded blob has no data: nothing to fold.
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != total)
      return std::nullopt;
    return ConstantElements(type, *count, blob->getData(), /*splat=*/false,
                            /*resource=*/true);
  }
  return std::nullopt;
}

ArrayRef<char> ConstantElements::getRawData() const {
  if (!splat)
    return data;
  assert(isExpandable() && "splat too large to expand");
  if (!expanded) {
    size_t bytes = data.size();
    expanded = std::make_shared<std::vector<char>>(bytes * getNumElements());
    for (size_t i = 0, e = getNumElements(); i < e; ++i)
      std::memcpy(expanded->data() + i * bytes, data.data(), bytes);
  }
  return *expanded;
}

ArrayRef<char> ConstantElements::getFirstElement() const {
  size_t bytes = *getStorageBytes(type.getElementType());
  return data.take_front(bytes);
}

float ConstantElements::getF32(int64_t i) const {
  num::ElementKind kind = *getElementKind(type.getElementType());
  int64_t index = splat ? 0 : i;
  return num::loadAsF32(kind, data.data(), index);
}

ConstantBuilder::ConstantBuilder(ShapedType type, bool asResource)
    : type(type), asResource(asResource ||
                             type.getNumElements() >= kResourceThresholdElements) {
  size_t bytes = type.getElementType().isInteger(1)
                     ? 1
                     : *getStorageBytes(type.getElementType());
  size_t total = bytes * type.getNumElements();
  if (this->asResource) {
    blob = HeapAsmResourceBlob::allocate(total, alignof(uint64_t));
    storage = blob.getMutableData();
  } else {
    heapStorage.resize(total);
    storage = heapStorage;
  }
}

ElementsAttr ConstantBuilder::finish() {
  if (asResource)
    return DenseResourceElementsAttr::get(type, "sparq_folded",
                                          std::move(blob));
  if (type.getElementType().isInteger(1))
    return DenseElementsAttr::get(
        type, ArrayRef<bool>(reinterpret_cast<const bool *>(storage.data()),
                             storage.size()));
  return DenseElementsAttr::getFromRawBuffer(type, storage);
}

num::ParallelFor sparq::getParallelFor(MLIRContext *ctx) {
  if (!ctx->isMultithreadingEnabled())
    return nullptr;
  return [ctx](size_t numTasks, const std::function<void(size_t)> &task) {
    mlir::parallelFor(ctx, 0, numTasks, [&](size_t i) { task(i); });
  };
}
