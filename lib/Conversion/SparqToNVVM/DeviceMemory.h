//===- DeviceMemory.h - operands in device memory (private) ----*- C++ -*-===//
#ifndef SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICEMEMORY_H
#define SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICEMEMORY_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"

namespace sparq::nvvm {

/// Where the data behind a tensor operand of sparq.matmul lives, for
/// host-copies=false.
struct OperandMemory {
  enum class Kind {
    /// An arith.constant: uploaded once per program (DeviceConstants.h).
    Constant,
    /// bufferization.to_tensor of a buffer in device memory.
    Device,
    /// bufferization.to_tensor of a host buffer (memref.alloc, ...).
    Host,
    /// A buffer in a memory space kernels cannot read (workgroup, ...).
    OtherSpace,
    /// A device buffer whose layout is not contiguous row-major.
    Layout,
    /// Anything else: a tensor computed on the host, a buffer of unknown
    /// origin.
    Unknown,
  };
  Kind kind = Kind::Unknown;
  /// The buffer (all kinds but Constant and Unknown from a non-buffer).
  mlir::Value buffer;
  /// The op that allocated a Host buffer.
  mlir::Operation *origin = nullptr;
};

/// Classifies the buffer `memref`: device memory is a buffer whose type is
/// in `#gpu.address_space<global>`, or whose root (through view-like ops)
/// is a `gpu.alloc` or a function argument with the unit attribute
/// `sparq.device`; memref.alloc/alloca/get_global are host memory.
OperandMemory classifyBuffer(mlir::Value memref);
/// Classifies the tensor operand `tensor` (see OperandMemory).
OperandMemory classifyOperand(mlir::Value tensor);

/// The only use of `op`'s result, when it stores it into a buffer
/// (`bufferization.materialize_in_destination`), or null.
mlir::bufferization::MaterializeInDestinationOp
getResultDestination(MatmulOp op);

/// Located errors for a product that host-copies=false cannot lower: an
/// operand or destination in host memory (mixing host and device memory),
/// in another address space, non-contiguous or of unknown origin, an
/// encoded operand that is not a constant, a result not stored into device
/// memory.
mlir::LogicalResult checkDeviceMemory(MatmulOp op);

/// The view of the device buffer `buffer` that kernels take: with a unit
/// batch dimension when `rank3` and it has rank 2, in the default memory
/// space, every size dynamic.
mlir::Value kernelView(mlir::OpBuilder &builder, mlir::Location loc,
                       mlir::Value buffer, bool rank3);

} // namespace sparq::nvvm

#endif // SPARQ_LIB_CONVERSION_SPARQTONVVM_DEVICEMEMORY_H
