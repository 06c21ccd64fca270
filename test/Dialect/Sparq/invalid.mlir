// Every diagnostic of the sparq verifiers, one case per split.
// RUN: sparq-opt %s -split-input-file -verify-diagnostics

func.func @quantize_int(%x: tensor<4xi32>, %s: tensor<f32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of f32, f16 or bf16 values}}
  %q = sparq.quantize %x, %s : tensor<4xi32>, tensor<f32> -> tensor<4xf8E4M3FN>
  return
}

// -----

func.func @quantize_to_f16(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of FP8 (f8E4M3FN or f8E5M2) values}}
  %q = sparq.quantize %x, %s : tensor<4xf32>, tensor<f32> -> tensor<4xf16>
  return
}

// -----

func.func @quantize_unsupported_fp8(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{result #0 must be ranked tensor of FP8 (f8E4M3FN or f8E5M2) values}}
  %q = sparq.quantize %x, %s : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FNUZ>
  return
}

// -----

func.func @quantize_shape(%x: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{expects input and result of the same shape, got 'tensor<4x8xf32>' and 'tensor<8x4xf8E4M3FN>'}}
  %q = sparq.quantize %x, %s : tensor<4x8xf32>, tensor<f32> -> tensor<8x4xf8E4M3FN>
  return
}

// -----

func.func @quantize_encoded(%x: tensor<4x8xf32, #sparq.nm<2:4>>, %s: tensor<f32>) {
  // expected-error @+1 {{expects a dense input, not a #sparq.nm-encoded tensor (use sparq.decompress or sparq.values)}}
  %q = sparq.quantize %x, %s : tensor<4x8xf32, #sparq.nm<2:4>>, tensor<f32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

// The lowering hands every non-matmul operand to the runtime as one dense
// buffer: no encoding anywhere, scales included (they were accepted and then
// miscompiled or failed to lower).
func.func @quantize_encoded_scale(%x: tensor<8x4xf32>, %s: tensor<8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects a dense scale, not a #sparq.nm-encoded tensor (use sparq.decompress or sparq.values)}}
  %q = sparq.quantize %x, %s axis 0 : tensor<8x4xf32>, tensor<8xf32, #sparq.nm<2:4>> -> tensor<8x4xf8E4M3FN>
  return
}

// -----

#sv = #sparse_tensor.encoding<{ map = (d0) -> (d0 : compressed) }>
func.func @quantize_sparse_tensor(%x: tensor<8xf32, #sv>, %s: tensor<f32>) {
  // expected-error @+1 {{expects no tensor encoding on the input, got 'tensor<8xf32, #sparse_tensor.encoding<{ map = (d0) -> (d0 : compressed) }>>'}}
  %q = sparq.quantize %x, %s : tensor<8xf32, #sv>, tensor<f32> -> tensor<8xf8E4M3FN>
  return
}

// -----

func.func @amax_encoded_result(%x: tensor<8x4xf32>) {
  // expected-error @+1 {{expects a dense result, not a #sparq.nm-encoded tensor}}
  %a = sparq.amax %x axis 0 : tensor<8x4xf32> -> tensor<8xf32, #sparq.nm<2:4>>
  return
}

// -----

func.func @scale_encoded(%a: tensor<8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects a dense amax, not a #sparq.nm-encoded tensor}}
  %s = sparq.scale %a for f8E4M3FN : tensor<8xf32, #sparq.nm<2:4>>
  return
}

// -----

func.func @matmul_encoded_bias(%a: tensor<4x8xf16>, %b: tensor<8x4xf16>, %bias: tensor<4xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects a dense bias, not a #sparq.nm-encoded tensor}}
  %c = sparq.matmul %a, %b bias %bias : tensor<4xf32, #sparq.nm<2:4>> : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xf32>
  return
}

// -----

func.func @quantize_encoded_result(%x: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{expects a dense result, not a #sparq.nm-encoded tensor}}
  %q = sparq.quantize %x, %s : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf8E4M3FN, #sparq.nm<2:4>>
  return
}

// -----

func.func @quantize_stochastic_needs_seed(%x: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{stochastic rounding requires a 'seed' operand}}
  %q = sparq.quantize %x, %s rounding <stochastic> : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  return
}

// -----

func.func @quantize_seed_without_stochastic(%x: tensor<4xf32>, %s: tensor<f32>, %seed: i64) {
  // expected-error @+1 {{'seed' is only used by stochastic rounding}}
  %q = sparq.quantize %x, %s seed %seed : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  return
}

// -----

func.func @quantize_vector_scale_without_axis(%x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects a rank-0 scale without 'axis', got 'tensor<4xf32>'}}
  %q = sparq.quantize %x, %s : tensor<4x8xf32>, tensor<4xf32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

