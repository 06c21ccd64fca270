// RUN: sparq-opt %s --sparq-prune -split-input-file | FileCheck %s
// RUN: sparq-opt %s --sparq-prune --canonicalize -split-input-file | FileCheck %s --check-prefix=FOLD
// RUN: sparq-opt %s --sparq-prune="rule=transposable" -split-input-file | FileCheck %s --check-prefix=TRANS

// A constant K x N weight: pruned along K (dimension 0) and compressed.
// CHECK-LABEL: func @constant_weight
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>)
// CHECK: %[[W:.*]] = arith.constant
// CHECK: %[[P:.*]] = sparq.prune %[[W]] <2:4, dim = 0> : tensor<8x2xf32>
// CHECK: %[[C:.*]] = sparq.compress %[[P]] : tensor<8x2xf32> -> tensor<8x2xf32, #sparq.nm<2:4, dim = 0>>
// CHECK: %[[R:.*]] = sparq.matmul %[[X]], %[[C]] : tensor<2x8xf32>, tensor<8x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<2x2xf32>
// CHECK: return %[[R]]
// Folded, the encoded constant holds the two largest of each group of 4
// along K.
// FOLD-LABEL: func @constant_weight
// FOLD: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00], [-2.000000e+00, 6.000000e+00], [3.000000e+00, 5.000000e+00], [0.000000e+00, 0.000000e+00], [0.000000e+00, 2.000000e+00], [6.000000e+00, 0.000000e+00], [7.000000e+00, 0.000000e+00], [0.000000e+00, 9.000000e+00]]> : tensor<8x2xf32, #sparq.nm<2:4, dim = 0>>
// FOLD-NOT: sparq.prune
// FOLD-LABEL: func @transposed_weight
func.func @constant_weight(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 0.5], [-2.0, 6.0], [3.0, 5.0], [0.5, 1.0],
                             [1.0, 2.0], [6.0, -1.0], [7.0, 1.0], [-1.0, 9.0]]> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %r = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r : tensor<2x2xf32>
}

// -----

