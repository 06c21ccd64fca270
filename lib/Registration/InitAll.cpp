//===- InitAll.cpp - register everything sparq-opt knows ------------------===//
#include "sparq/InitAll.h"

#include "sparq/Conversion/Passes.h"
#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/Transforms/Passes.h"
#include "sparq/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void sparq::registerSparqDialects(mlir::DialectRegistry &registry) {
  registry.insert<SparqDialect>();
}

void sparq::registerAllDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR inside the pipeline.
  mlir::registerAllToLLVMIRTranslations(registry);
  registerSparqDialects(registry);
}

void sparq::registerSparqPasses() {
  registerSparqConversionPasses();
  registerSparqTransformsPasses();
  registerSparqPipelines();
}

void sparq::registerAllPasses() {
  mlir::registerAllPasses();
  registerSparqPasses();
}
