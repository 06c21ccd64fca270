//===- DeviceConstants.cpp - constants uploaded once per program ----------===//
//
// A constant operand of a GPU product (a compressed weight, its metadata, a
// scale, a bias) crosses PCIe once per program: its device copy lives in a
// module-level slot, filled on first use and freed by a module destructor.
// The slot holds only the base pointer; sizes come from the host constant
// at each use, so one slot serves any view of it.
//
//===----------------------------------------------------------------------===//
#include "DeviceConstants.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

namespace {
constexpr llvm::StringLiteral kSlotPrefix = "sparq_device_constant_";
constexpr llvm::StringLiteral kFreeFunction = "sparq_free_device_constants";
/// Declared as gpu-to-llvm declares it, which then reuses the declaration.
constexpr llvm::StringLiteral kMemFree = "mgpuMemFree";

/// The destructor's body (created with the global_dtors entry on first use).
Block &freeFunctionBody(OpBuilder &builder, ModuleOp module) {
  MLIRContext *ctx = builder.getContext();
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  if (auto f = module.lookupSymbol<LLVM::LLVMFuncOp>(kFreeFunction))
    return f.getBody().front();
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  if (!module.lookupSymbol(kMemFree))
    LLVM::LLVMFuncOp::create(
        builder, loc, kMemFree,
        LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {ptr, ptr}));
  auto f = LLVM::LLVMFuncOp::create(
      builder, loc, kFreeFunction,
      LLVM::LLVMFunctionType::get(LLVM::LLVMVoidType::get(ctx), {}),
      LLVM::Linkage::Internal);
  Block *body = f.addEntryBlock(builder);
  builder.setInsertionPointToEnd(body);
  LLVM::ReturnOp::create(builder, loc, ValueRange{});
  builder.setInsertionPointToEnd(module.getBody());
  LLVM::GlobalDtorsOp::create(
      builder, loc, builder.getArrayAttr(FlatSymbolRefAttr::get(f)),
      builder.getI32ArrayAttr({0}),
      builder.getArrayAttr(LLVM::ZeroAttr::get(ctx)));
  return *body;
}
} // namespace

LLVM::GlobalOp sparq::nvvm::getOrCreateConstantSlot(OpBuilder &builder,
                                                   ModuleOp module,
                                                   ConstantSlots &slots,
                                                   Attribute value,
                                                   unsigned part) {
  MLIRContext *ctx = builder.getContext();
  std::string &name = slots[{value, part}];
  if (!name.empty())
    if (auto global = module.lookupSymbol<LLVM::GlobalOp>(name))
      return global;
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  for (unsigned count = slots.size() - 1;; ++count) {
    name = (kSlotPrefix + Twine(count)).str();
    if (!module.lookupSymbol(name))
      break;
  }

  // After the other slots, in creation order.
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(module.getBody());
  for (auto global : module.getOps<LLVM::GlobalOp>())
    if (global.getSymName().starts_with(kSlotPrefix))
      builder.setInsertionPointAfter(global);
  auto global = LLVM::GlobalOp::create(builder, loc, ptr, /*isConstant=*/false,
                                       LLVM::Linkage::Internal, name,
                                       Attribute());
  Block *init = builder.createBlock(&global.getInitializerRegion());
  builder.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(builder, loc,
                         LLVM::ZeroOp::create(builder, loc, ptr).getResult());

  // The destructor frees the buffer (mgpuMemFree of null does nothing).
  Block &body = freeFunctionBody(builder, module);
  builder.setInsertionPoint(body.getTerminator());
  Value address = LLVM::AddressOfOp::create(builder, loc, global);
  Value buffer = LLVM::LoadOp::create(builder, loc, ptr, address);
  Value null = LLVM::ZeroOp::create(builder, loc, ptr);
  auto memFree = module.lookupSymbol<LLVM::LLVMFuncOp>(kMemFree);
  if (memFree)
    LLVM::CallOp::create(builder, loc, memFree, ValueRange{buffer, null});
  LLVM::StoreOp::create(builder, loc, null, address);
  return global;
}

