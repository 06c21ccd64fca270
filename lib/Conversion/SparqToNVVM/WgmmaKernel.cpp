//===- WgmmaKernel.cpp - sm_90a kernels: TMA, mbarrier ring, wgmma --------===//
//
// The warp-specialized Hopper kernel of WgmmaIndexing.h: a producer
// warpgroup streams A and B tiles into a ring of shared-memory stages with
// TMA, two consumer warpgroups multiply them with wgmma.mma_async (sparse:
// wgmma.mma_async.sp, metadata from global memory one step ahead) into
// register accumulators, and the shared epilogue (Epilogue.cpp) scales,
// converts and stores.
//
// MLIR 22 has no op for wgmma.sp, and its TMA / mbarrier / wgmma ops differ
// in what they can express; every Hopper instruction here is therefore
// emitted as inline PTX (as upstream's own PtxBuilder does), one small
// function per instruction below.
//
//===----------------------------------------------------------------------===//
#include "MmaKernel.h"

#include "Epilogue.h"
#include "IndexOps.h"

#include "sparq/Conversion/SparqToNVVM/WgmmaIndexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparq::nvvm;
using wgmma::Config;

namespace {
using Indexing = wgmma::WgmmaIndexing<IndexOps>;

/// The dynamic shared memory every kernel of the module uses, declared
/// once: `.extern .shared .align 1024 .b8 sparq_wgmma_smem[]`.
constexpr llvm::StringLiteral kSharedSymbol = "sparq_wgmma_smem";
/// The run-time alignment of the stages: 128B-swizzled tiles must start on
/// 1024-byte boundaries for the swizzle, a function of the address, to be
/// the one TMA wrote.
constexpr int64_t kStageAlignment = 1024;

std::string ptxType(Type t) {
  if (isa<Float8E4M3FNType>(t))
    return "e4m3";
  if (isa<Float8E5M2Type>(t))
    return "e5m2";
  return t.isF16() ? "f16" : "bf16";
}

class WgmmaEmitter {
public:
  WgmmaEmitter(OpBuilder &b, Location loc, const KernelSpec &spec,
               gpu::GPUFuncOp func, LLVM::GlobalOp shared)
      : b(b), loc(loc), ops{b, loc}, spec(spec),
        config(wgmma::getConfig(spec.family)), func(func), shared(shared) {}

  void emit();

private:
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 32); }
  Value i64(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 64); }
  Value toI32(Value index) {
    return arith::IndexCastUIOp::create(b, loc, b.getI32Type(), index);
  }
  /// The 32-bit shared address of byte `offset` (index) of the stages.
  Value sharedAddress(Value offset) {
    return arith::AddIOp::create(b, loc, base, toI32(offset));
  }

  /// Inline PTX with side effects and no result.
  void ptx(StringRef text, StringRef constraints = "", ValueRange operands = {}) {
    LLVM::InlineAsmOp::create(b, loc, Type(), operands, text, constraints,
                              /*has_side_effects=*/true,
                              /*is_align_stack=*/false,
                              LLVM::tailcallkind::TailCallKind::None,
                              LLVM::AsmDialectAttr(), ArrayAttr());
  }

  void mbarrierInit(Value address, int64_t count) {
    ptx("mbarrier.init.shared::cta.b64 [$0], $1;", "r,r",
        {address, i32(count)});
  }
  /// Spins until the phase of parity `parity` (i32) of the barrier has
  /// completed.
  void mbarrierWait(Value address, Value parity) {
    ptx("{\n\t.reg .pred done;\n\twait:\n\t"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [$0], $1;\n\t"
        "@!done bra wait;\n\t}",
        "r,r", {address, parity});
  }
  void mbarrierArrive(Value address) {
    ptx("mbarrier.arrive.shared::cta.b64 _, [$0];", "r", {address});
  }
  void mbarrierArriveExpectTx(Value address, int64_t bytes) {
    ptx("mbarrier.arrive.expect_tx.shared::cta.b64 _, [$0], $1;", "r,r",
        {address, i32(bytes)});
  }
  /// One TMA box copy into shared `destination`, completing on `barrier`.
  void tmaLoad(Value destination, Value map, Value inner, Value outer,
               Value batch, Value barrier) {
    ptx("cp.async.bulk.tensor.3d.shared::cluster.global.mbarrier::"
        "complete_tx::bytes [$0], [$1, {$2, $3, $4}], [$5];",
        "r,l,r,r,r,r",
        {destination, map, toI32(inner), toI32(outer), toI32(batch), barrier});
  }
  /// The wgmma descriptor of a K-major swizzled tile at shared `address`.
  Value descriptor(Value address, int64_t rowBytes, wgmma::Swizzle swizzle) {
    Value field = arith::ShRUIOp::create(
        b, loc,
        arith::AndIOp::create(b, loc,
                              arith::ExtUIOp::create(b, loc, b.getI64Type(),
                                                     address),
                              i64(0x3FFFF)),
        i64(4));
    return arith::OrIOp::create(
        b, loc, field,
        i64(int64_t(wgmma::descriptorBase(rowBytes, swizzle))));
  }
  /// acc = A * B + acc by one wgmma (wgmma.sp with `metadata`).
  /// acc = A * B + acc, or A * B where `accumulate` (i32) is 0.
  SmallVector<Value> multiply(Value aDesc, Value bDesc, Value metadata,
                              Value accumulate, ValueRange acc);
  /// Passes `values` (f32, i32 or i64) through the asm statement `text` (by
  /// default empty): nothing reading the results moves above it, and
  /// nothing computing them moves below it.
  SmallVector<Value> fence(ValueRange values, StringRef text = "");
  /// The metadata register of instruction `j` of K step `step` for this
  /// consumer thread (sparse only).
  Value metadataRegister(Indexing &indexing, Value step, int64_t j);

  void emitProducer(Indexing &indexing);
  void emitConsumer(Indexing &indexing, Value consumer, Value thread);

  OpBuilder &b;
  Location loc;
  IndexOps ops;
  const KernelSpec &spec;
  Config config;
  gpu::GPUFuncOp func;
  LLVM::GlobalOp shared;
  Value mapA, mapB, metadata;
  /// Scales, bias and the output; its batch is `batch`.
  EpilogueOperands epilogue;
  Value rows, cols, batch;
  /// The 1024-aligned shared address of stage 0.
  Value base;
  /// In the consumer: its index (0, 1) and the thread's in the warpgroup.
  Value consumerIndex, threadIndex;
};

