//===- KernelLaunch.cpp - launch sequences of sparq's kernels -------------===//
//
// What runs a kernel on device buffers, whoever owns them: the grid, and for
// the warpgroup kernels (sm_90a) K-major copies of the rhs (a small
// transpose kernel) and TMA tensor maps from libsparq_cuda_runtime. Used by
// the host launch functions (LaunchFunction.cpp) and, inline, by the
// host-copies=false lowering (DeviceMemory.cpp).
//
//===----------------------------------------------------------------------===//
#include "KernelLaunch.h"

#include "sparq/Conversion/SparqToNVVM/KernelIndexing.h"
#include "sparq/Conversion/SparqToNVVM/PipelineIndexing.h"
#include "sparq/Conversion/SparqToNVVM/WgmmaIndexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparq;
using namespace sparq::nvvm;

namespace {
constexpr llvm::StringLiteral kCreateTensorMap = "sparqTensorMapCreate";
constexpr llvm::StringLiteral kDestroyTensorMap = "sparqTensorMapDestroy";
/// The transpose kernel's block: 32 columns x 8 rows.
constexpr int64_t kTransposeCols = 32, kTransposeRows = 8;

/// The kernel that writes out[b][c][r] = in[b][r][c] for `element`, built
/// once per element type: the K-major copy a warpgroup kernel needs of an
/// operand whose K is its rows. Reads are coalesced, writes strided.
gpu::GPUFuncOp getOrBuildTranspose(OpBuilder &builder, gpu::GPUModuleOp module,
                                   Type element) {
  std::string name;
  llvm::raw_string_ostream os(name);
  os << "sparq_transpose_" << element;
  if (auto existing = module.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto type = MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
      element);
  auto func = gpu::GPUFuncOp::create(builder, loc, name,
                                     builder.getFunctionType({type, type}, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(),
                builder.getUnitAttr());
  Block &entry = func.getBody().front();
  builder.setInsertionPointToStart(&entry);
  Value in = entry.getArgument(0), out = entry.getArgument(1);
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(builder, loc, v);
  };
  auto coordinate = [&](gpu::Dimension d, int64_t tile) {
    Value block = gpu::BlockIdOp::create(builder, loc, d);
    Value thread = gpu::ThreadIdOp::create(builder, loc, d);
    return arith::AddIOp::create(
        builder, loc, arith::MulIOp::create(builder, loc, block, index(tile)),
        thread);
  };
  Value c = coordinate(gpu::Dimension::x, kTransposeCols);
  Value r = coordinate(gpu::Dimension::y, kTransposeRows);
  Value b = gpu::BlockIdOp::create(builder, loc, gpu::Dimension::z);
  auto less = [&](Value x, int64_t dim) {
    return arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::ult, x,
                                 memref::DimOp::create(builder, loc, in, dim));
  };
  Value ok = arith::AndIOp::create(builder, loc, less(r, 1), less(c, 2));
  auto ifOp = scf::IfOp::create(builder, loc, ok, /*withElse=*/false);
  builder.setInsertionPointToStart(ifOp.thenBlock());
  Value v = memref::LoadOp::create(builder, loc, in, ValueRange{b, r, c});
  memref::StoreOp::create(builder, loc, v, out, ValueRange{b, c, r});
  builder.setInsertionPointAfter(ifOp);
  gpu::ReturnOp::create(builder, loc);
  return func;
}
} // namespace

func::FuncOp sparq::nvvm::declareFunction(OpBuilder &builder, ModuleOp module,
                                          StringRef name, FunctionType type) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToStart(module.getBody());
  auto f = func::FuncOp::create(builder, module.getLoc(), name, type);
  f.setPrivate();
  return f;
}

