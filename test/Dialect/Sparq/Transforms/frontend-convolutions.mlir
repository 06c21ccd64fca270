// The convolutions frontends emit, through the three passes: every 2-D float
// layout with an im2col form becomes a product (K as Convolution.h lays it
// out), depthwise and other convolutions are left as they are with a remark,
// and each summary names what it left. Numerics: test/Integration/CPU/
// frontend-layouts.mlir.
// RUN: sparq-opt %s --sparq-quantize="convolutions=1 report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=QUANT
// RUN: sparq-opt %s --sparq-quantize="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NOCONV
// RUN: sparq-opt %s --sparq-prune="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRUNE
// RUN: sparq-opt %s --sparq-permute-channels="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERM
// RUN: sparq-opt %s --sparq-prune | FileCheck %s --check-prefix=IR

// QUANT: remark: quantized to FP8: {{.*}} (convolution nhwc_fhwc as an im2col product, K = 72 = kernel 3x3 x 8 input channels, ordered (kh, kw, c))
// QUANT: remark: quantized to FP8: {{.*}} (convolution nchw_fchw as an im2col product, K = 72 = kernel 3x3 x 8 input channels, ordered (c, kh, kw))
// QUANT: remark: quantized to FP8: {{.*}} (convolution ngchw_gfchw as an im2col product, K = 36 = kernel 3x3 x 4 input channels per group, ordered (c, kh, kw))
// QUANT: remark: quantized to FP8: {{.*}} (convolution nhwgc_gfhwc as an im2col product, K = 36 = kernel 3x3 x 4 input channels per group, ordered (kh, kw, c))
// QUANT: remark: quantized to FP8: {{.*}} (convolution nhwc_hwcf as an im2col product, K = 8 = kernel 1x1 x 8 input channels, ordered (kh, kw, c))
// QUANT: remark: left unchanged: depthwise convolution: each output channel reads one input channel, so K is only the kernel window and no Tensor Core product fits
// QUANT: remark: left unchanged: grouped layout ngchw_fgchw (output channels before groups in the filter); ngchw_gfchw and nhwgc_gfhwc are supported
// QUANT: remark: left unchanged: unsupported convolution linalg.conv_1d_nwc_wcf;
// QUANT: remark: quantized to FP8: {{.*}} (convolution nhwc_fhwc {{.*}}); input 0: activation, dynamic scale; input 1: weight, per-tensor scale{{$}}
// QUANT: remark: sparq-quantize: 6 quantized, 3 left unchanged, 5 constant weights, worst weight error {{[0-9.]+}}; left unchanged: 'dw' (depthwise convolution: {{.*}}), linalg.conv_2d_ngchw_fgchw at loc({{.*}}) (grouped layout ngchw_fgchw {{.*}}), linalg.conv_1d_nwc_wcf at loc({{.*}}) (unsupported convolution {{.*}})
func.func @convs(%x: tensor<1x6x6x8xf32>, %xc: tensor<1x8x6x6xf32>, %xg: tensor<1x2x4x6x6xf32>,
                 %xh: tensor<1x6x6x2x4xf32>, %x1: tensor<1x6x8xf32>) -> (tensor<1x4x4x8xf32>, tensor<1x8x4x4xf32>, tensor<1x2x4x4x4xf32>, tensor<1x4x4x2x4xf32>, tensor<1x6x6x8xf32>, tensor<1x4x4x8xf32>, tensor<1x2x4x4x4xf32>, tensor<1x4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %o = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %ec = tensor.empty() : tensor<1x8x4x4xf32>
  %oc = linalg.fill ins(%zero : f32) outs(%ec : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %eg = tensor.empty() : tensor<1x2x4x4x4xf32>
  %og = linalg.fill ins(%zero : f32) outs(%eg : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %eh = tensor.empty() : tensor<1x4x4x2x4xf32>
  %oh = linalg.fill ins(%zero : f32) outs(%eh : tensor<1x4x4x2x4xf32>) -> tensor<1x4x4x2x4xf32>
  %e6 = tensor.empty() : tensor<1x6x6x8xf32>
  %o6 = linalg.fill ins(%zero : f32) outs(%e6 : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %w = arith.constant dense<0.5> : tensor<8x3x3x8xf32>
  %0 = linalg.conv_2d_nhwc_fhwc ins(%x, %w : tensor<1x6x6x8xf32>, tensor<8x3x3x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %wc = arith.constant dense<0.5> : tensor<8x8x3x3xf32>
  %1 = linalg.conv_2d_nchw_fchw ins(%xc, %wc : tensor<1x8x6x6xf32>, tensor<8x8x3x3xf32>) outs(%oc : tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %wg = arith.constant dense<0.5> : tensor<2x4x4x3x3xf32>
  %2 = linalg.conv_2d_ngchw_gfchw ins(%xg, %wg : tensor<1x2x4x6x6xf32>, tensor<2x4x4x3x3xf32>) outs(%og : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %wh = arith.constant dense<0.5> : tensor<2x4x3x3x4xf32>
  %3 = linalg.conv_2d_nhwgc_gfhwc ins(%xh, %wh : tensor<1x6x6x2x4xf32>, tensor<2x4x3x3x4xf32>) outs(%oh : tensor<1x4x4x2x4xf32>) -> tensor<1x4x4x2x4xf32>
  %w1 = arith.constant dense<0.5> : tensor<1x1x8x8xf32>
  %4 = linalg.conv_2d_nhwc_hwcf ins(%x, %w1 : tensor<1x6x6x8xf32>, tensor<1x1x8x8xf32>) outs(%o6 : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %wd = arith.constant dense<0.5> : tensor<3x3x8xf32>
  %5 = linalg.depthwise_conv_2d_nhwc_hwc {sparq.name = "dw"} ins(%x, %wd : tensor<1x6x6x8xf32>, tensor<3x3x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  %wf = arith.constant dense<0.5> : tensor<4x2x4x3x3xf32>
  %6 = linalg.conv_2d_ngchw_fgchw ins(%xg, %wf : tensor<1x2x4x6x6xf32>, tensor<4x2x4x3x3xf32>) outs(%og : tensor<1x2x4x4x4xf32>) -> tensor<1x2x4x4x4xf32>
  %w1d = arith.constant dense<0.5> : tensor<3x8x8xf32>
  %e1 = tensor.empty() : tensor<1x4x8xf32>
  %o1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  %7 = linalg.conv_1d_nwc_wcf {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>} ins(%x1, %w1d : tensor<1x6x8xf32>, tensor<3x8x8xf32>) outs(%o1 : tensor<1x4x8xf32>) -> tensor<1x4x8xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7 : tensor<1x4x4x8xf32>, tensor<1x8x4x4xf32>, tensor<1x2x4x4x4xf32>, tensor<1x4x4x2x4xf32>, tensor<1x6x6x8xf32>, tensor<1x4x4x8xf32>, tensor<1x2x4x4x4xf32>, tensor<1x4x8xf32>
}

// NOCONV-COUNT-5: remark: left unchanged: convolutions are quantized only with convolutions=true
// NOCONV: remark: left unchanged: convolutions are quantized only with convolutions=true
// NOCONV: remark: sparq-quantize: 0 quantized, 9 left unchanged

// PRUNE: remark: pruned input 1 to 2:4 (convolution nhwc_fhwc as an im2col product, K = 72 = kernel 3x3 x 8 input channels, ordered (kh, kw, c)) at compile time
// PRUNE: remark: pruned input 1 to 2:4 (convolution nchw_fchw as an im2col product, {{.*}}) at compile time
// PRUNE: remark: pruned input 1 to 2:4 (convolution ngchw_gfchw as an im2col product, {{.*}}) at compile time
// PRUNE: remark: pruned input 1 to 2:4 (convolution nhwgc_gfhwc as an im2col product, {{.*}}) at compile time
// PRUNE: remark: pruned input 1 to 2:4 (convolution nhwc_hwcf as an im2col product, {{.*}}) at compile time
// PRUNE: remark: pruned input 1 to 2:4 (convolution nhwc_fhwc as an im2col product, {{.*}}), mask recomputed at run time
// PRUNE: remark: left dense: depthwise convolution
// PRUNE: remark: left dense: grouped layout ngchw_fgchw
// PRUNE: remark: left dense: unsupported convolution linalg.conv_1d_nwc_wcf
// PRUNE: remark: sparq-prune: 6 weights pruned, 3 products left dense, constant weights keep 50.00% of their L1 magnitude; left dense: 'dw' (depthwise

// A constant filter has nothing to gain from a permutation (all weights equal).
// PERM-COUNT-2: remark: channels not permuted: no permutation keeps more magnitude
// PERM-COUNT-2: remark: channels not permuted: grouped convolution: its groups would need a permutation each
// PERM: remark: channels not permuted: no permutation keeps more magnitude
// PERM: remark: channels not permuted: depthwise convolution
// PERM: remark: channels not permuted: grouped layout ngchw_fgchw
// PERM: remark: channels not permuted: unsupported convolution
// PERM: remark: channels not permuted: the filter is not a constant
// PERM: remark: sparq-permute-channels: 0 permuted (0 by a gather), 9 left unchanged

// The filter is the product's weight matrix without moving a byte: F x K
// (nhwc_fhwc, nchw_fchw), G x F x K (grouped), K x F (nhwc_hwcf); 2:4 along K.
// IR-LABEL: func @convs
// IR: %[[P0:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x6x6x8xf32>) outs(%{{.*}} : tensor<1x4x4x3x3x8xf32>)
// IR: %[[C0:.*]] = tensor.collapse_shape %[[P0]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x8xf32> into tensor<16x72xf32>
// IR: %[[W0:.*]] = arith.constant dense<5.000000e-01> : tensor<8x72xf32>
// IR: sparq.prune %[[W0]] <2:4> : tensor<8x72xf32>
// IR: sparq.matmul %[[C0]], %{{.*}} : tensor<16x72xf32>, tensor<72x8xf32, #sparq.nm<2:4, dim = 0>> -> tensor<16x8xf32>
// IR: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3]] output_shape [1, 4, 4, 8]
// IR: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x8x6x6xf32>) outs(%{{.*}} : tensor<1x4x4x8x3x3xf32>)
// IR: sparq.prune %{{.*}} <2:4> : tensor<8x72xf32>
// IR: linalg.transpose ins(%{{.*}} : tensor<1x4x4x8xf32>) outs(%{{.*}} : tensor<1x8x4x4xf32>) permutation = [0, 3, 1, 2]
// IR: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x2x4x6x6xf32>) outs(%{{.*}} : tensor<2x1x4x4x4x3x3xf32>)
// IR: sparq.prune %{{.*}} <2:4> : tensor<2x4x36xf32>
// IR: sparq.matmul %{{.*}}, %{{.*}} : tensor<2x16x36xf32>, tensor<2x36x4xf32, #sparq.nm<2:4, dim = 1>> -> tensor<2x16x4xf32>
// IR: linalg.transpose ins(%{{.*}} : tensor<2x1x4x4x4xf32>) outs(%{{.*}} : tensor<1x2x4x4x4xf32>) permutation = [1, 0, 4, 2, 3]
// IR: sparq.prune %{{.*}} <2:4> : tensor<2x4x36xf32>
// A 1x1 convolution is a product of the input itself: no patches.
// IR: %[[X1:.*]] = tensor.collapse_shape %arg0 {{\[}}[0, 1, 2], [3]] : tensor<1x6x6x8xf32> into tensor<36x8xf32>
// IR: %[[W1:.*]] = arith.constant dense<5.000000e-01> : tensor<8x8xf32>
// IR: %[[P1:.*]] = sparq.prune %[[W1]] <2:4, dim = 0> : tensor<8x8xf32>
// IR: %[[S1:.*]] = sparq.compress %[[P1]]
// IR: sparq.matmul %[[X1]], %[[S1]] : tensor<36x8xf32>, tensor<8x8xf32, #sparq.nm<2:4, dim = 0>>
// IR: linalg.depthwise_conv_2d_nhwc_hwc
// IR: linalg.conv_2d_ngchw_fgchw
// IR: linalg.conv_1d_nwc_wcf
// A filter that is not a constant (still training) is pruned at run time,
// and an init that is not zero is added back.
// IR-LABEL: func @training_filter
// IR: %[[WM:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<8x3x3x8xf32> into tensor<8x72xf32>
// IR: sparq.prune %[[WM]] <2:4> : tensor<8x72xf32>
// IR: sparq.matmul
// IR: linalg.add

func.func @training_filter(%x: tensor<1x6x6x8xf32>, %w: tensor<8x3x3x8xf32>, %o: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %y = linalg.conv_2d_nhwc_fhwc {sparq.name = "train"} ins(%x, %w : tensor<1x6x6x8xf32>, tensor<8x3x3x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %y : tensor<1x4x4x8xf32>
}
