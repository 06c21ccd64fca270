// The warp-level multistage kernel (cp.async ring, PipelineKernel.cpp)
// assembled by ptxas for sm_89 and sm_90 with no spilled byte and no warning.
// (FP8 mma.sync does not exist on sm_80, so the dense FP8 kernel has no
// sm_80 build.)
// REQUIRES: ptxas
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_89 format=isa" -o %t.89.mlir
// RUN: %python %sparq_src_root/bench/gpu/extract_binary.py %t.89.mlir %t.89.ptx
// RUN: %ptxas -arch=sm_89 -v %t.89.ptx -o %t.89.cubin > %t.89.log 2>&1
// RUN: FileCheck %s < %t.89.log
// RUN: not grep -E "[1-9][0-9]* bytes spill|warning" %t.89.log
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90 format=isa" -o %t.90.mlir
// RUN: %python %sparq_src_root/bench/gpu/extract_binary.py %t.90.mlir %t.90.ptx
// RUN: %ptxas -arch=sm_90 -v %t.90.ptx -o %t.90.cubin > %t.90.log 2>&1
// RUN: FileCheck %s < %t.90.log
// RUN: not grep -E "[1-9][0-9]* bytes spill|warning" %t.90.log

// CHECK-DAG: Compiling entry function 'sparq_mp_dense_f8E4M3FN_f8E5M2_bf16_ss'
// CHECK-DAG: Compiling entry function 'sparq_mp_dense_f8E5M2_f8E4M3FN_f8E4M3FN_vv'
// The simple kernel a K without 16-byte rows falls back to (dynamic K here).
// CHECK-DAG: Compiling entry function 'sparq_mm_dense_f8E4M3FN_f8E5M2_bf16_ss'
// CHECK-DAG: 49152 bytes smem
// CHECK-DAG: 0 bytes spill stores, 0 bytes spill loads

func.func @dense_dynamic_k(%a: tensor<?x?xf8E4M3FN>, %b: tensor<?x?xf8E5M2>,
                           %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<?x?xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<f32> rhs_scale %sb : tensor<f32>
      : tensor<?x?xf8E4M3FN>, tensor<?x?xf8E5M2> -> tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}
func.func @dense_vector_scales(%a: tensor<100x96xf8E5M2>, %b: tensor<96x300xf8E4M3FN>,
                               %sa: tensor<100xf32>, %sb: tensor<300xf32>) -> tensor<100x300xf8E4M3FN> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<100xf32> rhs_scale %sb : tensor<300xf32>
      : tensor<100x96xf8E5M2>, tensor<96x300xf8E4M3FN> -> tensor<100x300xf8E4M3FN>
  return %0 : tensor<100x300xf8E4M3FN>
}
