//===- CPUCodegen.cpp - tiling and vectorization for the CPU --------------===//
//
// The CPU pipeline's fast path for the products that dominate a network's
// run time, built from upstream's linalg transforms:
//
//   1. every f32 contraction (matmul, batch_matmul, any generic that
//      inferContractionDims recognizes) and 2-D convolution (NHWC/HWCF;
//      NCHW/FCHW and NHWC/FHWC through transposes) with static shapes is tiled with scf.for (tileUsingSCF)
//      into a block of at most 8 rows x 32 columns of its result and a slice
//      of 16 of its innermost reduction; tile sizes divide the dimensions,
//      so every block is static;
//   2. convolution blocks, whose output-row and filter-row tiles are 1,
//      become 1-D convolutions (populateDecomposeConvolutionPatterns);
//   3. each block is vectorized (linalg::vectorize, contractions straight
//      to vector.contract);
//   4. the accumulator's read and write are hoisted out of the reduction
//      loops (hoistLoopInvariantSubsets), so it stays in registers;
//   5. vector.contract becomes outer products (vector.fma rows).
//
// Tensor semantics are kept: bufferization follows. Ops this does not
// recognize, or cannot vectorize, stay as they are and become loops.
//
//===----------------------------------------------------------------------===//
#include "CPUCodegen.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

using namespace mlir;

namespace {

/// Register block: rows x columns of the result, and the reduction slice
/// each vector.contract covers. 8 x 32 f32 accumulators are 16 AVX-512 (or
/// 32 AVX2) registers.
constexpr int64_t kRows = 8, kColumns = 32, kReduction = 16;

/// The largest divisor of `n` that is at most `limit`.
int64_t divisorAtMost(int64_t n, int64_t limit) {
  for (int64_t t = std::min(n, limit); t > 1; --t)
    if (n % t == 0)
      return t;
  return 1;
}

bool allF32(linalg::LinalgOp op) {
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return false;
  }
  return op->getNumResults() == 1;
}

/// Tile sizes (one per loop, 0 = whole) for the ops this pass speeds up,
/// or nothing for the others.
std::optional<SmallVector<int64_t>> tileSizesFor(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || !allF32(op))
    return std::nullopt;
  SmallVector<int64_t> bounds = op.getStaticLoopRanges();
  if (llvm::any_of(bounds, ShapedType::isDynamic))
    return std::nullopt;
  // Loops (n, oh, ow, f, kh, kw, c): one output row, one filter row and one
  // filter column per block; the decomposition needs the first two.
  if (isa<linalg::Conv2DNhwcHwcfOp>(op))
    return SmallVector<int64_t>{1, 1, divisorAtMost(bounds[2], kRows),
                                divisorAtMost(bounds[3], kColumns), 1, 1,
                                divisorAtMost(bounds[6], kReduction)};
  // Loops (n, f, oh, ow, c, kh, kw).
  if (isa<linalg::Conv2DNchwFchwOp>(op))
    return SmallVector<int64_t>{1, divisorAtMost(bounds[1], kColumns), 1,
                                divisorAtMost(bounds[3], kRows),
                                divisorAtMost(bounds[4], kReduction), 1, 1};
  if (isa<linalg::ConvolutionOpInterface>(op.getOperation()))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  // Only products whose body is a multiply-accumulate.
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  SmallVector<int64_t> tiles(bounds.size(), 1);
  tiles[dims->m.back()] = divisorAtMost(bounds[dims->m.back()], kRows);
  tiles[dims->n.back()] = divisorAtMost(bounds[dims->n.back()], kColumns);
  tiles[dims->k.back()] = divisorAtMost(bounds[dims->k.back()], kReduction);
  return tiles;
}

/// insert_slice(transfer_write(%v, %slice)[0, ...], %dest)[offsets] where
/// the write covers all of %slice (what a decomposed convolution block
/// leaves) becomes transfer_write(%v, %dest)[offsets]: the same access as
/// the block's accumulator read, so that the pair can be hoisted.
struct FoldInsertOfFullTransferWrite
    : public OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert,
                                PatternRewriter &rewriter) const override {
    auto write = insert.getSource().getDefiningOp<vector::TransferWriteOp>();
    if (!write || write.getMask() || !write->hasOneUse() ||
        !insert.hasUnitStride() ||
        insert.getSourceType().getRank() != insert.getDestType().getRank())
      return failure();
    for (Value index : write.getIndices())
      if (!isConstantIntValue(index, 0))
        return failure();
    AffineMap map = write.getPermutationMap();
    if (!map.isProjectedPermutation())
      return failure();
    RankedTensorType slice = insert.getSourceType();
    SmallVector<bool> covered(slice.getRank(), false);
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      unsigned dim = cast<AffineDimExpr>(expr).getPosition();
      if (!write.isDimInBounds(i) ||
          write.getVectorType().getDimSize(i) != slice.getDimSize(dim))
        return failure();
      covered[dim] = true;
    }
    for (int64_t dim = 0; dim < slice.getRank(); ++dim)
      if (!covered[dim] && slice.getDimSize(dim) != 1)
        return failure();
    SmallVector<Value> indices = getValueOrCreateConstantIndexOp(
        rewriter, insert.getLoc(), insert.getMixedOffsets());
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(
        insert, write.getVector(), insert.getDest(), indices,
        AffineMapAttr::get(map), write.getInBoundsAttr());
    return success();
  }
};

