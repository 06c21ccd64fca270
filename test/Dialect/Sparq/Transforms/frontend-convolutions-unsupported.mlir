// Convolutions the passes cannot rewrite stay as they are, each with its
// reason in the remarks and in the summary; none is rewritten halfway.
// RUN: sparq-opt %s --sparq-prune="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRUNE
// RUN: sparq-opt %s --sparq-prune="report=1 rule=transposable" -o /dev/null 2>&1 | FileCheck %s --check-prefix=TRANS
// RUN: sparq-opt %s --sparq-quantize="convolutions=1 report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUANT
// RUN: sparq-opt %s --sparq-prune --sparq-permute-channels | FileCheck %s --check-prefix=IR

// PRUNE: remark: pruned input 1 to 2:4 (convolution nhwc_fhwc as an im2col product, K = 72 = kernel 3x3 x 8 input channels, ordered (kh, kw, c)) at compile time
// PRUNE: remark: left dense: convolution with dynamic shapes
// PRUNE: remark: left dense: expects two tensor inputs and one tensor init
// PRUNE: remark: left dense: expects f32, f16 or bf16 operands and result of one type
// PRUNE: remark: left dense: K = 6 is not a multiple of M = 4 (K = 6 = kernel 1x1 x 6 input channels, ordered (kh, kw, c))
// PRUNE: remark: sparq-prune: 1 weights pruned, 4 products left dense
// TRANS: remark: left dense: the transposable rule is for matrices, not convolution filters
// QUANT: remark: sparq-quantize: 2 quantized, 3 left unchanged, 2 constant weights, worst weight error {{[0-9.]+}}; left unchanged: linalg.conv_2d_nhwc_fhwc at loc({{.*}}) (convolution with dynamic shapes), linalg.conv_2d_nhwc_fhwc at loc({{.*}}) (expects two tensor inputs and one tensor init), linalg.conv_2d_nhwc_fhwc at loc({{.*}}) (expects f32, f16 or bf16 operands and result of one type)

// IR-LABEL: func @dyn
// IR: linalg.conv_2d_nhwc_fhwc
// IR-LABEL: func @mem
// IR: linalg.conv_2d_nhwc_fhwc
// IR-LABEL: func @int
// IR: linalg.conv_2d_nhwc_fhwc
// IR-LABEL: func @half
// IR: sparq.matmul {{.*}} : tensor<16x72xf16>, tensor<72x8xf16, #sparq.nm<2:4, dim = 0>> -> tensor<16x8xf16>
// IR-LABEL: func @k6
// IR: linalg.conv_2d_nhwc_hwcf
func.func @dyn(%x: tensor<?x6x6x8xf32>, %w: tensor<8x3x3x8xf32>, %o: tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32> {
  %y = linalg.conv_2d_nhwc_fhwc ins(%x, %w : tensor<?x6x6x8xf32>, tensor<8x3x3x8xf32>) outs(%o : tensor<?x4x4x8xf32>) -> tensor<?x4x4x8xf32>
  return %y : tensor<?x4x4x8xf32>
}
func.func @mem(%x: memref<1x6x6x8xf32>, %w: memref<8x3x3x8xf32>, %o: memref<1x4x4x8xf32>) {
  linalg.conv_2d_nhwc_fhwc ins(%x, %w : memref<1x6x6x8xf32>, memref<8x3x3x8xf32>) outs(%o : memref<1x4x4x8xf32>)
  return
}
func.func @int(%x: tensor<1x6x6x8xi32>, %w: tensor<8x3x3x8xi32>, %o: tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32> {
  %y = linalg.conv_2d_nhwc_fhwc ins(%x, %w : tensor<1x6x6x8xi32>, tensor<8x3x3x8xi32>) outs(%o : tensor<1x4x4x8xi32>) -> tensor<1x4x4x8xi32>
  return %y : tensor<1x4x4x8xi32>
}
func.func @half(%x: tensor<1x6x6x8xf16>, %o: tensor<1x4x4x8xf16>) -> tensor<1x4x4x8xf16> {
  %w = arith.constant dense<1.0> : tensor<8x3x3x8xf16>
  %y = linalg.conv_2d_nhwc_fhwc ins(%x, %w : tensor<1x6x6x8xf16>, tensor<8x3x3x8xf16>) outs(%o : tensor<1x4x4x8xf16>) -> tensor<1x4x4x8xf16>
  return %y : tensor<1x4x4x8xf16>
}
func.func @k6(%x: tensor<1x6x6x6xf32>, %o: tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1x6x8xf32>
  %y = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x6xf32>, tensor<1x1x6x8xf32>) outs(%o : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  return %y : tensor<1x6x6x8xf32>
}
