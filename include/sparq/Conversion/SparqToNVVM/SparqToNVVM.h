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

/// Marks a sparq.matmul whose result only feeds the next GPU product in its
/// block: with host copies, its result stays on the device for that product
/// (set by convert-sparq-to-nvvm before it rewrites).
constexpr llvm::StringLiteral kKeepOnDeviceAttrName = "sparq.keep_on_device";

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
  /// Products on host buffers: each becomes a call of a launch function
  /// that copies its operands to the device and the result back. Without:
  /// operands and the result are device buffers owned by the caller (views
  /// through bufferization.to_tensor / materialize_in_destination, see
  /// docs/GPU.md) and each product becomes its launch sequence, inline, with
  /// no allocation and no copy. Either way constant operands are uploaded
  /// once per program.
  bool hostCopies = true;
};

/// Patterns turning sparq.matmul on tensors into launches of Tensor Core
/// kernels built in `kernels` (see GpuKernelOptions::hostCopies), with
/// encoded operands as their two storage tensors (see
/// SparqStorageTypeConverter). The products must have passed
/// checkDeviceMemoryOperands when `options.hostCopies` is false (the
/// convert-sparq-to-nvvm pass checks them); others fail to match.
void populateSparqToNVVMPatterns(const SparqStorageTypeConverter &converter,
                                 mlir::gpu::GPUModuleOp kernels,
                                 mlir::RewritePatternSet &patterns,
                                 GpuKernelOptions options = {});

/// Emits a located error unless every operand of `op` is a constant or a
/// view of device memory and its result is stored into device memory: what
/// host-copies=false lowers.
mlir::LogicalResult checkDeviceMemoryOperands(MatmulOp op);

} // namespace sparq

#endif // SPARQ_CONVERSION_SPARQTONVVM_SPARQTONVVM_H