/// conv_2d_nchw_fchw as conv_2d_nhwc_hwcf between transposes: in NHWC the
/// output channels are contiguous, so a block's accumulator rows are full
/// vectors of channels whatever the image width, and the filter rows it
/// multiplies them with are contiguous in HWCF. The transposes cost one
/// pass over the activations and the filter.
void convertToChannelsLast(RewriterBase &rewriter, linalg::Conv2DNchwFchwOp op) {
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  auto transpose = [&](Value value, ArrayRef<int64_t> perm) -> Value {
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(type.getDimSize(p));
    Value init = tensor::EmptyOp::create(rewriter, loc, shape,
                                         type.getElementType());
    // A zero accumulator is filled in the new layout rather than moved.
    if (auto fill = value.getDefiningOp<linalg::FillOp>())
      return linalg::FillOp::create(rewriter, loc, fill.getInputs(), init)
          ->getResult(0);
    return linalg::TransposeOp::create(rewriter, loc, value, init, perm)
        ->getResult(0);
  };
  Value input = transpose(op.getInputs()[0], {0, 2, 3, 1});
  Value filter = transpose(op.getInputs()[1], {2, 3, 1, 0});
  Value init = transpose(op.getOutputs()[0], {0, 2, 3, 1});
  auto conv = linalg::Conv2DNhwcHwcfOp::create(
      rewriter, loc, TypeRange{init.getType()}, ValueRange{input, filter},
      ValueRange{init}, op.getStrides(), op.getDilations());
  rewriter.replaceOp(op, transpose(conv->getResult(0), {0, 3, 1, 2}));
}

struct CPUTileAndVectorizePass
    : public PassWrapper<CPUTileAndVectorizePass,
                         OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CPUTileAndVectorizePass)

  StringRef getArgument() const override {
    return "sparq-cpu-tile-and-vectorize";
  }
  StringRef getDescription() const override {
    return "Tile and vectorize f32 contractions and convolutions";
  }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<affine::AffineDialect, arith::ArithDialect,
                    linalg::LinalgDialect, scf::SCFDialect,
                    tensor::TensorDialect, vector::VectorDialect>();
  }

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    // 0. Channels-last convolutions.
    SmallVector<linalg::Conv2DNchwFchwOp> nchw;
    func.walk([&](linalg::Conv2DNchwFchwOp op) {
      if (tileSizesFor(op))
        nchw.push_back(op);
    });
    for (linalg::Conv2DNchwFchwOp op : nchw)
      convertToChannelsLast(rewriter, op);
    // FHWC filters (TOSA's) to HWCF, whose rows the blocks multiply with.
    SmallVector<linalg::Conv2DNhwcFhwcOp> fhwc;
    func.walk([&](linalg::Conv2DNhwcFhwcOp op) {
      if (op.hasPureTensorSemantics() && allF32(op) &&
          !llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
        fhwc.push_back(op);
    });
    for (linalg::Conv2DNhwcFhwcOp op : fhwc) {
      rewriter.setInsertionPoint(op);
      (void)linalg::transposeConv2D(rewriter, op);
    }

    // 1. Tile. Blocks are marked so that only they are vectorized.
    SmallVector<std::pair<linalg::LinalgOp, SmallVector<int64_t>>> work;
    func.walk([&](linalg::LinalgOp op) {
      if (std::optional<SmallVector<int64_t>> tiles = tileSizesFor(op))
        work.emplace_back(op, std::move(*tiles));
    });
    if (work.empty())
      return;
    StringAttr mark = StringAttr::get(ctx, "sparq.cpu_block");
    for (auto &[op, tiles] : work) {
      scf::SCFTilingOptions options;
      options.setTileSizes(getAsIndexOpFoldResult(ctx, tiles));
      rewriter.setInsertionPoint(op);
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
      if (failed(tiled))
        continue;
      for (Operation *block : tiled->tiledOps)
        block->setAttr(mark, UnitAttr::get(ctx));
      rewriter.replaceOp(op, tiled->replacements);
    }

    // 2. Unit-dimension convolutions to 1-D ones; fold the slices tiling
    // made into static shapes.
    {
      RewritePatternSet patterns(ctx);
      linalg::populateDecomposeConvolutionPatterns(patterns);
      for (Dialect *dialect : ctx->getLoadedDialects())
        dialect->getCanonicalizationPatterns(patterns);
      for (RegisteredOperationName op : ctx->getRegisteredOperations())
        op.getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // 3. Vectorize the blocks: the marked ones, and the 1-D convolutions the
    // decomposition made of the convolution blocks.
    SmallVector<linalg::LinalgOp> blocks;
    func.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || !allF32(op))
        return;
      if (op->hasAttr(mark) ||
          (isa<linalg::Conv1DNwcWcfOp, linalg::Conv1DNcwFcwOp>(op) &&
           op->getParentOfType<scf::ForOp>()))
        blocks.push_back(op);
    });
    for (linalg::LinalgOp op : blocks) {
      op->removeAttr(mark);
      if (failed(linalg::vectorizeOpPrecondition(op)))
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
          /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (failed(result))
        continue;
      rewriter.replaceOp(op, result->replacements);
    }
    func.walk([&](Operation *op) { op->removeAttr(mark); });

    // 4. Reads and writes of tensor slices become reads and writes of the
    // whole tensors, so that the accumulator's pair is loop-invariant and
    // hoisted out of the reduction loops, innermost first.
    {
      RewritePatternSet patterns(ctx);
      tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
      patterns.add<FoldInsertOfFullTransferWrite>(ctx);
      vector::populateVectorReductionToContractPatterns(patterns);
      vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
      vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    func.walk([&](scf::ForOp loop) {
      hoistLoopInvariantSubsets(rewriter,
                                cast<LoopLikeOpInterface>(loop.getOperation()));
    });

    // 5. vector.contract to outer products to FMAs, and the transposes and
    // broadcasts that brings, at the vector level.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace

std::unique_ptr<Pass> sparq::createCPUTileAndVectorizePass() {
  return std::make_unique<CPUTileAndVectorizePass>();
}
