//===- sparq-opt.cpp - the sparq optimizer driver -------------------------===//
#include "sparq/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  sparq::registerAllDialects(registry);
  sparq::registerAllPasses();
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "sparq optimizer driver: FP8 and N:M sparsity for MLIR\n",
      registry));
}
