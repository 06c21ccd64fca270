// RUN: sparq-opt %s --sparq-quantize="report=1 skip=last weight-granularity=channel" -split-input-file -verify-diagnostics -o /dev/null

// expected-remark @below {{sparq-quantize: 1 quantized, 2 left unchanged, 1 constant weights, worst weight error}}
module {
func.func @report(%x: tensor<4x8xf32>, %i: tensor<4x8xi32>, %j: tensor<8x2xi32>, %k: tensor<4x2xi32>) -> (tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x2xf32>) {
  %w = arith.constant dense<1.5> : tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @below {{quantized to FP8: inputs 'f8E4M3FN' and 'f8E4M3FN'; input 0: activation, dynamic scale; input 1: weight, per-channel scale; constant weight: relative L2 error 0.0000}}
  %0 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  // expected-remark @below {{left unchanged: expects f32, f16 or bf16 operands and result of one type}}
  %1 = linalg.matmul ins(%i, %j : tensor<4x8xi32>, tensor<8x2xi32>) outs(%k : tensor<4x2xi32>) -> tensor<4x2xi32>
  // expected-remark @below {{left unchanged: last contraction of the function (skip=last)}}
  %2 = linalg.matmul ins(%x, %w : tensor<4x8xf32>, tensor<8x2xf32>) outs(%init : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %0, %1, %2 : tensor<4x2xf32>, tensor<4x2xi32>, tensor<4x2xf32>
}
}

// -----

// expected-remark @below {{sparq-quantize: 0 quantized, 1 left unchanged, 0 constant weights}}
module {
func.func @conv(%x: tensor<1x6x6x4xf32>, %w: tensor<3x3x4x8xf32>, %o: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  // expected-remark @below {{left unchanged: convolutions are quantized only with convolutions=true}}
  %r = linalg.conv_2d_nhwc_hwcf ins(%x, %w : tensor<1x6x6x4xf32>, tensor<3x3x4x8xf32>) outs(%o : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %r : tensor<1x4x4x8xf32>
}
}

// -----

// Static sizes that disagree (K is 4 in one operand, 8 in the other): linalg
// accepts the op, sparq.matmul would not; it is left alone (found by
// fuzzing: the pass used to produce IR that does not verify).
// expected-remark @below {{sparq-quantize: 0 quantized, 1 left unchanged, 0 constant weights}}
module {
func.func @sizes_disagree(%w: tensor<4x3xf32>, %x: tensor<?x8xf32>, %c: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-remark @below {{left unchanged: operands disagree on the size of a dimension (4 vs 8)}}
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, k)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%w, %x : tensor<4x3xf32>, tensor<?x8xf32>) outs(%c : tensor<?x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
}
