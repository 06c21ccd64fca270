// sparq-opt lists sparq's passes and pipelines next to every upstream one.
// RUN: sparq-opt --help | FileCheck %s

// CHECK-DAG: --convert-sparq-to-llvm
// CHECK-DAG: --sparq-cpu-pipeline
// CHECK-DAG: --sparq-permute-channels
// CHECK-DAG: --sparq-prune
// CHECK-DAG: --sparq-quantize
// CHECK-DAG: --convert-gpu-to-nvvm
// CHECK-DAG: --one-shot-bufferize
