// As cuda-runtime-symbols.mlir, for a cubin (format=bin needs ptxas).
// REQUIRES: cuda-runtime, ptxas
// RUN: llvm-nm -D --defined-only %sparq_lib_dir/libsparq_cuda_runtime.so > %t.exported
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a format=bin toolkit=%cuda-toolkit" | mlir-translate --mlir-to-llvmir > %t.bin.ll
// RUN: %python %S/Inputs/check_mgpu_symbols.py %t.bin.ll %t.exported | FileCheck %s
// CHECK: exports all {{[0-9]+}} declared mgpu functions: {{.*}}mgpuModuleLoad mgpuModuleUnload

func.func @dense_fp8(%a: tensor<32x64xf8E4M3FN>, %b: tensor<64x16xf8E5M2>) -> tensor<32x16xf32> {
  %0 = sparq.matmul %a, %b : tensor<32x64xf8E4M3FN>, tensor<64x16xf8E5M2> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}
