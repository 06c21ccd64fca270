// Sizes the verifier cannot compare (dynamic ones) are compared when the
// program runs: a mismatch stops it with the op's location and both sizes,
// and no result is printed. Each case below runs on its own.
// RUN: rm -rf %t && split-file %s %t

// Sizes that agree at run time: the product is computed.
// RUN: sparq-opt %t/ok.mlir --sparq-cpu-pipeline | %sparq-run | FileCheck %t/ok.mlir

// The program of issue 18: a 2x4 lhs and an 8x2 rhs, both tensor<?x?xf32>.
// RUN: sparq-opt %t/k.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/k.mlir
// RUN: sparq-opt %t/batch.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/batch.mlir
// RUN: sparq-opt %t/result.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/result.mlir
// RUN: sparq-opt %t/scales.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/scales.mlir --check-prefix=LHS
// RUN: sed -e 's/lhs_scale/rhs_scale/' %t/scales.mlir > %t/scales-rhs.mlir
// RUN: sparq-opt %t/scales-rhs.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/scales.mlir --check-prefix=RHS
// RUN: sed -e 's/lhs_scale/bias/' %t/scales.mlir > %t/scales-bias.mlir
// RUN: sparq-opt %t/scales-bias.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/scales.mlir --check-prefix=BIAS
// RUN: sparq-opt %t/quantize.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/quantize.mlir
// RUN: sparq-opt %t/dequantize.mlir --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/dequantize.mlir

// An encoded argument arrives as two storage tensors, which a caller built
// elsewhere may pass with different sizes: lower the callee first, then add a
// caller that passes 3 rows of values and 2 rows of metadata.
// RUN: sparq-opt %t/storage.mlir --convert-sparq-to-llvm | sed -e 's/^module {$//' -e 's/^}$//' > %t/storage-lowered.mlir
// RUN: cat %t/storage-lowered.mlir %t/storage-main.mlir | sparq-opt --sparq-cpu-pipeline | not %sparq-run 2>&1 | FileCheck %t/storage.mlir

//--- ok.mlir
// CHECK: Unranked Memref {{.*}} sizes = [2, 2]
// CHECK-NEXT: {{\[}}[8, 8],
// CHECK-NEXT: [8, 8]]
func.func private @printMemrefF32(tensor<*xf32>)
func.func @mm(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c = sparq.matmul %a, %b : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}
func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2x8xf32>
  %b = arith.constant dense<1.0> : tensor<8x2xf32>
  %ad = tensor.cast %a : tensor<2x8xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<8x2xf32> to tensor<?x?xf32>
  %c = call @mm(%ad, %bd) : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  %u = tensor.cast %c : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

//--- k.mlir
// CHECK-NOT: Unranked Memref
// CHECK: k.mlir:[[# @LINE + 3]]:8: error: 'sparq.matmul' op expects the K of lhs (4) to equal the K of rhs (8)
func.func private @printMemrefF32(tensor<*xf32>)
func.func @mm(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c = sparq.matmul %a, %b : tensor<?x?xf32>, tensor<?x?xf32> -> tensor<?x?xf32>
  return %c : tensor<?x?xf32>
}
func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2x4xf32>
  %b = arith.constant dense<1.0> : tensor<8x2xf32>
  %ad = tensor.cast %a : tensor<2x4xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<8x2xf32> to tensor<?x?xf32>
  %c = call @mm(%ad, %bd) : (tensor<?x?xf32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  %u = tensor.cast %c : tensor<?x?xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}

//--- batch.mlir
// CHECK: batch.mlir:[[# @LINE + 2]]:8: error: 'sparq.matmul' op expects the batch size of lhs (2) to equal the batch size of rhs (3)
func.func @mm(%a: tensor<?x2x4xf16>, %b: tensor<?x4x2xf16>) -> tensor<?x2x2xf32> {
  %c = sparq.matmul %a, %b : tensor<?x2x4xf16>, tensor<?x4x2xf16> -> tensor<?x2x2xf32>
  return %c : tensor<?x2x2xf32>
}
func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2x2x4xf16>
  %b = arith.constant dense<1.0> : tensor<3x4x2xf16>
  %ad = tensor.cast %a : tensor<2x2x4xf16> to tensor<?x2x4xf16>
  %bd = tensor.cast %b : tensor<3x4x2xf16> to tensor<?x4x2xf16>
  %c = call @mm(%ad, %bd) : (tensor<?x2x4xf16>, tensor<?x4x2xf16>) -> tensor<?x2x2xf32>
  return
}

//--- result.mlir
// A static result meets a dynamic lhs.
// CHECK: result.mlir:[[# @LINE + 2]]:8: error: 'sparq.matmul' op expects the M of lhs (3) to equal the M of the result (2)
func.func @mm(%a: tensor<?x4xf32>, %b: tensor<4x2xf32>) -> tensor<2x2xf32> {
  %c = sparq.matmul %a, %b : tensor<?x4xf32>, tensor<4x2xf32> -> tensor<2x2xf32>
  return %c : tensor<2x2xf32>
}
func.func @main() {
  %a = arith.constant dense<1.0> : tensor<3x4xf32>
  %b = arith.constant dense<1.0> : tensor<4x2xf32>
  %ad = tensor.cast %a : tensor<3x4xf32> to tensor<?x4xf32>
  %c = call @mm(%ad, %b) : (tensor<?x4xf32>, tensor<4x2xf32>) -> tensor<2x2xf32>
  return
}

