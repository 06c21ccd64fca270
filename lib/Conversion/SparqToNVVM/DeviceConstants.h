//===- DeviceConstants.h - constants uploaded once per program (private) -*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICECONSTANTS_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICECONSTANTS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace sparq::nvvm {

/// Names the slots made so far, by constant value and storage part.
using ConstantSlots =
    llvm::DenseMap<std::pair<mlir::Attribute, unsigned>, std::string>;

/// The slot (`llvm.mlir.global internal @sparq_device_constant_<i>`, a null
/// !llvm.ptr) that holds the device copy of the constant `value` (part
/// `part` of its storage: values, metadata), created once per module and
/// constant (`slots` remembers them). A module destructor
/// (`llvm.mlir.global_dtors`, `@sparq_free_device_constants`) frees every
/// slot's buffer.
mlir::LLVM::GlobalOp getOrCreateConstantSlot(mlir::OpBuilder &builder,
                                             mlir::ModuleOp module,
                                             ConstantSlots &slots,
                                             mlir::Attribute value,
                                             unsigned part);

/// The device buffer of the host constant `host` (a contiguous row-major
/// memref) through the slot at `slot` (an !llvm.ptr): the first run
/// allocates and copies it (synchronously, on its own stream) and records
/// the pointer in the slot; later runs reuse it.
mlir::Value emitDeviceConstant(mlir::OpBuilder &builder, mlir::Location loc,
                               mlir::Value slot, mlir::Value host);

/// A contiguous row-major memref of `type` (fully dynamic) with `sizes`
/// over the device pointer `pointer` (!llvm.ptr): the memref descriptor the
/// LLVM lowering gives `type`, cast to it.
mlir::Value memrefFromPointer(mlir::OpBuilder &builder, mlir::Location loc,
                              mlir::Value pointer, mlir::MemRefType type,
                              mlir::ValueRange sizes);

/// The aligned pointer of `buffer` as an !llvm.ptr.
mlir::Value pointerOf(mlir::OpBuilder &builder, mlir::Location loc,
                      mlir::Value buffer);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICECONSTANTS_H
