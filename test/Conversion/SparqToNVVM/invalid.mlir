// RUN: sparq-opt %s --split-input-file --verify-diagnostics --convert-sparq-to-nvvm=chip=sm_80
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-nvvm="chip=sm_90 ptx=83" 2>&1 | FileCheck %s --check-prefix=PTX
// RUN: not sparq-opt %s --split-input-file --convert-sparq-to-nvvm=chip=sm_75 2>&1 | FileCheck %s --check-prefix=CHIP

// CHIP: error: unknown chip 'sm_75': expected sm_80, sm_89, sm_90 or sm_90a

// FP8 Tensor Cores begin with Ada (sm_89).
func.func @fp8_on_ampere(%a: tensor<32x64xf8E4M3FN>, %b: tensor<64x16xf8E4M3FN>) -> tensor<32x16xf32> {
  // PTX: error: 'sparq.matmul' op needs PTX 8.4 for mma.sync m16n8k32 FP8; the requested PTX is 8.3
  // expected-error @below {{needs mma.sync m16n8k32 FP8, which sm_89 and newer have; the target is sm_80}}
  %0 = sparq.matmul %a, %b : tensor<32x64xf8E4M3FN>, tensor<64x16xf8E4M3FN> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

func.func @sparse_fp8_on_ampere(%a: tensor<32x128xf8E5M2, #sparq.nm<2:4>>, %b: tensor<128x16xf8E4M3FN>) -> tensor<32x16xf32> {
  // PTX: error: 'sparq.matmul' op needs PTX 8.5 for mma.sp::ordered_metadata m16n8k64 FP8; the requested PTX is 8.3
  // expected-error @below {{needs mma.sp::ordered_metadata m16n8k64 FP8, which sm_89 and newer have}}
  %0 = sparq.matmul %a, %b : tensor<32x128xf8E5M2, #sparq.nm<2:4>>, tensor<128x16xf8E4M3FN> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

// Dense f16 has Tensor Cores, but not through sparq's kernels.
func.func @dense_f16(%a: tensor<32x64xf16>, %b: tensor<64x16xf16>) -> tensor<32x16xf32> {
  // expected-error @below {{has no Tensor Core lowering: sparq lowers FP8 products and 2:4-sparse f16/bf16 products to Tensor Cores; this one has dense f16 operands}}
  %0 = sparq.matmul %a, %b : tensor<32x64xf16>, tensor<64x16xf16> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

func.func @f32(%a: tensor<32x64xf32>, %b: tensor<64x16xf32>) -> tensor<32x16xf32> {
  // expected-error @below {{this one has dense f32 operands}}
  %0 = sparq.matmul %a, %b : tensor<32x64xf32>, tensor<64x16xf32> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

// mma.sp takes 2:4 only: metadata of any other pattern cannot feed it.
func.func @two_eight(%a: tensor<32x64xf16, #sparq.nm<2:8>>, %b: tensor<64x16xf16>) -> tensor<32x16xf32> {
  // expected-error @below {{has no Tensor Core lowering: Tensor Cores take 2:4 sparsity only}}
  %0 = sparq.matmul %a, %b : tensor<32x64xf16, #sparq.nm<2:8>>, tensor<64x16xf16> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

func.func @one_four_rhs(%a: tensor<32x64xbf16>, %b: tensor<64x16xbf16, #sparq.nm<1:4, dim = 0>>) -> tensor<32x16xf32> {
  // expected-error @below {{Tensor Cores take 2:4 sparsity only}}
  %0 = sparq.matmul %a, %b : tensor<32x64xbf16>, tensor<64x16xbf16, #sparq.nm<1:4, dim = 0>> -> tensor<32x16xf32>
  return %0 : tensor<32x16xf32>
}

// -----

// cvt to FP8 exists only with .satfinite.
func.func @fp8_out_unsaturated(%a: tensor<32x64xf8E4M3FN>, %b: tensor<64x16xf8E4M3FN>) -> tensor<32x16xf8E4M3FN> {
  // expected-error @below {{has no Tensor Core lowering: PTX converts to FP8 only with .satfinite}}
  %0 = sparq.matmul %a, %b saturation <none> : tensor<32x64xf8E4M3FN>, tensor<64x16xf8E4M3FN> -> tensor<32x16xf8E4M3FN>
  return %0 : tensor<32x16xf8E4M3FN>
}

// -----

// Encoded tensors travel only through sparq ops, signatures, calls, returns
// and scf regions.
func.func @encoded_cast(%x: tensor<4x8xf16>) -> tensor<4x8xf16, #sparq.nm<2:4>> {
  %e = sparq.compress %x : tensor<4x8xf16> -> tensor<4x8xf16, #sparq.nm<2:4>>
  // expected-error @below {{cannot take #sparq.nm-encoded tensors to the GPU: they may only flow through sparq ops, function signatures, calls, returns and scf regions}}
  %c = tensor.cast %e : tensor<4x8xf16, #sparq.nm<2:4>> to tensor<4x8xf16, #sparq.nm<2:4>>
  return %c : tensor<4x8xf16, #sparq.nm<2:4>>
}

// -----

// CUDA grids hold at most 65535 blocks in y (row tiles of 64) and z (batch).
func.func @too_many_rows(%a: tensor<4194304x64xf16, #sparq.nm<2:4>>, %b: tensor<64x8xf16>) -> tensor<4194304x8xf32> {
  // expected-error @below {{needs 65536 row tiles in its launch grid; CUDA allows 65535}}
  %0 = sparq.matmul %a, %b : tensor<4194304x64xf16, #sparq.nm<2:4>>, tensor<64x8xf16> -> tensor<4194304x8xf32>
  return %0 : tensor<4194304x8xf32>
}

// -----

func.func @too_many_batches(%a: tensor<65536x16x64xbf16, #sparq.nm<2:4>>, %b: tensor<65536x64x8xbf16>) -> tensor<65536x16x8xf32> {
  // expected-error @below {{needs 65536 batch entries in its launch grid; CUDA allows 65535}}
  %0 = sparq.matmul %a, %b : tensor<65536x16x64xbf16, #sparq.nm<2:4>>, tensor<65536x64x8xbf16> -> tensor<65536x16x8xf32>
  return %0 : tensor<65536x16x8xf32>
}
