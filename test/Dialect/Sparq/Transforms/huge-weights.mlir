// The passes never expand a huge splat weight (2^28 f32 elements, 1 GiB):
// transposing it keeps a splat, and the statistics that need every element
// (quantization error, kept magnitude, the permutation search) skip it. Under
// a 1 GiB address-space limit any expansion fails.
// RUN: %limit-address-space 1048576
// RUN: sparq-opt %s --sparq-quantize="report=1" 2>&1 | FileCheck %s --check-prefix=QUANT
// RUN: sparq-opt %s --sparq-prune="report=1" --canonicalize -o /dev/null 2>&1 | FileCheck %s --check-prefix=PRUNE
// RUN: sparq-opt %s --sparq-permute-channels="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PERMUTE

// No weight error: that needs every element.
// QUANT: remark: quantized to FP8: inputs 'f8E4M3FN' and 'f8E4M3FN'; input 0: activation, dynamic scale; input 1: weight, per-tensor scale{{$}}
// QUANT: remark: sparq-quantize: 1 quantized, 0 left unchanged, 0 constant weights{{$}}
// QUANT: %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<32768x8192xf32>
// QUANT: sparq.quantize %[[W]]
// QUANT: sparq.matmul
// PRUNE: remark: pruned input 1 to 2:4 at compile time
// PRUNE: remark: sparq-prune: 1 weights pruned, 0 products left dense
// PERMUTE: remark: channels not permuted: the weight constant is not readable
func.func @transposed_splat(%x: tensor<1x32768xf32>) -> tensor<1x8192xf32> {
  %w = arith.constant dense<0.5> : tensor<8192x32768xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8192xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8192xf32>) -> tensor<1x8192xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<1x32768xf32>, tensor<8192x32768xf32>) outs(%init : tensor<1x8192xf32>) -> tensor<1x8192xf32>
  return %r : tensor<1x8192xf32>
}
