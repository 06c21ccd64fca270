// The PTX of every kernel variant: instruction spellings and operand counts.
// The assembly is an escaped string attribute; unescape tabs and newlines.
// RUN: sparq-opt %s --split-input-file --sparq-gpu-pipeline="chip=sm_90a kernels=mma format=isa" \
// RUN:   | sed -e 's/\\0A/\n/g' -e 's/\\09/ /g' | FileCheck %s
// RUN: sparq-opt %s --split-input-file --sparq-gpu-pipeline="chip=sm_89 format=isa" \
// RUN:   | sed -e 's/\\0A/\n/g' -e 's/\\09/ /g' | FileCheck %s --check-prefix=ADA

// Dense FP8 alone needs PTX 8.4 (8.5 once a sparse product is present).
// ADA: .version 8.4
// ADA-NEXT: .target sm_89
// CHECK: .version 8.4
// CHECK-NEXT: .target sm_90a
// The multistage kernel (K = 64: rows of 16-byte multiples): a 48 KB
// static ring aligned to 128 bytes, two groups of four 16-byte cp.async.cg
// with a src-size (zero fill) before the loop, and in the loop: wait_group
// 1, one barrier, four copies and a commit, 12 ldmatrix.x4 and 32 mma.sync.
// Global memory is read only by the 16-byte copies; nothing element by
// element from shared memory.
// CHECK: .visible .entry sparq_mp_dense_f8E4M3FN_f8E5M2_bf16_vs(
// CHECK: .maxntid 256, 1, 1
// CHECK: .shared .align 128 .b8 __wg_sparq_mp_dense_f8E4M3FN_f8E5M2_bf16_vs_0[49152];
// CHECK-NOT: ld.global
// CHECK-COUNT-4: cp.async.cg.shared.global [%rd{{[0-9]+}}{{(\+[0-9]+)?}}], [%rd{{[0-9]+}}], 16, %r{{[0-9]+}};
// CHECK-NEXT: cp.async.commit_group;
// CHECK: cp.async.commit_group;
// CHECK-NOT: ld.global
// CHECK: cp.async.wait_group 1;
// CHECK-NEXT: bar.sync 0;
// CHECK-NOT: ld.global
// CHECK-NOT: ld.shared
// CHECK-COUNT-4: cp.async.cg.shared.global
// CHECK: cp.async.commit_group;
// CHECK-NOT: ld.shared
// CHECK-COUNT-4: ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, [%rd{{[0-9]+}}{{(\+[0-9]+)?}}];
// CHECK-COUNT-32: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e5m2.f32
// CHECK-NOT: ld.shared
// CHECK: cp.async.wait_group 0;
// The epilogue stores each row's pair of bf16 results as one vector.
// CHECK: cvt.rn.bf16.f32
// CHECK: st.global.v2.b16 [%rd{{[0-9]+}}], {%rs{{[0-9]+}}, %rs{{[0-9]+}}};
// CHECK-NOT: mma.sp
// CHECK: .visible .entry sparq_transpose_f8E5M2(
func.func @dense_fp8(%a: tensor<32x64xf8E4M3FN>, %b: tensor<64x16xf8E5M2>, %sa: tensor<32xf32>, %sb: tensor<f32>) -> tensor<32x16xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<32xf32> rhs_scale %sb : tensor<f32> : tensor<32x64xf8E4M3FN>, tensor<64x16xf8E5M2> -> tensor<32x16xbf16>
  return %0 : tensor<32x16xbf16>
}

