//===- Convolution.h - linalg convolutions as im2col products ---*- C++ -*-===//
//
// Frontends emit convolutions in several layouts: TOSA's tosa-to-linalg-named
// gives linalg.conv_2d_nhwc_fhwc, torch-mlir linalg.conv_2d_nchw_fchw (and
// conv_2d_ngchw_gfchw when grouped). The passes rewrite each into an im2col
// product, patches [G x] M x K times the filter seen as a [G x] K x F (or
// F x K) matrix, which Contraction.h then matches like any other product.
//
// K is the reduction of one output element: a filter's input channels times
// its kernel window, in the order the filter stores them, so that the weight
// matrix is the filter itself, reshaped without moving a byte:
//   conv_2d_nhwc_hwcf   filter KH x KW x C x F   K = (kh, kw, c)  K x F
//   conv_2d_nhwc_fhwc   filter F x KH x KW x C   K = (kh, kw, c)  F x K
//   conv_2d_nchw_fchw   filter F x C x KH x KW   K = (c, kh, kw)  F x K
//   conv_2d_ngchw_gfchw filter G x F x C x KH x KW   per group K = (c, kh, kw)
//   conv_2d_nhwgc_gfhwc filter G x F x KH x KW x C   per group K = (kh, kw, c)
// N:M groups run along that flattened K: for an NHWC filter with C % M == 0
// they lie within the input channels of one kernel position.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_CONVOLUTION_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_CONVOLUTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace sparq {

/// What a pass can do with a linalg op that convolves.
enum class ConvolutionKind {
  /// Not a convolution (matmuls, element-wise ops, pooling).
  None,
  /// A convolution with an im2col product form (see matchConvolution).
  Product,
  /// Depthwise: one input channel per output channel, so K is only the
  /// kernel window and no Tensor Core product fits; left dense.
  Depthwise,
  /// Any other convolution (1-D, 3-D, quantized, unknown layouts).
  Unsupported,
};

/// Classifies `op` by its name; `whyNot` says why a Depthwise or Unsupported
/// convolution is left as it is.
ConvolutionKind classifyConvolution(mlir::Operation *op, std::string &whyNot);

/// A 2-D convolution seen as [G x] (N*OH*OW) x K patches times a filter
/// matrix [G x] K x F (F x K when `transposedWeight`).
struct ConvolutionInfo {
  mlir::linalg::LinalgOp op;
  /// The layout part of the op name, e.g. "nhwc_fhwc".
  std::string layout;
  /// One letter per dimension: input n g c h w, filter g f c y x (y, x the
  /// kernel window), output n g f h w.
  std::string input, filter, output;
  int64_t groups = 1, n = 1, oh = 1, ow = 1, f = 1, k = 1;
  int64_t strides[2] = {1, 1}, dilations[2] = {1, 1};
  bool grouped = false;
  bool transposedWeight = false;
  /// 1x1 kernel, stride 1, channels last and no groups: the patches are the
  /// input itself, reshaped.
  bool pointwise = false;

  int64_t getM() const { return n * oh * ow; }
  /// Multiply-adds of the whole convolution (saturating).
  int64_t getNumMacs() const;
  /// The shape of the filter as the product's weight matrix.
  llvm::SmallVector<int64_t> getWeightMatrixShape() const;
  /// Which dimension of the weight matrix is K.
  int64_t getWeightMatrixK() const {
    return (grouped ? 1 : 0) + (transposedWeight ? 1 : 0);
  }
  /// "K = 36 = kernel 3x3 x 4 input channels, ordered (kh, kw, c)".
  const std::string &describeK() const { return kText; }
  std::string kText;
};

/// Matches a Product convolution with static shapes and one f32, f16 or
/// bf16 element type; on failure `whyNot` says why.
mlir::FailureOr<ConvolutionInfo> matchConvolution(mlir::linalg::LinalgOp op,
                                                  std::string &whyNot);

/// Replaces the convolution by im2col patches, a linalg.generic product
/// patches x filter matrix (the filter reshaped, folded when constant) and
/// the reshapes and transposes back to the output layout. The product keeps
/// the convolution's location and discardable attributes (sparq.name, ...),
/// with the filter as input 1, named by `sparq.weight_operand`; it is
/// returned.
mlir::linalg::LinalgOp rewriteConvolutionAsProduct(mlir::RewriterBase &rewriter,
                                                   const ConvolutionInfo &info);

/// `value` reshaped to `type` by a collapse_shape or expand_shape with
/// `reassociation`; a constant (dense or dense_resource) is reshaped at
/// compile time.
mlir::Value reshapeOrFold(mlir::OpBuilder &builder, mlir::Location loc,
                          mlir::Value value, mlir::RankedTensorType type,
                          llvm::ArrayRef<mlir::ReassociationIndices> reassociation);

/// A short name for `op` in report summaries: its contraction name quoted,
/// else the op name and location.
std::string describeForReport(mlir::Operation *op);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_CONVOLUTION_H
