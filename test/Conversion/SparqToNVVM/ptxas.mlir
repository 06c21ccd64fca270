// Every kernel variant assembled by ptxas for each chip that has it
// (format=bin runs ptxas; its failure would be an error here).
// REQUIRES: ptxas
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a format=bin toolkit=%cuda-toolkit" | FileCheck %s --check-prefix=BIN -DCHIP=sm_90a
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90 format=bin toolkit=%cuda-toolkit" | FileCheck %s --check-prefix=BIN -DCHIP=sm_90
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_89 format=bin toolkit=%cuda-toolkit" | FileCheck %s --check-prefix=BIN -DCHIP=sm_89
// f16/bf16 2:4 alone on Ampere.
// RUN: not sparq-opt %s --split-input-file --sparq-gpu-pipeline="chip=sm_80 format=bin toolkit=%cuda-toolkit" 2>&1 | FileCheck %s --check-prefix=AMPERE

// BIN: gpu.binary @sparq_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "[[CHIP]]", features = "+ptx85">, properties = {{.*}}, bin = "\7FELF

// The first split (FP8) is refused for sm_80; the second assembles.
// AMPERE: error: 'sparq.matmul' op needs mma.sync m16n8k32 FP8, which sm_89 and newer have; the target is sm_80
// AMPERE: gpu.binary @sparq_kernels  [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx85">, properties = {{.*}}, bin = "\7FELF

func.func @dense_fp8(%a: tensor<33x70xf8E5M2>, %b: tensor<70x9xf8E5M2>) -> tensor<33x9xf8E5M2> {
  %0 = sparq.matmul %a, %b : tensor<33x70xf8E5M2>, tensor<70x9xf8E5M2> -> tensor<33x9xf8E5M2>
  return %0 : tensor<33x9xf8E5M2>
}
func.func @sparse_fp8(%a: tensor<32x128xf8E5M2, #sparq.nm<2:4>>, %b: tensor<128x16xf8E4M3FN>, %sa: tensor<32xf32>, %sb: tensor<16xf32>) -> tensor<32x16xf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<32xf32> rhs_scale %sb : tensor<16xf32> : tensor<32x128xf8E5M2, #sparq.nm<2:4>>, tensor<128x16xf8E4M3FN> -> tensor<32x16xf16>
  return %0 : tensor<32x16xf16>
}
func.func @sparse_fp8_rhs(%a: tensor<32x128xf8E4M3FN>, %b: tensor<128x16xf8E4M3FN, #sparq.nm<2:4, dim = 0>>) -> tensor<32x16xf32> {
  %0 = sparq.matmul %a, %b : tensor<32x128xf8E4M3FN>, tensor<128x16xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

func.func @sparse_f16(%a: tensor<32x64xf16, #sparq.nm<2:4>>, %b: tensor<64x16xf16>) -> tensor<32x16xf16> {
  %0 = sparq.matmul %a, %b : tensor<32x64xf16, #sparq.nm<2:4>>, tensor<64x16xf16> -> tensor<32x16xf16>
  return %0 : tensor<32x16xf16>
}
func.func @sparse_bf16_rhs(%a: tensor<32x64xbf16>, %b: tensor<64x16xbf16, #sparq.nm<2:4, dim = 0>>) -> tensor<32x16xbf16> {
  %0 = sparq.matmul %a, %b : tensor<32x64xbf16>, tensor<64x16xbf16, #sparq.nm<2:4, dim = 0>> -> tensor<32x16xbf16>
  return %0 : tensor<32x16xbf16>
}
