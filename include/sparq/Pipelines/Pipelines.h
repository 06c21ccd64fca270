//===- Pipelines.h - sparq end-to-end pass pipelines ------------*- C++ -*-===//
#ifndef SPARQ_PIPELINES_PIPELINES_H
#define SPARQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace sparq {

/// Tensors (linalg, sparq, arith, scf) to the LLVM dialect, sparq ops as
/// calls of the CPU runtime (libsparq_runtime.so).
void buildCPUPipeline(mlir::OpPassManager &pm);

/// Registers --sparq-cpu-pipeline.
void registerSparqPipelines();

} // namespace sparq

#endif // SPARQ_PIPELINES_PIPELINES_H
