// RUN: sparq-opt %s --convert-sparq-to-llvm -split-input-file -verify-diagnostics

func.func @cast(%e: tensor<4x8xf32, #sparq.nm<2:4>>) -> tensor<?x8xf32, #sparq.nm<2:4>> {
  // expected-error @+1 {{'tensor.cast' op cannot take #sparq.nm-encoded tensors to the CPU: they may only flow through sparq ops, function signatures, calls, returns and scf regions}}
  %c = tensor.cast %e : tensor<4x8xf32, #sparq.nm<2:4>> to tensor<?x8xf32, #sparq.nm<2:4>>
  return %c : tensor<?x8xf32, #sparq.nm<2:4>>
}

// -----

// The runtime counts elements in int64_t; these sizes multiply past it (the
// lowering multiplied them with a signed overflow).
func.func @sizes_overflow(%x: tensor<4294967296x4294967296xf32>) -> tensor<f32> {
  // expected-error @+1 {{'sparq.amax' op cannot run: the static sizes of 'tensor<4294967296x4294967296xf32>' multiply past int64_t}}
  %a = sparq.amax %x : tensor<4294967296x4294967296xf32> -> tensor<f32>
  return %a : tensor<f32>
}
