// RUN: sparq-opt %s --convert-sparq-to-llvm -split-input-file | FileCheck %s

// CHECK-LABEL: func.func private @sparq_rt_quantize
// CHECK-SAME: (!llvm.ptr, i32, !llvm.ptr, i64, !llvm.ptr, i64, i64, i64, i32, i32, i32, i64)
// CHECK-LABEL: func @quantize
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xbf16>, %[[S:.*]]: tensor<8xf32>, %[[SEED:.*]]: i64)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %c0
// CHECK: %[[OUT:.*]] = memref.alloc(%[[N]]) : memref<?x8xf8E5M2>
// CHECK: %[[OUTP:.*]] = llvm.inttoptr
// CHECK: %[[ROWS:.*]] = arith.index_cast
// CHECK: %[[IN:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<?x8xbf16> to memref<?x8xbf16>
// CHECK: %[[SB:.*]] = bufferization.to_buffer %[[S]] read_only
// Input kind bf16 = 2, 8 scales, view [rows][8][1], E5M2 = 1, satfinite = 1,
// stochastic = 1.
// CHECK: call @sparq_rt_quantize(%{{.*}}, %c2_i32, %{{.*}}, %c8_i64{{.*}}, %[[OUTP]], %[[ROWS]], %c8_i64{{.*}}, %c1_i64{{.*}}, %c1_i32{{.*}}, %c1_i32{{.*}}, %c1_i32{{.*}}, %[[SEED]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[OUT]] restrict writable : memref<?x8xf8E5M2> to tensor<?x8xf8E5M2>
// CHECK: return %[[R]]
func.func @quantize(%x: tensor<?x8xbf16>, %s: tensor<8xf32>, %seed: i64) -> tensor<?x8xf8E5M2> {
  %q = sparq.quantize %x, %s axis 1 rounding <stochastic> seed %seed
      : tensor<?x8xbf16>, tensor<8xf32> -> tensor<?x8xf8E5M2>
  return %q : tensor<?x8xf8E5M2>
}

// -----

// An encoded argument or result is its two storage tensors.
// CHECK-LABEL: func @storage
// CHECK-SAME: (%[[V:.*]]: tensor<4x16xf16>, %[[M:.*]]: tensor<4x2xi16>) -> (tensor<4x16xf16>, tensor<4x2xi16>, tensor<4x32xf16>)
// CHECK: call @sparq_rt_decompress
// CHECK: return %[[V]], %[[M]], %{{.*}} : tensor<4x16xf16>, tensor<4x2xi16>, tensor<4x32xf16>
func.func @storage(%e: tensor<4x32xf16, #sparq.nm<2:4>>)
    -> (tensor<4x16xf16>, tensor<4x2xi16>, tensor<4x32xf16>) {
  %v = sparq.values %e : tensor<4x32xf16, #sparq.nm<2:4>> -> tensor<4x16xf16>
  %m = sparq.metadata %e : tensor<4x32xf16, #sparq.nm<2:4>> -> tensor<4x2xi16>
  %d = sparq.decompress %e : tensor<4x32xf16, #sparq.nm<2:4>> -> tensor<4x32xf16>
  return %v, %m, %d : tensor<4x16xf16>, tensor<4x2xi16>, tensor<4x32xf16>
}

// -----

// compress gives two buffers; a constant encoded weight becomes two
// constants; matmul takes the values and metadata of its encoded operand.
// CHECK-LABEL: func @matmul
// CHECK-DAG: arith.constant dense<{{\[}}[1.000000e+00, 0.000000e+00], [0.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: arith.constant dense<{{\[}}[4, 12]]> : tensor<1x2xi16>
// CHECK: call @sparq_rt_matmul
// CHECK: call @sparq_rt_compress
// CHECK: call @sparq_rt_matmul
// CHECK-NOT: sparq.
func.func @matmul(%a: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 2.0]]>
      : tensor<4x2xf32, #sparq.nm<2:4, dim = 0>>
  %c = sparq.matmul %a, %w : tensor<3x4xf32>, tensor<4x2xf32, #sparq.nm<2:4, dim = 0>> -> tensor<3x2xf32>
  %p = sparq.prune %a <2:4> : tensor<3x4xf32>
  %e = sparq.compress %p : tensor<3x4xf32> -> tensor<3x4xf32, #sparq.nm<2:4>>
  %b = arith.constant dense<1.0> : tensor<4x2xf32>
  %d = sparq.matmul %e, %b : tensor<3x4xf32, #sparq.nm<2:4>>, tensor<4x2xf32> -> tensor<3x2xf32>
  return %c, %d : tensor<3x2xf32>, tensor<3x2xf32>
}
