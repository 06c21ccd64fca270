//===- CPUPipeline.cpp - --sparq-cpu-pipeline -----------------------------===//
#include "sparq/Pipelines/Pipelines.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparq::buildCPUPipeline(OpPassManager &pm) {
  // Whatever sparq computes on constants is folded at compile time first.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSparqToLLVM());
  pm.addPass(createCanonicalizerPass());

  // Runtime calls take raw pointers into contiguous row-major buffers, so
  // function boundaries get identity layouts. No deallocation pass runs: the
  // runtime reads buffers through pointers that buffer ownership analysis
  // cannot see, and the programs this pipeline serves (tests, examples) are
  // short-lived.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Training loops carry weights computed by calls: fresh buffers each step.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));

  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void sparq::registerSparqPipelines() {
  registerGPUPipeline();
  PassPipelineRegistration<>(
      "sparq-cpu-pipeline",
      "Lower a tensor-level sparq program to the LLVM dialect for the CPU; "
      "sparq ops become calls of libsparq_runtime.so",
      buildCPUPipeline);
}