SmallVector<Value> WgmmaEmitter::multiply(Value aDesc, Value bDesc,
                                          Value metadataReg, Value accumulate,
                                          ValueRange acc) {
  int64_t n = wgmma::kAccumulators;
  std::string text = "{\n\t.reg .pred p;\n\tsetp.ne.b32 p, $" +
                     std::to_string(2 * n + 2 + (config.sparse ? 1 : 0)) +
                     ", 0;\n\t";
  std::string shape = "m64n" + std::to_string(wgmma::kBlockCols) + "k" +
                      std::to_string(config.kInstruction);
  text += std::string("wgmma.mma_async") + (config.sparse ? ".sp" : "") +
          ".sync.aligned." + shape + ".f32." + ptxType(spec.aElement) + "." +
          ptxType(spec.bElement) + " {";
  std::string constraints;
  for (int64_t i = 0; i < n; ++i) {
    text += (i ? ", $" : "$") + std::to_string(i);
    constraints += "=f,";
  }
  for (int64_t i = 0; i < n; ++i)
    constraints += std::to_string(i) + ",";
  text += "}, $" + std::to_string(2 * n) + ", $" + std::to_string(2 * n + 1);
  constraints += "l,l";
  SmallVector<Value> operands(acc.begin(), acc.end());
  operands.append({aDesc, bDesc});
  if (config.sparse) {
    // Metadata register, then the sparsity selector (0: FP8 must, f16 and
    // bf16 use the thread pairs 0 and 1 of each quad).
    text += ", $" + std::to_string(2 * n + 2) + ", 0";
    constraints += ",r";
    operands.push_back(metadataReg);
  }
  // scale-d = p, imm-scale-a = imm-scale-b = 1; 16-bit types also take the
  // transpose immediates: 0, both operands are K-major.
  constraints += ",r";
  operands.push_back(accumulate);
  text += ", p, 1, 1";
  if (config.elementBytes == 2)
    text += ", 0, 0";
  text += ";\n\t}";
  SmallVector<Type> f32s(n, b.getF32Type());
  auto structType = LLVM::LLVMStructType::getLiteral(b.getContext(), f32s);
  auto op = LLVM::InlineAsmOp::create(
      b, loc, structType, operands, text, constraints,
      /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
      ArrayAttr());
  SmallVector<Value> result;
  for (int64_t i = 0; i < n; ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, loc, op.getRes(), i));
  return result;
}

