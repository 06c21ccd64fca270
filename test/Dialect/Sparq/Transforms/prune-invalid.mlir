// RUN: not sparq-opt %s --sparq-prune="pattern=2-4" 2>&1 | FileCheck %s --check-prefix=PATTERN
// RUN: not sparq-opt %s --sparq-prune="pattern=4:4" 2>&1 | FileCheck %s --check-prefix=NM
// RUN: not sparq-opt %s --sparq-prune="target=sm_90 pattern=4:8" 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not sparq-opt %s --sparq-prune="target=sm_75" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not sparq-opt %s --sparq-prune="rule=transposable pattern=1:2" 2>&1 | FileCheck %s --check-prefix=RULE
// RUN: sparq-opt %s --sparq-prune="target=sm_90" | FileCheck %s --check-prefix=OK

// PATTERN: error: pattern '2-4' is not N:M with 0 < N < M <= 16
// NM: error: pattern '4:4' is not N:M with 0 < N < M <= 16
// TARGET: error: target sm_90 runs sparse products with mma.sp, which takes 2:4 only; 4:8 needs target=cpu
// CHIP: error: unknown target 'sm_75': expected cpu, sm_80, sm_89, sm_90 or sm_90a
// RULE: error: the transposable rule is defined for 2:4 only
// OK: sparq.prune

func.func @f(%a: tensor<2x8xf32>, %c: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %0 = linalg.matmul ins(%a, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%c : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}
