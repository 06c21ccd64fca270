// The sm_90a warpgroup kernels (TMA, mbarrier ring, wgmma / wgmma.sp) of every
// family assembled by ptxas for sm_90a: no spilled byte, and no "wgmma ...
// serialized" warning (C7510-C7515), which would cost most of the Tensor
// Cores' throughput.
// REQUIRES: ptxas
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a kernels=wgmma format=isa" -o %t.mlir
// RUN: %python %sparq_src_root/bench/gpu/extract_binary.py %t.mlir %t.ptx
// RUN: %ptxas -arch=sm_90a -v %t.ptx -o %t.cubin > %t.log 2>&1
// RUN: FileCheck %s < %t.log
// RUN: not grep -E "[1-9][0-9]* bytes spill|warning|C751" %t.log
// RUN: FileCheck %s --check-prefix=PTX < %t.ptx

// Four kernels (and the transpose kernels of their K x N operands).
// CHECK-DAG: Compiling entry function 'sparq_wg_dense_f8E4M3FN_f8E5M2_bf16_ss'
// CHECK-DAG: Compiling entry function 'sparq_wg_sp8_f8E4M3FN_f8E4M3FN_f16_nn'
// CHECK-DAG: Compiling entry function 'sparq_wg_sp8_f8E5M2_f8E4M3FN_f32_t_nn'
// CHECK-DAG: Compiling entry function 'sparq_wg_sp16_f16_f16_f16_nn'
// CHECK-DAG: Compiling entry function 'sparq_transpose_f8E5M2'
// CHECK-DAG: 0 bytes spill stores, 0 bytes spill loads

// PTX-DAG: .maxntid 384, 1, 1
// PTX-DAG: setmaxnreg.dec.sync.aligned.u32 40;
// PTX-DAG: setmaxnreg.inc.sync.aligned.u32 232;
// PTX-DAG: cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::complete_tx::bytes
// PTX-DAG: mbarrier.try_wait.parity.shared::cta.b64
// PTX-DAG: mbarrier.arrive.expect_tx.shared::cta.b64
// PTX-DAG: wgmma.mma_async.sync.aligned.m64n256k32.f32.e4m3.e5m2
// PTX-DAG: wgmma.mma_async.sp.sync.aligned.m64n256k64.f32.e4m3.e4m3
// PTX-DAG: wgmma.mma_async.sp.sync.aligned.m64n256k64.f32.e5m2.e4m3
// PTX-DAG: wgmma.mma_async.sp.sync.aligned.m64n256k32.f32.f16.f16
// PTX-DAG: wgmma.wait_group.sync.aligned 1;
// PTX-DAG: .extern .shared .align 1024 .b8 sparq_wgmma_smem[];

func.func @dense(%a: tensor<?x?xf8E4M3FN>, %b: tensor<?x?xf8E5M2>, %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<?x?xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<f32> rhs_scale %sb : tensor<f32>
      : tensor<?x?xf8E4M3FN>, tensor<?x?xf8E5M2> -> tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}
func.func @sparse_fp8(%a: tensor<?x4096xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<4096x?xf8E4M3FN>) -> tensor<?x?xf16> {
  %0 = sparq.matmul %a, %b : tensor<?x4096xf8E4M3FN, #sparq.nm<2:4>>, tensor<4096x?xf8E4M3FN> -> tensor<?x?xf16>
  return %0 : tensor<?x?xf16>
}
// The 2:4 operand on the right: the kernel computes D^T (A = rhs^T, E5M2).
func.func @sparse_fp8_rhs(%a: tensor<?x256xf8E4M3FN>, %b: tensor<256x?xf8E5M2, #sparq.nm<2:4, dim = 0>>) -> tensor<?x?xf32> {
  %0 = sparq.matmul %a, %b : tensor<?x256xf8E4M3FN>, tensor<256x?xf8E5M2, #sparq.nm<2:4, dim = 0>> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
func.func @sparse_f16(%a: tensor<?x1024xf16, #sparq.nm<2:4>>, %b: tensor<1024x?xf16>) -> tensor<?x?xf16> {
  %0 = sparq.matmul %a, %b : tensor<?x1024xf16, #sparq.nm<2:4>>, tensor<1024x?xf16> -> tensor<?x?xf16>
  return %0 : tensor<?x?xf16>
}
