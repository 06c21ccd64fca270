// RUN: sparq-opt %s --sparq-quantize --canonicalize -split-input-file | FileCheck %s
// RUN: sparq-opt %s --sparq-quantize="weight-granularity=channel" --canonicalize -split-input-file | FileCheck %s --check-prefix=CHANNEL
// RUN: sparq-opt %s --sparq-quantize="format=e5m2" -split-input-file | FileCheck %s --check-prefix=E5M2

// A constant weight is quantized at compile time; the activation at run time.
// CHECK-LABEL: func @matmul
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-DAG: %[[WS:.*]] = arith.constant dense<5.600000e+01> : tensor<f32>
// CHECK-DAG: %[[WQ:.*]] = arith.constant dense<{{.*}}> : tensor<8x2xf8E4M3FN>
// CHECK-DAG: %[[A:.*]] = sparq.amax %[[X]] : tensor<4x8xf32> -> tensor<f32>
// CHECK-DAG: %[[S:.*]] = sparq.scale %[[A]] for f8E4M3FN : tensor<f32>
// CHECK-DAG: %[[Q:.*]] = sparq.quantize %[[X]], %[[S]] : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf8E4M3FN>
// CHECK: %[[R:.*]] = sparq.matmul %[[Q]], %[[WQ]] lhs_scale %[[S]] : tensor<f32> rhs_scale %[[WS]] : tensor<f32> : tensor<4x8xf8E4M3FN>, tensor<8x2xf8E4M3FN> -> tensor<4x2xf32>
// CHECK-NOT: linalg.
// CHECK: return %[[R]]
// Per output channel: column amax 8 and 4 give scales 56 and 112.
// CHANNEL-LABEL: func @matmul
// CHANNEL-DAG: arith.constant dense<[5.600000e+01, 1.120000e+02]> : tensor<2xf32>
// CHANNEL: sparq.matmul {{.*}} rhs_scale %{{.*}} : tensor<2xf32>
// E5M2: sparq.quantize {{.*}} -> tensor<4x8xf8E5M2>
// E5M2: sparq.matmul {{.*}} : tensor<4x8xf8E5M2>, tensor<8x2xf8E5M2> -> tensor<4x2xf32>
func.func @matmul(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, -4.0], [2.0, 0.5], [8.0, 1.0], [0.0, 2.0],
                             [-1.0, 3.0], [0.25, 1.0], [3.0, -1.0], [1.0, 1.0]]> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}

// -----

// Transposed operands through indexing maps; a non-zero init is added back;
// neither operand is constant, so the second input is the weight and both
// are quantized at run time.
// CHECK-LABEL: func @transposed
// CHECK-SAME: (%[[AT:.*]]: tensor<8x4xbf16>, %[[BT:.*]]: tensor<2x8xbf16>, %[[C:.*]]: tensor<4x2xbf16>)
// CHECK: %[[A:.*]] = linalg.transpose ins(%[[AT]] : tensor<8x4xbf16>) {{.*}} permutation = [1, 0]
// CHECK: %[[B:.*]] = linalg.transpose ins(%[[BT]] : tensor<2x8xbf16>) {{.*}} permutation = [1, 0]
// CHECK: sparq.quantize %[[A]]
// CHECK: sparq.quantize %[[B]]
// CHECK: %[[M:.*]] = sparq.matmul {{.*}} -> tensor<4x2xbf16>
// CHECK: linalg.add ins(%[[C]], %[[M]] : tensor<4x2xbf16>, tensor<4x2xbf16>)
// CHANNEL-LABEL: func @transposed
// CHANNEL: sparq.amax %{{.*}} axis 1 : tensor<8x2xbf16> -> tensor<2xf32>
func.func @transposed(%at: tensor<8x4xbf16>, %bt: tensor<2x8xbf16>, %c: tensor<4x2xbf16>) -> tensor<4x2xbf16> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%at, %bt : tensor<8x4xbf16>, tensor<2x8xbf16>) outs(%c : tensor<4x2xbf16>) -> tensor<4x2xbf16>
  return %r : tensor<4x2xbf16>
}

// -----

// A transposed constant weight is transposed at compile time.
// CHECK-LABEL: func @transposed_constant
// CHECK-NOT: linalg.transpose
// CHECK: sparq.matmul {{.*}} : tensor<2x4xf8E4M3FN>, tensor<4x3xf8E4M3FN> -> tensor<2x3xf32>
func.func @transposed_constant(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0]]> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<2x4xf32>, tensor<3x4xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func @batch
// CHECK: sparq.matmul {{.*}} : tensor<2x4x8xf8E4M3FN>, tensor<2x8x3xf8E4M3FN> -> tensor<2x4x3xf16>
func.func @batch(%a: tensor<2x4x8xf16>, %b: tensor<2x8x3xf16>) -> tensor<2x4x3xf16> {
  %zero = arith.constant 0.0 : f16
  %e = tensor.empty() : tensor<2x4x3xf16>
  %init = linalg.fill ins(%zero : f16) outs(%e : tensor<2x4x3xf16>) -> tensor<2x4x3xf16>
  %r = linalg.batch_matmul ins(%a, %b : tensor<2x4x8xf16>, tensor<2x8x3xf16>) outs(%init : tensor<2x4x3xf16>) -> tensor<2x4x3xf16>
  return %r : tensor<2x4x3xf16>
}