Value LaunchBuilder::index(int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value LaunchBuilder::ceilDiv(Value v, int64_t d) {
  return arith::CeilDivUIOp::create(b, loc, v, index(d));
}

Value LaunchBuilder::alloc(MemRefType type, ValueRange sizes) {
  auto op = gpu::AllocOp::create(b, loc, type, tokenType(), ValueRange{token},
                                 sizes, ValueRange{}, /*hostShared=*/false);
  token = op.getAsyncToken();
  temporaries.push_back(op.getMemref());
  return op.getMemref();
}

Value LaunchBuilder::allocKept(MemRefType type, ValueRange sizes) {
  Value buffer = alloc(type, sizes);
  temporaries.pop_back();
  return buffer;
}

Value LaunchBuilder::allocLike(Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(memref::DimOp::create(b, loc, buffer, d));
  return alloc(type, sizes);
}

void LaunchBuilder::copy(Value to, Value from) {
  token =
      gpu::MemcpyOp::create(b, loc, tokenType(), ValueRange{token}, to, from)
          .getAsyncToken();
}

void LaunchBuilder::launch(gpu::GPUFuncOp kernel, gpu::KernelDim3 grid,
                           gpu::KernelDim3 block, Value sharedBytes,
                           ValueRange operands) {
  token = gpu::LaunchFuncOp::create(b, loc, kernel, grid, block, sharedBytes,
                                    operands, tokenType(), ValueRange{token})
              .getAsyncToken();
}

Value LaunchBuilder::transposed(gpu::GPUModuleOp kernels, Value in) {
  auto type = cast<MemRefType>(in.getType());
  Value d0 = memref::DimOp::create(b, loc, in, 0);
  Value d1 = memref::DimOp::create(b, loc, in, 1);
  Value d2 = memref::DimOp::create(b, loc, in, 2);
  Value out = alloc(type, {d0, d2, d1});
  launch(getOrBuildTranspose(b, kernels, type.getElementType()),
         {ceilDiv(d2, kTransposeCols), ceilDiv(d1, kTransposeRows), d0},
         {index(kTransposeCols), index(kTransposeRows), index(1)}, Value(),
         {in, out});
  return out;
}

void LaunchBuilder::start() {
  token =
      gpu::WaitOp::create(b, loc, tokenType(), ValueRange{}).getAsyncToken();
}

void LaunchBuilder::finish() {
  for (Value buffer : temporaries)
    token =
        gpu::DeallocOp::create(b, loc, tokenType(), ValueRange{token}, buffer)
            .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{token});
}

Type LaunchBuilder::tokenType() {
  return gpu::AsyncTokenType::get(b.getContext());
}

