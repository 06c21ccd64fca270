// Activation-aware pruning from a calibration file. Channel norms are
// [10, 1, 1, 1, 1, 1, 1, 10]: Wanda keeps the small weights of channels 0
// and 7 that magnitude pruning drops.
// RUN: sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-fc.json" | FileCheck %s --check-prefix=WANDA
// RUN: sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-sumsq-npy.json" | FileCheck %s --check-prefix=WANDA
// RUN: sparq-opt %s --sparq-prune="criterion=magnitude" | FileCheck %s --check-prefix=MAGNITUDE
// A diagonal X^T X makes SparseGPT's mask Wanda's and its updates zero.
// RUN: sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-fc.json" | FileCheck %s --check-prefix=WANDA
// RUN: sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-fc.json report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-singular.json" -o /dev/null 2>&1 | FileCheck %s --check-prefix=DAMPED
// The pruned weight still folds to a compressed constant.
// RUN: sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-fc.json" --canonicalize | FileCheck %s --check-prefix=FOLDED

// WANDA: %[[W:.*]] = arith.constant dense<{{\[}}[1.000000e+00, 4.000000e+00], [0.000000e+00, 3.000000e+00], [0.000000e+00, 0.000000e+00], [4.000000e+00, 0.000000e+00], [0.000000e+00, 8.000000e+00], [0.000000e+00, 0.000000e+00], [7.000000e+00, 0.000000e+00], [8.000000e+00, 5.000000e+00]]> : tensor<8x2xf32>
// WANDA: sparq.prune %[[W]] <2:4, dim = 0>
// MAGNITUDE-NOT: arith.constant dense<{{\[}}[1.000000e+00, 4.000000e+00], [0.0
// MAGNITUDE: sparq.prune %{{.*}} <2:4, dim = 0>

// Dense 10902, magnitude drops 2706, Wanda 164 (sum of w^2 times sumsq).
// REPORT: remark: criterion wanda: output error on the calibration set (from X^T X), relative to the dense output: magnitude 2.482{{[0-9]+}}e-01, wanda 1.504{{[0-9]+}}e-02
// DAMPED: warning: the Hessian of 'fc' is not positive definite; damped by {{.*}} (damp=1.000000e-02 times its mean diagonal)
// FOLDED-NOT: sparq.prune
// FOLDED: sparq.matmul

func.func @main(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [4.0, 1.0],
                             [5.0, 8.0], [6.0, 7.0], [7.0, 6.0], [8.0, 5.0]]> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
