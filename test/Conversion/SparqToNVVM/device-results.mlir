// RUN: sparq-opt %s --convert-sparq-to-nvvm=chip=sm_89 --canonicalize | FileCheck %s

// With host copies, a product whose result only feeds the next GPU product
// in its block keeps it on the device: its launch function (`_d`) returns
// the device buffer instead of copying it back, and the reader's launch
// function takes that pointer (input kind 2: lhs) and frees it after its
// kernel. Nothing crosses PCIe between the two kernels.

// CHECK-LABEL: func.func @chain(
// CHECK-NOT: memref.alloc() : memref<1x16x64xf8E4M3FN>
// CHECK: %[[H:.*]] = call @[[$FIRST:sparq_launch_sparq_mm_sp8_.*_d]](
// CHECK-SAME: -> !llvm.ptr
// CHECK: call @[[$SECOND:sparq_launch_sparq_mp_dense_.*_c21]](%[[H]],
// CHECK: return

// A result with another use, or used in another block, is copied back as
// before.
// CHECK-LABEL: func.func @two_uses(
// CHECK-NOT: -> !llvm.ptr
// CHECK: return
// CHECK-LABEL: func.func @other_block(
// CHECK-NOT: -> !llvm.ptr
// CHECK: return

// A mark in the input is not trusted: this result is returned.
// CHECK-LABEL: func.func @marked(
// CHECK-NOT: -> !llvm.ptr
// CHECK: memref.alloc
// CHECK: return

// The producer: no copy of the result back, the result not freed.
// CHECK: func.func private @[[$FIRST]]({{.*}}) -> !llvm.ptr
// CHECK: %[[OUT:.*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%arg3, %arg4, %arg5)
// CHECK: gpu.launch_func {{.*}}, %[[OUT]] : memref<?x?x?xf8E4M3FN>
// CHECK-NOT: gpu.memcpy
// CHECK-NOT: gpu.dealloc {{.*}} %[[OUT]]
// CHECK: gpu.wait
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[OUT]]
// CHECK: return %{{.*}} : !llvm.ptr

// The reader: the producer's buffer read in place and freed.
// CHECK: func.func private @[[$SECOND]](%[[IN:.*]]: !llvm.ptr,
// CHECK: llvm.insertvalue %[[IN]]
// CHECK: %[[A:.*]] = builtin.unrealized_conversion_cast {{.*}} to memref<?x?x?xf8E4M3FN>
// CHECK: gpu.launch_func {{.*}} args(%[[A]] : memref<?x?x?xf8E4M3FN>,
// CHECK: gpu.dealloc async [%{{.*}}] %[[A]]
func.func @chain(%x: tensor<16x64xf8E4M3FN>) -> tensor<16x32xf32> {
  %w1 = arith.constant dense<0.0> : tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  %w2 = arith.constant dense<1.0> : tensor<64x32xf8E4M3FN>
  %h = sparq.matmul %x, %w1 : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<16x64xf8E4M3FN>
  %y = sparq.matmul %h, %w2 : tensor<16x64xf8E4M3FN>, tensor<64x32xf8E4M3FN> -> tensor<16x32xf32>
  return %y : tensor<16x32xf32>
}

func.func @two_uses(%x: tensor<16x64xf8E4M3FN>, %w: tensor<64x64xf8E4M3FN>) -> (tensor<16x64xf8E4M3FN>, tensor<16x64xf32>) {
  %h = sparq.matmul %x, %w : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<16x64xf8E4M3FN>
  %y = sparq.matmul %h, %w : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<16x64xf32>
  return %h, %y : tensor<16x64xf8E4M3FN>, tensor<16x64xf32>
}

func.func @other_block(%x: tensor<16x64xf8E4M3FN>, %w: tensor<64x64xf8E4M3FN>, %c: i1) -> tensor<16x64xf32> {
  %h = sparq.matmul %x, %w : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<16x64xf8E4M3FN>
  %y = scf.if %c -> tensor<16x64xf32> {
    %y1 = sparq.matmul %h, %w : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<16x64xf32>
    scf.yield %y1 : tensor<16x64xf32>
  } else {
    %z = arith.constant dense<0.0> : tensor<16x64xf32>
    scf.yield %z : tensor<16x64xf32>
  }
  return %y : tensor<16x64xf32>
}

// A mark in the input is not trusted: this result is returned.
func.func @marked(%x: tensor<16x64xf8E4M3FN>, %w: tensor<64x64xf8E4M3FN>) -> tensor<16x64xf8E4M3FN> {
  %h = sparq.matmul %x, %w {sparq.keep_on_device} : tensor<16x64xf8E4M3FN>, tensor<64x64xf8E4M3FN> -> tensor<16x64xf8E4M3FN>
  return %h : tensor<16x64xf8E4M3FN>
}
