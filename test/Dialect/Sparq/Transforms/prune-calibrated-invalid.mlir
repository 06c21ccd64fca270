// Bad calibration input: a located error and no output (nothing rewritten).
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not sparq-opt %s --sparq-prune="criterion=obs" 2>&1 | FileCheck %s --check-prefix=CRITERION
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt damp=-1 calibration=%S/Inputs/calib-fc.json" 2>&1 | FileCheck %s --check-prefix=DAMP
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda rule=transposable calibration=%S/Inputs/calib-fc.json" 2>&1 | FileCheck %s --check-prefix=TRANSPOSABLE
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calibration.json" 2>&1 | FileCheck %s --check-prefix=LEGACY
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-no-ops.json" 2>&1 | FileCheck %s --check-prefix=NOOPS
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-version.json" 2>&1 | FileCheck %s --check-prefix=VERSION
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-unknown-op.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-no-channels.json" 2>&1 | FileCheck %s --check-prefix=NOCHANNELS
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-wrong-channels.json" 2>&1 | FileCheck %s --check-prefix=CHANNELS
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-sumsq-length.json" 2>&1 | FileCheck %s --check-prefix=LENGTH
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-no-sumsq.json" 2>&1 | FileCheck %s --check-prefix=NOSUMSQ
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-no-sumsq.json" 2>&1 | FileCheck %s --check-prefix=NOHESSIAN
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-unknown-key.json" 2>&1 | FileCheck %s --check-prefix=KEY
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-nonfinite.json" 2>&1 | FileCheck %s --check-prefix=NONFINITE
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-negative.json" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/calib-bad-hist.json" 2>&1 | FileCheck %s --check-prefix=HIST
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-hessian-shape.json" 2>&1 | FileCheck %s --check-prefix=SHAPE
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-hessian-missing.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt calibration=%S/Inputs/calib-hessian-asym.json" 2>&1 | FileCheck %s --check-prefix=ASYM
// RUN: not sparq-opt %s --sparq-prune="criterion=sparsegpt damp=0 calibration=%S/Inputs/calib-singular.json" 2>&1 | FileCheck %s --check-prefix=SINGULAR
// RUN: not sparq-opt %s --sparq-prune="criterion=wanda calibration=%S/Inputs/does-not-exist.json" 2>&1 | FileCheck %s --check-prefix=NOTREAD

// NOFILE: error: criterion=wanda needs a calibration file (calibration=FILE)
// CRITERION: error: unknown criterion 'obs': expected magnitude, wanda or sparsegpt
// DAMP: error: damp must be finite and non-negative, got -1
// TRANSPOSABLE: error: criterion=wanda does not combine with the transposable rule
// LEGACY: error: calibration table '{{.*}}calibration.json' holds amax values only; pruning needs a sparq_calibration file with per-channel statistics
// NOOPS: error: calibration file '{{.*}}calib-no-ops.json' names no op
// VERSION: error: calibration file '{{.*}}calib-version.json': unsupported sparq_calibration version (this build reads 1)
// UNKNOWN: error: calibration file '{{.*}}calib-unknown-op.json' names 'nope', which is no product in the module
// NOCHANNELS: error: calibration file '{{.*}}calib-no-channels.json', op 'fc': 'channels' must be a positive integer
// CHANNELS: prune-calibrated-invalid.mlir:{{[0-9]+}}:8: error: criterion=wanda: calibration for 'fc' has 4 channels, but the product's K is 8
// LENGTH: error: calibration file '{{.*}}', op 'fc': 'sumsq' has 3 values for 8 channels
// NOSUMSQ: error: criterion=wanda: calibration for 'fc' has no 'sumsq'
// NOHESSIAN: error: criterion=sparsegpt: calibration for 'fc' has no 'hessian' (calibrate with hessian=True)
// KEY: error: calibration file '{{.*}}', op 'fc': unknown key 'sumsquares'
// NONFINITE: error: calibration file '{{.*}}', op 'fc': 'sumsq' must be finite and non-negative, got INF
// NEGATIVE: error: calibration file '{{.*}}', op 'fc': 'sumsq' must be finite and non-negative, got -1
// HIST: error: calibration file '{{.*}}', op 'fc': 'histogram' must be {"max": number, "counts": [numbers]}
// SHAPE: error: calibration file '{{.*}}', op 'fc': the Hessian is 4x4, expected 8x8
// MISSING: error: calibration file '{{.*}}', op 'fc': 'hessian': cannot read '{{.*}}no-such.hessian.npy'
// ASYM: error: calibration file '{{.*}}', op 'fc': the Hessian is not symmetric
// SINGULAR: error: criterion=sparsegpt: the Hessian of 'fc' is not positive definite even damped by 0.000000e+00; raise damp
// NOTREAD: error: cannot read calibration table '{{.*}}does-not-exist.json'
// Every error leaves the module unprinted: none of the RUN lines print IR.
// NOFILE-NOT: sparq.prune
// UNKNOWN-NOT: sparq.prune
// CHANNELS-NOT: sparq.prune

func.func @main(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<[[1.0, 4.0], [2.0, 3.0], [3.0, 2.0], [4.0, 1.0],
                             [5.0, 8.0], [6.0, 7.0], [7.0, 6.0], [8.0, 5.0]]> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