void sparq::nvvm::emitKernelLaunch(LaunchBuilder &launch, ModuleOp module,
                                   gpu::GPUModuleOp kernels,
                                   gpu::GPUFuncOp kernel,
                                   const KernelSpec &spec, ValueRange device,
                                   Value deviceOut, Value m, Value n, Value k,
                                   SmallVectorImpl<Value> &maps) {
  OpBuilder &builder = launch.builder();
  Location loc = launch.location();
  Value batch = memref::DimOp::create(builder, loc, deviceOut, 0);
  // Grid: column tiles of the instruction's D, row tiles, batch.
  Value rows = spec.transposed ? n : m, cols = spec.transposed ? m : n;
  if (spec.pipelined) {
    // The multistage kernel reads A and B K-major, as the warpgroup
    // kernels do: the rhs [B, K, N] gets a K-major copy.
    Value a = spec.transposed ? launch.transposed(kernels, device[1]) : device[0];
    Value b = spec.transposed ? device[0] : launch.transposed(kernels, device[1]);
    SmallVector<Value> operands = {a, b};
    operands.append(device.begin() + 2, device.end());
    operands.append({deviceOut, m, n, k});
    launch.launch(kernel,
                  {launch.ceilDiv(cols, pipeline::kBlockCols),
                   launch.ceilDiv(rows, pipeline::kBlockRows), batch},
                  {launch.index(pipeline::kThreads), launch.index(1),
                   launch.index(1)},
                  Value(), operands);
    return;
  }
  if (!spec.warpgroup) {
    SmallVector<Value> operands(device);
    operands.append({deviceOut, m, n, k});
    launch.launch(kernel,
                  {launch.ceilDiv(cols, kBlockCols),
                   launch.ceilDiv(rows, kBlockRows), batch},
                  {launch.index(32 * kWarpsPerBlock), launch.index(1),
                   launch.index(1)},
                  Value(), operands);
    return;
  }
  MLIRContext *ctx = builder.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = builder.getI64Type();
  SmallVector<Type> createArgs(11, i64);
  createArgs.front() = createArgs.back() = ptr;
  func::FuncOp createMap =
      declareFunction(builder, module, kCreateTensorMap,
                      builder.getFunctionType(createArgs, {ptr}));
  // The instruction's A and B K-major: lhs [B, M, K] already is; the rhs
  // [B, K, N] (and a sparse rhs's metadata [B, words, N]) is transposed.
  bool sparse = isSparse(spec.family);
  unsigned next = 0;
  Value lhs = device[next++];
  Value lhsMeta = sparse && !spec.transposed ? device[next++] : Value();
  Value rhs = device[next++];
  Value rhsMeta = sparse && spec.transposed ? device[next++] : Value();
  ValueRange rest = device.drop_front(next);
  Value a = spec.transposed ? launch.transposed(kernels, rhs) : lhs;
  Value b = spec.transposed ? lhs : launch.transposed(kernels, rhs);
  Value meta = !sparse           ? Value()
               : spec.transposed ? launch.transposed(kernels, rhsMeta)
                                 : lhsMeta;
  auto launchInfo = kernel->getAttrOfType<DictionaryAttr>(kLaunchAttrName);
  auto boxes = launchInfo.getAs<ArrayAttr>("tensor_maps");
  auto constant = [&](int64_t v) {
    return arith::ConstantIntOp::create(builder, loc, v, 64).getResult();
  };
  auto dimI64 = [&](Value buffer, int64_t d) {
    return arith::IndexCastUIOp::create(
               builder, loc, i64,
               memref::DimOp::create(builder, loc, buffer, d))
        .getResult();
  };
  Value null = LLVM::ZeroOp::create(builder, loc, ptr);
  // A 3-D tiled tensor map over [batch][lines][inner] of `buffer`.
  auto tensorMap = [&](Value buffer, DictionaryAttr box) {
    int64_t bytes = box.getAs<IntegerAttr>("element_bytes").getInt();
    auto sizes = box.getAs<ArrayAttr>("box");
    Value address = arith::IndexCastUIOp::create(
        builder, loc, i64,
        memref::ExtractAlignedPointerAsIndexOp::create(builder, loc, buffer));
    Value inner = dimI64(buffer, 2), lines = dimI64(buffer, 1);
    Value rowBytes =
        arith::MulIOp::create(builder, loc, inner, constant(bytes));
    Value batchBytes = arith::MulIOp::create(builder, loc, rowBytes, lines);
    SmallVector<Value> args = {
        LLVM::IntToPtrOp::create(builder, loc, ptr, address),
        constant(bytes),
        inner,
        lines,
        dimI64(buffer, 0),
        rowBytes,
        batchBytes,
        constant(cast<IntegerAttr>(sizes[0]).getInt()),
        constant(cast<IntegerAttr>(sizes[1]).getInt()),
        constant(box.getAs<IntegerAttr>("swizzle").getInt()),
        null};
    maps.push_back(
        func::CallOp::create(builder, loc, createMap, args).getResult(0));
    return maps.back();
  };
  SmallVector<Value> operands = {tensorMap(a, cast<DictionaryAttr>(boxes[0])),
                                 tensorMap(b, cast<DictionaryAttr>(boxes[1]))};
  if (meta)
    operands.push_back(meta);
  operands.append(rest.begin(), rest.end());
  operands.append({deviceOut, m, n, k});
  int64_t threads = launchInfo.getAs<IntegerAttr>("threads").getInt();
  int64_t shared =
      launchInfo.getAs<IntegerAttr>("dynamic_shared_memory").getInt();
  launch.launch(kernel,
                {launch.ceilDiv(cols, wgmma::kBlockCols),
                 launch.ceilDiv(rows, wgmma::kBlockRows), batch},
                {launch.index(threads), launch.index(1), launch.index(1)},
                arith::ConstantIntOp::create(builder, loc, shared, 32),
                operands);
}

void sparq::nvvm::destroyTensorMaps(OpBuilder &builder, Location loc,
                                    ModuleOp module, ValueRange maps) {
  if (maps.empty())
    return;
  Type ptr = LLVM::LLVMPointerType::get(builder.getContext());
  func::FuncOp destroyMap =
      declareFunction(builder, module, kDestroyTensorMap,
                      builder.getFunctionType({ptr, ptr}, {}));
  for (Value map : maps)
    func::CallOp::create(
        builder, loc, destroyMap,
        ValueRange{map, LLVM::ZeroOp::create(builder, loc, ptr)});
}
