//===- DeviceMemory.cpp - operands in device memory -----------------------===//
//
// host-copies=false: a compiler that owns device memory hands sparq.matmul
// views of its device buffers (bufferization.to_tensor) and stores the
// result into one (bufferization.materialize_in_destination). This file
// tells device buffers from host ones, explains what it cannot lower, and
// builds the views the kernels take.
//
//===----------------------------------------------------------------------===//
#include "DeviceMemory.h"

#include "sparq/Conversion/SparqToNVVM/SparqToNVVM.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

namespace {
/// The unit attribute that marks a function argument as a device buffer.
constexpr llvm::StringLiteral kDeviceArgAttr = "sparq.device";

bool isGlobalSpace(Attribute space) {
  auto gpuSpace = dyn_cast_if_present<gpu::AddressSpaceAttr>(space);
  return gpuSpace && gpuSpace.getValue() == gpu::AddressSpace::Global;
}
} // namespace

OperandMemory sparq::nvvm::classifyBuffer(Value memref) {
  using Kind = OperandMemory::Kind;
  OperandMemory result;
  result.buffer = memref;
  auto type = dyn_cast<MemRefType>(memref.getType());
  if (!type)
    return result;
  Attribute space = type.getMemorySpace();
  if (space && !isGlobalSpace(space)) {
    result.kind = Kind::OtherSpace;
    return result;
  }
  if (!type.getLayout().isIdentity()) {
    result.kind = Kind::Layout;
    return result;
  }
  if (isGlobalSpace(space)) {
    result.kind = Kind::Device;
    return result;
  }
  // Through views to the allocation or the argument.
  Value root = memref;
  for (unsigned depth = 0; depth < 64; ++depth) {
    Operation *def = root.getDefiningOp();
    auto view = dyn_cast_if_present<ViewLikeOpInterface>(def);
    if (!view || view.getViewSource() == root)
      break;
    root = view.getViewSource();
    auto rootType = dyn_cast<BaseMemRefType>(root.getType());
    if (!rootType)
      return result;
    if (isGlobalSpace(rootType.getMemorySpace())) {
      result.kind = Kind::Device;
      return result;
    }
  }
  if (auto arg = dyn_cast<BlockArgument>(root)) {
    auto func = dyn_cast<FunctionOpInterface>(arg.getOwner()->getParentOp());
    if (func && arg.getOwner()->isEntryBlock() &&
        func.getArgAttr(arg.getArgNumber(), kDeviceArgAttr))
      result.kind = Kind::Device;
    return result;
  }
  Operation *def = root.getDefiningOp();
  if (isa_and_present<gpu::AllocOp>(def)) {
    result.kind = Kind::Device;
  } else if (isa_and_present<memref::AllocOp, memref::AllocaOp,
                             memref::GetGlobalOp>(def)) {
    result.kind = Kind::Host;
    result.origin = def;
  }
  return result;
}

OperandMemory sparq::nvvm::classifyOperand(Value tensor) {
  OperandMemory result;
  if (matchPattern(tensor, m_Constant())) {
    result.kind = OperandMemory::Kind::Constant;
    return result;
  }
  if (auto toTensor = tensor.getDefiningOp<bufferization::ToTensorOp>())
    return classifyBuffer(toTensor.getBuffer());
  return result;
}

bufferization::MaterializeInDestinationOp
sparq::nvvm::getResultDestination(MatmulOp op) {
  if (!op->hasOneUse())
    return {};
  auto store =
      dyn_cast<bufferization::MaterializeInDestinationOp>(*op->user_begin());
  if (!store || store.getSource() != op.getResult() ||
      !isa<BaseMemRefType>(store.getDest().getType()))
    return {};
  return store;
}

