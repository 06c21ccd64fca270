/*===- sparq-capi-test.c - the sparq C API, as a C compiler uses it ------===*/
/* Loads the sparq dialect into a context with every upstream dialect, parses
 * a module, runs a pipeline with a sparq pass and prints the result. */
// RUN: sparq-capi-test 2>&1 | FileCheck %s

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/RegisterEverything.h"
#include "sparq-c/Dialects.h"

#include <stdio.h>

static void print(MlirStringRef text, void *user) {
  (void)user;
  fwrite(text.data, 1, text.length, stdout);
}

static const char *kModule =
    "func.func @f(%x: tensor<2x8xf32>) -> tensor<2x2xf32> {\n"
    "  %w = arith.constant dense<[[1.0, 0.5], [-2.0, 6.0], [3.0, 5.0], [0.5, 1.0],\n"
    "                             [1.0, 2.0], [6.0, -1.0], [7.0, 1.0], [-1.0, 9.0]]> : tensor<8x2xf32>\n"
    "  %zero = arith.constant 0.0 : f32\n"
    "  %e = tensor.empty() : tensor<2x2xf32>\n"
    "  %i = linalg.fill ins(%zero : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>\n"
    "  %r = linalg.matmul ins(%x, %w : tensor<2x8xf32>, tensor<8x2xf32>)\n"
    "                     outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>\n"
    "  return %r : tensor<2x2xf32>\n"
    "}\n";

int main(void) {
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirRegisterAllDialects(registry);
  mlirDialectHandleInsertDialect(mlirGetDialectHandle__sparq__(), registry);
  MlirContext ctx = mlirContextCreate();
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  mlirContextLoadAllAvailableDialects(ctx);
  mlirRegisterAllPasses();
  sparqRegisterPasses();

  // CHECK: sparq dialect loaded: 1
  MlirDialect sparq =
      mlirContextGetOrLoadDialect(ctx, mlirStringRefCreateFromCString("sparq"));
  printf("sparq dialect loaded: %d\n", !mlirDialectIsNull(sparq));

  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module))
    return 1;
  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirOpPassManager opm = mlirPassManagerGetAsOpPassManager(pm);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      opm,
      mlirStringRefCreateFromCString(
          "builtin.module(sparq-prune,sparq-quantize,canonicalize)"),
      print, NULL);
  if (mlirLogicalResultIsFailure(parsed))
    return 2;
  if (mlirLogicalResultIsFailure(
          mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module))))
    return 3;
  // The weight is pruned, quantized and compressed at compile time; the
  // activation is quantized at run time.
  // CHECK: func.func @f
  // CHECK-DAG: arith.constant dense<{{.*}}> : tensor<8x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  // CHECK-DAG: sparq.amax
  // CHECK-DAG: sparq.quantize
  // CHECK: sparq.matmul {{.*}} : tensor<2x8xf8E4M3FN>, tensor<8x2xf8E4M3FN, #sparq.nm<2:4, dim = 0>> -> tensor<2x2xf32>
  mlirOperationPrint(mlirModuleGetOperation(module), print, NULL);
  printf("\n");

  // A pass created directly through the generated C API.
  // CHECK: created sparq-quantize: 1
  MlirPass pass = mlirCreateSparqTransformsSparqQuantize();
  printf("created sparq-quantize: %d\n", pass.ptr != NULL);
  // A pass belongs to whoever creates it until a pass manager takes it; the
  // C API has no other way to free it.
  mlirPassManagerAddOwnedPass(pm, pass);

  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);
  mlirContextDestroy(ctx);
  return 0;
}
