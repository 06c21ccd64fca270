// libsparq_cuda_runtime.so exports every mgpu* function a module lowered by
// --sparq-gpu-pipeline calls, for both kernel formats (cubin is loaded with
// mgpuModuleLoad, PTX JIT-compiled with mgpuModuleLoadJIT).
// REQUIRES: cuda-runtime
// RUN: llvm-nm -D --defined-only %sparq_lib_dir/libsparq_cuda_runtime.so > %t.exported
// RUN: sparq-opt %s --sparq-gpu-pipeline="chip=sm_90a format=isa" | mlir-translate --mlir-to-llvmir > %t.isa.ll
// RUN: %python %S/Inputs/check_mgpu_symbols.py %t.isa.ll %t.exported | FileCheck %s --check-prefix=ISA
// ISA: exports all {{[0-9]+}} declared mgpu functions: {{.*}}mgpuLaunchKernel mgpuMemAlloc mgpuMemFree mgpuMemcpy mgpuModuleGetFunction mgpuModuleLoadJIT mgpuModuleUnload mgpuStreamCreate mgpuStreamDestroy mgpuStreamSynchronize

func.func @sparse_f16(%a: tensor<32x64xf16, #sparq.nm<2:4>>, %b: tensor<64x16xf16>) -> tensor<32x16xf32> {
  %0 = sparq.matmul %a, %b : tensor<32x64xf16, #sparq.nm<2:4>>, tensor<64x16xf16> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}
