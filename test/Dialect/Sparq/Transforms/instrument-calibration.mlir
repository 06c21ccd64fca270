// RUN: sparq-opt %s --split-input-file --sparq-instrument-calibration | FileCheck %s
// RUN: sparq-opt %s --split-input-file --sparq-instrument-calibration="report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: not sparq-opt %s --split-input-file --sparq-instrument-calibration="entry=nope" 2>&1 | FileCheck %s --check-prefix=ENTRY

// ENTRY: error: calibration runs @nope, which must be a function with a body of one block

// The activation of each named product, as [rows, K]: x itself for "fc";
// for "t" (x^T as lhs, K first) transposed; the batch of "b" folded into
// the rows; the unnamed product is not recorded.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<3x4xf32>, tensor<3x8xf32>, tensor<3x8xf32>, tensor<6x8xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%arg1 : tensor<8x3xf32>)
// CHECK: %[[B:.*]] = tensor.collapse_shape %arg2 {{\[}}[0, 1], [2]] : tensor<2x3x8xf32> into tensor<6x8xf32>
// CHECK: return %{{.*}}, %arg0, %[[T]], %[[B]] :
// REMARK: remark: calibration output 1: fc
// REMARK: remark: calibration output 2: t
// REMARK: remark: calibration output 3: b
func.func @main(%x: tensor<3x8xf32>, %xt: tensor<8x3xf32>, %xb: tensor<2x3x8xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<1.0> : tensor<8x4xf32>
  %wb = arith.constant dense<1.0> : tensor<2x8x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x4xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<3x8xf32>, tensor<8x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  %yt = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>] {sparq.name = "t"} ins(%xt, %w : tensor<8x3xf32>, tensor<8x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  %eb = tensor.empty() : tensor<2x3x4xf32>
  %fb = linalg.fill ins(%z : f32) outs(%eb : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %yb = linalg.batch_matmul {sparq.name = "b"} ins(%xb, %wb : tensor<2x3x8xf32>, tensor<2x8x4xf32>) outs(%fb : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %yu = linalg.matmul ins(%x, %w : tensor<3x8xf32>, tensor<8x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// A convolution's activation is its im2col patches: K = 3x3 kernel x 4
// channels, one row per output pixel.
// CHECK-LABEL: func.func @main
// CHECK-SAME: -> (tensor<1x6x6x8xf32>, tensor<36x36xf32>)
// REMARK: remark: calibration output 1: conv
func.func @main(%x: tensor<1x8x8x4xf32>) -> tensor<1x6x6x8xf32> {
  %w = arith.constant dense<1.0> : tensor<8x3x3x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x6x6x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  %y = linalg.conv_2d_nhwc_fhwc {sparq.name = "conv", dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x8x4xf32>, tensor<8x3x3x4xf32>) outs(%f : tensor<1x6x6x8xf32>) -> tensor<1x6x6x8xf32>
  return %y : tensor<1x6x6x8xf32>
}

