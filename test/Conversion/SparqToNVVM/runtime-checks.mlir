// RUN: sparq-opt %s --convert-sparq-to-nvvm="chip=sm_90a kernels=mma" | FileCheck %s
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a format=isa" | FileCheck %s --check-prefix=PIPELINE

// The whole GPU pipeline takes the checks to the LLVM dialect.
// PIPELINE: llvm.func @sparq_rt_size_mismatch(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr, i64)
// PIPELINE-LABEL: llvm.func @dynamic
// PIPELINE-COUNT-3: llvm.call @sparq_rt_size_mismatch
// PIPELINE: llvm.call @sparq_launch_

// The launch function trusts the sizes it is given (K, batch and N from one
// operand each): the dynamic ones are compared on the host first.
// CHECK-DAG: llvm.mlir.global internal constant @sparq_check_text{{.*}}("{{.*}}runtime-checks.mlir:[[# @LINE + 25]]:8: error: 'sparq.matmul' op\00")
// CHECK-DAG: func.func private @sparq_rt_size_mismatch(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr, i64)
// CHECK-LABEL: func @dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x?x?xf8E4M3FN>, %[[B:.*]]: tensor<?x?x?xf8E4M3FN>, %[[BIAS:.*]]: tensor<?xf32>)
// Batch, K, then the bias against N.
// CHECK: %[[BA:.*]] = tensor.dim %[[A]], %c0
// CHECK: %[[BB:.*]] = tensor.dim %[[B]], %c0
// CHECK: arith.cmpi ne
// CHECK: scf.if
// CHECK:   func.call @sparq_rt_size_mismatch
// CHECK: %[[KA:.*]] = tensor.dim %[[A]], %c2
// CHECK: %[[KB:.*]] = tensor.dim %[[B]], %c1
// CHECK: scf.if
// CHECK: tensor.dim %[[BIAS]], %c0
// CHECK: scf.if
// Then the choice of kernel: cp.async needs rows of 16-byte multiples.
// CHECK: %[[REM:.*]] = arith.remui %{{.*}}, %c16
// CHECK: %[[ALIGNED:.*]] = arith.cmpi eq, %[[REM]]
// CHECK: scf.if %[[ALIGNED]] {
// CHECK-NEXT: call @sparq_launch_sparq_mp_dense_
// CHECK-NEXT: } else {
// CHECK-NEXT: call @sparq_launch_sparq_mm_dense_
// CHECK-NOT: scf.if
// CHECK: return
func.func @dynamic(%a: tensor<?x?x?xf8E4M3FN>, %b: tensor<?x?x?xf8E4M3FN>, %bias: tensor<?xf32>) -> tensor<?x?x?xf32> {
  %c = sparq.matmul %a, %b bias %bias : tensor<?xf32>
      : tensor<?x?x?xf8E4M3FN>, tensor<?x?x?xf8E4M3FN> -> tensor<?x?x?xf32>
  return %c : tensor<?x?x?xf32>
}


// Static shapes: no check, and the kernel chosen here (K = 32 is aligned).
// CHECK-LABEL: func @static
// CHECK-NOT: scf.if
// CHECK: call @sparq_launch_sparq_mp_dense_
func.func @static(%a: tensor<16x32xf8E4M3FN>, %b: tensor<32x8xf8E4M3FN>) -> tensor<16x8xf32> {
  %0 = sparq.matmul %a, %b : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}
