/*===- sparq-c/Dialects.h - C API of the sparq dialect ------------*- C -*-===*\
|*                                                                            *|
|* For compilers written against MLIR's C API: the sparq dialect handle, the  *|
|* registration of sparq's passes and pipelines.                              *|
\*===----------------------------------------------------------------------===*/
#ifndef SPARQ_C_DIALECTS_H
#define SPARQ_C_DIALECTS_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mlirGetDialectHandle__sparq__(): insert or load the sparq dialect. */
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Sparq, sparq);

/* Registers --sparq-quantize, --sparq-prune, --sparq-permute-channels,
 * --convert-sparq-to-llvm and --sparq-cpu-pipeline with the global pass
 * registry, so that mlirParsePassPipeline understands them. */
MLIR_CAPI_EXPORTED void sparqRegisterPasses(void);

#ifdef __cplusplus
}
#endif

#include "sparq-c/Passes.capi.h.inc"

#endif /* SPARQ_C_DIALECTS_H */