func.func @quantize_axis_out_of_range(%x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{'axis' 2 is out of range for a rank-2 tensor}}
  %q = sparq.quantize %x, %s axis 2 : tensor<4x8xf32>, tensor<4xf32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

func.func @quantize_scalar_scale_with_axis(%x: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{expects a rank-1 scale with 'axis', got 'tensor<f32>'}}
  %q = sparq.quantize %x, %s axis 0 : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

func.func @dequantize_scale_count(%q: tensor<4x8xf8E5M2>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects 8 scales (one per index of dimension 1), got 4}}
  %x = sparq.dequantize %q, %s axis 1 : tensor<4x8xf8E5M2>, tensor<4xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_shape(%q: tensor<4x8xf8E5M2>, %s: tensor<f32>) {
  // expected-error @+1 {{expects input and result of the same shape}}
  %x = sparq.dequantize %q, %s : tensor<4x8xf8E5M2>, tensor<f32> -> tensor<4x?xf32>
  return
}

// -----

func.func @dequantize_encoded(%q: tensor<4x8xf8E5M2, #sparq.nm<2:4>>, %s: tensor<f32>) {
  // expected-error @+1 {{expects a dense input, not a #sparq.nm-encoded tensor}}
  %x = sparq.dequantize %q, %s : tensor<4x8xf8E5M2, #sparq.nm<2:4>>, tensor<f32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dequantize_from_f32(%q: tensor<4xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of FP8 (f8E4M3FN or f8E5M2) values}}
  %x = sparq.dequantize %q, %s : tensor<4xf32>, tensor<f32> -> tensor<4xf32>
  return
}

// -----

func.func @scale_f64(%x: tensor<4xf32>, %s: tensor<f64>) {
  // expected-error @+1 {{operand #1 must be ranked tensor of 32-bit float values}}
  %q = sparq.quantize %x, %s : tensor<4xf32>, tensor<f64> -> tensor<4xf8E4M3FN>
  return
}

// -----

func.func @amax_rank(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects a rank-0 result without 'axis', got 'tensor<4xf32>'}}
  %a = sparq.amax %x : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @amax_axis_range(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'axis' -1 is out of range for a rank-2 tensor}}
  %a = sparq.amax %x axis -1 : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @amax_axis_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects a result of 'tensor<8xf32>' (one value per index of dimension 1), got 'tensor<4xf32>'}}
  %a = sparq.amax %x axis 1 : tensor<4x8xf32> -> tensor<4xf32>
  return
}

// -----

func.func @amax_encoded(%x: tensor<4x8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects a dense input, not a #sparq.nm-encoded tensor}}
  %a = sparq.amax %x : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<f32>
  return
}

// -----

func.func @scale_format(%a: tensor<f32>) {
  // expected-error @+1 {{expects an FP8 format (f8E4M3FN or f8E5M2), got 'f16'}}
  %s = sparq.scale %a for f16 : tensor<f32>
  return
}

// -----

func.func @scale_rank(%a: tensor<2x2xf32>) {
  // expected-error @+1 {{expects a rank-0 or rank-1 amax, got 'tensor<2x2xf32>'}}
  %s = sparq.scale %a for f8E4M3FN : tensor<2x2xf32>
  return
}

// -----

func.func @scale_margin(%a: tensor<f32>) {
  // expected-error @+1 {{margin 200 is out of range [-127, 127]}}
  %s = sparq.scale %a for f8E4M3FN margin 200 : tensor<f32>
  return
}

// -----

