// Loads the sparq dialect from an installed sparq, folds a quantize of a
// constant and prints the module.
#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::DialectRegistry registry;
  sparq::registerSparqDialects(registry);
  registry.insert<mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry);
  // Loading sparq also loads the dialects it depends on (arith, tensor).
  context.loadAllAvailableDialects();
  const char *source = R"mlir(
    func.func @f() -> tensor<2xf8E4M3FN> {
      %x = arith.constant dense<[464.0, -0.3]> : tensor<2xf32>
      %s = arith.constant dense<1.0> : tensor<f32>
      %q = sparq.quantize %x, %s : tensor<2xf32>, tensor<f32> -> tensor<2xf8E4M3FN>
      return %q : tensor<2xf8E4M3FN>
    })mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return 1;
  mlir::PassManager pm(&context);
  pm.addPass(mlir::createCanonicalizerPass());
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
