// Equal weights leave magnitude nothing to gain; with channel norms
// [10, 10, 10, 10, 1, 1, 1, 1] the identity groups keep 22 of the 44 Wanda
// importance, groups mixing two strong and two weak channels keep 40.
// RUN: sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-perm.json report=true" 2>&1 | FileCheck %s --check-prefix=WANDA
// RUN: sparq-opt %s --sparq-permute-channels="report=true" 2>&1 | FileCheck %s --check-prefix=MAGNITUDE
// The prune pass reads the permuted statistics: every group keeps its two
// strong channels.
// RUN: sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-perm.json" --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-perm.json report=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRUNE
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=ria" 2>&1 | FileCheck %s --check-prefix=CRITERION
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calibration.json" 2>&1 | FileCheck %s --check-prefix=LEGACY
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-wrong-channels.json" 2>&1 | FileCheck %s --check-prefix=CHANNELS
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-no-sumsq.json" 2>&1 | FileCheck %s --check-prefix=NOSUMSQ
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-unknown-op.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not sparq-opt %s --sparq-permute-channels="criterion=wanda calibration=%S/Inputs/calib-other.json" 2>&1 | FileCheck %s --check-prefix=NOSTATS

// WANDA: remark: permuted 8 input channels: 2:4 pruning keeps 90.91% of the Wanda importance instead of 50.00%
// WANDA: linalg.matmul {sparq.channel_permutation = array<i32: {{.*}}>, sparq.name = "fc"}
// MAGNITUDE: remark: channels not permuted: no permutation keeps more magnitude
// Weak channels removed: 2 columns x 4 x 1, of 2 x (4 x 100 + 4 x 1).
// PRUNE: remark: criterion wanda: output error on the calibration set (diagonal estimate from sumsq), relative to the dense output: magnitude {{.*}}, wanda 9.90{{[0-9]*}}e-03
// CRITERION: error: unknown criterion 'ria': expected magnitude or wanda
// NOFILE: error: criterion=wanda needs a calibration file (calibration=FILE)
// LEGACY: error: calibration table '{{.*}}calibration.json' holds amax values only; criterion=wanda needs a sparq_calibration file with 'sumsq'
// CHANNELS: :[[@LINE+10]]:8: error: criterion=wanda: calibration for 'fc' has 4 channels, but the product's K is 8
// NOSUMSQ: :[[@LINE+9]]:8: error: criterion=wanda: calibration for 'fc' has no 'sumsq'
// UNKNOWN: error: calibration file '{{.*}}calib-unknown-op.json' names 'nope', which is no product in the module
// NOSTATS: :[[@LINE+7]]:8: error: criterion=wanda: calibration file '{{.*}}calib-other.json' has no statistics for 'fc'

func.func @main(%x: tensor<4x8xf32>, %v: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  %e2 = tensor.empty() : tensor<4x3xf32>
  %y2 = linalg.matmul {sparq.name = "other"} ins(%y, %v : tensor<4x2xf32>, tensor<2x3xf32>) outs(%e2 : tensor<4x3xf32>) -> tensor<4x3xf32>
  return %y2 : tensor<4x3xf32>
}
