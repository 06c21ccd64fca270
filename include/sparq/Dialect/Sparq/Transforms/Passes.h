//===- Passes.h - sparq transformation passes -------------------*- C++ -*-===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/Transforms/Quantize.h"

#include "mlir/Pass/Pass.h"

namespace sparq {

#define GEN_PASS_DECL
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_H
