// The kernels= option and the limits of TMA tensor maps: located errors
// before anything is rewritten.
// RUN: sparq-opt %s --split-input-file --verify-diagnostics --convert-sparq-to-nvvm="chip=sm_90a kernels=wgmma"
// RUN: not sparq-opt %s --convert-sparq-to-nvvm="chip=sm_89 kernels=wgmma" 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not sparq-opt %s --convert-sparq-to-nvvm="chip=sm_90a kernels=fast" 2>&1 | FileCheck %s --check-prefix=NAME

// CHIP: error: kernels=wgmma needs chip=sm_90a (wgmma and TMA are sm_90a features); the target is sm_89
// NAME: error: unknown kernels 'fast': expected auto, mma or wgmma

// A result dimension past what a tensor map can describe.
func.func @wide(%a: tensor<16x32xf8E4M3FN>, %b: tensor<32x8589934592xf8E4M3FN>) -> tensor<16x8589934592xf32> {
  // expected-error @below {{has a result dimension of 8589934592 elements; TMA tensor maps take at most 2^32}}
  %0 = sparq.matmul %a, %b : tensor<16x32xf8E4M3FN>, tensor<32x8589934592xf8E4M3FN> -> tensor<16x8589934592xf32>
  return %0 : tensor<16x8589934592xf32>
}

// -----

func.func @deep(%a: tensor<16x8589934592xf8E4M3FN>, %b: tensor<8589934592x16xf8E4M3FN>) -> tensor<16x16xf32> {
  // expected-error @below {{has K = 8589934592; TMA tensor maps take at most 2^32 elements}}
  %0 = sparq.matmul %a, %b : tensor<16x8589934592xf8E4M3FN>, tensor<8589934592x16xf8E4M3FN> -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}

// -----

// 2:4 FP8 rows of K / 2 bytes: K must be a multiple of 32.
func.func @misaligned(%a: tensor<16x80xf8E4M3FN, #sparq.nm<2:4>>, %b: tensor<80x16xf8E4M3FN>) -> tensor<16x16xf32> {
  // expected-error @below {{has K = 80, which kernels=wgmma cannot tile: TMA needs rows of 16-byte multiples, i.e. K a multiple of 32 for these operands (kernels=auto runs the warp-level kernel instead)}}
  %0 = sparq.matmul %a, %b : tensor<16x80xf8E4M3FN, #sparq.nm<2:4>>, tensor<80x16xf8E4M3FN> -> tensor<16x16xf32>
  return %0 : tensor<16x16xf32>
}
