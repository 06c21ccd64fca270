//===- SparqToLLVM.h - sparq to CPU runtime calls ---------------*- C++ -*-===//
#ifndef SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H
#define SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace sparq {

/// Converts a #sparq.nm-encoded tensor type to its two storage tensor types
/// (values, then metadata) and leaves every other type alone.
class SparqStorageTypeConverter : public mlir::TypeConverter {
public:
  SparqStorageTypeConverter();
};

/// Patterns lowering every sparq op on tensors to calls of the CPU runtime
/// (include/sparq/Runtime/SparqRuntime.h), plus encoded arith.constant ops to
/// their compressed storage constants.
void populateSparqToLLVMConversionPatterns(
    const SparqStorageTypeConverter &converter,
    mlir::RewritePatternSet &patterns);

/// Emits an error at the first op, other than sparq, func and scf ops and
/// constants, that takes or yields an encoded tensor: no lowering can carry
/// it there. `device` names the target in the message ("CPU", "GPU").
mlir::LogicalResult checkEncodedUses(mlir::ModuleOp module,
                                     llvm::StringRef device);

/// Emits an error at the first sparq op on a tensor whose static sizes
/// multiply past int64_t: the runtime counts elements in int64_t (and no such
/// tensor fits in memory). A compile-time check despite its name: dynamic
/// sizes are checked in the program (emitRuntimeSizeChecks, RuntimeChecks.h).
mlir::LogicalResult checkRuntimeSizes(mlir::ModuleOp module);

/// Makes the sparq dialect illegal in `target` and lets encoded tensors
/// cross function signatures, calls, returns and scf regions as their
/// storage tensors (adding those structural patterns to `patterns`); any
/// other op is legal once it holds no encoded tensor. The caller adds its
/// own legal dialects and sparq patterns.
void configureSparqStorageConversion(const SparqStorageTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns,
                                     mlir::ConversionTarget &target);

} // namespace sparq

#endif // SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H
