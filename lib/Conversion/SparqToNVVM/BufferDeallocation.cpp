//===- BufferDeallocation.cpp - --sparq-buffer-deallocation ----------------===//
//
// Upstream's ownership-based deallocation, minus the GPU launch functions it
// cannot analyse (gpu.wait has no memory effects) and that own no host
// buffers anyway.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace sparq {
#define GEN_PASS_DEF_SPARQBUFFERDEALLOCATION
#include "sparq/Conversion/Passes.h.inc"
} // namespace sparq

using namespace mlir;

namespace {
struct SparqBufferDeallocationPass
    : public sparq::impl::SparqBufferDeallocationBase<
          SparqBufferDeallocationPass> {
  void runOnOperation() override {
    SymbolTableCollection symbolTables;
    WalkResult status = getOperation().walk([&](func::FuncOp func) {
      if (func.isExternal() || func->hasAttr(sparq::kGpuLaunchAttrName))
        return WalkResult::skip();
      if (failed(bufferization::deallocateBuffersOwnershipBased(
              func, bufferization::DeallocationOptions(), symbolTables)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (status.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
