//===- InitAll.h - register everything sparq-opt knows ----------*- C++ -*-===//
#ifndef SPARQ_INITALL_H
#define SPARQ_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace sparq {

/// The sparq dialect and its external models.
void registerSparqDialects(mlir::DialectRegistry &registry);

/// Every upstream dialect and extension plus sparq's.
void registerAllDialects(mlir::DialectRegistry &registry);

/// sparq's passes and pipelines.
void registerSparqPasses();

/// Every upstream pass plus sparq's.
void registerAllPasses();

} // namespace sparq

#endif // SPARQ_INITALL_H
