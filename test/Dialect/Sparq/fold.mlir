// Folding of every sparq op on constants, through the numerics library.
// RUN: sparq-opt %s -canonicalize -split-input-file | FileCheck %s

// E4M3 edge values: max finite, the tie at 464 (rounds to 448), overflow,
// NaN, -inf, the smallest subnormal, -0 and underflow to 0.
// CHECK-LABEL: func @quantize_e4m3_edges
// CHECK-DAG: arith.constant dense<[4.480000e+02, 4.480000e+02, 4.480000e+02, 4.480000e+02, -4.480000e+02, 0x7F, -4.480000e+02, 1.953130e-03, -0.000000e+00, 0.000000e+00]> : tensor<10xf8E4M3FN>
// CHECK-DAG: arith.constant dense<[4.480000e+02, 4.480000e+02, 0x7F, 0x7F, 0xFF, 0x7F, 0xFF, 1.953130e-03, -0.000000e+00, 0.000000e+00]> : tensor<10xf8E4M3FN>
// CHECK-NOT: sparq.quantize
func.func @quantize_e4m3_edges() -> (tensor<10xf8E4M3FN>, tensor<10xf8E4M3FN>) {
  %x = arith.constant dense<[448.0, 464.0, 464.5, 480.0, -1.0e9, 0x7FC00000, 0xFF800000,
                             0.0019531, -0.0, 1.0e-30]> : tensor<10xf32>
  %s = arith.constant dense<1.0> : tensor<f32>
  %sat = sparq.quantize %x, %s : tensor<10xf32>, tensor<f32> -> tensor<10xf8E4M3FN>
  %nosat = sparq.quantize %x, %s saturation <none> : tensor<10xf32>, tensor<f32> -> tensor<10xf8E4M3FN>
  return %sat, %nosat : tensor<10xf8E4M3FN>, tensor<10xf8E4M3FN>
}

// -----

// E5M2: 61440 is the tie between max (57344) and 2^16, which rounds to even:
// infinity without saturation.
// CHECK-LABEL: func @quantize_e5m2_edges
// CHECK-DAG: arith.constant dense<[5.734400e+04, 5.734400e+04, 0x7C, 0.000000e+00, 0xFC, 0x7F]> : tensor<6xf8E5M2>
// CHECK-DAG: arith.constant dense<[5.734400e+04, 5.734400e+04, 5.734400e+04, 0.000000e+00, -5.734400e+04, 0x7F]> : tensor<6xf8E5M2>
func.func @quantize_e5m2_edges() -> (tensor<6xf8E5M2>, tensor<6xf8E5M2>) {
  %x = arith.constant dense<[57344.0, 61439.0, 61440.0, 1.0e-7, 0xFF800000, 0xFFC00001]> : tensor<6xf32>
  %s = arith.constant dense<1.0> : tensor<f32>
  %nosat = sparq.quantize %x, %s saturation <none> : tensor<6xf32>, tensor<f32> -> tensor<6xf8E5M2>
  %sat = sparq.quantize %x, %s : tensor<6xf32>, tensor<f32> -> tensor<6xf8E5M2>
  return %nosat, %sat : tensor<6xf8E5M2>, tensor<6xf8E5M2>
}

// -----

// A per-row scale multiplies each row (50 -> 48, -100 -> -96 and 25 -> 24 are
// ties to even; 800 saturates); a zero scale sends every finite value to 0.
// CHECK-LABEL: func @quantize_scales
// CHECK-DAG: arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00], [4.800000e+01, -9.600000e+01, 2.400000e+01, 4.480000e+02]]> : tensor<2x4xf8E4M3FN>
// CHECK-DAG: arith.constant dense<[0.000000e+00, -0.000000e+00, 0.000000e+00, 0.000000e+00]> : tensor<4xf8E4M3FN>
func.func @quantize_scales() -> (tensor<2x4xf8E4M3FN>, tensor<4xf8E4M3FN>) {
  %a = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.25, 8.0]]> : tensor<2x4xf32>
  %rows = arith.constant dense<[1.0, 100.0]> : tensor<2xf32>
  %r = sparq.quantize %a, %rows axis 0 : tensor<2x4xf32>, tensor<2xf32> -> tensor<2x4xf8E4M3FN>
  %x = arith.constant dense<[0.3, -0.3, 1.0e30, 2.0]> : tensor<4xf32>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %z = sparq.quantize %x, %zero : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  return %r, %z : tensor<2x4xf8E4M3FN>, tensor<4xf8E4M3FN>
}

