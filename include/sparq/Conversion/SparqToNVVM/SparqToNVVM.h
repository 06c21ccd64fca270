//===- SparqToNVVM.h - sparq.matmul to Tensor Core kernels ------*- C++ -*-===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_SPARQTONVVM_H
#define SPARQ_CONVERSION_SPARQTONVVM_SPARQTONVVM_H

#include "sparq/Conversion/SparqToLLVM/SparqToLLVM.h"
#include "sparq/Conversion/SparqToNVVM/Target.h"
#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace sparq {

/// Marks the host functions that launch sparq's kernels (copies in, launch,
/// copy out, free): buffer deallocation skips them (see
/// --sparq-buffer-deallocation).
constexpr llvm::StringLiteral kGpuLaunchAttrName = "sparq.gpu_launch";

/// The instruction family `op` lowers to on the GPU, or failure with the
/// reason in `whyNot` (an operand combination without Tensor Core support,
/// a non-2:4 pattern, an FP8 result without saturation).
mlir::FailureOr<nvvm::MmaFamily> selectMmaFamily(MatmulOp op,
                                                 std::string &whyNot);

/// Which kernels the patterns build.
struct GpuKernelOptions {
  /// Warpgroup-level kernels (TMA, wgmma; sm_90a only) where K keeps every
  /// row 16-byte aligned, the warp-level kernel where a static K does not.
  /// Otherwise warp-level kernels only.
  bool warpgroup = false;
  /// With `warpgroup`: a dynamic K that breaks TMA's alignment runs the
  /// warp-level kernel (chosen at run time); without, it stops the program
  /// with a message (cf.assert).
  bool fallback = true;
};

/// Patterns turning sparq.matmul on tensors into a call of a launch function
/// (device buffers, copies in and out) of a Tensor Core kernel built in
/// `kernels`, with
/// encoded operands as their two storage tensors (see
/// SparqStorageTypeConverter).
void populateSparqToNVVMConversionPatterns(
    const SparqStorageTypeConverter &converter, mlir::gpu::GPUModuleOp kernels,
    mlir::RewritePatternSet &patterns, GpuKernelOptions options = {});

} // namespace sparq

#endif // SPARQ_CONVERSION_SPARQTONVVM_SPARQTONVVM_H
