// Static scaling from a sparq.activation_amax attribute.
// RUN: sparq-opt %s --sparq-quantize="activation-scaling=static" | FileCheck %s

// CHECK-LABEL: func @layer
// CHECK: %[[S:.*]] = arith.constant dense<5.600000e+01> : tensor<f32>
// CHECK: sparq.quantize %{{.*}}, %[[S]] : tensor<4x16xf32>, tensor<f32> -> tensor<4x16xf8E4M3FN>
func.func @layer(%x: tensor<4x16xf32>) -> tensor<4x8xf32> {
  %w = arith.constant dense<0.5> : tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.matmul {sparq.activation_amax = 8.0 : f32}
      ins(%x, %w : tensor<4x16xf32>, tensor<16x8xf32>) outs(%init : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %h : tensor<4x8xf32>
}
