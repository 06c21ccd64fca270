//===- SparqSparseTensorInterop.cpp - #sparq.nm <-> #sparse_tensor --------===//
#include "sparq/Dialect/Sparq/IR/SparseTensorInterop.h"

#include "mlir/IR/AffineExpr.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace mlir::sparse_tensor;
using namespace sparq;

SparseTensorEncodingAttr sparq::toSparseTensorEncoding(NMAttr pattern,
                                                       int64_t rank) {
  std::optional<int64_t> sparseDim = pattern.getSparseDim(rank);
  if (!sparseDim)
    return {};
  MLIRContext *ctx = pattern.getContext();
  SmallVector<AffineExpr> results;
  SmallVector<LevelType> levels;
  LevelType dense = *buildLevelType(LevelFormat::Dense, /*ordered=*/true,
                                    /*unique=*/true);
  for (int64_t d = 0; d < rank; ++d) {
    if (d == *sparseDim)
      continue;
    results.push_back(getAffineDimExpr(d, ctx));
    levels.push_back(dense);
  }
  AffineExpr k = getAffineDimExpr(*sparseDim, ctx);
  results.push_back(k.floorDiv(pattern.getM()));
  levels.push_back(dense);
  results.push_back(k % pattern.getM());
  levels.push_back(*buildLevelType(LevelFormat::NOutOfM, /*ordered=*/true,
                                   /*unique=*/true, pattern.getN(),
                                   pattern.getM()));
  auto dimToLvl = AffineMap::get(rank, 0, results, ctx);
  return SparseTensorEncodingAttr::get(ctx, levels, dimToLvl);
}

NMAttr sparq::fromSparseTensorEncoding(SparseTensorEncodingAttr encoding) {
  if (!encoding)
    return {};
  ArrayRef<LevelType> levels = encoding.getLvlTypes();
  AffineMap dimToLvl = encoding.getDimToLvl();
  unsigned numLevels = levels.size();
  if (!dimToLvl || numLevels < 2 || dimToLvl.getNumResults() != numLevels ||
      numLevels != dimToLvl.getNumDims() + 1 || dimToLvl.getNumSymbols())
    return {};
  LevelType last = levels.back();
  if (!isNOutOfMLT(last))
    return {};
  unsigned n = getN(last), m = getM(last);

  // The last two levels: (d floordiv M : dense, d mod M : structured[N, M]).
  auto floorDiv = dyn_cast<AffineBinaryOpExpr>(dimToLvl.getResult(numLevels - 2));
  auto mod = dyn_cast<AffineBinaryOpExpr>(dimToLvl.getResult(numLevels - 1));
  auto isDimByM = [&](AffineBinaryOpExpr e, AffineExprKind kind) {
    auto rhs = e ? dyn_cast<AffineConstantExpr>(e.getRHS()) : nullptr;
    return e && e.getKind() == kind && isa<AffineDimExpr>(e.getLHS()) && rhs &&
           rhs.getValue() == int64_t(m);
  };
  if (!isDimByM(floorDiv, AffineExprKind::FloorDiv) ||
      !isDimByM(mod, AffineExprKind::Mod) || floorDiv.getLHS() != mod.getLHS() ||
      !isDenseLT(levels[numLevels - 2]))
    return {};
  int64_t sparseDim = cast<AffineDimExpr>(mod.getLHS()).getPosition();

  // Every other dimension: dense, once, in increasing order.
  int64_t expected = 0;
  for (unsigned l = 0; l + 2 < numLevels; ++l, ++expected) {
    if (expected == sparseDim)
      ++expected;
    auto dim = dyn_cast<AffineDimExpr>(dimToLvl.getResult(l));
    if (!dim || dim.getPosition() != expected || !isDenseLT(levels[l]))
      return {};
  }
  if (n == 0 || n >= m || m > 16)
    return {};
  // The innermost dimension is #sparq.nm's default; keep the short spelling.
  int64_t rank = dimToLvl.getNumDims();
  return NMAttr::get(encoding.getContext(), n, m,
                     sparseDim == rank - 1 ? -1 : sparseDim);
}
