// RUN: sparq-opt %s --convert-sparq-to-llvm -split-input-file | FileCheck %s
// RUN: sparq-opt %s --convert-sparq-to-llvm --canonicalize -split-input-file | FileCheck %s --check-prefix=FOLD

// A dynamic K on both sides: compared before the runtime call, which a
// mismatch never reaches. The message names the op's location.
// CHECK-DAG: llvm.mlir.global internal constant @sparq_check_text{{.*}}("{{.*}}runtime-checks.mlir:[[# @LINE + 16]]:8: error: 'sparq.matmul' op\00")
// CHECK-DAG: llvm.mlir.global internal constant @sparq_check_text{{.*}}("the K of lhs\00")
// CHECK-DAG: llvm.mlir.global internal constant @sparq_check_text{{.*}}("the K of rhs\00")
// CHECK-DAG: func.func private @sparq_rt_size_mismatch(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK-LABEL: func @k
// CHECK-SAME: (%[[A:.*]]: tensor<2x?xf32>, %[[B:.*]]: tensor<?x3xf32>)
// CHECK: %[[KA:.*]] = tensor.dim %[[A]], %c1
// CHECK: %[[KA64:.*]] = arith.index_cast %[[KA]] : index to i64
// CHECK: %[[KB:.*]] = tensor.dim %[[B]], %c0
// CHECK: %[[KB64:.*]] = arith.index_cast %[[KB]] : index to i64
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[KA64]], %[[KB64]] : i64
// CHECK: scf.if %[[NE]] {
// CHECK:   func.call @sparq_rt_size_mismatch(%{{.*}}, %{{.*}}, %[[KA64]], %{{.*}}, %[[KB64]])
// CHECK: }
// CHECK: call @sparq_rt_matmul
func.func @k(%a: tensor<2x?xf32>, %b: tensor<?x3xf32>) -> tensor<2x3xf32> {
  %c = sparq.matmul %a, %b : tensor<2x?xf32>, tensor<?x3xf32> -> tensor<2x3xf32>
  return %c : tensor<2x3xf32>
}

// -----

// Static shapes carry no check.
// CHECK-LABEL: func @static
// CHECK-NOT: sparq_rt_size_mismatch
// CHECK: call @sparq_rt_matmul
func.func @static(%a: tensor<2x3x16xf16>, %b: tensor<2x16x5xf16, #sparq.nm<2:4, dim = 1>>,
                  %s: tensor<3xf32>, %bias: tensor<5xf32>, %x: tensor<4x8xf32>, %qs: tensor<8xf32>)
    -> (tensor<2x3x5xf32>, tensor<4x8xf8E4M3FN>) {
  %c = sparq.matmul %a, %b lhs_scale %s : tensor<3xf32> bias %bias : tensor<5xf32>
      : tensor<2x3x16xf16>, tensor<2x16x5xf16, #sparq.nm<2:4, dim = 1>> -> tensor<2x3x5xf32>
  %q = sparq.quantize %x, %qs axis 1 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xf8E4M3FN>
  return %c, %q : tensor<2x3x5xf32>, tensor<4x8xf8E4M3FN>
}

// -----

// Every relation of a batched product with dynamic sizes, an encoded rhs
// (values and metadata must agree outside K), per-row and per-column scales
// and a bias; the static K of the encoded rhs meets the dynamic K of lhs.
// The eight: batch of lhs against rhs and the result, K, lhs_scale against
// M, rhs_scale and bias against N, values against metadata of rhs in
// dimensions 0 and 2 (M and N of the result are dynamic: no relation).
// CHECK-DAG: "the batch size of the result\00"
// CHECK-DAG: "the size of lhs_scale\00"
// CHECK-DAG: "dimension 2 of the metadata of rhs\00"
// CHECK-LABEL: func @all
// CHECK-COUNT-8: scf.if
// CHECK-NOT: scf.if
// CHECK: call @sparq_rt_matmul
func.func @all(%a: tensor<?x?x?xf8E4M3FN>, %b: tensor<?x16x?xf8E5M2, #sparq.nm<2:4, dim = 1>>,
               %ls: tensor<?xf32>, %rs: tensor<?xf32>, %bias: tensor<?xf32>) -> tensor<2x?x?xf16> {
  %c = sparq.matmul %a, %b lhs_scale %ls : tensor<?xf32> rhs_scale %rs : tensor<?xf32>
      bias %bias : tensor<?xf32>
      : tensor<?x?x?xf8E4M3FN>, tensor<?x16x?xf8E5M2, #sparq.nm<2:4, dim = 1>> -> tensor<2x?x?xf16>
  return %c : tensor<2x?x?xf16>
}

// -----

// A per-axis scale of quantize and dequantize, and the storage of
// decompress's input.
// CHECK-DAG: "the size of the scale\00"
// CHECK-DAG: "dimension 0 of the input\00"
// CHECK-DAG: "dimension 0 of the values of the input\00"
// CHECK-LABEL: func @elementwise
// CHECK: scf.if
// CHECK: call @sparq_rt_quantize
// CHECK: scf.if
// CHECK: call @sparq_rt_dequantize
// CHECK: scf.if
// CHECK: call @sparq_rt_decompress
func.func @elementwise(%x: tensor<?x8xf32>, %s: tensor<?xf32>, %e: tensor<?x8xf16, #sparq.nm<2:4>>)
    -> (tensor<?x8xf16>, tensor<?x8xf16>) {
  %q = sparq.quantize %x, %s axis 0 : tensor<?x8xf32>, tensor<?xf32> -> tensor<?x8xf8E4M3FN>
  %d = sparq.dequantize %q, %s axis 0 : tensor<?x8xf8E4M3FN>, tensor<?xf32> -> tensor<?x8xf16>
  %f = sparq.decompress %e : tensor<?x8xf16, #sparq.nm<2:4>> -> tensor<?x8xf16>
  return %d, %f : tensor<?x8xf16>, tensor<?x8xf16>
}

// -----

// Sizes that canonicalization proves equal fold away with their check.
// FOLD-LABEL: func @folded
// FOLD-NOT: scf.if
// FOLD-NOT: sparq_rt_size_mismatch
// FOLD: call @sparq_rt_matmul
func.func @folded(%a: tensor<2x4xf32>, %b: tensor<4x3xf32>) -> tensor<?x?xf32> {
  %ad = tensor.cast %a : tensor<2x4xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<4x3xf32> to tensor<?x?xf32>
  %c = sparq.matmul %ad, %bd : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}
