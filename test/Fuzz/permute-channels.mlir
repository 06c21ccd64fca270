// Robustness of --sparq-permute-channels on inputs found by fuzzing or by
// the sanitizer builds.
// RUN: sparq-opt %s -split-input-file --sparq-permute-channels | FileCheck %s
// RUN: sparq-opt %s -split-input-file --sparq-permute-channels="report=1" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REMARK

// The producer of the activation has a constant weight that cannot be read
// (an elided blob): its channels cannot move, so the activation is gathered.
// Building the producer's permuted weight from it crashed.
// CHECK-LABEL: func @unreadable_producer_weight
// CHECK: arith.constant dense_resource<__elided__> : tensor<4x8xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract
// REMARK: remark: permuted 8 input channels: {{.*}}; the activation is permuted by a gather
func.func @unreadable_producer_weight(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense_resource<__elided__> : tensor<4x8xf32>
  %w2 = arith.constant dense<[[9.0, 0.1], [8.0, 0.2], [7.0, 0.3], [6.0, 0.4],
                              [0.1, 9.0], [0.2, 8.0], [0.3, 7.0], [0.4, 6.0]]> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = linalg.matmul ins(%x, %w1 : tensor<2x4xf32>, tensor<4x8xf32>) outs(%f1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<2x8xf32>, tensor<8x2xf32>) outs(%f2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// The same with a per-channel i1 constant between the products (i1 tensors
// have no byte per element to move).
// CHECK-LABEL: func @unreadable_channel_constant
// CHECK: tensor.extract
// REMARK: remark: permuted 8 input channels: {{.*}}; the activation is permuted by a gather
func.func @unreadable_channel_constant(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w1 = arith.constant dense<1.0> : tensor<4x8xf32>
  %keep = arith.constant dense<[true, false, true, true, false, true, true, false]> : tensor<8xi1>
  %w2 = arith.constant dense<[[9.0, 0.1], [8.0, 0.2], [7.0, 0.3], [6.0, 0.4],
                              [0.1, 9.0], [0.2, 8.0], [0.3, 7.0], [0.4, 6.0]]> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<2x8xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %m = linalg.matmul ins(%x, %w1 : tensor<2x4xf32>, tensor<4x8xf32>) outs(%f1 : tensor<2x8xf32>) -> tensor<2x8xf32>
  %h = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>,
                                        affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m, %keep : tensor<2x8xf32>, tensor<8xi1>) outs(%e1 : tensor<2x8xf32>) {
  ^bb0(%a: f32, %k: i1, %o: f32):
    %r = arith.select %k, %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<2x8xf32>
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul ins(%h, %w2 : tensor<2x8xf32>, tensor<8x2xf32>) outs(%f2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
