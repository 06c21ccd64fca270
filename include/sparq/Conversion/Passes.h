//===- Passes.h - sparq conversion passes -----------------------*- C++ -*-===//
#ifndef SPARQ_CONVERSION_PASSES_H
#define SPARQ_CONVERSION_PASSES_H

#include "sparq/Conversion/SparqToLLVM/SparqToLLVM.h"
#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"

#include "mlir/Pass/Pass.h"

namespace sparq {

#define GEN_PASS_DECL
#include "sparq/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "sparq/Conversion/Passes.h.inc"

} // namespace sparq

#endif // SPARQ_CONVERSION_PASSES_H
