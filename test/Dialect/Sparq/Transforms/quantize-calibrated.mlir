// Static FP8 scales from a calibration file: Inputs/calib-fc.json records
// amax 8 and a histogram of |x| over [0, 8] with counts
// [10, 10, 10, 10, 1, 1, 1, 1]. scale = 448 / amax.
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calib-fc.json" | FileCheck %s --check-prefix=MAX
// 90% of the 44 values lie below 4 (40 of them).
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static amax=percentile percentile=90 calibration=%S/Inputs/calib-fc.json" | FileCheck %s --check-prefix=PERCENTILE
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static amax=percentile calibration=%S/Inputs/calib-fc.json" | FileCheck %s --check-prefix=MAX
// At amax 7 (scale 64) every bin centre 0.5, 1.5, ..., 6.5 is exact in E4M3
// and only the one value at 7.5 clips: less squared error than amax 8.
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static amax=mse calibration=%S/Inputs/calib-fc.json report=true" 2>&1 | FileCheck %s --check-prefix=MSE
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static amax=p99 calibration=%S/Inputs/calib-fc.json" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static amax=percentile percentile=0 calibration=%S/Inputs/calib-fc.json" 2>&1 | FileCheck %s --check-prefix=RANGE
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static amax=mse calibration=%S/Inputs/calibration-fc-legacy.json" 2>&1 | FileCheck %s --check-prefix=LEGACY
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static amax=mse calibration=%S/Inputs/calib-sumsq-npy.json" 2>&1 | FileCheck %s --check-prefix=NOHIST
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calib-sumsq-npy.json" 2>&1 | FileCheck %s --check-prefix=NOAMAX

// MAX: arith.constant dense<5.600000e+01> : tensor<f32>
// PERCENTILE: arith.constant dense<1.120000e+02> : tensor<f32>
// MSE: remark: quantized to FP8: {{.*}}static scale from amax 7.000000e+00
// MSE: arith.constant dense<6.400000e+01> : tensor<f32>
// METHOD: error: unknown amax method 'p99': expected max, percentile or mse
// RANGE: error: percentile must be in (0, 100], got 0
// LEGACY: error: amax=mse needs a histogram: calibration table '{{.*}}calibration-fc-legacy.json' is an {"name": amax} table
// NOHIST: error: calibration file '{{.*}}calib-sumsq-npy.json', op 'fc': amax=mse needs its 'histogram'
// NOAMAX: error: calibration file '{{.*}}calib-sumsq-npy.json', op 'fc': amax=max needs its 'amax'

func.func @main(%x: tensor<4x8xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0> : tensor<8x2xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul {sparq.name = "fc"} ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%f : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