SmallVector<Value> WgmmaEmitter::fence(ValueRange values, StringRef text) {
  std::string constraints;
  auto letter = [](Type t) {
    return t.isF32() ? "f" : t.isInteger(64) ? "l" : "r";
  };
  for (Value v : values)
    constraints += std::string("=") + letter(v.getType()) + ",";
  for (size_t i = 0; i < values.size(); ++i)
    constraints += std::to_string(i) + (i + 1 < values.size() ? "," : "");
  SmallVector<Type> types(values.getTypes());
  auto op = LLVM::InlineAsmOp::create(
      b, loc, LLVM::LLVMStructType::getLiteral(b.getContext(), types), values,
      text, constraints, /*has_side_effects=*/true, /*is_align_stack=*/false,
      LLVM::tailcallkind::TailCallKind::None, LLVM::AsmDialectAttr(),
      ArrayAttr());
  SmallVector<Value> result;
  for (size_t i = 0; i < values.size(); ++i)
    result.push_back(LLVM::ExtractValueOp::create(b, loc, op.getRes(), i));
  return result;
}

Value WgmmaEmitter::metadataRegister(Indexing &indexing, Value step,
                                     int64_t j) {
  // Word w of row r of A's metadata ([batch, rows, words], one uint16 per
  // 16 logical columns), as the instruction's lanes supply it (see
  // Indexing::metadataWords); padding nibbles where out of range.
  Value reg = i32(0);
  for (unsigned half = 0; half < 2; ++half) {
    auto [row, word] = indexing.metadataWord(step, j, consumerIndex,
                                             threadIndex, half);
    Value words = memref::DimOp::create(b, loc, metadata, 2);
    Value ok = ops.both(ops.ult(row, rows), ops.ult(word, words));
    Value loaded = memref::LoadOp::create(
        b, loc, metadata,
        ValueRange{batch, ops.select(ok, row, ops.c(0)),
                   ops.select(ok, word, ops.c(0))});
    Value v = arith::SelectOp::create(
        b, loc, ok, arith::ExtUIOp::create(b, loc, b.getI32Type(), loaded),
        i32(wgmma::kPaddingMetadataWord));
    reg = arith::OrIOp::create(
        b, loc, reg, arith::ShLIOp::create(b, loc, v, i32(16 * half)));
  }
  return reg;
}

