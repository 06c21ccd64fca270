//===- ContractionForms.cpp - products as frontends write them ------------===//
//
// Frontends rarely hand a weight straight to linalg.matmul: torch-mlir
// transposes a Linear weight with linalg.transpose and broadcasts it over a
// batch; TOSA's matmul is always batched, its batch of one wrapped in
// expand_shape / collapse_shape. These rewrites fold the layout ops into the
// product's indexing maps and drop a unit batch, so that the weight is the
// product's own operand (a constant the passes can prune and permute) and the
// product a plain matmul.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Contraction.h"
#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace sparq;

/// The indexing map that reads `value` through `producer` when `producer`
/// only moves elements (linalg.transpose, linalg.broadcast, or a generic
/// doing the same): out[i] = in[map(i)].
static std::optional<AffineMap> layoutMap(Operation *producer) {
  auto op = dyn_cast_or_null<linalg::LinalgOp>(producer);
  if (!op || op->getNumResults() != 1 || op.getNumDpsInputs() != 1 ||
      op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics() ||
      op.getNumParallelLoops() != op.getNumLoops())
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!maps[1].isIdentity() || !maps[0].isProjectedPermutation())
    return std::nullopt;
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield->getNumOperands() != 1 ||
      yield->getOperand(0) != body->getArgument(0))
    return std::nullopt;
  return maps[0];
}

/// Copies `from`'s discardable attributes (sparq.name, sparq.skip, ...) to
/// `to`.
static void copyAttributes(Operation *from, Operation *to) {
  for (NamedAttribute attr : from->getDiscardableAttrs())
    to->setAttr(attr.getName(), attr.getValue());
}

/// `op` as a linalg.generic reading `inputs` through `maps`, with its own
/// body.
static linalg::GenericOp cloneAsGeneric(RewriterBase &rewriter,
                                        linalg::LinalgOp op,
                                        ValueRange inputs,
                                        ArrayRef<AffineMap> maps) {
  auto generic = linalg::GenericOp::create(
      rewriter, op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(),
      maps, op.getIteratorTypesArray());
  rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                             generic.getRegion().end());
  copyAttributes(op, generic);
  return generic;
}

/// Reads each input through the transposes and broadcasts that make it, when
/// the product is still a contraction matchContraction takes.
static linalg::LinalgOp absorbLayoutOps(RewriterBase &rewriter,
                                        linalg::LinalgOp op) {
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  llvm::SetVector<Operation *> absorbed;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value v = input->get();
    unsigned i = input->getOperandNumber();
    // A chain of them: transpose(broadcast(w)).
    while (Operation *producer = v.getDefiningOp()) {
      std::optional<AffineMap> map = layoutMap(producer);
      if (!map)
        break;
      maps[i] = map->compose(maps[i]);
      v = producer->getOperand(0);
      absorbed.insert(producer);
    }
    inputs.push_back(v);
  }
  if (absorbed.empty())
    return op;
  rewriter.setInsertionPoint(op);
  linalg::GenericOp generic = cloneAsGeneric(rewriter, op, inputs, maps);
  std::string ignored;
  if (failed(matchContraction(generic, ignored))) {
    rewriter.eraseOp(generic);
    return op;
  }
  rewriter.replaceOp(op, generic->getResults());
  // The layout ops nothing else reads, in use order.
  for (Operation *producer : absorbed)
    if (producer->use_empty())
      rewriter.eraseOp(producer);
  return generic;
}

/// A batch of static size 1 dropped: [1, M, K] x [1, K, N] becomes
/// M x K times K x N between reshapes (which fold against the frontend's).
static void dropUnitBatch(RewriterBase &rewriter, linalg::LinalgOp op) {
  std::string ignored;
  FailureOr<Contraction> c = matchContraction(op, ignored);
  if (failed(c) || !c->batched || c->batchIntoM ||
      cast<RankedTensorType>(c->init.getType()).getDimSize(0) != 1)
    return;
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  rewriter.setInsertionPoint(op);
  SmallVector<ReassociationIndices> dropFirst = {{0, 1}, {2}};
  auto unbatched = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    auto flat = RankedTensorType::get(type.getShape().drop_front(),
                                      type.getElementType());
    return reshapeOrFold(rewriter, loc, v, flat, dropFirst);
  };
  AffineExpr m = getAffineDimExpr(0, ctx), n = getAffineDimExpr(1, ctx),
             k = getAffineDimExpr(2, ctx);
  auto map = [&](AffineExpr a, AffineExpr b) {
    return AffineMap::get(3, 0, {a, b}, ctx);
  };
  SmallVector<AffineMap> maps(3);
  maps[c->lhsIndex] = c->transposeLhs ? map(k, m) : map(m, k);
  maps[1 - c->lhsIndex] = c->transposeRhs ? map(n, k) : map(k, n);
  maps[2] = map(m, n);
  SmallVector<Value> inputs = {unbatched(op.getDpsInputOperand(0)->get()),
                               unbatched(op.getDpsInputOperand(1)->get())};
  Value init = unbatched(c->init);
  auto generic = linalg::GenericOp::create(
      rewriter, loc, init.getType(), inputs, ValueRange{init}, maps,
      {utils::IteratorType::parallel, utils::IteratorType::parallel,
       utils::IteratorType::reduction});
  rewriter.cloneRegionBefore(op->getRegion(0), generic.getRegion(),
                             generic.getRegion().end());
  copyAttributes(op, generic);
  Value result =
      reshapeOrFold(rewriter, loc, generic.getResult(0),
                    cast<RankedTensorType>(op->getResult(0).getType()),
                    dropFirst);
  SmallVector<Value> old = {op.getDpsInputOperand(0)->get(),
                            op.getDpsInputOperand(1)->get(), c->init};
  rewriter.replaceOp(op, result);
  // The frontend's collapse of the result undoes the expand.
  for (Operation *user : llvm::make_early_inc_range(result.getUsers()))
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user);
        collapse && collapse.getType() == generic.getResult(0).getType() &&
        collapse.getReassociationIndices() == dropFirst)
      rewriter.replaceOp(collapse, generic.getResult(0));
  if (result.use_empty())
    rewriter.eraseOp(result.getDefiningOp());
  // The frontend's reshapes that only fed the batch of one.
  for (Value v : old)
    if (Operation *def = v.getDefiningOp();
        def && isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def) &&
        def->use_empty())
      rewriter.eraseOp(def);
}

void sparq::normalizeContractions(Operation *root) {
  SmallVector<linalg::LinalgOp> products;
  root->walk([&](linalg::LinalgOp op) {
    if (linalg::isaContractionOpInterface(op) && op.getNumDpsInputs() == 2 &&
        op.getNumDpsInits() == 1 && op.hasPureTensorSemantics() &&
        op->getNumResults() == 1)
      products.push_back(op);
  });
  IRRewriter rewriter(root->getContext());
  for (linalg::LinalgOp op : products)
    dropUnitBatch(rewriter, absorbLayoutOps(rewriter, op));
}
