// Products the activation-aware criteria cannot prune: located errors.
// RUN: not sparq-opt %s --split-input-file --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-fc.json" 2>&1 | FileCheck %s --check-prefix=SPLIT
// A weight computed at run time, an unnamed product and a malformed
// permutation attribute.
// SPLIT: :[[@LINE+4]]:8: error: criterion=wanda prunes constant weights; this product's weight is computed at run time
func.func @runtime(%x: tensor<4x8xf32>, %w: tensor<8x2xf32>) -> tensor<4x2xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc", sparq.weight_operand = 1 : i64} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// SPLIT: :[[@LINE+6]]:8: error: sparq.channel_permutation is not a permutation of the product's K = 8
func.func @badperm(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc", sparq.channel_permutation = array<i32: 0, 0, 1, 2, 3, 4, 5, 6>} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// SPLIT: :[[@LINE+8]]:8: error: criterion=wanda: the product has no name (sparq.name or a name location) to find its calibration statistics by
func.func @unnamed(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y0 = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %w2 = arith.constant dense<2.0> : tensor<8x2xf32>
  %y = linalg.matmul ins(%x, %w2 : tensor<4x8xf32>, tensor<8x2xf32>) outs(%y0 : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
