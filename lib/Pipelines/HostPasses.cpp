//===- HostPasses.cpp - the host half of sparq's pipelines ----------------===//
#include "HostPasses.h"

#include "sparq/Conversion/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotAnalysis.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void sparq::addBufferizeAndLowerToCF(OpPassManager &pm, bool deallocate) {
  // Runtime calls and kernels take raw pointers into contiguous row-major
  // buffers, so function boundaries get identity layouts.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Training loops carry weights computed by calls: fresh buffers each step.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));

  // Every buffer is freed at the end of the block that owns it -- which
  // matters in training loops that allocate each step. A runtime call reads
  // its buffers through pointers extracted in the same block, right before
  // the call, so the buffers outlive every use of them. Upstream's
  // buffer-deallocation pipeline, with sparq's pass in place of the
  // ownership pass: it skips the GPU launch functions.
  pm.addPass(memref::createExpandReallocPass(
      memref::ExpandReallocPassOptions{/*emitDeallocs=*/false}));
  pm.addPass(createCanonicalizerPass());
  if (deallocate) {
    pm.addPass(createSparqBufferDeallocation());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(bufferization::createBufferDeallocationSimplificationPass());
    pm.addPass(bufferization::createLowerDeallocationsPass());
  }
  pm.addPass(createCSEPass());
  pm.addPass(createCanonicalizerPass());
  // The clones that ownership across loops and calls needs.
  pm.addPass(createConvertBufferizationToMemRefPass());

  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
}
