// --sparq-cpu-pipeline frees every buffer it allocates: a training-like loop
// that allocates two fresh 2 MiB buffers per step (the run-time prune's
// result, the update's result) for 1000 steps needs ~4 GiB if nothing is
// freed, and runs within a 1 GiB address space when the buffers are freed.
// RUN: sparq-opt %s --sparq-cpu-pipeline | FileCheck %s --check-prefix=IR
// RUN: sparq-opt %s --sparq-cpu-pipeline > %t.mlir
// RUN: %limit-address-space 1048576
// RUN: %sparq-run %t.mlir | FileCheck %s

// IR-LABEL: llvm.func @step
// IR: llvm.call @malloc
// IR: llvm.call @sparq_rt_prune
// IR: llvm.call @free
// IR-LABEL: llvm.func @main

// The first group of four keeps its first two (equal) weights, which grow by
// 0.1% a step: 1.001^1000 = 2.7169.
// CHECK: [2.7169{{[0-9]*}}, 2.7169{{[0-9]*}}, 1, 1]

func.func private @printMemrefF32(tensor<*xf32>)

func.func @step(%w: tensor<512x1024xf32>) -> tensor<512x1024xf32> {
  %p = sparq.prune %w <2:4, dim = 1> : tensor<512x1024xf32>
  %init = tensor.empty() : tensor<512x1024xf32>
  %next = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%w, %p : tensor<512x1024xf32>, tensor<512x1024xf32>)
      outs(%init : tensor<512x1024xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %rate = arith.constant 0.001 : f32
    %step = arith.mulf %b, %rate : f32
    %sum = arith.addf %a, %step : f32
    linalg.yield %sum : f32
  } -> tensor<512x1024xf32>
  return %next : tensor<512x1024xf32>
}

func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %steps = arith.constant 1000 : index
  %w0 = arith.constant dense<1.0> : tensor<512x1024xf32>
  %w = scf.for %i = %c0 to %steps step %c1 iter_args(%wi = %w0)
      -> (tensor<512x1024xf32>) {
    %next = func.call @step(%wi)
        : (tensor<512x1024xf32>) -> tensor<512x1024xf32>
    scf.yield %next : tensor<512x1024xf32>
  }
  %head = tensor.extract_slice %w[0, 0] [1, 4] [1, 1]
      : tensor<512x1024xf32> to tensor<1x4xf32>
  %printed = tensor.cast %head : tensor<1x4xf32> to tensor<*xf32>
  func.call @printMemrefF32(%printed) : (tensor<*xf32>) -> ()
  return
}
