//===- SparqToLLVM.h - sparq to CPU runtime calls ---------------*- C++ -*-===//
#ifndef SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H
#define SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H

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

} // namespace sparq

#endif // SPARQ_CONVERSION_SPARQTOLLVM_SPARQTOLLVM_H
