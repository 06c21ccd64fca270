//===- GPUPipeline.cpp - --sparq-gpu-pipeline -----------------------------===//
#include "sparq/Pipelines/Pipelines.h"

#include "HostPasses.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparq::buildGPUPipeline(OpPassManager &pm, const GPUPipelineOptions &o) {
  pm.addPass(createCanonicalizerPass());
  ConvertSparqToNVVMOptions nvvm;
  nvvm.chip = o.chip;
  nvvm.ptx = o.ptx;
  nvvm.kernels = o.kernels;
  nvvm.hostCopies = o.hostCopies;
  pm.addPass(createConvertSparqToNVVM(nvvm));
  pm.addPass(createCanonicalizerPass());

  // Without host copies the program owns its (device) buffers and holds gpu
  // ops that buffer deallocation cannot analyse.
  addBufferizeAndLowerToCF(pm, /*deallocate=*/o.hostCopies);

  // The kernels to NVVM, then both sides to LLVM and the kernels to PTX.
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertNVGPUToNVVMPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps());
  pm.addNestedPass<gpu::GPUModuleOp>(createReconcileUnrealizedCastsPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = o.format;
  binary.toolkitPath = o.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void sparq::registerGPUPipeline() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "sparq-gpu-pipeline",
      "Lower a tensor-level sparq program for an NVIDIA GPU: sparq.matmul as "
      "Tensor Core kernels in PTX (format=isa) or cubin (format=bin, needs "
      "ptxas), the rest on the host",
      buildGPUPipeline);
}
