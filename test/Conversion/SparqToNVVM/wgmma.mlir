// The sm_90a lowering: warpgroup kernels, their launch functions (a K-major
// copy of the rhs, TMA tensor maps, 384 threads, dynamic shared memory) and
// the choice between warpgroup and warp-level kernels by K.
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90a" --canonicalize --cse | FileCheck %s
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90a kernels=wgmma" --canonicalize --cse 2>/dev/null | FileCheck %s --check-prefix=WGMMA
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90a kernels=wgmma" 2>&1 >/dev/null | FileCheck %s --check-prefix=WGMMA-ERR
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90a kernels=mma" | FileCheck %s --check-prefix=MMA
// RUN: sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90" | FileCheck %s --check-prefix=MMA

// A dynamic K: auto checks TMA's alignment at run time and runs the
// warp-level kernel when it fails; wgmma stops the program instead.
// CHECK-LABEL: func.func @dense_dynamic
// CHECK: %[[REM:.*]] = arith.remui %{{.*}}, %c16
// CHECK: %[[OK:.*]] = arith.cmpi eq, %[[REM]], %c0
// CHECK: scf.if %[[OK]] {
// CHECK-NEXT: func.call @sparq_launch_sparq_wg_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// CHECK: } else {
// CHECK-NEXT: func.call @sparq_launch_sparq_mm_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// WGMMA-LABEL: func.func @dense_dynamic
// WGMMA: cf.assert %{{.*}}, "sparq.matmul with kernels=wgmma: K must be a multiple of 16 (TMA needs rows of 16-byte multiples)"
// WGMMA-NEXT: call @sparq_launch_sparq_wg_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// WGMMA-NOT: sparq_mm_dense
// MMA-LABEL: func.func @dense_dynamic
// MMA: call @sparq_launch_sparq_mm_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// MMA-NOT: sparq_wg_