// K = 72: the simple kernel.
// CHECK: .visible .entry sparq_mm_dense_f8E4M3FN_f8E5M2_bf16_vs(
// Shared tiles (A 64 x 48 bytes, B^T 64 x 48 bytes) 16-byte aligned: the
// rows ldmatrix reads must be.
// CHECK: .shared .align 16 .b8 __wg_sparq_mm_dense_f8E4M3FN_f8E5M2_bf16_vs_0[3072];
// CHECK: .shared .align 16 .b8 __wg_sparq_mm_dense_f8E4M3FN_f8E5M2_bf16_vs_1[3072];
// Fragments from shared memory: an ldmatrix.x4 per A fragment (2), an
// ldmatrix.x2 per B fragment (4), nothing element by element.
// CHECK-NOT: ld.shared
// CHECK-COUNT-2: ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}}, [%rd{{[0-9]+}}];
// CHECK-NOT: ld.shared
// CHECK-COUNT-4: ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%r{{[0-9]+}}, %r{{[0-9]+}}}, [%rd{{[0-9]+}}];
// CHECK-NOT: ld.shared
// D (4 x f32), A (4 x b32: 16 FP8), B (2 x b32: 8 FP8), C.
// CHECK-COUNT-8: mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e5m2.f32
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}};
// CHECK: cvt.rn.bf16.f32
// CHECK-NOT: mma.sp
func.func @dense_fp8_ragged_k(%a: tensor<32x72xf8E4M3FN>, %b: tensor<72x16xf8E5M2>, %sa: tensor<32xf32>, %sb: tensor<f32>) -> tensor<32x16xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<32xf32> rhs_scale %sb : tensor<f32> : tensor<32x72xf8E4M3FN>, tensor<72x16xf8E5M2> -> tensor<32x16xbf16>
  return %0 : tensor<32x16xbf16>
}

// -----

// ADA: .version 8.5
// ADA-NEXT: .target sm_89
// CHECK: .version 8.5
// CHECK-NEXT: .target sm_90a

// Sparse FP8: A holds 32 kept values of a 64-wide K step (4 x b32), B 64 x 8
// (4 x b32), one metadata register, selector 0; the FP8 result converts in
// pairs.
// CHECK: .visible .entry sparq_mm_sp8_f8E4M3FN_f8E4M3FN_f8E4M3FN_nno(
// CHECK: .shared .align 16 .b8 __wg_sparq_mm_sp8_f8E4M3FN_f8E4M3FN_f8E4M3FN_nno_0[3072];
// CHECK: .shared .align 16 .b8 __wg_sparq_mm_sp8_f8E4M3FN_f8E4M3FN_f8E4M3FN_nno_1[5120];
// CHECK: .shared .align 16 .b8 __wg_sparq_mm_sp8_f8E4M3FN_f8E4M3FN_f8E4M3FN_nno_2[512];
// ldmatrix.x4 for each fragment; the two metadata words of a lane are
// adjacent, one 32-bit load.
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: ld.shared.b32
// CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK: ld.shared.b32
// CHECK-COUNT-4: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-8: mma.sp::ordered_metadata.sync.aligned.m16n8k64.row.col.f32.e4m3.e4m3.f32
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: %r{{[0-9]+}},
// CHECK-NEXT: 0;
// CHECK: cvt.rn.satfinite.e4m3x2.f32
func.func @sparse_fp8(%a: tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<128x16xf8E4M3FN>, %so: tensor<f32>) -> tensor<32x16xf8E4M3FN> {
  %0 = sparq.matmul %a, %b out_scale %so : tensor<f32> : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x16xf8E4M3FN> -> tensor<32x16xf8E4M3FN>
  return %0 : tensor<32x16xf8E4M3FN>
}

// Sparse f16: A 16 kept of a 32-wide K step (4 x f16x2), B 32 x 8 (4 regs).
// CHECK: .visible .entry sparq_mm_sp16_f16_f16_f32_nn(
// CHECK-COUNT-6: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-8: mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.f16.f16.f32
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: {%r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}, %r{{[0-9]+}}},
// CHECK-NEXT: %r{{[0-9]+}},
// CHECK-NEXT: 0;
func.func @sparse_f16(%a: tensor<32x64xf16, #sparq.nm<2:4>>, %b: tensor<64x16xf16>) -> tensor<32x16xf32> {
  %0 = sparq.matmul %a, %b : tensor<32x64xf16, #sparq.nm<2:4>>, tensor<64x16xf16> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// Sparse bf16 weight (rhs): the transposed kernel.
// CHECK: .visible .entry sparq_mm_sp16_bf16_bf16_bf16_t_nnb(
// CHECK-COUNT-8: mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16.bf16.f32
// CHECK: cvt.rn.bf16.f32
func.func @sparse_bf16_rhs(%a: tensor<32x64xbf16>, %b: tensor<64x16xbf16, #sparq.nm<2:4, dim = 0>>, %bias: tensor<16xf32>) -> tensor<32x16xbf16> {
  %0 = sparq.matmul %a, %b bias %bias : tensor<16xf32> : tensor<32x64xbf16>, tensor<64x16xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<32x16xbf16>
  return %0 : tensor<32x16xbf16>
}
