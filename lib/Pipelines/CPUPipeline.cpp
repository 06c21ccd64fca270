//===- CPUPipeline.cpp - --sparq-cpu-pipeline -----------------------------===//
#include "sparq/Pipelines/Pipelines.h"

#include "HostPasses.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparq::buildCPUPipeline(OpPassManager &pm) {
  // Whatever sparq computes on constants is folded at compile time first.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSparqToLLVM());
  pm.addPass(createCanonicalizerPass());

  addBufferizeAndLowerToCF(pm);
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void sparq::registerSparqPipelines() {
  registerGPUPipeline();
  PassPipelineRegistration<>(
      "sparq-cpu-pipeline",
      "Lower a tensor-level sparq program to the LLVM dialect for the CPU; "
      "sparq ops become calls of libsparq_runtime.so, buffers are freed",
      buildCPUPipeline);
}
