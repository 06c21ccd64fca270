// Folding never expands a huge splat. Splats of up to 2^28 elements (the
// fold limit) fold in constant time when the result is a splat too, and are
// left to run time when it is not (prune, mask, compress, stochastic
// rounding); larger constants are never folded. 2^28 f32 elements are 1 GiB,
// so under a 1 GiB address-space limit any expansion fails.
// RUN: %limit-address-space 1048576
// RUN: sparq-opt %s -split-input-file --canonicalize | FileCheck %s

// CHECK-LABEL: func @quantize_dequantize
// CHECK-DAG: %[[Q:.*]] = arith.constant dense<6.000000e+00> : tensor<268435456xf8E4M3FN>
// CHECK-DAG: %[[D:.*]] = arith.constant dense<1.500000e+00> : tensor<268435456xf32>
// CHECK: return %[[Q]], %[[D]]
func.func @quantize_dequantize() -> (tensor<268435456xf8E4M3FN>, tensor<268435456xf32>) {
  %x = arith.constant dense<3.0> : tensor<268435456xf32>
  %s = arith.constant dense<2.0> : tensor<f32>
  %q = sparq.quantize %x, %s : tensor<268435456xf32>, tensor<f32> -> tensor<268435456xf8E4M3FN>
  %c = arith.constant dense<3.0> : tensor<268435456xf8E4M3FN>
  %d = sparq.dequantize %c, %s : tensor<268435456xf8E4M3FN>, tensor<f32> -> tensor<268435456xf32>
  return %q, %d : tensor<268435456xf8E4M3FN>, tensor<268435456xf32>
}

// -----

// Per-row scales that are a splat scale every element alike.
// CHECK-LABEL: func @quantize_per_row_splat
// CHECK: arith.constant dense<-6.000000e+00> : tensor<16384x16384xf8E5M2>
// CHECK-NOT: sparq.quantize
func.func @quantize_per_row_splat() -> tensor<16384x16384xf8E5M2> {
  %x = arith.constant dense<-3.0> : tensor<16384x16384xf32>
  %s = arith.constant dense<2.0> : tensor<16384xf32>
  %q = sparq.quantize %x, %s axis 0 : tensor<16384x16384xf32>, tensor<16384xf32> -> tensor<16384x16384xf8E5M2>
  return %q : tensor<16384x16384xf8E5M2>
}

// -----

// CHECK-LABEL: func @amax_scale
// CHECK-DAG: arith.constant dense<3.000000e+00> : tensor<f32>
// CHECK-DAG: arith.constant dense<3.000000e+00> : tensor<16384xf32>
// CHECK-DAG: arith.constant dense<1.120000e+02> : tensor<268435456xf32>
// CHECK-NOT: sparq.
func.func @amax_scale() -> (tensor<f32>, tensor<16384xf32>, tensor<268435456xf32>) {
  %x = arith.constant dense<-3.0> : tensor<16384x16384xf32>
  %a = sparq.amax %x : tensor<16384x16384xf32> -> tensor<f32>
  %r = sparq.amax %x axis 1 : tensor<16384x16384xf32> -> tensor<16384xf32>
  %m = arith.constant dense<4.0> : tensor<268435456xf32>
  %s = sparq.scale %m for f8E4M3FN : tensor<268435456xf32>
  return %a, %r, %s : tensor<f32>, tensor<16384xf32>, tensor<268435456xf32>
}

// -----

// Results that are not splats: left to run time.
// CHECK-LABEL: func @not_splat_results
// CHECK: sparq.quantize {{.*}} rounding <stochastic>
// CHECK: sparq.prune
// CHECK: sparq.mask
// CHECK: sparq.compress
func.func @not_splat_results(%seed: i64) -> (tensor<268435456xf8E4M3FN>, tensor<268435456xf32>, tensor<268435456xi1>, tensor<268435456xf32, #sparq.nm<2:4>>) {
  %x = arith.constant dense<3.0> : tensor<268435456xf32>
  %s = arith.constant dense<2.0> : tensor<f32>
  %c0 = arith.constant 7 : i64
  %q = sparq.quantize %x, %s rounding <stochastic> seed %c0 : tensor<268435456xf32>, tensor<f32> -> tensor<268435456xf8E4M3FN>
  %p = sparq.prune %x <2:4> : tensor<268435456xf32>
  %m = sparq.mask %x <2:4> : tensor<268435456xf32> -> tensor<268435456xi1>
  %z = arith.constant dense<0.0> : tensor<268435456xf32>
  %e = sparq.compress %z : tensor<268435456xf32> -> tensor<268435456xf32, #sparq.nm<2:4>>
  return %q, %p, %m, %e : tensor<268435456xf8E4M3FN>, tensor<268435456xf32>, tensor<268435456xi1>, tensor<268435456xf32, #sparq.nm<2:4>>
}

// -----

// One element above the fold limit: not folded, even to a splat.
// CHECK-LABEL: func @above_fold_limit
// CHECK: sparq.quantize
func.func @above_fold_limit() -> tensor<268435457xf8E4M3FN> {
  %x = arith.constant dense<3.0> : tensor<268435457xf32>
  %s = arith.constant dense<2.0> : tensor<f32>
  %q = sparq.quantize %x, %s : tensor<268435457xf32>, tensor<f32> -> tensor<268435457xf8E4M3FN>
  return %q : tensor<268435457xf8E4M3FN>
}

// -----

// Sizes whose product overflows int64_t are not a small constant.
// CHECK-LABEL: func @element_count_overflows
// CHECK: sparq.prune
func.func @element_count_overflows() -> tensor<4294967296x4294967296xf32> {
  %c = arith.constant dense<1.0> : tensor<4294967296x4294967296xf32>
  %p = sparq.prune %c <2:4> : tensor<4294967296x4294967296xf32>
  return %p : tensor<4294967296x4294967296xf32>
}

// -----

// The multiply-adds of a matmul whose sizes overflow int64_t exceed the fold
// limit (they were a signed overflow).
// CHECK-LABEL: func @matmul_macs_overflow
// CHECK: sparq.matmul
func.func @matmul_macs_overflow(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<4294967296x4294967296xf32> {
  %c = sparq.matmul %a, %b : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<4294967296x4294967296xf32>
  return %c : tensor<4294967296x4294967296xf32>
}
