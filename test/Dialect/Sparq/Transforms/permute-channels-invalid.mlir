// Invalid options are errors and leave the module unchanged.
// RUN: not sparq-opt %s --sparq-permute-channels="method=random" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not sparq-opt %s --sparq-permute-channels="pattern=3:2" 2>&1 | FileCheck %s --check-prefix=PATTERN

// METHOD: error: method 'random' is neither anneal nor greedy
// PATTERN: error: pattern '3:2' is not N:M with 0 < N < M <= 16

func.func @f(%a: tensor<2x8xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