// expected-error @+1 {{N:M requires 0 < N < M, got 4:4}}
func.func @nm_n_equals_m(%x: tensor<8xf32, #sparq.nm<4:4>>)

// -----

// expected-error @+1 {{N:M requires 0 < N < M, got 0:4}}
func.func @nm_zero(%x: tensor<8xf32, #sparq.nm<0:4>>)

// -----

// expected-error @+1 {{N:M group size M must be in [2, 16], got 32}}
func.func @nm_big_group(%x: tensor<64xf32, #sparq.nm<2:32>>)

// -----

// expected-error @+1 {{expected ':'}}
func.func @nm_malformed(%x: tensor<64xf32, #sparq.nm<2>>)

// -----

// expected-error @+1 {{expected 'dim'}}
func.func @nm_malformed_dim(%x: tensor<64xf32, #sparq.nm<2:4, axis = 0>>)

// -----

// expected-error @+1 {{#sparq.nm encoding expects an f32, f16, bf16, f8E4M3FN or f8E5M2 element type, got 'i8'}}
func.func @nm_element_type(%x: tensor<8xi8, #sparq.nm<2:4>>)

// -----

// expected-error @+1 {{#sparq.nm sparse dimension 2 is out of range for a rank-2 tensor}}
func.func @nm_dim_range(%x: tensor<8x8xf32, #sparq.nm<2:4, dim = 2>>)

// -----

// expected-error @+1 {{#sparq.nm sparse dimension 1 must be static}}
func.func @nm_dynamic(%x: tensor<8x?xf32, #sparq.nm<2:4>>)

// -----

// expected-error @+1 {{#sparq.nm sparse dimension 1 (size 6) is not a multiple of M = 4}}
func.func @nm_divisible(%x: tensor<8x6xf32, #sparq.nm<2:4>>)

// -----

// expected-error @+1 {{#sparq.nm sparse dimension -1 is out of range for a rank-0 tensor}}
func.func @nm_rank0(%x: tensor<f32, #sparq.nm<2:4>>)

// -----

func.func @prune_rank0(%x: tensor<f32>) {
  // expected-error @+1 {{N:M sparsity needs a tensor of rank >= 1, got 'tensor<f32>'}}
  %p = sparq.prune %x <2:4> : tensor<f32>
  return
}

// -----

func.func @prune_not_divisible(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{#sparq.nm sparse dimension 1 (size 6) is not a multiple of M = 4}}
  %p = sparq.prune %x <2:4> : tensor<4x6xf32>
  return
}

// -----

func.func @prune_dynamic(%x: tensor<?x?xf32>) {
  // expected-error @+1 {{#sparq.nm sparse dimension 0 must be static}}
  %p = sparq.prune %x <2:4, dim = 0> : tensor<?x?xf32>
  return
}

// -----

func.func @prune_encoded(%x: tensor<4x8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects a dense input, not a #sparq.nm-encoded tensor}}
  %p = sparq.prune %x <2:4> : tensor<4x8xf32, #sparq.nm<2:4>>
  return
}

// -----

func.func @prune_int(%x: tensor<4x8xi8>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of f32, f16, bf16, f8E4M3FN or f8E5M2 values}}
  %p = sparq.prune %x <2:4> : tensor<4x8xi8>
  return
}

// -----

func.func @prune_transposable_rank(%x: tensor<4x4x4xf32>) {
  // expected-error @+1 {{the transposable rule needs 2:4 on a static matrix whose dimensions are multiples of 4, got #sparq.nm<2:4> on 'tensor<4x4x4xf32>'}}
  %p = sparq.prune %x <2:4> rule <transposable> : tensor<4x4x4xf32>
  return
}

// -----

func.func @mask_transposable_shape(%x: tensor<6x8xf32>) {
  // expected-error @+1 {{the transposable rule needs 2:4 on a static matrix whose dimensions are multiples of 4, got #sparq.nm<2:4> on 'tensor<6x8xf32>'}}
  %m = sparq.mask %x <2:4> rule <transposable> : tensor<6x8xf32> -> tensor<6x8xi1>
  return
}

// -----

func.func @prune_transposable_pattern(%x: tensor<8x8xf32>) {
  // expected-error @+1 {{the transposable rule needs 2:4 on a static matrix whose dimensions are multiples of 4, got #sparq.nm<4:8> on 'tensor<8x8xf32>'}}
  %p = sparq.prune %x <4:8> rule <transposable> : tensor<8x8xf32>
  return
}

// -----

func.func @mask_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects input and result of the same shape, got 'tensor<4x8xf32>' and 'tensor<4x4xi1>'}}
  %m = sparq.mask %x <2:4> : tensor<4x8xf32> -> tensor<4x4xi1>
  return
}

// -----

func.func @mask_dim(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{#sparq.nm sparse dimension -3 is out of range for a rank-2 tensor}}
  %m = sparq.mask %x <2:4, dim = -3> : tensor<4x8xf32> -> tensor<4x8xi1>
  return
}

// -----

func.func @compress_no_encoding(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects the result to carry a #sparq.nm encoding, got 'tensor<4x8xf32>'}}
  %e = sparq.compress %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @compress_encoded_input(%x: tensor<4x8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects an unencoded input, got 'tensor<4x8xf32, #sparq.nm<2:4>>'}}
  %e = sparq.compress %x : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<4x8xf32, #sparq.nm<2:4>>
  return
}

// -----

func.func @compress_type(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects input and result to differ only in the encoding, got 'tensor<4x8xf32>' and 'tensor<4x8xf16, #sparq.nm<2:4>>'}}
  %e = sparq.compress %x : tensor<4x8xf32> -> tensor<4x8xf16, #sparq.nm<2:4>>
  return
}

// -----

func.func @decompress_dense(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects the input to carry a #sparq.nm encoding, got 'tensor<4x8xf32>'}}
  %d = sparq.decompress %x : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @decompress_type(%x: tensor<4x8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects result and input to differ only in the encoding}}
  %d = sparq.decompress %x : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<8x4xf32>
  return
}

// -----

func.func @decompress_to_encoded(%x: tensor<4x8xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects an unencoded result, got 'tensor<4x8xf32, #sparq.nm<1:2>>'}}
  %d = sparq.decompress %x : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<4x8xf32, #sparq.nm<1:2>>
  return
}

// -----

func.func @values_dense(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{expects a #sparq.nm-encoded input, got 'tensor<4x8xf32>'}}
  %v = sparq.values %x : tensor<4x8xf32> -> tensor<4x4xf32>
  return
}

// -----

func.func @values_shape(%x: tensor<4x8xf32, #sparq.nm<2:4, dim = 0>>) {
  // expected-error @+1 {{expects the values of 'tensor<4x8xf32, #sparq.nm<2:4, dim = 0>>' to be 'tensor<2x8xf32>', got 'tensor<4x4xf32>'}}
  %v = sparq.values %x : tensor<4x8xf32, #sparq.nm<2:4, dim = 0>> -> tensor<4x4xf32>
  return
}

// -----

func.func @metadata_dense(%x: tensor<4x16xf32>) {
  // expected-error @+1 {{expects a #sparq.nm-encoded input, got 'tensor<4x16xf32>'}}
  %m = sparq.metadata %x : tensor<4x16xf32> -> tensor<4x1xi16>
  return
}

// -----

func.func @metadata_shape(%x: tensor<4x32xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects the metadata of 'tensor<4x32xf32, #sparq.nm<2:4>>' to be 'tensor<4x2xi16>', got 'tensor<4x8xi16>'}}
  %m = sparq.metadata %x : tensor<4x32xf32, #sparq.nm<2:4>> -> tensor<4x8xi16>
  return
}

