//===- HostPasses.h - the host half of sparq's pipelines (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_PIPELINES_HOSTPASSES_H
#define SPARQ_LIB_PIPELINES_HOSTPASSES_H

#include "mlir/Pass/PassManager.h"

namespace sparq {

/// One-shot bufferization of a program whose sparq ops are already runtime
/// calls or kernel launches, then linalg to loops and loops to the cf
/// dialect: what both pipelines run before converting to LLVM. Every host
/// buffer is freed once its owner is done with it -- unless `deallocate` is
/// false (programs that manage their buffers themselves, with gpu ops that
/// the deallocation analysis refuses).
void addBufferizeAndLowerToCF(mlir::OpPassManager &pm, bool deallocate = true);

} // namespace sparq

#endif // SPARQ_LIB_PIPELINES_HOSTPASSES_H
