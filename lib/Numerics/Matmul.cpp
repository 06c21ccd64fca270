//===- Matmul.cpp - the reference scaled matmul ---------------------------===//
#include "sparq/Numerics/Matmul.h"

#include "sparq/Numerics/Quantize.h"

#include <vector>

using namespace sparq::numerics;

namespace {
/// An operand widened to f32 (exact for every element kind). A compressed
/// operand also records the K position of each stored value.
struct WideOperand {
  std::vector<float> values;
  std::vector<int32_t> positions;
  bool isCompressed() const { return !positions.empty(); }
};
} // namespace

/// Widens `op`, whose dense form is `dense` with K along `dense.axis`.
static bool widen(const MatmulOperand &op, AxisView dense, WideOperand &out,
                  const ParallelFor &parallel) {
  AxisView stored = op.metadata ? nmValuesView(dense, op.pattern) : dense;
  out.values.resize(stored.numElements());
  if (!convertElements(op.data, op.kind, out.values.data(), ElementKind::F32,
                       stored.numElements(), Saturation::None, parallel))
    return false;
  if (!op.metadata)
    return true;
  out.positions.resize(stored.numElements());
  return nmKeptPositions(op.metadata, dense, op.pattern,
                         out.positions.data()) == NMStatus::Ok;
}

/// The f32 (or narrower) result of one output element from its accumulator.
static void storeResult(float acc, int64_t i, int64_t j,
                        const MatmulEpilogue &epilogue, void *out,
                        int64_t index, ElementKind outKind) {
  float lhsScale = epilogue.lhsScale
                       ? epilogue.lhsScale[epilogue.numLhsScales == 1 ? 0 : i]
                       : 1.0f;
  float rhsScale = epilogue.rhsScale
                       ? epilogue.rhsScale[epilogue.numRhsScales == 1 ? 0 : j]
                       : 1.0f;
  float d = acc / (lhsScale * rhsScale);
  if (epilogue.bias)
    d = d + epilogue.bias[j];
  if (epilogue.outScale)
    d = d * *epilogue.outScale;
  storeFromF32(outKind, out, index, d, epilogue.saturation);
}

bool sparq::numerics::matmul(const MatmulShape &shape,
                             const MatmulOperand &lhs,
                             const MatmulOperand &rhs,
                             const MatmulEpilogue &epilogue, void *out,
                             ElementKind outKind,
                             const ParallelFor &parallel) {
  const int64_t b = shape.batch, m = shape.m, n = shape.n, k = shape.k;
  if (b < 0 || m < 0 || n < 0 || k < 0 || !lhs.data || !rhs.data || !out ||
      (lhs.metadata && rhs.metadata))
    return false;
  if ((epilogue.lhsScale && epilogue.numLhsScales != 1 &&
       epilogue.numLhsScales != m) ||
      (epilogue.rhsScale && epilogue.numRhsScales != 1 &&
       epilogue.numRhsScales != n))
    return false;
  for (const MatmulOperand *op : {&lhs, &rhs})
    if (op->metadata && (!op->pattern.isValid() || k % op->pattern.m != 0))
      return false;

  WideOperand a, bt;
  if (!widen(lhs, AxisView{b * m, k, 1}, a, parallel) ||
      !widen(rhs, AxisView{b, k, n}, bt, parallel))
    return false;
  const int64_t lhsK = a.isCompressed() ? k / lhs.pattern.m * lhs.pattern.n : k;
  const int64_t rhsK = bt.isCompressed() ? k / rhs.pattern.m * rhs.pattern.n : k;

  // One task per output row; each row's accumulators see K in increasing
  // order whichever operand is compressed.
  runTasks(parallel, size_t(b * m), [&](size_t row) {
    const int64_t batch = int64_t(row) / std::max<int64_t>(m, 1);
    const int64_t i = int64_t(row) % std::max<int64_t>(m, 1);
    const float *aRow = a.values.data() + row * lhsK;
    const float *bMat = bt.values.data() + batch * rhsK * n;
    std::vector<float> acc(n, 0.0f);
    if (bt.isCompressed()) {
      const int32_t *pos = bt.positions.data() + batch * rhsK * n;
      for (int64_t c = 0; c < rhsK; ++c)
        for (int64_t j = 0; j < n; ++j)
          acc[j] = acc[j] + aRow[pos[c * n + j]] * bMat[c * n + j];
    } else {
      const int32_t *pos =
          a.isCompressed() ? a.positions.data() + row * lhsK : nullptr;
      for (int64_t c = 0; c < lhsK; ++c) {
        const float av = aRow[c];
        const float *bRow = bMat + (pos ? pos[c] : c) * n;
        for (int64_t j = 0; j < n; ++j)
          acc[j] = acc[j] + av * bRow[j];
      }
    }
    for (int64_t j = 0; j < n; ++j)
      storeResult(acc[j], i, j, epilogue, out, int64_t(row) * n + j,
                  outKind);
  });
  return true;
}