// A transposed (N x K) constant weight is pruned along its K, dimension 1,
// then transposed into the K x N operand and compressed along K.
// CHECK-LABEL: func @transposed_weight
// CHECK: %[[P:.*]] = sparq.prune %{{.*}} <2:4> : tensor<3x8xf32>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[P]]
// CHECK: sparq.compress %[[T]] : tensor<8x3xf32> -> tensor<8x3xf32, #sparq.nm<2:4, dim = 0>>
func.func @transposed_weight(%x: tensor<2x8xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<1.0> : tensor<3x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<2x8xf32>, tensor<3x8xf32>) outs(%init : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// After --sparq-quantize the weight is the input of a sparq.quantize: it is
// pruned before quantization and the FP8 result compressed.
// CHECK-LABEL: func @after_quantize
// CHECK-SAME: (%[[Q:.*]]: tensor<2x8xf8E4M3FN>, %[[S:.*]]: tensor<f32>)
// CHECK: %[[W:.*]] = arith.constant dense<2.000000e+00> : tensor<8x4xf32>
// CHECK: %[[P:.*]] = sparq.prune %[[W]] <2:4, dim = 0> : tensor<8x4xf32>
// CHECK: %[[WQ:.*]] = sparq.quantize %[[P]], %[[S]] : tensor<8x4xf32>, tensor<f32> -> tensor<8x4xf8E4M3FN>
// CHECK: %[[C:.*]] = sparq.compress %[[WQ]] : tensor<8x4xf8E4M3FN> -> tensor<8x4xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
// CHECK: sparq.matmul %[[Q]], %[[C]] rhs_scale %[[S]] : tensor<f32> : tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<2x4xf32>
func.func @after_quantize(%q: tensor<2x8xf8E4M3FN>, %s: tensor<f32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<2.0> : tensor<8x4xf32>
  %wq = sparq.quantize %w, %s : tensor<8x4xf32>, tensor<f32> -> tensor<8x4xf8E4M3FN>
  %r = sparq.matmul %q, %wq rhs_scale %s : tensor<f32> : tensor<2x8xf8E4M3FN>, tensor<8x4xf8E4M3FN> -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

// A training weight shared by the forward product and the backward dY W^T
// gets one run-time prune, right at the function entry. The forward product
// (K = dimension 0 of W) compresses it; the backward one (K = dimension 1)
// reads it dense -- or compressed too, with the transposable rule. The SGD
// update reads the dense weights.
// CHECK-LABEL: func @shared
// CHECK-SAME: (%[[W:.*]]: tensor<8x4xf32>
// CHECK-NEXT: %[[P:.*]] = sparq.prune %[[W]] <2:4, dim = 0> : tensor<8x4xf32>
// CHECK: %[[C:.*]] = sparq.compress %[[P]] : tensor<8x4xf32> -> tensor<8x4xf32, #sparq.nm<2:4, dim = 0>>
// CHECK: sparq.matmul %{{.*}}, %[[C]] : tensor<16x8xf32>, tensor<8x4xf32, #sparq.nm<2:4, dim = 0>>
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[P]] : tensor<8x4xf32>)
// CHECK: sparq.matmul %{{.*}}, %[[T]] : tensor<16x4xf32>, tensor<4x8xf32> -> tensor<16x8xf32>
// CHECK: linalg.sub ins(%[[W]],
// TRANS-LABEL: func @shared
// TRANS: %[[P:.*]] = sparq.prune %{{.*}} <2:4, dim = 0> rule <transposable> : tensor<8x4xf32>
// TRANS: sparq.compress %[[P]] : tensor<8x4xf32> -> tensor<8x4xf32, #sparq.nm<2:4, dim = 0>>
// TRANS: %[[T:.*]] = linalg.transpose ins(%[[P]] : tensor<8x4xf32>)
// TRANS: sparq.compress %[[T]] : tensor<4x8xf32> -> tensor<4x8xf32, #sparq.nm<2:4, dim = 0>>
func.func @shared(%w: tensor<8x4xf32>, %x: tensor<16x8xf32>, %dy: tensor<16x4xf32>)
    -> (tensor<16x4xf32>, tensor<16x8xf32>, tensor<8x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<16x4xf32>) -> tensor<16x4xf32>
  %y = linalg.matmul {sparq.weight_operand = 1}
      ins(%x, %w : tensor<16x8xf32>, tensor<8x4xf32>) outs(%init : tensor<16x4xf32>) -> tensor<16x4xf32>
  %ex = tensor.empty() : tensor<16x8xf32>
  %initx = linalg.fill ins(%zero : f32) outs(%ex : tensor<16x8xf32>) -> tensor<16x8xf32>
  %dx = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                       affine_map<(m, n, k) -> (n, k)>,
                                       affine_map<(m, n, k) -> (m, n)>]
      ins(%dy, %w : tensor<16x4xf32>, tensor<8x4xf32>) outs(%initx : tensor<16x8xf32>)
      {sparq.weight_operand = 1} -> tensor<16x8xf32>
  %ew = tensor.empty() : tensor<8x4xf32>
  %updated = linalg.sub ins(%w, %w : tensor<8x4xf32>, tensor<8x4xf32>) outs(%ew : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %y, %dx, %updated : tensor<16x4xf32>, tensor<16x8xf32>, tensor<8x4xf32>
}

// -----

// Left dense: no weight, K not a multiple of M, already sparse.
// CHECK-LABEL: func @unchanged
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x8xf32>, tensor<8x2xf32>)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x6xf32>, tensor<6x2xf32>)
// CHECK-NOT: sparq.prune
func.func @unchanged(%a: tensor<2x8xf32>, %b: tensor<8x2xf32>, %c: tensor<2x2xf32>, %d: tensor<2x6xf32>,
                     %e: tensor<2x8xf32>, %f: tensor<8x2xf32, #sparq.nm<2:4, dim = 0>>)
    -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %0 = linalg.matmul ins(%a, %b : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %w = arith.constant dense<1.0> : tensor<6x2xf32>
  %1 = linalg.matmul ins(%d, %w : tensor<2x6xf32>, tensor<6x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %2 = sparq.matmul %e, %f : tensor<2x8xf32>, tensor<8x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<2x2xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