// -----

func.func @metadata_i32(%x: tensor<4x32xf32, #sparq.nm<2:4>>) {
  // expected-error @+1 {{result #0 must be ranked tensor of 16-bit signless integer values}}
  %m = sparq.metadata %x : tensor<4x32xf32, #sparq.nm<2:4>> -> tensor<4x1xi32>
  return
}

// -----

func.func @matmul_rank(%a: tensor<4x8xf16>, %b: tensor<8xf16>) {
  // expected-error @+1 {{expects operands and result all of rank 2 (M x K, K x N -> M x N) or all of rank 3 (with a leading batch dimension)}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8xf16> -> tensor<4xf32>
  return
}

// -----

func.func @matmul_batch(%a: tensor<2x4x8xf16>, %b: tensor<3x8x4xf16>) {
  // expected-error @+1 {{expects equal batch sizes}}
  %c = sparq.matmul %a, %b : tensor<2x4x8xf16>, tensor<3x8x4xf16> -> tensor<2x4x4xf32>
  return
}

// -----

func.func @matmul_k(%a: tensor<4x8xf16>, %b: tensor<16x4xf16>) {
  // expected-error @+1 {{expects the K of lhs (8) and rhs (16) to agree}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<16x4xf16> -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>) {
  // expected-error @+1 {{expects a result of M x N = 4 x 2, got 'tensor<4x4xf32>'}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_mixed(%a: tensor<4x8xf16>, %b: tensor<8x2xbf16>) {
  // expected-error @+1 {{expects operands of the same element type (or two FP8 formats), got 'f16' and 'bf16'}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8x2xbf16> -> tensor<4x2xf32>
  return
}