void WgmmaEmitter::emitProducer(Indexing &indexing) {
  // The tensor maps were written to global memory by a host copy (the
  // generic proxy): acquire them for the TMA unit's tensormap proxy.
  for (Value map : {mapA, mapB})
    ptx("fence.proxy.tensormap::generic.acquire.gpu [$0], 128;", "l", {map});
  Value steps = indexing.steps();
  auto loop = scf::ForOp::create(b, loc, ops.c(0), steps, ops.c(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value step = loop.getInductionVar();
  Value stage = indexing.stage(step);
  Value parity = toI32(indexing.parity(step));
  // The stage is free once its previous round's consumers released it (a
  // fresh barrier passes the wait on parity 1).
  mbarrierWait(sharedAddress(indexing.emptyBarrier(stage)),
               arith::XOrIOp::create(b, loc, parity, i32(1)));
  Value full = sharedAddress(indexing.fullBarrier(stage));
  mbarrierArriveExpectTx(full, config.stageBytes());
  auto [aInner, aOuter] = indexing.aBox(step);
  tmaLoad(sharedAddress(indexing.aTile(stage)), mapA, aInner, aOuter, batch,
          full);
  auto [bInner, bOuter] = indexing.bBox(step);
  tmaLoad(sharedAddress(indexing.bTile(stage)), mapB, bInner, bOuter, batch,
          full);
}

void WgmmaEmitter::emitConsumer(Indexing &indexing, Value consumer,
                                Value thread) {
  consumerIndex = consumer;
  threadIndex = thread;
  int64_t n = wgmma::kAccumulators;
  int64_t perStage = config.instructionsPerStage();
  // The first wgmma ignores its accumulator input (scale-d = 0), so the
  // loop starts from undefined registers: zeros would be register moves that
  // LLVM may sink into the first pipeline stage, where ptxas serializes the
  // wgmmas (C7515).
  SmallVector<Value> init(n, LLVM::UndefOp::create(b, loc, b.getF32Type()));
  Value steps = indexing.steps();
  Value lane0 = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                      ops.remu(thread, ops.c(32)), ops.c(0));
  auto loop = scf::ForOp::create(b, loc, ops.c(0), steps, ops.c(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value step = loop.getInductionVar();
    SmallVector<Value> acc(loop.getRegionIterArgs());
    Value stage = indexing.stage(step);
    // Every register a wgmma reads besides the accumulators -- descriptors
    // and (sparse) metadata, the latter loaded from global memory before the
    // barrier wait so that its latency overlaps it -- is computed before
    // wgmma.fence, and fresh in each step: ptxas serializes wgmmas whose
    // input registers are defined inside their pipeline stage (C7513/C7519).
    SmallVector<Value> inputs;
    for (int64_t j = 0; j < perStage; ++j)
      if (config.sparse)
        inputs.push_back(metadataRegister(indexing, step, j));
    mbarrierWait(sharedAddress(indexing.fullBarrier(stage)),
                 toI32(indexing.parity(step)));
    for (int64_t j = 0; j < perStage; ++j) {
      inputs.push_back(
          descriptor(sharedAddress(indexing.aAddress(stage, consumer, j)),
                     config.aRowBytes(), config.aSwizzle()));
      inputs.push_back(descriptor(sharedAddress(indexing.bAddress(stage, j)),
                                  config.bRowBytes(), config.bSwizzle()));
    }
    inputs = fence(inputs, "wgmma.fence.sync.aligned;");
    int64_t firstDescriptor = config.sparse ? perStage : 0;
    Value notFirst = arith::ExtUIOp::create(
        b, loc, b.getI32Type(),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, step,
                              ops.c(0)));
    for (int64_t j = 0; j < perStage; ++j)
      acc = multiply(inputs[firstDescriptor + 2 * j],
                     inputs[firstDescriptor + 2 * j + 1],
                     config.sparse ? inputs[j] : Value(),
                     j == 0 ? notFirst : i32(1), acc);
    ptx("wgmma.commit_group.sync.aligned;");
    // The previous step's group has completed: release its stage.
    ptx("wgmma.wait_group.sync.aligned 1;");
    Value release = arith::AndIOp::create(
        b, loc, lane0,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, step,
                              ops.c(0)));
    auto ifOp = scf::IfOp::create(b, loc, release, /*withElse=*/false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      Value previous = indexing.stage(ops.sub(step, ops.c(1)));
      mbarrierArrive(sharedAddress(indexing.emptyBarrier(previous)));
    }
    scf::YieldOp::create(b, loc, acc);
  }
  ptx("wgmma.wait_group.sync.aligned 0;");
  SmallVector<Value> acc = fence(loop.getResults());
  // K = 0 runs no step: the product is zero.
  Value none = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, steps,
                                     ops.c(0));
  Value zero = arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                              APFloat(0.0f));
  for (Value &v : acc)
    v = arith::SelectOp::create(b, loc, none, zero, v);

  SmallVector<OutputElement> elements;
  for (int64_t i = 0; i < n; ++i) {
    auto [row, col] = indexing.accumulator(consumer, thread, i);
    Value ok = ops.both(ops.ult(row, rows), ops.ult(col, cols));
    row = ops.select(ok, row, ops.c(0));
    col = ops.select(ok, col, ops.c(0));
    // Transposed kernels compute D^T: instruction rows are output columns.
    elements.push_back(spec.transposed ? OutputElement{acc[i], col, row, ok}
                                       : OutputElement{acc[i], row, col, ok});
  }
  // Accumulators 2i and 2i + 1 are adjacent columns of one row.
  epilogue.batch = batch;
  emitEpilogue(b, loc, spec, epilogue, elements);
}

} // namespace

void WgmmaEmitter::emit() {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  unsigned arg = 0;
  auto next = [&] { return entry.getArgument(arg++); };
  auto asI64 = [&](Value ptr) {
    return LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), ptr);
  };
  mapA = asI64(next());
  mapB = asI64(next());
  if (config.sparse)
    metadata = next();
  std::array<Value, 3> mnk;
  readEpilogueArguments(spec, entry.getArguments().drop_front(arg), epilogue,
                        mnk);
  Value m = mnk[0], n = mnk[1], k = mnk[2];
  rows = spec.transposed ? n : m;
  cols = spec.transposed ? m : n;

  batch = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  Value thread = gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x);
  Indexing indexing(ops, config, rows, cols, k,
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::y));

  // The stages start at the first 1024-byte boundary of the dynamic shared
  // memory (the launch asks for kStageAlignment bytes more).
  Value raw = LLVM::PtrToIntOp::create(
      b, loc, b.getI32Type(), LLVM::AddressOfOp::create(b, loc, shared));
  base = arith::AndIOp::create(
      b, loc, arith::AddIOp::create(b, loc, raw, i32(kStageAlignment - 1)),
      i32(-kStageAlignment));

  // Thread 0 initializes the barriers; the fence makes the initialization
  // visible to the TMA unit (the async proxy) before any copy completes on
  // them.
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, thread,
                                      ops.c(0));
  {
    auto ifOp = scf::IfOp::create(b, loc, first, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    for (int64_t s = 0; s < config.stages; ++s) {
      mbarrierInit(sharedAddress(ops.c(config.fullBarrier(s))), 1);
      mbarrierInit(sharedAddress(ops.c(config.emptyBarrier(s))),
                   config.emptyArrivals());
    }
    ptx("fence.mbarrier_init.release.cluster;");
    ptx("fence.proxy.async.shared::cta;");
  }
  gpu::BarrierOp::create(b, loc);

  Value warpgroup = ops.divu(thread, ops.c(wgmma::kWarpgroupThreads));
  Value isProducer = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                           warpgroup, ops.c(0));
  auto roles = scf::IfOp::create(b, loc, isProducer, /*withElse=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(roles.thenBlock());
    ptx("setmaxnreg.dec.sync.aligned.u32 " +
        std::to_string(wgmma::kProducerRegisters) + ";");
    auto ifOp = scf::IfOp::create(b, loc, first, /*withElse=*/false);
    b.setInsertionPointToStart(ifOp.thenBlock());
    emitProducer(indexing);
  }
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(roles.elseBlock());
    ptx("setmaxnreg.inc.sync.aligned.u32 " +
        std::to_string(wgmma::kConsumerRegisters) + ";");
    emitConsumer(indexing, ops.sub(warpgroup, ops.c(1)),
                 ops.remu(thread, ops.c(wgmma::kWarpgroupThreads)));
  }
  gpu::ReturnOp::create(b, loc);
}

