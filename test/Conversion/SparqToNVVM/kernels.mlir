// RUN: sparq-opt %s --convert-sparq-to-nvvm="chip=sm_90a kernels=mma" --canonicalize --cse | FileCheck %s
// RUN: sparq-opt %s --convert-sparq-to-nvvm=chip=sm_89 | FileCheck %s --check-prefix=ADA

// One kernel module, with the smallest PTX the products need.
// CHECK: module attributes {gpu.container_module}
// ADA: gpu.module @sparq_kernels [#nvvm.target<O = 3, chip = "sm_89", features = "+ptx85">]

// The host side: operands (a 2:4 lhs as values and metadata) as rank-3 host
// buffers, a fresh host buffer for the result, and one call of the variant's
// launch function (checked at the end) with M, N and K.
// CHECK-LABEL: func.func @sparse_lhs(
// CHECK-SAME: %[[V:.*]]: tensor<32x64xf8E4M3FN>, %[[M:.*]]: tensor<32x8xi16>, %[[B:.*]]: tensor<128x16xf8E5M2>, %[[SA:.*]]: tensor<32xf32>, %[[SO:.*]]: tensor<f32>)
// CHECK: %[[V3:.*]] = tensor.expand_shape %[[V]] {{.*}} into tensor<1x32x64xf8E4M3FN>
// CHECK: %[[HV:.*]] = bufferization.to_buffer %[[V3]] read_only
// CHECK: %[[HVD:.*]] = memref.cast %[[HV]] : memref<1x32x64xf8E4M3FN> to memref<?x?x?xf8E4M3FN>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<1x32x16xf8E4M3FN>
// CHECK: %[[OUTD:.*]] = memref.cast %[[OUT]]
// CHECK: call @sparq_launch_sparq_mm_sp8_f8E4M3FN_f8E5M2_f8E4M3FN_vno(%[[HVD]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[OUTD]], %c32, %c16, %c128)
// CHECK-NOT: gpu.
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable
// CHECK: tensor.collapse_shape
func.func @sparse_lhs(%a: tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<128x16xf8E5M2>, %sa: tensor<32xf32>, %so: tensor<f32>) -> tensor<32x16xf8E4M3FN> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<32xf32> out_scale %so : tensor<f32> : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x16xf8E5M2> -> tensor<32x16xf8E4M3FN>
  return %0 : tensor<32x16xf8E4M3FN>
}

// A 2:4 rhs: the transposed kernel, whose A is the rhs (its launch grid is
// checked at the end).
// CHECK-LABEL: func.func @sparse_rhs(
// CHECK-SAME: tensor<80x64xbf16>, %{{.*}}: tensor<32x100xbf16>, %{{.*}}: tensor<4x100xi16>, %{{.*}}: tensor<100xf32>)
// CHECK: call @sparq_launch_sparq_mm_sp16_bf16_bf16_f32_t_nnb({{.*}}, %c80, %c100, %c64)
func.func @sparse_rhs(%a: tensor<80x64xbf16>, %b: tensor<64x100xbf16, #sparq.nm<2:4, dim = 0>>, %bias: tensor<100xf32>) -> tensor<80x100xf32> {
  %0 = sparq.matmul %a, %b bias %bias : tensor<100xf32> : tensor<80x64xbf16>, tensor<64x100xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<80x100xf32>
  return %0 : tensor<80x100xf32>
}

