// Invalid requests are errors and leave the module unchanged.
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static" 2>&1 | FileCheck %s --check-prefix=NOAMAX
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calibration-missing-op.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calibration-bad-value.json" 2>&1 | FileCheck %s --check-prefix=BADVALUE
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calibration-not-json.json" 2>&1 | FileCheck %s --check-prefix=NOTJSON
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/does-not-exist.json" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=static calibration=%S/Inputs/calibration-not-object.json" 2>&1 | FileCheck %s --check-prefix=NOTOBJECT
// RUN: not sparq-opt %s --sparq-quantize="calibration=%S/Inputs/calibration.json" 2>&1 | FileCheck %s --check-prefix=NOTSTATIC
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=delayed" 2>&1 | FileCheck %s --check-prefix=CALLED
// RUN: not sparq-opt %s --sparq-quantize="activation-scaling=delayed amax-history=0" 2>&1 | FileCheck %s --check-prefix=HISTORY

// NOAMAX: error: {{.*}}static scaling needs a calibrated amax for input 0 of 'fc1': add it to the calibration table or set sparq.activation_amax
// NOAMAX: error: sparq.activation_amax must be finite and non-negative, got {{INF|inf}}
// MISSING: error: calibration table entry 'fc9' names no contraction to quantize
// BADVALUE: error: calibration entry 'fc1' must be a finite positive amax or a pair [amax or null, amax or null]
// NOTJSON: error: calibration table '{{.*}}calibration-not-json.json' is not valid JSON
// NOFILE: error: cannot read calibration table '{{.*}}does-not-exist.json'
// NOTOBJECT: error: calibration table '{{.*}}calibration-not-object.json' must be a JSON object of name: amax
// NOTSTATIC: error: a calibration table needs activation-scaling=static
// CALLED: error: {{.*}}delayed scaling adds amax-history state to @layer, which is called inside the module
// HISTORY: error: amax-history must be at least 1

func.func @layer(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.matmul ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32> loc("fc1")
  return %h : tensor<4x8xf32>
}

func.func @caller(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %y = call @layer(%x) : (tensor<4x16xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

func.func @bad_amax(%x: tensor<4x16xf32>, %w: tensor<16x8xf32>, %init: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %h = linalg.matmul {sparq.activation_amax = 0x7F800000 : f32}
      ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
