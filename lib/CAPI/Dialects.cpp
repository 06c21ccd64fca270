//===- Dialects.cpp - C API of the sparq dialect --------------------------===//
#include "sparq-c/Dialects.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Dialect/Sparq/Transforms/Passes.h"
#include "sparq/InitAll.h"

#include "mlir/CAPI/Pass.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Sparq, sparq, sparq::SparqDialect)

void sparqRegisterPasses(void) { sparq::registerSparqPasses(); }

using namespace sparq;
#include "sparq-c/Passes.capi.cpp.inc"
