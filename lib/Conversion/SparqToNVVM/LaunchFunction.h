//===- LaunchFunction.h - host functions that run sparq's kernels (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H

#include "MmaKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace sparq::nvvm {

/// Where an input of a launch function comes from.
enum class LaunchInput : char {
  /// A host buffer, copied in at each call.
  Host = '0',
  /// A host constant with a slot (getOrCreateConstantSlot): uploaded on its
  /// first use only (emitDeviceConstant), never copied or freed per call.
  Constant = '1',
  /// The device buffer (an !llvm.ptr) of the lhs, [B, M, K], or of the rhs,
  /// [B, K, N], kept on the device by the product that computed it (a
  /// launch function with `keepResult`); freed after this launch.
  DeviceLhs = '2',
  DeviceRhs = '3',
};

/// The host function (private, `sparq.gpu_launch`) that runs `kernel` of
/// `spec`: it copies the host inputs to the device, launches, copies the
/// result into `out` and frees the device buffers, on one stream,
/// synchronously at the end. Its arguments: the inputs as getOrBuildKernel's
/// kernels take them (`inputs` says how each comes; host buffers fully
/// dynamic), `out` [B, M, N] -- or, with `keepResult`, the batch size B --,
/// M, N, K, then one slot (!llvm.ptr) per Constant input. With `keepResult`
/// the result stays on the device and the function returns its pointer,
/// for the one product that reads it (LaunchInput::DeviceLhs/Rhs).
/// Warpgroup kernels also get K-major copies of the rhs (and its metadata)
/// and TMA tensor maps. Kept out of line so that host buffer deallocation,
/// which cannot reason about gpu.wait, skips it: it allocates no host memory.
mlir::func::FuncOp getOrBuildLaunchFunction(
    mlir::OpBuilder &builder, mlir::ModuleOp module,
    mlir::gpu::GPUModuleOp kernels, mlir::gpu::GPUFuncOp kernel,
    const KernelSpec &spec, mlir::FunctionType hostType,
    llvm::ArrayRef<LaunchInput> inputs, bool keepResult);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_LAUNCHFUNCTION_H