// -----

// Stochastic rounding is a function of the seed: 0.3 lies 60% of the way from
// 0.28125 to 0.3125. bf16 inputs convert exactly first.
// CHECK-LABEL: func @quantize_stochastic
// CHECK-DAG: arith.constant dense<[3.125000e-01, 3.125000e-01, 2.812500e-01, 3.125000e-01]> : tensor<4xf8E4M3FN>
// CHECK-DAG: arith.constant dense<[5.000000e-01, 1.000000e+00]> : tensor<2xf8E4M3FN>
func.func @quantize_stochastic() -> (tensor<4xf8E4M3FN>, tensor<4xf8E4M3FN>, tensor<2xf8E4M3FN>) {
  %x = arith.constant dense<0.3> : tensor<4xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %seed = arith.constant 7 : i64
  %q = sparq.quantize %x, %one rounding <stochastic> seed %seed : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  %again = sparq.quantize %x, %one rounding <stochastic> seed %seed : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  // Exactly representable values never move.
  %h = arith.constant dense<[0.5, 1.0]> : tensor<2xbf16>
  %e = sparq.quantize %h, %one rounding <stochastic> seed %seed : tensor<2xbf16>, tensor<f32> -> tensor<2xf8E4M3FN>
  return %q, %again, %e : tensor<4xf8E4M3FN>, tensor<4xf8E4M3FN>, tensor<2xf8E4M3FN>
}

// -----

// Stochastic rounding without a constant seed is left to run time.
// CHECK-LABEL: func @quantize_stochastic_dynamic_seed
// CHECK: sparq.quantize
func.func @quantize_stochastic_dynamic_seed(%seed: i64) -> tensor<4xf8E4M3FN> {
  %x = arith.constant dense<0.3> : tensor<4xf32>
  %one = arith.constant dense<1.0> : tensor<f32>
  %q = sparq.quantize %x, %one rounding <stochastic> seed %seed : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  return %q : tensor<4xf8E4M3FN>
}

// -----

// Dequantize divides by the scale; NaN codes give NaN, E5M2 inf gives inf,
// and division by a zero scale follows IEEE (0/0 is a NaN of either sign).
// CHECK-LABEL: func @dequantize
// CHECK-DAG: arith.constant dense<[2.240000e+02, -1.000000e+00, 0x7FC00000, 9.765625E-4]> : tensor<4xf32>
// CHECK-DAG: arith.constant dense<[0x7F800000, 0xFF800000, 0x{{7|F}}FC00000]> : tensor<3xf32>
// CHECK-DAG: arith.constant dense<[0x7C00, 1.000000e+00]> : tensor<2xf16>
func.func @dequantize() -> (tensor<4xf32>, tensor<3xf32>, tensor<2xf16>) {
  %q = arith.constant dense<[448.0, -2.0, 0x7F, 0.001953125]> : tensor<4xf8E4M3FN>
  %two = arith.constant dense<2.0> : tensor<f32>
  %d = sparq.dequantize %q, %two : tensor<4xf8E4M3FN>, tensor<f32> -> tensor<4xf32>
  %e = arith.constant dense<[0x7C, -1.0, 0.0]> : tensor<3xf8E5M2>
  %zero = arith.constant dense<0.0> : tensor<f32>
  %z = sparq.dequantize %e, %zero : tensor<3xf8E5M2>, tensor<f32> -> tensor<3xf32>
  // 57344 * 2 overflows f16.
  %big = arith.constant dense<[57344.0, 0.5]> : tensor<2xf8E5M2>
  %half = arith.constant dense<0.5> : tensor<f32>
  %h = sparq.dequantize %big, %half : tensor<2xf8E5M2>, tensor<f32> -> tensor<2xf16>
  return %d, %z, %h : tensor<4xf32>, tensor<3xf32>, tensor<2xf16>
}

// -----

