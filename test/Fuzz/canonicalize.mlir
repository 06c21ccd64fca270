// Inputs found by fuzz/sparq-fuzz on which --canonicalize crashed or left IR
// that does not verify.
// RUN: sparq-opt %s -split-input-file --canonicalize | FileCheck %s

// A valid compress of a computed value whose operand folds to a constant that
// is not 2:4: still valid IR (compress is defined for any input), compressed
// at run time rather than folded.
// CHECK-LABEL: func @compress_of_folded_prune
// CHECK: %[[C:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, -3.000000e+00, 2.000000e+00, 0.000000e+00
// CHECK: sparq.compress %[[C]] : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
func.func @compress_of_folded_prune() -> tensor<2x8xf32, #sparq.nm<2:4>> {
  %w = arith.constant dense<[[1.0, -3.0, 2.0, 0.5, 0.0, 0.0, 0.0, 7.0],
                             [5.0, 5.0, 5.0, 5.0, 1.0, 0x7FC00000, -2.0, 0.0]]> : tensor<2x8xf32>
  %p = sparq.prune %w <3:4> : tensor<2x8xf32>
  %e = sparq.compress %p : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
  return %e : tensor<2x8xf32, #sparq.nm<2:4>>
}

// -----

// The same constant written directly: valid, and not folded.
// CHECK-LABEL: func @compress_constant_not_2_4
// CHECK: sparq.compress %{{.*}} : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
func.func @compress_constant_not_2_4() -> tensor<2x8xf32, #sparq.nm<2:4>> {
  %c = arith.constant dense<[[1.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0],
                             [0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 4.0, 5.0]]> : tensor<2x8xf32>
  %e = sparq.compress %c : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
  return %e : tensor<2x8xf32, #sparq.nm<2:4>>
}
