// --sparq-gpu-pipeline frees host buffers as --sparq-cpu-pipeline does: the
// result of each GPU product in a loop is a fresh host buffer, freed once
// the step is done with it; the launch function allocates and frees only
// device memory.
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a kernels=mma format=isa" | FileCheck %s

// CHECK-LABEL: llvm.func @steps(
// CHECK: llvm.br ^[[HEADER:.*]](
// CHECK: ^[[HEADER]](
// CHECK: %[[OUT:.*]] = llvm.call @malloc(
// CHECK: llvm.call @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// CHECK: llvm.call @free(
// CHECK: llvm.br ^[[HEADER]](
// CHECK-LABEL: llvm.func @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// CHECK-NOT: llvm.call @malloc
// CHECK-NOT: llvm.call @free
// CHECK: llvm.call @mgpuMemFree
// CHECK-NOT: llvm.call @free
// CHECK: llvm.return
func.func @steps(%a: tensor<64x128xf8E4M3FN>, %b: tensor<128x64xf8E4M3FN>,
                 %n: index) -> tensor<64x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant dense<0.0> : tensor<64x64xf32>
  %sum = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %zero)
      -> (tensor<64x64xf32>) {
    %p = sparq.matmul %a, %b : tensor<64x128xf8E4M3FN>, tensor<128x64xf8E4M3FN> -> tensor<64x64xf32>
    %next = linalg.add ins(%acc, %p : tensor<64x64xf32>, tensor<64x64xf32>)
                       outs(%acc : tensor<64x64xf32>) -> tensor<64x64xf32>
    scf.yield %next : tensor<64x64xf32>
  }
  return %sum : tensor<64x64xf32>
}