// Batched and dynamic: sizes come from the operands at run time; the batch
// sizes the result (and the launch grid's z, from the result's size).
// CHECK-LABEL: func.func @batched(
// CHECK-DAG: %[[MD:.*]] = tensor.dim %{{.*}}, %c1 : tensor<?x?x64xf8E4M3FN>
// CHECK-DAG: %[[ND:.*]] = tensor.dim %{{.*}}, %c2 : tensor<?x64x?xf8E5M2>
// CHECK-DAG: %[[BATCH:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x?x64xf8E4M3FN>
// CHECK: %[[BOUT:.*]] = memref.alloc(%[[BATCH]], %[[MD]], %[[ND]]) : memref<?x?x?xf32>
// K = 64 makes rows of 16-byte multiples: the multistage kernel.
// CHECK: call @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E5M2_f32_nn(%{{.*}}, %{{.*}}, %[[BOUT]], %[[MD]], %[[ND]], %c64)
func.func @batched(%a: tensor<?x?x64xf8E4M3FN>, %b: tensor<?x64x?xf8E5M2>) -> tensor<?x?x?xf32> {
  %0 = sparq.matmul %a, %b : tensor<?x?x64xf8E4M3FN>, tensor<?x64x?xf8E5M2> -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// K = 40 does not (cp.async copies 16-byte aligned chunks): the simple
// warp-level kernel.
// CHECK-LABEL: func.func @dense_ragged_k(
// CHECK: call @sparq_launch_sparq_mm_dense_f8E4M3FN_f8E5M2_f32_nn(
func.func @dense_ragged_k(%a: tensor<16x40xf8E4M3FN>, %b: tensor<40x8xf8E5M2>) -> tensor<16x8xf32> {
  %0 = sparq.matmul %a, %b : tensor<16x40xf8E4M3FN>, tensor<40x8xf8E5M2> -> tensor<16x8xf32>
  return %0 : tensor<16x8xf32>
}

// Other sparq ops run on the host, through the CPU runtime, as with
// --convert-sparq-to-llvm.
// CHECK-LABEL: func.func @host_ops(
// CHECK: call @sparq_rt_prune(
// CHECK-NOT: gpu.launch_func
// CHECK: return
func.func @host_ops(%w: tensor<16x64xf16>) -> tensor<16x64xf16> {
  %p = sparq.prune %w <2:4> : tensor<16x64xf16>
  return %p : tensor<16x64xf16>
}

// The kernels: per K step, the block's tiles copied to shared memory (A:
// 64 rows x 32 kept values, B: 64 x 64, metadata: 64 rows x 4 words), a
// barrier, 2 x 4 instructions per warp sharing fragments read from shared
// memory, a barrier; FP8 results converted in pairs with saturation.
// CHECK: gpu.module @sparq_kernels [#nvvm.target<O = 3, chip = "sm_90a", features = "+ptx85">]
// CHECK: gpu.func @sparq_mm_sp8_f8E4M3FN_f8E5M2_f8E4M3FN_vno(%{{.*}}: memref<?x?x?xf8E4M3FN>, %{{.*}}: memref<?x?x?xi16>, %{{.*}}: memref<?x?x?xf8E5M2>, %{{.*}}: memref<?xf32>, %{{.*}}: memref<f32>, %{{.*}}: memref<?x?x?xf8E4M3FN>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// A and B are staged as bits, rows padded by 16 bytes; B transposed (64
// columns x 64 K); every tile 16-byte aligned, as ldmatrix needs.
// CHECK-SAME: workgroup(%[[SA:.*]] : memref<64x48xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[SB:.*]] : memref<64x80xi8, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %[[SM:.*]] : memref<64x4xi16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}) kernel
// CHECK: scf.for {{.*}} step %c64 iter_args({{.*}}) -> (f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK-COUNT-16: memref.store %{{.*}}, %[[SA]][
// CHECK-COUNT-32: memref.store %{{.*}}, %[[SB]][
// CHECK-COUNT-2: memref.store %{{.*}}, %[[SM]][
// CHECK: gpu.barrier
// Fragments: one ldmatrix.x4 per A and per B fragment, metadata per lane.
// CHECK: nvgpu.ldmatrix %[[SA]][{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<64x48xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK-COUNT-2: memref.load %[[SM]][
// CHECK: nvgpu.ldmatrix %[[SA]]
// CHECK-COUNT-2: memref.load %[[SM]][
// CHECK-COUNT-4: nvgpu.ldmatrix %[[SB]][{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<64x80xi8, #gpu.address_space<workgroup>> -> vector<4x4xi8>
// CHECK-NOT: memref.load %[[SA]]
// CHECK-NOT: memref.load %[[SB]]
// CHECK: gpu.barrier
// CHECK-COUNT-8: llvm.call_intrinsic "llvm.nvvm.mma.sp.ordered.metadata.m16n8k64.row.col.f32.e4m3.e5m2.f32"(%{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %{{[^,]+}}, %c0_i32) : (i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, i32, i32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK: nvvm.convert.f32x2.to.f8x2 {{.*}} {rnd = #nvvm.fp_rnd_mode<rn>, sat = #nvvm.sat_mode<satfinite>} : vector<2xi8>(f8E4M3FN)
// CHECK: gpu.func @sparq_mm_sp16_bf16_bf16_f32_t_nnb(
// CHECK-SAME: workgroup({{.*}} : memref<64x24xi16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, {{.*}} : memref<64x40xi16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, {{.*}} : memref<64x2xi16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64})
// CHECK: scf.for {{.*}} step %c32
// CHECK-COUNT-2: nvgpu.ldmatrix {{.*}} {numTiles = 4 : i32, transpose = false} : memref<64x24xi16, #gpu.address_space<workgroup>> -> vector<4x2xi16>
// CHECK-COUNT-8: llvm.call_intrinsic "llvm.nvvm.mma.sp.ordered.metadata.m16n8k32.row.col.bf16"({{.*}}) : (i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, f32, f32, i32, i32)
// The dense FP8 multistage kernel (PipelineIndexing.h): A and B K-major, a
// ring of 3 stages of 16 KB in static shared memory; steps 0 and 1 issued
// before the loop, one group each; per K step: wait for all but the newest
// group, a barrier, the four 16-byte cp.async.cg (src-size: zero fill) of
// step + 2 and their commit, then per instruction 4 + 2 ldmatrix.x4 and 16
// mma.sync per warp. The read and write stages (0 and 2 at first) are
// carried through the loop.
// CHECK: gpu.func @sparq_mp_dense_f8E4M3FN_f8E5M2_f32_nn(%{{.*}}: memref<?x?x?xf8E4M3FN>, %{{.*}}: memref<?x?x?xf8E5M2>, %{{.*}}: memref<?x?x?xf32>, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index)
// CHECK-SAME: workgroup(%{{.*}} : memref<49152xi8, #gpu.address_space<workgroup>> {llvm.align = 128 : i64}) kernel attributes {nvvm.maxntid = array<i32: 256, 1, 1>, sparq.launch = {block_cols = 128 : i64, block_rows = 128 : i64, dynamic_shared_memory = 0 : i64, static_shared_memory = 49152 : i64, tensor_maps = [], threads = 256 : i64}}
// CHECK-COUNT-4: nvvm.cp.async.shared.global %{{.*}}, %{{.*}}, 16, cache =  cg, %{{.*}} : !llvm.ptr<3>, !llvm.ptr<1>, i32
// CHECK: nvvm.cp.async.commit.group
// CHECK-COUNT-4: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.commit.group
// CHECK: scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args({{.*}}%{{.*}} = %c0, %{{.*}} = %c2) -> ({{(f32, )+}}index, index)
// CHECK-NEXT: nvvm.cp.async.wait.group 1
// CHECK-NEXT: gpu.barrier
// CHECK-COUNT-4: nvvm.cp.async.shared.global
// CHECK: nvvm.cp.async.commit.group
// CHECK-NOT: nvvm.cp.async
// CHECK-COUNT-6: nvvm.ldmatrix %{{.*}} {eltType = #nvvm.ld_st_matrix_elt_type<b16>, layout = #nvvm.mma_layout<row>, num = 4 : i32, shape = #nvvm.ld_st_matrix_shape<m = 8, n = 8>} : (!llvm.ptr<3>) -> !llvm.struct<(i32, i32, i32, i32)>
// CHECK-COUNT-16: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e5m2.f32"({{.*}}) : (i32, i32, i32, i32, i32, i32, f32, f32, f32, f32)
// CHECK-COUNT-6: nvvm.ldmatrix
// CHECK-COUNT-16: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e5m2.f32"
// CHECK-NOT: gpu.barrier
// CHECK: scf.yield
// No copy in flight at exit. Each pair of adjacent results is one 8-byte
// store where N is even and both are in bounds (element by element else).
// CHECK: nvvm.cp.async.wait.group 0
// CHECK: %[[EVEN:.*]] = arith.cmpi eq
// CHECK: %[[BOTH:.*]] = arith.andi %{{.*}}, %[[EVEN]]
// CHECK: scf.if %[[BOTH]] {
// CHECK-NEXT: vector.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}] {alignment = 8 : i64} : memref<?x?x?xf32>, vector<2xf32>
// CHECK-NEXT: } else {
// CHECK-COUNT-2: memref.store
// CHECK: gpu.func @sparq_transpose_f8E5M2(
// CHECK: gpu.func @sparq_mm_dense_f8E4M3FN_f8E5M2_f32_nn(
// CHECK: scf.for {{.*}} step %c32
// A dense FP8 B fragment is two registers: ldmatrix.x2.
// CHECK-COUNT-4: nvgpu.ldmatrix {{.*}} {numTiles = 2 : i32, transpose = false} : memref<64x48xi8, #gpu.address_space<workgroup>> -> vector<2x4xi8>
// CHECK-COUNT-8: llvm.call_intrinsic "llvm.nvvm.mma.m16n8k32.row.col.f32.e4m3.e5m2.f32"({{.*}}) : (i32, i32, i32, i32, i32, i32, f32, f32, f32, f32)

// The launch functions, one per kernel variant, after the kernel module:
// every input copied to the device, one launch of 128 threads per 64 x 64
// tile of the instruction's D, the result copied into the caller's buffer,
// every device buffer freed, synchronously -- and no host allocation, so
// that buffer deallocation may skip them (sparq.gpu_launch).
// CHECK-LABEL: func.func private @sparq_launch_sparq_mm_sp8_f8E4M3FN_f8E5M2_f8E4M3FN_vno(
// CHECK-SAME: %[[A0:[^:]*]]: memref<?x?x?xf8E4M3FN>, %{{[^:]*}}: memref<?x?x?xi16>, %{{[^:]*}}: memref<?x?x?xf8E5M2>, %{{[^:]*}}: memref<?xf32>, %{{[^:]*}}: memref<f32>, %[[OA:[^:]*]]: memref<?x?x?xf8E4M3FN>, %[[MA:[^:]*]]: index, %[[NA:[^:]*]]: index, %{{[^:]*}}: index) attributes {sparq.gpu_launch}
// CHECK: gpu.wait async
// CHECK: %[[DV:.*]], %{{.*}} = gpu.alloc async {{.*}} : memref<?x?x?xf8E4M3FN>
// CHECK: gpu.memcpy async {{.*}} %[[DV]], %[[A0]]
// CHECK-COUNT-4: gpu.memcpy async
// CHECK: %[[OUTB:.*]] = memref.dim %[[OA]], %c0
// CHECK: %[[DOUT:.*]], %{{.*}} = gpu.alloc async
// CHECK: %[[X:.*]] = arith.ceildivui %[[NA]], %c64
// CHECK: %[[Y:.*]] = arith.ceildivui %[[MA]], %c64
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_mm_sp8_f8E4M3FN_f8E5M2_f8E4M3FN_vno blocks in (%[[X]], %[[Y]], %[[OUTB]]) threads in (%c128, %c1, %c1)
// CHECK: gpu.memcpy async {{.*}} %[[OA]], %[[DOUT]]
// CHECK-COUNT-6: gpu.dealloc async
// CHECK: gpu.wait [
// CHECK-NOT: memref.alloc
// CHECK: return

// Transposed: N (rows of the instruction's D) in y, M in x.
// CHECK-LABEL: func.func private @sparq_launch_sparq_mm_sp16_bf16_bf16_f32_t_nnb(
// CHECK-SAME: %[[MT:[^:]*]]: index, %[[NT:[^:]*]]: index, %{{[^:]*}}: index) attributes {sparq.gpu_launch}
// CHECK: %[[XT:.*]] = arith.ceildivui %[[MT]], %c64
// CHECK: %[[YT:.*]] = arith.ceildivui %[[NT]], %c64
// CHECK: gpu.launch_func async {{.*}} blocks in (%[[XT]], %[[YT]], %{{.*}})
// The multistage kernel: the rhs [B, K, N] made K-major ([B, N, K]) by the
// transpose kernel first, then 256 threads per 128 x 128 tile.
// CHECK-LABEL: func.func private @sparq_launch_sparq_mp_dense_f8E4M3FN_f8E5M2_f32_nn(
// CHECK-SAME: %[[MP:[^:]*]]: index, %[[NP:[^:]*]]: index, %{{[^:]*}}: index) attributes {sparq.gpu_launch}
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_transpose_f8E5M2
// CHECK: %[[XP:.*]] = arith.ceildivui %[[NP]], %c128
// CHECK: %[[YP:.*]] = arith.ceildivui %[[MP]], %c128
// CHECK: gpu.launch_func async {{.*}} @sparq_kernels::@sparq_mp_dense_f8E4M3FN_f8E5M2_f32_nn blocks in (%[[XP]], %[[YP]], %{{.*}}) threads in (%c256, %c1, %c1)
// CHECK-LABEL: func.func private @sparq_launch_sparq_mm_dense_f8E4M3FN_f8E5M2_f32_nn(

