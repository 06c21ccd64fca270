// RUN: sparq-opt %s --sparq-permute-channels="seed=1" -split-input-file | FileCheck %s
// RUN: sparq-opt %s --sparq-permute-channels="report=1" -split-input-file -verify-diagnostics -o /dev/null

// Output column 0 of the second weight is large on channels 0-3, column 1 on
// channels 4-7: in the identity groups {0-3} and {4-7} 2:4 pruning drops two
// large values per group and column (57% kept); groups mixing two channels of
// each half keep 97%. The weight rows, the producer's output columns and its
// bias move together; the first product (K = 4, one group) stays.
// CHECK-LABEL: func @two_layers
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// (That the permuted program computes the same values is checked by running
// it: test/Integration/CPU/permute-channels.mlir.)
// CHECK-NOT: tensor.extract
// CHECK: %[[W1:.*]] = arith.constant dense<{{.*}}> : tensor<4x8xf32>
// CHECK-NOT: dense<{{\[}}[0.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00
// CHECK: linalg.matmul ins(%[[X]], %[[W1]] :
// CHECK: %[[B1:.*]] = arith.constant dense<{{.*}}> : tensor<8xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[B1]] :
// CHECK: %[[W2:.*]] = arith.constant dense<{{.*}}> : tensor<8x2xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[W2]] :
// CHECK-NOT: dense<{{\[}}[9.000000e+00, 1.000000e-01], [8.000000e+00, 2.000000e-01], [7.000000e+00
// expected-remark @below {{sparq-permute-channels: 1 permuted (0 by a gather), 1 left unchanged: linalg.matmul at loc(}}
module {
func.func @two_layers(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<[[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                              [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                              [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
                              [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]]> : tensor<4x8xf32>
  %b1 = arith.constant dense<[0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]> : tensor<8xf32>
  %w2 = arith.constant dense<[[9.0, 0.1], [8.0, 0.2], [7.0, 0.3], [6.0, 0.4],
                              [0.1, 9.0], [0.2, 8.0], [0.3, 7.0], [0.4, 6.0]]> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  // expected-remark @below {{channels not permuted: no permutation keeps more magnitude}}
  %m1 = linalg.matmul ins(%x, %w1 : tensor<2x4xf32>, tensor<4x8xf32>) outs(%f1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m1, %b1 : tensor<2x8xf32>, tensor<8xf32>) outs(%e1 : tensor<2x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-remark @below {{permuted 8 input channels: 2:4 pruning keeps 96.77% of the magnitude instead of 57.10%; the producer's output channels moved}}
  %y = linalg.matmul ins(%h, %w2 : tensor<2x8xf32>, tensor<8x2xf32>) outs(%f2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// -----

// An activation that is a function argument is gathered.
// CHECK-LABEL: func @gather
// CHECK: %[[IDX:.*]] = arith.constant dense<{{.*}}> : tensor<8xindex>
// CHECK: %[[G:.*]] = linalg.generic
// CHECK: tensor.extract %[[IDX]]
// CHECK: tensor.extract %arg0
// CHECK: linalg.matmul ins(%[[G]],
// expected-remark @below {{sparq-permute-channels: 1 permuted (1 by a gather), 0 left unchanged}}
module {
func.func @gather(%x: tensor<2x8xf32>, %init: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[9.0, 0.1], [8.0, 0.2], [7.0, 0.3], [6.0, 0.4],
                             [0.1, 9.0], [0.2, 8.0], [0.3, 7.0], [0.4, 6.0]]> : tensor<8x2xf32>
  // expected-remark @below {{the activation is permuted by a gather}}
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// -----

// Non-finite weights are left alone, with the position named.
// CHECK-LABEL: func @nonfinite
// CHECK-NOT: linalg.generic
// expected-remark @below {{sparq-permute-channels: 0 permuted (0 by a gather), 1 left unchanged: linalg.matmul at loc(}}
module {
func.func @nonfinite(%x: tensor<2x4xf32>, %init: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [0x7FC00000, 1.0], [1.0, 1.0], [1.0, 1.0]]> : tensor<4x2xf32>
  // expected-remark @below {{channels not permuted: the weight has a non-finite value at output channel 0, input channel 1}}
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}

// -----

// CHECK-LABEL: func @not_constant
// expected-remark @below {{sparq-permute-channels: 0 permuted (0 by a gather), 1 left unchanged: linalg.matmul at loc(}}
module {
func.func @not_constant(%x: tensor<2x8xf32>, %w: tensor<8x2xf32>, %init: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // expected-remark @below {{channels not permuted: the weight (rhs) is not a constant}}
  %y = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>) outs(%init : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
}
