//===- CPUPipeline.cpp - --sparq-cpu-pipeline -----------------------------===//
#include "sparq/Pipelines/Pipelines.h"

#include "CPUCodegen.h"
#include "HostPasses.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparq::buildCPUPipeline(OpPassManager &pm) {
  // Whatever sparq computes on constants is folded at compile time first.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertSparqToLLVM());
  pm.addPass(createCanonicalizerPass());
  // Register-blocked, vectorized f32 products and convolutions: what makes
  // a real network run at a useful speed.
  pm.addNestedPass<func::FuncOp>(createCPUTileAndVectorizePass());
  pm.addPass(createCanonicalizerPass());

  addBufferizeAndLowerToCF(pm);
  // The vector transfers the blocks read and write, unrolled to 1-D loads
  // and stores.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // Math functions LLVM has no intrinsic for (erf in GELU) call libm.
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void sparq::registerSparqPipelines() {
  registerGPUPipeline();
  // The CPU pipeline's codegen step alone, for tests.
  registerPass([] { return createCPUTileAndVectorizePass(); });
  PassPipelineRegistration<>(
      "sparq-cpu-pipeline",
      "Lower a tensor-level sparq program to the LLVM dialect for the CPU; "
      "sparq ops become calls of libsparq_runtime.so, buffers are freed",
      buildCPUPipeline);
}
