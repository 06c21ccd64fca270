// RUN: sparq-opt %s --sparq-prune="report=1 pattern=1:2" -verify-diagnostics -o /dev/null

// expected-remark @below {{sparq-prune: 1 weights pruned, 2 products left dense, constant weights keep 75.00% of their L1 magnitude}}
module {
func.func @report(%a: tensor<2x8xf32>, %b: tensor<8x2xf32>, %c: tensor<2x2xf32>, %d: tensor<2x3xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) {
  // 1:2 keeps 3 of each pair (1, 3): 12 of 16.
  %w = arith.constant dense<[[1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [3.0, 3.0], [1.0, 1.0], [3.0, 3.0]]> : tensor<8x2xf32>
  // expected-remark @below {{pruned input 1 to 1:2 at compile time}}
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @below {{left dense: no weight: neither input is a constant; mark a training weight with sparq.weight_operand}}
  %1 = linalg.matmul ins(%a, %b : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  %v = arith.constant dense<1.0> : tensor<3x2xf32>
  // expected-remark @below {{left dense: K = 3 is not a multiple of M = 2}}
  %2 = linalg.matmul ins(%d, %v : tensor<2x3xf32>, tensor<3x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0, %1, %2 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>
}
}
