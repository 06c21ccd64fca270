//===- LaunchFunction.h - host functions that run sparq's kernels (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H

#include "MmaKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace sparq::nvvm {

/// The host function (private, `sparq.gpu_launch`) that runs `kernel` of
/// `spec` on host buffers: it copies the inputs to the device, launches,
/// copies the result into `out` and frees the device buffers, on one
/// stream, synchronously at the end. Its type `hostType` takes the
/// operands' buffers as getOrBuildKernel's kernels do (fully dynamic; `out`
/// [B, M, N]), M, N, K, whichever kernel runs, then one slot (!llvm.ptr,
/// getOrCreateConstantSlot) per input marked in `constantInputs`: those are
/// uploaded on their first use only (emitDeviceConstant), never copied or
/// freed per call. Warpgroup kernels also get K-major copies of the rhs
/// (and its metadata) and TMA tensor maps.
/// Kept out of line so that host buffer deallocation, which cannot reason
/// about gpu.wait, skips it: it allocates no host memory.
mlir::func::FuncOp getOrBuildLaunchFunction(
    mlir::OpBuilder &builder, mlir::ModuleOp module,
    mlir::gpu::GPUModuleOp kernels, mlir::gpu::GPUFuncOp kernel,
    const KernelSpec &spec, mlir::FunctionType hostType,
    llvm::ArrayRef<bool> constantInputs);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H