// -----

func.func @matmul_both_sparse(%a: tensor<4x8xf16, #sparq.nm<2:4>>, %b: tensor<8x4xf16, #sparq.nm<2:4, dim = 0>>) {
  // expected-error @+1 {{expects at most one N:M-encoded operand}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16, #sparq.nm<2:4>>, tensor<8x4xf16, #sparq.nm<2:4, dim = 0>> -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_lhs_sparse_m(%a: tensor<4x8xf16, #sparq.nm<2:4, dim = 0>>, %b: tensor<8x4xf16>) {
  // expected-error @+1 {{expects lhs to be N:M-sparse along K (dimension 1), got #sparq.nm<2:4, dim = 0>}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16, #sparq.nm<2:4, dim = 0>>, tensor<8x4xf16> -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_rhs_sparse_n(%a: tensor<4x8xf16>, %b: tensor<8x4xf16, #sparq.nm<2:4>>) {
  // expected-error @+1 {{expects rhs to be N:M-sparse along K (dimension 0), got #sparq.nm<2:4>}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8x4xf16, #sparq.nm<2:4>> -> tensor<4x4xf32>
  return
}

// -----

#csr = #sparse_tensor.encoding<{ map = (d0, d1) -> (d0 : dense, d1 : compressed) }>
func.func @matmul_other_encoding(%a: tensor<4x8xf16, #csr>, %b: tensor<8x4xf16>) {
  // expected-error @+1 {{supports no tensor encoding but #sparq.nm on operands}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16, #csr>, tensor<8x4xf16> -> tensor<4x4xf32>
  return
}

// -----

func.func @matmul_lhs_scale(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects lhs_scale to be rank-0 or tensor<Mxf32> with M = 4, got 'tensor<2xf32>'}}
  %c = sparq.matmul %a, %b lhs_scale %s : tensor<2xf32> : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x2xf32>
  return
}

// -----

func.func @matmul_rhs_scale(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>, %s: tensor<2x2xf32>) {
  // expected-error @+1 {{expects rhs_scale to be rank-0 or tensor<Nxf32> with N = 2, got 'tensor<2x2xf32>'}}
  %c = sparq.matmul %a, %b rhs_scale %s : tensor<2x2xf32> : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x2xf32>
  return
}

// -----

func.func @matmul_bias(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>, %bias: tensor<f32>) {
  // expected-error @+1 {{expects bias to be tensor<Nxf32> with N = 2, got 'tensor<f32>'}}
  %c = sparq.matmul %a, %b bias %bias : tensor<f32> : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x2xf32>
  return
}

// -----

func.func @matmul_out_scale(%a: tensor<4x8xf16>, %b: tensor<8x2xf16>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects a rank-0 out_scale, got 'tensor<2xf32>'}}
  %c = sparq.matmul %a, %b out_scale %s : tensor<2xf32> : tensor<4x8xf16>, tensor<8x2xf16> -> tensor<4x2xf8E4M3FN>
  return
}

// -----

func.func @matmul_result_encoded(%a: tensor<4x8xf16>, %b: tensor<8x4xf16>) {
  // expected-error @+1 {{supports no tensor encoding but #sparq.nm on operands}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xf32, #sparq.nm<2:4>>
  return
}

// -----

func.func @matmul_int_result(%a: tensor<4x8xf16>, %b: tensor<8x4xf16>) {
  // expected-error @+1 {{result #0 must be ranked tensor of f32, f16, bf16, f8E4M3FN or f8E5M2 values}}
  %c = sparq.matmul %a, %b : tensor<4x8xf16>, tensor<8x4xf16> -> tensor<4x4xi32>
  return
}