//--- scales.mlir
// A 3-entry vector as lhs_scale (M = 2), rhs_scale or bias (N = 5).
// LHS: scales.mlir:[[# @LINE + 4]]:8: error: 'sparq.matmul' op expects the size of lhs_scale (3) to equal the M of lhs (2)
// RHS: scales-rhs.mlir:[[# @LINE + 3]]:8: error: 'sparq.matmul' op expects the size of rhs_scale (3) to equal the N of rhs (5)
// BIAS: scales-bias.mlir:[[# @LINE + 2]]:8: error: 'sparq.matmul' op expects the size of bias (3) to equal the N of rhs (5)
func.func @mm(%a: tensor<2x4xf32>, %b: tensor<4x5xf32>, %s: tensor<?xf32>) -> tensor<2x5xf32> {
  %c = sparq.matmul %a, %b lhs_scale %s : tensor<?xf32> : tensor<2x4xf32>, tensor<4x5xf32> -> tensor<2x5xf32>
  return %c : tensor<2x5xf32>
}
func.func @main() {
  %a = arith.constant dense<1.0> : tensor<2x4xf32>
  %b = arith.constant dense<1.0> : tensor<4x5xf32>
  %s = arith.constant dense<1.0> : tensor<3xf32>
  %sd = tensor.cast %s : tensor<3xf32> to tensor<?xf32>
  %c = call @mm(%a, %b, %sd) : (tensor<2x4xf32>, tensor<4x5xf32>, tensor<?xf32>) -> tensor<2x5xf32>
  return
}

//--- quantize.mlir
// CHECK: quantize.mlir:[[# @LINE + 2]]:8: error: 'sparq.quantize' op expects the size of the scale (4) to equal dimension 0 of the input (3)
func.func @q(%x: tensor<?x8xf32>, %s: tensor<?xf32>) -> tensor<?x8xf8E4M3FN> {
  %q = sparq.quantize %x, %s axis 0 : tensor<?x8xf32>, tensor<?xf32> -> tensor<?x8xf8E4M3FN>
  return %q : tensor<?x8xf8E4M3FN>
}
func.func @main() {
  %x = arith.constant dense<1.0> : tensor<3x8xf32>
  %s = arith.constant dense<1.0> : tensor<4xf32>
  %xd = tensor.cast %x : tensor<3x8xf32> to tensor<?x8xf32>
  %sd = tensor.cast %s : tensor<4xf32> to tensor<?xf32>
  %q = call @q(%xd, %sd) : (tensor<?x8xf32>, tensor<?xf32>) -> tensor<?x8xf8E4M3FN>
  return
}

//--- dequantize.mlir
// CHECK: dequantize.mlir:[[# @LINE + 2]]:8: error: 'sparq.dequantize' op expects the size of the scale (8) to equal dimension 1 of the input (6)
func.func @d(%x: tensor<2x?xf8E5M2>, %s: tensor<8xf32>) -> tensor<2x?xf16> {
  %d = sparq.dequantize %x, %s axis 1 : tensor<2x?xf8E5M2>, tensor<8xf32> -> tensor<2x?xf16>
  return %d : tensor<2x?xf16>
}
func.func @main() {
  %x = arith.constant dense<1.0> : tensor<2x6xf8E5M2>
  %s = arith.constant dense<1.0> : tensor<8xf32>
  %xd = tensor.cast %x : tensor<2x6xf8E5M2> to tensor<2x?xf8E5M2>
  %d = call @d(%xd, %s) : (tensor<2x?xf8E5M2>, tensor<8xf32>) -> tensor<2x?xf16>
  return
}

//--- storage.mlir
// The matmul's check comes first; decompress has the same one.
// CHECK: storage.mlir:[[# @LINE + 3]]:8: error: 'sparq.matmul' op expects dimension 0 of the values of lhs (3) to equal dimension 0 of the metadata of lhs (2)
func.func @f(%e: tensor<?x8xf16, #sparq.nm<2:4>>, %b: tensor<8x2xf16>)
    -> (tensor<?x2xf32>, tensor<?x8xf16>) {
  %c = sparq.matmul %e, %b : tensor<?x8xf16, #sparq.nm<2:4>>, tensor<8x2xf16> -> tensor<?x2xf32>
  %d = sparq.decompress %e : tensor<?x8xf16, #sparq.nm<2:4>> -> tensor<?x8xf16>
  return %c, %d : tensor<?x2xf32>, tensor<?x8xf16>
}

//--- storage-main.mlir
func.func @main() {
  %v = arith.constant dense<1.0> : tensor<3x4xf16>
  %m = arith.constant dense<4> : tensor<2x1xi16>
  %b = arith.constant dense<1.0> : tensor<8x2xf16>
  %vd = tensor.cast %v : tensor<3x4xf16> to tensor<?x4xf16>
  %md = tensor.cast %m : tensor<2x1xi16> to tensor<?x1xi16>
  %c, %d = call @f(%vd, %md, %b) : (tensor<?x4xf16>, tensor<?x1xi16>, tensor<8x2xf16>) -> (tensor<?x2xf32>, tensor<?x8xf16>)
  return
}
