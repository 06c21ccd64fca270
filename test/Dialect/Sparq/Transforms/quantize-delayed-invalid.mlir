// Delayed scaling threads amax histories through the function's signature:
// contractions it cannot thread are errors, reported before any rewrite.
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=delayed" -split-input-file -verify-diagnostics

func.func @nested(%x: tensor<4x16xf32>, %init: tensor<4x8xf32>, %c: i1) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %r = scf.if %c -> tensor<4x8xf32> {
    // expected-error @+1 {{delayed scaling needs the contraction in the single block of its function}}
    %h = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
    scf.yield %h : tensor<4x8xf32>
  } else {
    scf.yield %init : tensor<4x8xf32>
  }
  return %r : tensor<4x8xf32>
}
