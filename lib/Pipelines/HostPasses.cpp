//===- HostPasses.cpp - the host half of sparq's pipelines ----------------===//
#include "HostPasses.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"

using namespace mlir;

void sparq::addBufferizeAndLowerToCF(OpPassManager &pm) {
  // Runtime calls and kernels take raw pointers into contiguous row-major
  // buffers, so function boundaries get identity layouts. No deallocation
  // pass runs: the runtime reads buffers through pointers that buffer
  // ownership analysis cannot see, and the programs these pipelines serve
  // (tests, examples) are short-lived.
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
}
