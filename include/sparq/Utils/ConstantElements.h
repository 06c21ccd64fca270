//===- ConstantElements.h - raw bytes of constant tensors -------*- C++ -*-===//
//
// Folders and passes compute on whole constants at once through the numerics
// library, which works on raw row-major buffers. This reads those bytes out of
// both constant forms MLIR has (DenseElementsAttr, including its hex form, and
// dense_resource blobs) and builds results in place without extra copies.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_UTILS_CONSTANTELEMENTS_H
#define SPARQ_UTILS_CONSTANTELEMENTS_H

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/Parallel.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <vector>

namespace sparq {

/// Constants larger than this are left to run time rather than folded, so a
/// fold never allocates more than a few times this many bytes.
constexpr int64_t kMaxFoldElements = int64_t(1) << 28;

/// Splats are expanded into their elements only up to this many elements (64
/// MiB of f32): a fold whose result is not a splat leaves a larger splat to
/// run time, so that a few bytes of IR never turn into gigabytes.
constexpr int64_t kMaxSplatExpansionElements = int64_t(1) << 24;

/// Results with at least this many elements are emitted as dense_resource
/// blobs (printed as one hex string) instead of DenseElementsAttr.
constexpr int64_t kResourceThresholdElements = int64_t(1) << 16;

/// The numerics element kind of `type`, or std::nullopt for other types.
std::optional<numerics::ElementKind> getElementKind(mlir::Type type);

/// A read-only view of the elements of a constant tensor.
class ConstantElements {
public:
  /// Reads `attr` when it is a DenseIntOrFPElementsAttr or a
  /// DenseResourceElementsAttr whose blob is present and of the right size;
  /// std::nullopt otherwise, or when the constant exceeds kMaxFoldElements.
  /// Splats of more than kMaxSplatExpansionElements are refused too, unless
  /// `allowLargeSplat`: then the caller handles them without getRawData().
  static std::optional<ConstantElements> read(mlir::Attribute attr,
                                              bool allowLargeSplat = false);

  mlir::ShapedType getType() const { return type; }
  int64_t getNumElements() const { return numElements; }
  bool isSplat() const { return splat; }
  bool isResource() const { return resource; }
  /// Whether getRawData() may be called: not a splat over the expansion limit.
  bool isExpandable() const {
    return !splat || numElements <= kMaxSplatExpansionElements;
  }

  /// Bytes of all elements, row-major; a splat is expanded (once) on demand.
  /// Requires isExpandable().
  llvm::ArrayRef<char> getRawData() const;
  /// The single element of a splat, or the first element otherwise.
  llvm::ArrayRef<char> getFirstElement() const;
  /// Element `i` as f32 (exact widening for every supported kind).
  float getF32(int64_t i) const;

private:
  ConstantElements(mlir::ShapedType type, int64_t numElements,
                   llvm::ArrayRef<char> data, bool splat, bool resource)
      : type(type), numElements(numElements), data(data), splat(splat),
        resource(resource) {}

  mlir::ShapedType type;
  int64_t numElements;
  llvm::ArrayRef<char> data;
  bool splat = false;
  bool resource = false;
  mutable std::shared_ptr<std::vector<char>> expanded;
};

/// Storage for a folded constant: filled in place through data(), then handed
/// to an attribute by finish().
class ConstantBuilder {
public:
  /// `asResource` selects a dense_resource result; otherwise it is chosen by
  /// size (kResourceThresholdElements).
  ConstantBuilder(mlir::ShapedType type, bool asResource = false);

  llvm::MutableArrayRef<char> data() { return storage; }
  template <typename T> T *dataAs() {
    return reinterpret_cast<T *>(storage.data());
  }

  /// The finished attribute; i1 tensors take one byte (0 or 1) per element.
  mlir::ElementsAttr finish();

private:
  mlir::ShapedType type;
  bool asResource;
  mlir::AsmResourceBlob blob;
  llvm::MutableArrayRef<char> storage;
  std::vector<char> heapStorage;
};

/// A numerics executor running tasks on `ctx`'s thread pool (serially when
/// multithreading is disabled).
numerics::ParallelFor getParallelFor(mlir::MLIRContext *ctx);

} // namespace sparq

#endif // SPARQ_UTILS_CONSTANTELEMENTS_H
