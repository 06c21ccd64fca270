// After --sparq-permute-channels, position p of K holds calibrated channel
// sparq.channel_permutation[p]: here channels 0 and 1 swapped, so the norms
// the product sees are [1, 10, 1, 1, 1, 1, 1, 10].
// RUN: sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-fc.json" | FileCheck %s

// CHECK: %[[W:.*]] = arith.constant dense<{{\[}}[0.000000e+00, 4.000000e+00], [2.000000e+00, 3.000000e+00], [0.000000e+00, 0.000000e+00], [4.000000e+00, 0.000000e+00], [0.000000e+00, 8.000000e+00], [0.000000e+00, 0.000000e+00], [7.000000e+00, 0.000000e+00], [8.000000e+00, 5.000000e+00]]> : tensor<8x2xf32>
// CHECK: sparq.prune %[[W]] <2:4, dim = 0>

func.func @main(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [4.0, 1.0],
                             [5.0, 8.0], [6.0, 7.0], [7.0, 6.0], [8.0, 5.0]]> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc", sparq.channel_permutation = array<i32: 1, 0, 2, 3, 4, 5, 6, 7>} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