// -----

// A linalg.generic contraction with the M operand second and dynamic M.
// CHECK-LABEL: func @generic
// CHECK-SAME: (%[[W:.*]]: tensor<8x3xf32>, %[[X:.*]]: tensor<?x8xf32>, %[[C:.*]]: tensor<?x3xf32>)
// CHECK: sparq.quantize %[[X]]
// CHECK: sparq.quantize %[[W]]
// CHECK: sparq.matmul {{.*}} : tensor<?x8xf8E4M3FN>, tensor<8x3xf8E4M3FN> -> tensor<?x3xf32>
func.func @generic(%w: tensor<8x3xf32>, %x: tensor<?x8xf32>, %c: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%w, %x : tensor<8x3xf32>, tensor<?x8xf32>) outs(%c : tensor<?x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}

// -----

// Not contractions, or not ones sparq handles: left as they are.
// CHECK-LABEL: func @unchanged
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xi8>, tensor<8x2xi8>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<4x8xf64>, tensor<8x2xf64>)
// CHECK: linalg.matmul {sparq.skip}
// CHECK-NOT: sparq.
func.func @unchanged(%a: tensor<4x8xi8>, %b: tensor<8x2xi8>, %c: tensor<4x2xi8>,
                     %d: tensor<4x8xf64>, %e: tensor<8x2xf64>, %f: tensor<4x2xf64>,
                     %g: tensor<4x8xf32>, %h: tensor<8x2xf32>, %i: tensor<4x2xf32>)
    -> (tensor<4x2xi8>, tensor<4x2xf64>, tensor<4x2xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<4x8xi8>, tensor<8x2xi8>) outs(%c : tensor<4x2xi8>) -> tensor<4x2xi8>
  %1 = linalg.matmul ins(%d, %e : tensor<4x8xf64>, tensor<8x2xf64>) outs(%f : tensor<4x2xf64>) -> tensor<4x2xf64>
  %2 = linalg.matmul {sparq.skip} ins(%g, %h : tensor<4x8xf32>, tensor<8x2xf32>) outs(%i : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0, %1, %2 : tensor<4x2xi8>, tensor<4x2xf64>, tensor<4x2xf32>
}

// -----

// Convolutions only on request: through im2col, the filter is a constant
// weight shared by every output pixel.
// RUN: sparq-opt %s --sparq-quantize="convolutions=1" -split-input-file | FileCheck %s --check-prefix=CONV
// CHECK-LABEL: func @conv
// CHECK: linalg.conv_2d_nhwc_hwcf
// CONV-LABEL: func @conv
// CONV-NOT: linalg.conv_2d_nhwc_hwcf
// CONV: %[[PATCHES:.*]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<1x6x6x4xf32>) outs(%{{.*}} : tensor<1x4x4x3x3x4xf32>)
// CONV: %[[COLS:.*]] = tensor.collapse_shape %[[PATCHES]] {{\[}}[0, 1, 2], [3, 4, 5]] : tensor<1x4x4x3x3x4xf32> into tensor<16x36xf32>
// CONV: sparq.quantize %[[COLS]]
// CONV: %[[MM:.*]] = sparq.matmul {{.*}} : tensor<16x36xf8E4M3FN>, tensor<36x8xf8E4M3FN> -> tensor<16x8xf32>
// CONV: linalg.add
// CONV: tensor.expand_shape %{{.*}} {{\[}}[0, 1, 2], [3]] output_shape [1, 4, 4, 8]
func.func @conv(%x: tensor<1x6x6x4xf32>, %o: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %w = arith.constant dense<0.25> : tensor<3x3x4x8xf32>
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>)
      outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %r : tensor<1x4x4x8xf32>
}

// -----

// The pass leaves constant weights' quantization to the folder, so that a
// later --sparq-prune still sees the f32 weight.
// RUN: sparq-opt %s --sparq-quantize -split-input-file | FileCheck %s --check-prefix=UNFOLDED
// UNFOLDED-LABEL: func @unfolded
// UNFOLDED: %[[W:.*]] = arith.constant dense<2.000000e+00> : tensor<8x2xf32>
// UNFOLDED: %[[A:.*]] = sparq.amax %[[W]]
// UNFOLDED: %[[S:.*]] = sparq.scale %[[A]]
// UNFOLDED: sparq.quantize %[[W]], %[[S]]
func.func @unfolded(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<2.0> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
