//===- SparqCanonicalize.cpp - sparq canonicalization patterns ------------===//
#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/IR/PatternMatch.h"

using namespace mlir;
using namespace sparq;

namespace {
/// decompress(compress(x)) keeps the N largest magnitudes of every group and
/// zeroes the rest: that is sparq.prune, which needs no encoded intermediate.
struct DecompressOfCompress : OpRewritePattern<DecompressOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DecompressOp op,
                                PatternRewriter &rewriter) const override {
    auto compress = op.getInput().getDefiningOp<CompressOp>();
    if (!compress)
      return rewriter.notifyMatchFailure(op, "input is not sparq.compress");
    rewriter.replaceOpWithNewOp<PruneOp>(
        op, compress.getInput(), getNMEncoding(compress.getType()));
    return success();
  }
};
} // namespace

void DecompressOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                               MLIRContext *context) {
  results.add<DecompressOfCompress>(context);
}