// The kernel: its launch attribute, the producer and consumer roles.
// CHECK: gpu.func @sparq_wg_dense_f8E4M3FN_f8E4M3FN_f32_nn(%{{.*}}: !llvm.ptr, %{{.*}}: !llvm.ptr, %{{.*}}: memref<?x?x?xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index) kernel attributes {
// CHECK-SAME: nvvm.maxntid = array<i32: 384, 1, 1>
// CHECK-SAME: sparq.launch = {block_cols = 256 : i64, block_rows = 128 : i64, dynamic_shared_memory = 197696 : i64, tensor_maps = [{box = [128, 128], element_bytes = 1 : i64, operand = "a", swizzle = 128 : i64}, {box = [128, 256], element_bytes = 1 : i64, operand = "b", swizzle = 128 : i64}], threads = 384 : i64}
// CHECK: mbarrier.init.shared::cta.b64
// CHECK: setmaxnreg.dec.sync.aligned.u32 40;
// CHECK: cp.async.bulk.tensor.3d
// CHECK: setmaxnreg.inc.sync.aligned.u32 232;
// CHECK: wgmma.fence.sync.aligned;
// CHECK-COUNT-4: wgmma.mma_async.sync.aligned.m64n256k32.f32.e4m3.e4m3
// CHECK: wgmma.commit_group.sync.aligned;
// CHECK: wgmma.wait_group.sync.aligned 1;
// CHECK: mbarrier.arrive.shared::cta.b64
// CHECK: wgmma.wait_group.sync.aligned 0;
// The launch function: the rhs [B, K, N] transposed to [B, N, K] on the
// device, one tensor map per operand (FP8 as bytes; boxes 128 x 128 and
// 256 x 128 bytes, 128B swizzle), 384 threads, 4 stages of 48 KB + barriers
// + 1 KB of alignment slack.
// CHECK-LABEL: func.func private @sparq_launch_sparq_wg_dense_f8E4M3FN_f8E4M3FN_f32_nn(
// CHECK-SAME: %[[LHS:[^:]*]]: memref<?x?x?xf8E4M3FN>, %[[RHS:[^:]*]]: memref<?x?x?xf8E4M3FN>
// CHECK: %[[DLHS:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async {{.*}} %[[DLHS]], %[[LHS]]
// CHECK: %[[DRHS:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.memcpy async {{.*}} %[[DRHS]], %[[RHS]]
// CHECK: gpu.alloc async {{.*}} : memref<?x?x?xf32>
// CHECK: %[[BT:.*]], %{{.*}} = gpu.alloc async
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_transpose_f8E4M3FN {{.*}} threads in (%c32, %c8, %c1) args(%[[DRHS]] : memref<?x?x?xf8E4M3FN>, %[[BT]] : memref<?x?x?xf8E4M3FN>)
// CHECK: memref.extract_aligned_pointer_as_index %[[DLHS]]
// CHECK: %[[MAPA:.*]] = call @sparqTensorMapCreate({{.*}}, %c1_i64, {{.*}}, %c128_i64, %c128_i64, %c128_i64, %{{.*}})
// CHECK: memref.extract_aligned_pointer_as_index %[[BT]]
// CHECK: %[[MAPB:.*]] = call @sparqTensorMapCreate({{.*}}, %c1_i64, {{.*}}, %c128_i64, %c256_i64, %c128_i64, %{{.*}})
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_wg_dense_f8E4M3FN_f8E4M3FN_f32_nn {{.*}} threads in (%c384, %c1, %c1) dynamic_shared_memory_size %c197696_i32 args(%[[MAPA]] : !llvm.ptr, %[[MAPB]] : !llvm.ptr,
// CHECK: gpu.wait [
// CHECK: call @sparqTensorMapDestroy(%[[MAPA]],
// CHECK: call @sparqTensorMapDestroy(%[[MAPB]],

func.func @dense_dynamic(%a: tensor<?x?xf8E4M3FN>, %b: tensor<?x?xf8E4M3FN>) -> tensor<?x?xf32> {
  %0 = sparq.matmul %a, %b : tensor<?x?xf8E4M3FN>, tensor<?x?xf8E4M3FN> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A static K that TMA cannot describe (70 bytes a row) runs the warp-level
// kernel under auto; one that it can (K = 4096) only the warpgroup kernel.
// CHECK-LABEL: func.func @static_k
// CHECK: call @sparq_launch_sparq_mm_dense_f8E5M2_f8E5M2_f32_nn(
// CHECK: call @sparq_launch_sparq_wg_dense_f8E5M2_f8E5M2_f32_nn(
// CHECK-NOT: scf.if
// CHECK: return
// kernels=wgmma refuses the first, before anything changes.
// WGMMA-ERR: wgmma.mlir:[[@LINE+2]]:8: error: 'sparq.matmul' op has K = 70, which kernels=wgmma cannot tile: TMA needs rows of 16-byte multiples, i.e. K a multiple of 16 for these operands (kernels=auto runs the warp-level kernel instead)
func.func @static_k(%a: tensor<33x70xf8E5M2>, %b: tensor<70x9xf8E5M2>, %c: tensor<33x4096xf8E5M2>, %d: tensor<4096x9xf8E5M2>) -> (tensor<33x9xf32>, tensor<33x9xf32>) {
  %0 = sparq.matmul %a, %b : tensor<33x70xf8E5M2>, tensor<70x9xf8E5M2> -> tensor<33x9xf32>
  %1 = sparq.matmul %c, %d : tensor<33x4096xf8E5M2>, tensor<4096x9xf8E5M2> -> tensor<33x9xf32>
  return %0, %1 : tensor<33x9xf32>, tensor<33x9xf32>
}

// -----

// 2:4 FP8 with the sparse operand on the right: A = rhs^T, so the rhs values
// and metadata get K-major copies and the lhs is B as it is. Values rows of
// 64 bytes (64B swizzle), 5 stages of 40 KB; one wgmma.sp k64 per 64 of K,
// with each thread's metadata register.
// CHECK: gpu.func @sparq_wg_sp8_f8E4M3FN_f8E4M3FN_bf16_t_nn(
// CHECK-COUNT-2: wgmma.mma_async.sp.sync.aligned.m64n256k64.f32.e4m3.e4m3
// CHECK-NOT: sparq_mm_
// CHECK-LABEL: func.func private @sparq_launch_sparq_wg_sp8_f8E4M3FN_f8E4M3FN_bf16_t_nn(
// CHECK: @sparq_transpose_f8E4M3FN
// CHECK: @sparq_transpose_i16
// CHECK: call @sparqTensorMapCreate({{.*}}, %c1_i64, {{.*}}, %c64_i64, %c128_i64, %c64_i64,
// CHECK: call @sparqTensorMapCreate({{.*}}, %c1_i64, {{.*}}, %c128_i64, %c256_i64, %c128_i64,
// CHECK: threads in (%c384, %c1, %c1) dynamic_shared_memory_size %c205904_i32 args(%{{.*}} : !llvm.ptr, %{{.*}} : !llvm.ptr, %{{.*}} : memref<?x?x?xi16>,
func.func @sparse_rhs(%a: tensor<100x256xf8E4M3FN>, %b: tensor<256x300xf8E4M3FN, #sparq.nm<2:4, dim = 0>>) -> tensor<100x300xbf16> {
  %0 = sparq.matmul %a, %b : tensor<100x256xf8E4M3FN>, tensor<256x300xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<100x300xbf16>
  return %0 : tensor<100x300xbf16>
}
