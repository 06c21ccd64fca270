//===- MmaKernel.h - GPU kernels for sparq.matmul (private) -----*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_MMAKERNEL_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_MMAKERNEL_H

#include "sparq/Conversion/SparqToNVVM/KernelIndexing.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

namespace sparq::nvvm {

/// How a scale operand of sparq.matmul is passed.
enum class ScaleKind { None, Scalar, Vector };

/// Everything that makes two sparq.matmul kernels differ.
struct KernelSpec {
  MmaFamily family;
  /// Element types of the instruction's A and B (after the swap below).
  mlir::Type aElement, bElement;
  /// The sparse operand is sparq.matmul's rhs: the kernel computes
  /// D^T = B^T A^T, so that the sparse operand is the instruction's A.
  bool transposed = false;
  mlir::Type outElement;
  ScaleKind lhsScale = ScaleKind::None, rhsScale = ScaleKind::None;
  bool outScale = false, bias = false;
  /// A warpgroup-level kernel (wgmma, TMA; sm_90a, WgmmaKernel.cpp) rather
  /// than a warp-level one (mma.sync / mma.sp).
  bool warpgroup = false;
  /// The warp-level cp.async multistage kernel (PipelineKernel.cpp): the
  /// instruction's A and B K-major, K rows of 16-byte multiples.
  bool pipelined = false;

  /// A symbol naming the variant.
  std::string name() const;
};

/// Builds the kernel of `spec` in `module` (or returns it when it exists).
/// Its arguments, all memrefs of dynamic shape: lhs [B, M, K or K/2],
/// lhs metadata [B, M, words] when lhs is sparse, rhs [B, K or K/2, N], rhs
/// metadata [B, words, N] when rhs is sparse, then the scales and bias that
/// `spec` has (rank 0 or 1, f32), out [B, M, N], and M, N, K as index.
mlir::gpu::GPUFuncOp getOrBuildKernel(mlir::OpBuilder &builder,
                                      mlir::gpu::GPUModuleOp module,
                                      const KernelSpec &spec);

/// Builds the warpgroup-level kernel of `spec` (spec.warpgroup) in `module`
/// (or returns it). Its arguments: the device addresses (!llvm.ptr) of the
/// TMA tensor maps of the instruction's A ([B, rows, kStored], K-major) and
/// B ([B, cols, K], K-major); the metadata of A [B, rows, words] (i16) when
/// sparse; the scales and bias as getOrBuildKernel's; out [B, M, N]; M, N,
/// K. The kernel's `sparq.launch` attribute (kLaunchAttrName) gives its block
/// size, dynamic shared memory and tensor map boxes.
mlir::gpu::GPUFuncOp getOrBuildWgmmaKernel(mlir::OpBuilder &builder,
                                           mlir::gpu::GPUModuleOp module,
                                           const KernelSpec &spec);

/// Builds the multistage warp-level kernel of `spec` (spec.pipelined) in
/// `module` (or returns it). Its arguments: the instruction's A [B, rows,
/// kStored] and B [B, cols, K], both K-major, with rows of 16-byte
/// multiples; the scales and bias as getOrBuildKernel's; out [B, M, N]; M,
/// N, K. Launch: kLaunchAttrName gives its threads and block tile.
mlir::gpu::GPUFuncOp getOrBuildPipelineKernel(mlir::OpBuilder &builder,
                                              mlir::gpu::GPUModuleOp module,
                                              const KernelSpec &spec);

/// The NVVM intrinsic of `spec`'s warp-level instruction: mma.sync FP8 or
/// mma.sp with ordered metadata.
std::string mmaIntrinsicName(const KernelSpec &spec);

/// The attribute of a warpgroup-level kernel that says how to launch it.
constexpr llvm::StringLiteral kLaunchAttrName = "sparq.launch";

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_MMAKERNEL_H