// CHECK-LABEL: func @amax_and_scale
// CHECK-DAG: arith.constant dense<0x7FC00000> : tensor<f32>
// CHECK-DAG: arith.constant dense<[3.000000e+00, 5.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<5.000000e+00> : tensor<f32>
// max/amax/2^margin: 448/2/2, 1 for amax 0, NaN and inf, FLT_MAX for an
// overflowing quotient, 448/1/2; then 57344/5.
// CHECK-DAG: arith.constant dense<[1.120000e+02, 1.000000e+00, 1.000000e+00, 1.000000e+00, 3.40282347E+38, 2.240000e+02]> : tensor<6xf32>
// CHECK-DAG: arith.constant dense<1.146880e+04> : tensor<f32>
func.func @amax_and_scale() -> (tensor<f32>, tensor<2xf32>, tensor<f32>, tensor<6xf32>, tensor<f32>) {
  %x = arith.constant dense<[[1.0, -3.0], [0x7FC00000, 2.0]]> : tensor<2x2xf32>
  %a = sparq.amax %x : tensor<2x2xf32> -> tensor<f32>
  %y = arith.constant dense<[[1.0, -3.0], [-5.0, 2.0]]> : tensor<2x2xf16>
  %rows = sparq.amax %y axis 0 : tensor<2x2xf16> -> tensor<2xf32>
  %q = arith.constant dense<[1.0, -5.0]> : tensor<2xf8E4M3FN>
  %qa = sparq.amax %q : tensor<2xf8E4M3FN> -> tensor<f32>
  %amax = arith.constant dense<[2.0, 0.0, 0x7FC00000, 0x7F800000, 1.0e-40, 1.0]> : tensor<6xf32>
  %s = sparq.scale %amax for f8E4M3FN margin 1 : tensor<6xf32>
  %five = arith.constant dense<5.0> : tensor<f32>
  %t = sparq.scale %five for f8E5M2 : tensor<f32>
  return %a, %rows, %qa, %s, %t : tensor<f32>, tensor<2xf32>, tensor<f32>, tensor<6xf32>, tensor<f32>
}

// -----

// Magnitude pruning: ties to the lowest index, NaN kept as the largest, a
// group with fewer than N non-zeros keeps its lowest-index zeros.
// CHECK-LABEL: func @prune_mask_compress
// CHECK-DAG: %[[P:.*]] = arith.constant dense<{{\[}}[0.000000e+00, -3.000000e+00, 2.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 7.000000e+00], [5.000000e+00, 5.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0x7FC00000, -2.000000e+00, 0.000000e+00]]> : tensor<2x8xf32>
// CHECK-DAG: %[[M:.*]] = arith.constant dense<{{\[}}[false, true, true, false, true, false, false, true], [true, true, false, false, false, true, true, false]]> : tensor<2x8xi1>
// CHECK-DAG: %[[V:.*]] = arith.constant dense<{{\[}}[-3.000000e+00, 2.000000e+00, 0.000000e+00, 7.000000e+00], [5.000000e+00, 5.000000e+00, 0x7FC00000, -2.000000e+00]]> : tensor<2x4xf32>
// Row 0: groups {1,2} and {0,3}: 0b1001 | 0b1100 << 4 = 201.
// Row 1: groups {0,1} and {1,2}: 0b0100 | 0b1001 << 4 = 148.
// CHECK-DAG: %[[MD:.*]] = arith.constant dense<{{\[}}[201], [148]]> : tensor<2x1xi16>
// CHECK: return %[[P]], %[[M]], %[[V]], %[[MD]], %[[P]]
func.func @prune_mask_compress() -> (tensor<2x8xf32>, tensor<2x8xi1>, tensor<2x4xf32>, tensor<2x1xi16>, tensor<2x8xf32>) {
  %w = arith.constant dense<[[1.0, -3.0, 2.0, 0.5, 0.0, 0.0, 0.0, 7.0],
                             [5.0, 5.0, 5.0, 5.0, 1.0, 0x7FC00000, -2.0, 0.0]]> : tensor<2x8xf32>
  %p = sparq.prune %w <2:4> : tensor<2x8xf32>
  %m = sparq.mask %w <2:4> : tensor<2x8xf32> -> tensor<2x8xi1>
  %e = sparq.compress %p : tensor<2x8xf32> -> tensor<2x8xf32, #sparq.nm<2:4>>
  %v = sparq.values %e : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x4xf32>
  %md = sparq.metadata %e : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x1xi16>
  %d = sparq.decompress %e : tensor<2x8xf32, #sparq.nm<2:4>> -> tensor<2x8xf32>
  return %p, %m, %v, %md, %d : tensor<2x8xf32>, tensor<2x8xi1>, tensor<2x4xf32>, tensor<2x1xi16>, tensor<2x8xf32>
}

// -----

