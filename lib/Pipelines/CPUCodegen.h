//===- CPUCodegen.h - tiling and vectorization for the CPU (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_PIPELINES_CPUCODEGEN_H
#define SPARQ_LIB_PIPELINES_CPUCODEGEN_H

#include "mlir/Pass/Pass.h"

#include <memory>

namespace sparq {

/// Tiles the f32 contractions and 2-D convolutions of a tensor program with
/// static shapes into register-sized blocks and vectorizes them with
/// upstream's linalg transforms (convolutions decomposed to 1-D ones first),
/// keeping each block's accumulator in registers across its reduction loop
/// and lowering vector.contract to outer products. Everything else is left
/// to the loop lowering.
std::unique_ptr<mlir::Pass> createCPUTileAndVectorizePass();

} // namespace sparq

#endif // SPARQ_LIB_PIPELINES_CPUCODEGEN_H
