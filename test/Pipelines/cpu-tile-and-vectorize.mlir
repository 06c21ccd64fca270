// The CPU pipeline's codegen step (lib/Pipelines/CPUCodegen.cpp): f32
// products and convolutions become register blocks of vector.fma whose
// accumulator stays in registers across the reduction loops; other ops are
// left alone. Numerics are checked by python/tests/test_cpu_codegen.py.
// RUN: sparq-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(sparq-cpu-tile-and-vectorize))" | FileCheck %s

// 8 rows x 32 columns per block, 16 of K per step; the accumulator is read
// before the K loop and written after it.
// CHECK-LABEL: func.func @matmul
// CHECK: scf.for {{.*}} = %c0 to %c64 step %c8
// CHECK: scf.for {{.*}} = %c0 to %c96 step %c32
// CHECK: %[[ACC:[0-9]+]] = vector.transfer_read {{.*}} vector<8x32xf32>
// CHECK: %[[K:[0-9]+]]:2 = scf.for {{.*}} = %c0 to %c128 step %c16 iter_args({{.*}}, %{{.*}} = %[[ACC]])
// CHECK-COUNT-128: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: vector.transfer_write
// CHECK: scf.yield
// CHECK: vector.transfer_write %[[K]]#1
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: tensor<64x128xf32>, %b: tensor<128x96xf32>) -> tensor<64x96xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x96xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x96xf32>) -> tensor<64x96xf32>
  %m = linalg.matmul ins(%a, %b : tensor<64x128xf32>, tensor<128x96xf32>)
      outs(%f : tensor<64x96xf32>) -> tensor<64x96xf32>
  return %m : tensor<64x96xf32>
}

// -----

// NCHW convolutions run channels-last between transposes; the zero
// accumulator is filled in the new layout.
// CHECK-LABEL: func.func @conv_nchw
// CHECK-DAG: linalg.transpose ins(%{{.*}} : tensor<1x16x10x10xf32>) outs(%{{.*}} : tensor<1x10x10x16xf32>) permutation = [0, 2, 3, 1]
// CHECK-DAG: linalg.transpose ins(%{{.*}} : tensor<32x16x3x3xf32>) outs(%{{.*}} : tensor<3x3x16x32xf32>) permutation = [2, 3, 1, 0]
// CHECK-DAG: linalg.fill {{.*}} -> tensor<1x8x8x32xf32>
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK: linalg.transpose ins(%{{.*}} : tensor<1x8x8x32xf32>) outs(%{{.*}} : tensor<1x32x8x8xf32>) permutation = [0, 3, 1, 2]
// CHECK-NOT: linalg.conv
func.func @conv_nchw(%x: tensor<1x16x10x10xf32>, %w: tensor<32x16x3x3xf32>) -> tensor<1x32x8x8xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x32x8x8xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x16x10x10xf32>, tensor<32x16x3x3xf32>)
      outs(%f : tensor<1x32x8x8xf32>) -> tensor<1x32x8x8xf32>
  return %c : tensor<1x32x8x8xf32>
}

// -----

// NHWC/FHWC (what TOSA lowers to): the filter is transposed to HWCF.
// CHECK-LABEL: func.func @conv_nhwc_fhwc
// CHECK: linalg.transpose ins(%{{.*}} : tensor<32x3x3x16xf32>) outs(%{{.*}} : tensor<3x3x16x32xf32>) permutation = [1, 2, 3, 0]
// CHECK: vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT: linalg.conv
func.func @conv_nhwc_fhwc(%x: tensor<1x10x10x16xf32>, %w: tensor<32x3x3x16xf32>) -> tensor<1x8x8x32xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x8x32xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  %c = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x10x10x16xf32>, tensor<32x3x3x16xf32>)
      outs(%f : tensor<1x8x8x32xf32>) -> tensor<1x8x8x32xf32>
  return %c : tensor<1x8x8x32xf32>
}

// -----

// Not f32, or not static: left to the loop lowering.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: vector.
// CHECK: linalg.matmul ins({{.*}} : tensor<8x16xf64>, tensor<16x8xf64>)
// CHECK: linalg.matmul ins({{.*}} : tensor<?x16xf32>, tensor<16x8xf32>)
func.func @left_alone(%a: tensor<8x16xf64>, %b: tensor<16x8xf64>, %init: tensor<8x8xf64>,
                      %c: tensor<?x16xf32>, %d: tensor<16x8xf32>, %init2: tensor<?x8xf32>)
    -> (tensor<8x8xf64>, tensor<?x8xf32>) {
  %r = linalg.matmul ins(%a, %b : tensor<8x16xf64>, tensor<16x8xf64>)
      outs(%init : tensor<8x8xf64>) -> tensor<8x8xf64>
  %s = linalg.matmul ins(%c, %d : tensor<?x16xf32>, tensor<16x8xf32>)
      outs(%init2 : tensor<?x8xf32>) -> tensor<?x8xf32>
  return %r, %s : tensor<8x8xf64>, tensor<?x8xf32>
}
