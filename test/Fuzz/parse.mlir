// Inputs found by fuzz/sparq-fuzz that crashed the parser or the verifier.
// RUN: not sparq-opt %s -split-input-file 2>&1 | FileCheck %s

// A tensor type whose element type does not parse, with a #sparq.nm
// encoding: the parser verifies the encoding with a null element type.
// CHECK: error: expected non-function type
func.func @missing_element_type(%e: tensor<, #sparq.nm<2:4>>) {
  return
}
