// The products bench/gpu/check.sh times: each function's sparq.matmul
// becomes one kernel of the cubin (kernels take their sizes at run time, so
// the shapes here only name the variant). Compiled by
//   sparq-opt kernels.mlir --sparq-gpu-pipeline="chip=sm_90a format=bin"

// Dense FP8, per-tensor scales, bf16 result (as torch._scaled_mm).
func.func @dense_fp8(%a: tensor<?x?xf8E4M3FN>, %b: tensor<?x?xf8E4M3FN>,
                     %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<?x?xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<f32> rhs_scale %sb : tensor<f32>
      : tensor<?x?xf8E4M3FN>, tensor<?x?xf8E4M3FN> -> tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}

// 2:4 FP8 lhs, per-tensor scales, bf16 result.
func.func @sparse_fp8(%a: tensor<?x4096xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<4096x?xf8E4M3FN>,
                      %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<?x?xbf16> {
  %0 = sparq.matmul %a, %b lhs_scale %sa : tensor<f32> rhs_scale %sb : tensor<f32>
      : tensor<?x4096xf8E4M3FN, #sparq.nm<2:4>>, tensor<4096x?xf8E4M3FN> -> tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}

// 2:4 f16 and bf16 lhs, f16 / bf16 result (as cuSPARSELt's).
func.func @sparse_f16(%a: tensor<?x4096xf16, #sparq.nm<2:4>>, %b: tensor<4096x?xf16>) -> tensor<?x?xf16> {
  %0 = sparq.matmul %a, %b : tensor<?x4096xf16, #sparq.nm<2:4>>, tensor<4096x?xf16> -> tensor<?x?xf16>
  return %0 : tensor<?x?xf16>
}
func.func @sparse_bf16(%a: tensor<?x4096xbf16, #sparq.nm<2:4>>, %b: tensor<4096x?xbf16>) -> tensor<?x?xbf16> {
  %0 = sparq.matmul %a, %b : tensor<?x4096xbf16, #sparq.nm<2:4>>, tensor<4096x?xbf16> -> tensor<?x?xbf16>
  return %0 : tensor<?x?xbf16>
}
