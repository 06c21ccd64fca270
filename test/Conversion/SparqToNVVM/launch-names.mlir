// RUN: sparq-opt %s --convert-sparq-to-nvvm="chip=sm_90a kernels=mma" | FileCheck %s

// A user function that happens to have a launch function's name is never
// called in its place.
// CHECK-LABEL: func.func @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// CHECK-LABEL: func.func @user(
// CHECK: call @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn_1(
// CHECK: func.func private @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn_1({{.*}} attributes {sparq.gpu_launch}
func.func @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E4M3FN_f32_nn() {
  return
}
func.func @user(%a: tensor<16x32xf8E4M3FN>, %b: tensor<32x8xf8E4M3FN>) -> tensor<16x8xf32> {
  %0 = sparq.matmul %a, %b : tensor<16x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}