Value sparq::nvvm::emitDeviceConstant(OpBuilder &builder, Location loc,
                                      Value slot, Value host) {
  MLIRContext *ctx = builder.getContext();
  auto type = cast<MemRefType>(host.getType());
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type tokenType = gpu::AsyncTokenType::get(ctx);
  SmallVector<Value> dynamicSizes, sizes;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value size = memref::DimOp::create(builder, loc, host, d);
    sizes.push_back(size);
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(size);
  }

  // First use: allocate, copy, wait, record.
  Value current = LLVM::LoadOp::create(builder, loc, ptr, slot);
  Value empty = LLVM::ICmpOp::create(builder, loc, LLVM::ICmpPredicate::eq,
                                     current,
                                     LLVM::ZeroOp::create(builder, loc, ptr));
  auto ifOp = scf::IfOp::create(builder, loc, empty, /*withElse=*/false);
  {
    OpBuilder::InsertionGuard guard(builder);
    builder.setInsertionPointToStart(ifOp.thenBlock());
    Value token =
        gpu::WaitOp::create(builder, loc, tokenType, ValueRange{})
            .getAsyncToken();
    auto alloc = gpu::AllocOp::create(builder, loc, type, tokenType,
                                      ValueRange{token}, dynamicSizes,
                                      ValueRange{}, /*hostShared=*/false);
    token = gpu::MemcpyOp::create(builder, loc, tokenType,
                                  ValueRange{alloc.getAsyncToken()},
                                  alloc.getMemref(), host)
                .getAsyncToken();
    gpu::WaitOp::create(builder, loc, Type(), ValueRange{token});
    LLVM::StoreOp::create(builder, loc,
                          pointerOf(builder, loc, alloc.getMemref()), slot);
  }

  // A memref descriptor over the slot's pointer, the host constant's sizes.
  return memrefFromPointer(builder, loc,
                           LLVM::LoadOp::create(builder, loc, ptr, slot), type,
                           sizes);
}

Value sparq::nvvm::pointerOf(OpBuilder &builder, Location loc, Value buffer) {
  Value address = arith::IndexCastUIOp::create(
      builder, loc, builder.getI64Type(),
      memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer));
  return LLVM::IntToPtrOp::create(
      builder, loc, LLVM::LLVMPointerType::get(builder.getContext()), address);
}

Value sparq::nvvm::memrefFromPointer(OpBuilder &builder, Location loc,
                                     Value device, MemRefType type,
                                     ValueRange sizes) {
  MLIRContext *ctx = builder.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = builder.getI64Type();
  int64_t rank = type.getRank();
  SmallVector<Type> fields = {ptr, ptr, i64};
  if (rank > 0)
    fields.append(2, LLVM::LLVMArrayType::get(i64, rank));
  auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
  Value desc = LLVM::PoisonOp::create(builder, loc, descType);
  desc = LLVM::InsertValueOp::create(builder, loc, desc, device,
                                     ArrayRef<int64_t>{0});
  desc = LLVM::InsertValueOp::create(builder, loc, desc, device,
                                     ArrayRef<int64_t>{1});
  desc = LLVM::InsertValueOp::create(
      builder, loc, desc, arith::ConstantIntOp::create(builder, loc, 0, 64),
      ArrayRef<int64_t>{2});
  Value stride = arith::ConstantIntOp::create(builder, loc, 1, 64);
  for (int64_t d = rank - 1; d >= 0; --d) {
    Value size = arith::IndexCastUIOp::create(builder, loc, i64, sizes[d]);
    desc = LLVM::InsertValueOp::create(builder, loc, desc, size,
                                       ArrayRef<int64_t>{3, d});
    desc = LLVM::InsertValueOp::create(builder, loc, desc, stride,
                                       ArrayRef<int64_t>{4, d});
    if (d > 0)
      stride = arith::MulIOp::create(builder, loc, stride, size);
  }
  return UnrealizedConversionCastOp::create(builder, loc, type, desc)
      .getResult(0);
}
