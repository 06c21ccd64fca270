//===- AxisView.h - A row-major buffer seen along one axis ------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_AXISVIEW_H
#define SPARQ_NUMERICS_AXISVIEW_H

#include <cstddef>
#include <cstdint>

namespace sparq::numerics {

/// A row-major buffer viewed as [outer][axis][inner]: element (o, a, i) is at
/// linear index (o * axis + a) * inner + i. Any tensor reduces to this given
/// one dimension: outer = product of the dims before it, inner = after it.
/// Per-axis scales are indexed by `a`; N:M groups run along `a`.
struct AxisView {
  int64_t outer = 1;
  int64_t axis = 0;
  int64_t inner = 1;

  int64_t numElements() const { return outer * axis * inner; }
  bool isValid() const { return outer >= 0 && axis >= 0 && inner >= 0; }

  /// The view of a rank-`rank` tensor with `shape` along dimension `dim`.
  static AxisView forDim(const int64_t *shape, size_t rank, size_t dim) {
    AxisView view;
    view.axis = shape[dim];
    for (size_t d = 0; d < dim; ++d)
      view.outer *= shape[d];
    for (size_t d = dim + 1; d < rank; ++d)
      view.inner *= shape[d];
    return view;
  }
  /// A flat view of `numElements` elements (one axis slot per element).
  static AxisView flat(int64_t numElements) { return {1, numElements, 1}; }
};

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_AXISVIEW_H
