//===- KernelLaunch.h - launch sequences of sparq's kernels (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_KERNELLAUNCH_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_KERNELLAUNCH_H

#include "MmaKernel.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace sparq::nvvm {

/// Emits a stream-ordered sequence of GPU operations (one async token
/// chain): start() opens it, finish() frees the temporaries and waits.
class LaunchBuilder {
public:
  LaunchBuilder(mlir::OpBuilder &b, mlir::Location loc) : b(b), loc(loc) {}

  mlir::OpBuilder &builder() { return b; }
  mlir::Location location() const { return loc; }
  mlir::Value index(int64_t v);
  mlir::Value ceilDiv(mlir::Value v, int64_t d);
  /// A device buffer of `type` with `sizes`, freed by finish().
  mlir::Value alloc(mlir::MemRefType type, mlir::ValueRange sizes);
  /// A device buffer of `buffer`'s type and sizes, freed by finish().
  mlir::Value allocLike(mlir::Value buffer);
  /// A device buffer that outlives the sequence (the caller frees it).
  mlir::Value allocKept(mlir::MemRefType type, mlir::ValueRange sizes);
  /// Frees `buffer` with the temporaries in finish().
  void adopt(mlir::Value buffer) { temporaries.push_back(buffer); }
  void copy(mlir::Value to, mlir::Value from);
  void launch(mlir::gpu::GPUFuncOp kernel, mlir::gpu::KernelDim3 grid,
              mlir::gpu::KernelDim3 block, mlir::Value sharedBytes,
              mlir::ValueRange operands);
  /// A K-major copy ([b][c][r]) of the device buffer `in` ([b][r][c]), by
  /// a transpose kernel built in `kernels`.
  mlir::Value transposed(mlir::gpu::GPUModuleOp kernels, mlir::Value in);
  void start();
  void finish();

private:
  mlir::Type tokenType();

  mlir::OpBuilder &b;
  mlir::Location loc;
  mlir::Value token;
  llvm::SmallVector<mlir::Value> temporaries;
};

/// Launches `kernel` of `spec` on device buffers: `inputs` are the kernel's
/// buffer operands in getOrBuildKernel's order (lhs, its metadata, rhs, its
/// metadata, scales, bias; rank-3 ones fully dynamic), `out` the [B, M, N]
/// result. Warpgroup kernels get K-major copies of the rhs (temporaries of
/// `launch`) and TMA tensor maps, returned in `maps`: destroy them with
/// destroyTensorMaps after launch.finish().
void emitKernelLaunch(LaunchBuilder &launch, mlir::ModuleOp module,
                      mlir::gpu::GPUModuleOp kernels,
                      mlir::gpu::GPUFuncOp kernel, const KernelSpec &spec,
                      mlir::ValueRange inputs, mlir::Value out, mlir::Value m,
                      mlir::Value n, mlir::Value k,
                      llvm::SmallVectorImpl<mlir::Value> &maps);

void destroyTensorMaps(mlir::OpBuilder &builder, mlir::Location loc,
                       mlir::ModuleOp module, mlir::ValueRange maps);

/// Declares `name` in `module` (once) as a private function of `type`.
mlir::func::FuncOp declareFunction(mlir::OpBuilder &builder,
                                   mlir::ModuleOp module, llvm::StringRef name,
                                   mlir::FunctionType type);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_KERNELLAUNCH_H