// Along dimension 0 of a K x N FP8 weight: each column is a line.
// CHECK-LABEL: func @compress_dim0_fp8
// CHECK-DAG: arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00], [-4.000000e+00, 3.000000e+00]]> : tensor<2x2xf8E4M3FN>
// Column 0 keeps {0,2}: 0b1000 = 8; column 1 keeps {0,3} (a zero and 3): 0b1100 = 12.
// CHECK-DAG: arith.constant dense<{{\[}}[8, 12]]> : tensor<1x2xi16>
func.func @compress_dim0_fp8() -> (tensor<2x2xf8E4M3FN>, tensor<1x2xi16>) {
  %w = arith.constant dense<[[1.0, 0.0], [0.0, 0.0], [-4.0, 0.0], [0.0, 3.0]]> : tensor<4x2xf8E4M3FN>
  %e = sparq.compress %w : tensor<4x2xf8E4M3FN> -> tensor<4x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %v = sparq.values %e : tensor<4x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<2x2xf8E4M3FN>
  %m = sparq.metadata %e : tensor<4x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<1x2xi16>
  return %v, %m : tensor<2x2xf8E4M3FN>, tensor<1x2xi16>
}

// -----

// An encoded constant stands for the compression of its values; a group with
// more than N non-zeros (here written directly, not via sparq.compress)
// decompresses to its N largest.
// CHECK-LABEL: func @decompress_encoded_constant
// CHECK: arith.constant dense<[0.000000e+00, 3.000000e+00, 0.000000e+00, -4.000000e+00]> : tensor<4xf32>
func.func @decompress_encoded_constant() -> tensor<4xf32> {
  %e = arith.constant dense<[1.0, 3.0, 2.0, -4.0]> : tensor<4xf32, #sparq.nm<2:4>>
  %d = sparq.decompress %e : tensor<4xf32, #sparq.nm<2:4>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Prune is idempotent; compress(decompress(e)) is e; decompress(compress(x))
// is prune(x).
// CHECK-LABEL: func @sparsity_identities
// CHECK-SAME: (%[[W:.*]]: tensor<4x8xf32>, %[[E:.*]]: tensor<4x8xf32, #sparq.nm<2:4>>)
// CHECK: %[[P:.*]] = sparq.prune %[[W]] <2:4> : tensor<4x8xf32>
// CHECK-NEXT: %[[Y:.*]] = sparq.prune %[[W]] <2:4> : tensor<4x8xf32>
// CHECK-NEXT: return %[[P]], %[[E]], %[[Y]]
func.func @sparsity_identities(%w: tensor<4x8xf32>, %e: tensor<4x8xf32, #sparq.nm<2:4>>)
    -> (tensor<4x8xf32>, tensor<4x8xf32, #sparq.nm<2:4>>, tensor<4x8xf32>) {
  %p = sparq.prune %w <2:4> : tensor<4x8xf32>
  %pp = sparq.prune %p <2:4, dim = 1> : tensor<4x8xf32>
  %d = sparq.decompress %e : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<4x8xf32>
  %c = sparq.compress %d : tensor<4x8xf32> -> tensor<4x8xf32, #sparq.nm<2:4>>
  %x = sparq.compress %w : tensor<4x8xf32> -> tensor<4x8xf32, #sparq.nm<2:4>>
  %y = sparq.decompress %x : tensor<4x8xf32, #sparq.nm<2:4>> -> tensor<4x8xf32>
  return %pp, %c, %y : tensor<4x8xf32>, tensor<4x8xf32, #sparq.nm<2:4>>, tensor<4x8xf32>
}

// -----

// Prune along different dimensions is not idempotent and must stay.
// CHECK-LABEL: func @prune_other_dim
// CHECK-COUNT-2: sparq.prune
func.func @prune_other_dim(%w: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %p = sparq.prune %w <2:4> : tensor<4x8xf32>
  %q = sparq.prune %p <2:4, dim = 0> : tensor<4x8xf32>
  return %q : tensor<4x8xf32>
}

// -----

// Matmul: f32 accumulation, scales divide, bias adds; 4 * inf stays inf. With
// a compressed lhs only kept positions multiply: 0 * inf never happens there.
// CHECK-LABEL: func @matmul
// CHECK-DAG: arith.constant dense<{{\[}}[7.000000e+00, 0x7F800000], [1.000000e+00, 0x7F800000]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[4.500000e+00, 0x7F80], [1.250000e+00, 0x7F80]]> : tensor<2x2xbf16>
// CHECK-DAG: arith.constant dense<{{\[}}[0.000000e+00, 0x7F800000], [1.000000e+00, 0.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[0.000000e+00, 0x7F800000], [1.000000e+00, 0x{{7|F}}FC00000]]> : tensor<2x2xf32>
// CHECK-NOT: sparq.matmul
func.func @matmul() -> (tensor<2x2xf32>, tensor<2x2xbf16>, tensor<2x2xf32>, tensor<2x2xf32>) {
  %a = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, -1.0, 0.25, 8.0]]> : tensor<2x4xf32>
  %b = arith.constant dense<[[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [0.0, 0x7F800000]]> : tensor<4x2xf32>
  %sa = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %bias = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %c = sparq.matmul %a, %b : tensor<2x4xf32>, tensor<4x2xf32> -> tensor<2x2xf32>
  %d = sparq.matmul %a, %b lhs_scale %sa : tensor<2xf32> bias %bias : tensor<2xf32>
      : tensor<2x4xf32>, tensor<4x2xf32> -> tensor<2x2xbf16>
  // Row 1 keeps {0, 2}: its zero at 3 is pruned and never meets the inf of
  // B[3, 1], whereas the dense product computes 0 * inf = NaN.
  %ae = arith.constant dense<[[0.0, 2.0, 0.0, 4.0], [0.0, 0.0, 0.5, 0.0]]> : tensor<2x4xf32>
  %e = sparq.compress %ae : tensor<2x4xf32> -> tensor<2x4xf32, #sparq.nm<2:4>>
  %f = sparq.matmul %e, %b : tensor<2x4xf32, #sparq.nm<2:4>>, tensor<4x2xf32> -> tensor<2x2xf32>
  %g = sparq.matmul %ae, %b : tensor<2x4xf32>, tensor<4x2xf32> -> tensor<2x2xf32>
  return %c, %d, %f, %g : tensor<2x2xf32>, tensor<2x2xbf16>, tensor<2x2xf32>, tensor<2x2xf32>
}

// -----

// FP8 operands (mixed formats), a 2:4 rhs along K, per-column scales and an
// FP8 result with output scale.
// CHECK-LABEL: func @matmul_fp8
// CHECK: arith.constant dense<{{\[}}[6.000000e+00, 4.480000e+02]]> : tensor<1x2xf8E4M3FN>
func.func @matmul_fp8() -> tensor<1x2xf8E4M3FN> {
  %a = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf8E5M2>
  %b = arith.constant dense<[[1.0, 0.0], [0.0, 8.0], [1.0, 16.0], [0.0, 0.0]]> : tensor<4x2xf8E4M3FN>
  %be = sparq.compress %b : tensor<4x2xf8E4M3FN> -> tensor<4x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %sb = arith.constant dense<[2.0, 0.25]> : tensor<2xf32>
  %so = arith.constant dense<3.0> : tensor<f32>
  // Column 0: (1 + 3) / 2 * 3 = 6; column 1: (16 + 48) / 0.25 * 3 saturates.
  %c = sparq.matmul %a, %be rhs_scale %sb : tensor<2xf32> out_scale %so : tensor<f32>
      : tensor<1x4xf8E5M2>, tensor<4x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<1x2xf8E4M3FN>
  return %c : tensor<1x2xf8E4M3FN>
}

// -----

// Batched matmul folds batch by batch.
// CHECK-LABEL: func @matmul_batch
// CHECK: arith.constant dense<{{\[}}[{{\[}}3.000000e+00]], {{\[}}[-7.000000e+00]]]> : tensor<2x1x1xf16>
func.func @matmul_batch() -> tensor<2x1x1xf16> {
  %a = arith.constant dense<[[[1.0, 2.0]], [[3.0, 4.0]]]> : tensor<2x1x2xf16>
  %b = arith.constant dense<[[[1.0], [1.0]], [[-1.0], [-1.0]]]> : tensor<2x2x1xf16>
  %c = sparq.matmul %a, %b : tensor<2x1x2xf16>, tensor<2x2x1xf16> -> tensor<2x1x1xf16>
  return %c : tensor<2x1x1xf16>
}

// -----

// Hex and dense_resource inputs fold too; a blob input gives a blob result.
// CHECK-LABEL: func @hex_and_resource
// CHECK-DAG: arith.constant dense_resource<[[BLOB:.*]]> : tensor<2x4xf8E4M3FN>
// CHECK-DAG: arith.constant dense<4.000000e+00> : tensor<f32>
// CHECK-DAG: arith.constant dense<{{\[}}[12], [14]]> : tensor<2x1xi16>
// CHECK: [[BLOB]]: "0x0800000038404448B8C0C4C8"
func.func @hex_and_resource() -> (tensor<2x4xf8E4M3FN>, tensor<f32>, tensor<2x1xi16>) {
  %w = arith.constant dense_resource<w> : tensor<2x4xf32>
  %s = arith.constant dense<1.0> : tensor<f32>
  %q = sparq.quantize %w, %s : tensor<2x4xf32>, tensor<f32> -> tensor<2x4xf8E4M3FN>
  %a = sparq.amax %w : tensor<2x4xf32> -> tensor<f32>
  // [[1, 0, 0, 3], [0, 0, -4, 3]] in hex.
  %h = arith.constant dense<"0x0000803F0000000000000000000040400000000000000000000080C000004040"> : tensor<2x4xf32>
  %p = sparq.compress %h : tensor<2x4xf32> -> tensor<2x4xf32, #sparq.nm<2:4>>
  %m = sparq.metadata %p : tensor<2x4xf32, #sparq.nm<2:4>> -> tensor<2x1xi16>
  return %q, %a, %m : tensor<2x4xf8E4M3FN>, tensor<f32>, tensor<2x1xi16>
}
{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040000080BF000000C0000040C0000080C0"
    }
  }