LogicalResult sparq::nvvm::checkDeviceMemory(MatmulOp op) {
  using Kind = OperandMemory::Kind;
  struct Named {
    const char *role;
    Value tensor;
    OperandMemory memory;
  };
  SmallVector<Named> operands;
  for (auto [role, value] :
       {std::pair<const char *, Value>{"lhs", op.getLhs()},
        {"rhs", op.getRhs()},
        {"lhs_scale", op.getLhsScale()},
        {"rhs_scale", op.getRhsScale()},
        {"out_scale", op.getOutScale()},
        {"bias", op.getBias()}})
    if (value)
      operands.push_back({role, value, classifyOperand(value)});
  auto store = getResultDestination(op);
  if (store)
    operands.push_back(
        {"result destination", Value(), classifyBuffer(store.getDest())});

  const Named *device = nullptr;
  for (const Named &operand : operands)
    if (operand.memory.kind == Kind::Device)
      device = &operand;
  for (const Named &operand : operands) {
    const OperandMemory &memory = operand.memory;
    if (operand.tensor && getNMEncoding(operand.tensor.getType()) &&
        memory.kind != Kind::Constant)
      return op.emitOpError()
             << "with host-copies=false takes a 2:4 " << operand.role
             << " only as a constant (uploaded to the device once); "
                "compress the weight at compile time";
    switch (memory.kind) {
    case Kind::Constant:
    case Kind::Device:
      break;
    case Kind::Host: {
      InFlightDiagnostic diag = op.emitOpError();
      if (device)
        diag << "mixes host and device memory: its " << operand.role
             << " is in host memory (" << memory.origin->getName()
             << ") while its " << device->role << " is in device memory";
      else
        diag << "with host-copies=false needs its " << operand.role
             << " in device memory; it is in host memory ("
             << memory.origin->getName() << ")";
      diag.attachNote(memory.origin->getLoc()) << "allocated here";
      return diag;
    }
    case Kind::OtherSpace:
      return op.emitOpError()
             << "needs its " << operand.role
             << " in global device memory; it is in memory space "
             << cast<BaseMemRefType>(memory.buffer.getType()).getMemorySpace();
    case Kind::Layout:
      return op.emitOpError()
             << "needs its " << operand.role
             << " contiguous and row-major (an identity layout); it has "
             << cast<MemRefType>(memory.buffer.getType()).getLayout();
    case Kind::Unknown:
      return op.emitOpError()
             << "with host-copies=false needs its " << operand.role
             << " in device memory: a constant, or bufferization.to_tensor "
                "of a buffer from gpu.alloc, in #gpu.address_space<global> "
                "or a function argument marked sparq.device";
    }
  }
  if (!store)
    return op.emitOpError()
           << "with host-copies=false must have one use, a "
              "bufferization.materialize_in_destination into a device "
              "buffer (the kernel writes the result there)";
  return success();
}

Value sparq::nvvm::kernelView(OpBuilder &builder, Location loc, Value buffer,
                              bool rank3) {
  auto type = cast<MemRefType>(buffer.getType());
  if (rank3 && type.getRank() == 2) {
    SmallVector<int64_t> shape = {1};
    shape.append(type.getShape().begin(), type.getShape().end());
    SmallVector<OpFoldResult> sizes = {builder.getIndexAttr(1)};
    for (int64_t d = 0; d < 2; ++d)
      sizes.push_back(memref::getMixedSize(builder, loc, buffer, d));
    type = MemRefType::get(shape, type.getElementType(), AffineMap(),
                           type.getMemorySpace());
    buffer = memref::ExpandShapeOp::create(
        builder, loc, type, buffer,
        SmallVector<ReassociationIndices>{{0, 1}, {2}}, sizes);
  }
  if (type.getMemorySpace()) {
    type = MemRefType::get(type.getShape(), type.getElementType());
    buffer = memref::MemorySpaceCastOp::create(builder, loc, type, buffer);
  }
  SmallVector<int64_t> dynamic(type.getRank(), ShapedType::kDynamic);
  auto dynamicType = MemRefType::get(dynamic, type.getElementType());
  if (dynamicType == type)
    return buffer;
  return memref::CastOp::create(builder, loc, dynamicType, buffer);
}

LogicalResult sparq::checkDeviceMemoryOperands(MatmulOp op) {
  return checkDeviceMemory(op);
}
