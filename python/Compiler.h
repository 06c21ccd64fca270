//===- Compiler.h - the compiler objects the extension binds ----*- C++ -*-===//
//
// The MLIR context and module the _sparq extension hands to Python, and the
// diagnostic collector its compiler entry points share (SparqModule.cpp and
// CompileCPU.cpp). Private to the extension.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_PYTHON_COMPILER_H
#define SPARQ_PYTHON_COMPILER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace sparq::python {

/// An MLIR context with every dialect sparq-opt knows.
struct Context {
  Context();
  std::unique_ptr<mlir::MLIRContext> context;
};

struct Module {
  std::shared_ptr<Context> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
};

/// Diagnostics as (severity, location, message).
using Diagnostics =
    std::vector<std::tuple<std::string, std::string, std::string>>;

/// Appends `d` and its notes to `diagnostics`.
void appendDiagnostic(Diagnostics &diagnostics, mlir::Diagnostic &d);

/// The diagnostics emitted while `fn` runs.
template <typename Fn>
Diagnostics collecting(mlir::MLIRContext *ctx, Fn &&fn) {
  Diagnostics diagnostics;
  mlir::ScopedDiagnosticHandler handler(ctx, [&](mlir::Diagnostic &d) {
    appendDiagnostic(diagnostics, d);
    return mlir::success();
  });
  fn();
  return diagnostics;
}

/// Adds compile_cpu and the CompiledFunction class (CompileCPU.cpp).
void bindCompileCPU(pybind11::module_ &m);
/// Wanda and SparseGPT pruning (Pruning.cpp).
void bindPruning(pybind11::module_ &m);

} // namespace sparq::python

#endif // SPARQ_PYTHON_COMPILER_H