#-}

// -----

// Nothing to fold: an elided blob, a non-constant operand.
// CHECK-LABEL: func @not_folded
// CHECK: sparq.quantize
// CHECK: sparq.prune
func.func @not_folded(%x: tensor<4xf32>) -> (tensor<4xf8E4M3FN>, tensor<4xf32>) {
  %w = arith.constant dense_resource<__elided__> : tensor<4xf32>
  %s = arith.constant dense<1.0> : tensor<f32>
  %q = sparq.quantize %w, %s : tensor<4xf32>, tensor<f32> -> tensor<4xf8E4M3FN>
  %p = sparq.prune %x <2:4> : tensor<4xf32>
  return %q, %p : tensor<4xf8E4M3FN>, tensor<4xf32>
}

// -----

// Transposable 2:4: two per row and per column in every 4x4 block. The left
// block ties at 68 between keeping the anti-diagonal and the diagonal 2x2
// blocks and takes the first pattern in numeric order; the right block keeps
// its NaN.
// CHECK-LABEL: func @prune_transposable
// CHECK-DAG: arith.constant dense<{{\[}}[0.000000e+00, 0.000000e+00, 3.000000e+00, 4.000000e+00, 1.000000e-01, 0x7FC00000, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 7.000000e+00, 8.000000e+00, 5.000000e-01, 6.000000e-01, 0.000000e+00, 0.000000e+00], [9.000000e+00, 1.000000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 1.100000e+00, 1.200000e+00], [1.300000e+01, 1.400000e+01, 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00, 1.500000e+00, 1.600000e+00]]> : tensor<4x8xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[false, false, true, true, true, true, false, false], [false, false, true, true, true, true, false, false], [true, true, false, false, false, false, true, true], [true, true, false, false, false, false, true, true]]> : tensor<4x8xi1>
func.func @prune_transposable() -> (tensor<4x8xf32>, tensor<4x8xi1>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0, 0.1, 0x7FC00000, 0.3, 0.4],
                             [5.0, 6.0, 7.0, 8.0, 0.5, 0.6, 0.7, 0.8],
                             [9.0, 10.0, 11.0, 12.0, 0.9, 1.0, 1.1, 1.2],
                             [13.0, 14.0, 15.0, 16.0, -1.3, 1.4, 1.5, 1.6]]> : tensor<4x8xf32>
  %p = sparq.prune %w <2:4> rule <transposable> : tensor<4x8xf32>
  %m = sparq.mask %w <2:4> rule <transposable> : tensor<4x8xf32> -> tensor<4x8xi1>
  return %p, %m : tensor<4x8xf32>, tensor<4x8xi1>
}

// -----

// A transposable result is 2:4 along both dimensions: pruning it again along
// either is the identity.
// CHECK-LABEL: func @transposable_then_magnitude
// CHECK: %[[T:.*]] = sparq.prune %{{.*}} <2:4> rule <transposable>
// CHECK-NEXT: return %[[T]], %[[T]]
func.func @transposable_then_magnitude(%w: tensor<8x8xf32>) -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %t = sparq.prune %w <2:4> rule <transposable> : tensor<8x8xf32>
  %a = sparq.prune %t <2:4> : tensor<8x8xf32>
  %b = sparq.prune %t <2:4, dim = 0> : tensor<8x8xf32>
  return %a, %b : tensor<8x8xf32>, tensor<8x8xf32>
}
