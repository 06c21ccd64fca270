// RUN: sparq-opt %s --split-input-file --sparq-instrument-calibration -verify-diagnostics

func.func @main(%x: tensor<3x8xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<1.0> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<3x4xf32>
  // expected-note @below {{the other one}}
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<3x8xf32>, tensor<8x4xf32>) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  // expected-error @below {{two products are named 'fc': calibration statistics need one each}}
  %y2 = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<3x8xf32>, tensor<8x4xf32>) outs(%y : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y2 : tensor<3x4xf32>
}

// -----

func.func @main(%x: tensor<3x8xf32>) -> tensor<3x4xf32> {
  %w = arith.constant dense<1.0> : tensor<8x4xf32>
  %e = tensor.empty() : tensor<3x4xf32>
  // expected-error @below {{'fc' had its channels permuted: calibrate before --sparq-permute-channels}}
  %y = linalg.matmul {sparq.name = "fc", sparq.channel_permutation = array<i32: 0, 1, 2, 3, 4, 5, 6, 7>} ins(%x, %w : tensor<3x8xf32>, tensor<8x4xf32>) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}
