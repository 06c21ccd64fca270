// libsparq_cuda_runtime.so exports the tensor-map functions the sm_90a
// (wgmma) lowering declares.
// REQUIRES: cuda-runtime
// RUN: llvm-nm -D --defined-only %sparq_lib_dir/libsparq_cuda_runtime.so | FileCheck %s
// CHECK-DAG: T sparqTensorMapCreate
// CHECK-DAG: T sparqTensorMapDestroy