gpu::GPUFuncOp sparq::nvvm::getOrBuildWgmmaKernel(OpBuilder &builder,
                                                  gpu::GPUModuleOp module,
                                                  const KernelSpec &spec) {
  std::string name = spec.name();
  if (auto existing = module.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  MLIRContext *ctx = builder.getContext();
  OpBuilder::InsertionGuard guard(builder);
  Location loc = module.getLoc();
  auto shared = module.lookupSymbol<LLVM::GlobalOp>(kSharedSymbol);
  if (!shared) {
    builder.setInsertionPointToStart(module.getBody());
    shared = LLVM::GlobalOp::create(
        builder, loc, LLVM::LLVMArrayType::get(builder.getI8Type(), 0),
        /*isConstant=*/false, LLVM::Linkage::External, kSharedSymbol,
        Attribute(), /*alignment=*/kStageAlignment,
        /*addrSpace=*/int(NVVM::NVVMMemorySpace::Shared));
  }

  Config config = wgmma::getConfig(spec.family);
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  SmallVector<Type> args = {ptr, ptr};
  if (config.sparse)
    args.push_back(dynamicBuffer(builder.getI16Type()));
  appendEpilogueArguments(builder, spec, args);

  builder.setInsertionPointToEnd(module.getBody());
  auto func = gpu::GPUFuncOp::create(builder, loc, name,
                                     builder.getFunctionType(args, {}));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
  // 384 threads, one block per SM: ptxas budgets 168 registers a thread,
  // which setmaxnreg then moves from the producer to the consumers.
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                builder.getDenseI32ArrayAttr({int32_t(wgmma::kThreads), 1, 1}));
  func->setAttr(NVVM::NVVMDialect::getMinctasmAttrName(),
                builder.getI32IntegerAttr(1));

  // How to launch it, read by the host lowering and by bench/gpu.
  auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
  auto map = [&](StringRef operand, int64_t rowBytes, int64_t boxRows) {
    return builder.getDictionaryAttr({
        builder.getNamedAttr("operand", builder.getStringAttr(operand)),
        builder.getNamedAttr("element_bytes", i64(config.elementBytes)),
        builder.getNamedAttr(
            "box", builder.getI64ArrayAttr(
                       {rowBytes / config.elementBytes, boxRows})),
        builder.getNamedAttr("swizzle", i64(rowBytes)),
    });
  };
  func->setAttr(
      kLaunchAttrName,
      builder.getDictionaryAttr({
          builder.getNamedAttr("threads", i64(wgmma::kThreads)),
          builder.getNamedAttr("block_rows", i64(wgmma::kBlockRows)),
          builder.getNamedAttr("block_cols", i64(wgmma::kBlockCols)),
          builder.getNamedAttr("dynamic_shared_memory",
                               i64(config.sharedBytes() + kStageAlignment)),
          builder.getNamedAttr(
              "tensor_maps",
              builder.getArrayAttr(
                  {map("a", config.aRowBytes(), wgmma::kBlockRows),
                   map("b", config.bRowBytes(), wgmma::kBlockCols)})),
      }));
  WgmmaEmitter(builder, loc, spec, func, shared).emit();
  return func;
}
