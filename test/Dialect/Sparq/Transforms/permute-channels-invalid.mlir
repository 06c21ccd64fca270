// Invalid options are errors and leave the module unchanged.
// RUN: not sparq-opt %s --sparq-permute-channels="method=random" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not sparq-opt %s --sparq-permute-channels="pattern=3:2" 2>&1 | FileCheck %s --check-prefix=PATTERN
// RUN: not sparq-opt %s --sparq-permute-channels="sweeps=-1" 2>&1 | FileCheck %s --check-prefix=SWEEPS
// RUN: not sparq-opt %s --sparq-permute-channels="sweeps=0" 2>&1 | FileCheck %s --check-prefix=UNBOUNDED
// RUN: not sparq-opt %s --sparq-permute-channels="time-budget=-2" 2>&1 | FileCheck %s --check-prefix=BUDGET
// RUN: not sparq-opt %s --sparq-permute-channels="replicas=0" 2>&1 | FileCheck %s --check-prefix=REPLICAS

// METHOD: error: method 'random' is neither anneal nor greedy
// PATTERN: error: pattern '3:2' is not N:M with 0 < N < M <= 16
// SWEEPS: error: sweeps=-1 and time-budget=0: both must be >= 0 and the annealer needs one of them > 0
// UNBOUNDED: error: sweeps=0 and time-budget=0: both must be >= 0 and the annealer needs one of them > 0
// BUDGET: error: sweeps=1000 and time-budget=-2: both must be >= 0 and the annealer needs one of them > 0
// REPLICAS: error: replicas must be at least 1

func.func @f(%a: tensor<2x8xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
