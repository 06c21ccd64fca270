//===- PipelineKernel.cpp - multistage warp-level kernels (sm_80 - sm_90) -===//
//
// The cp.async multistage kernel of PipelineIndexing.h: 16-byte
// `cp.async.cg` copies with zero fill into a 3-stage ring of XOR-swizzled
// K-major shared tiles, `wait_group` / `bar.sync` per K step, ldmatrix.x4
// fragment loads and mma.sync. Every address, src-size and stage comes from
// PipelineIndexing.h (the header the simulation runs); this file only turns
// them into pointers and instructions.
//
//===----------------------------------------------------------------------===//
#include "MmaKernel.h"

#include "Epilogue.h"
#include "IndexOps.h"

#include "sparq/Conversion/SparqToNVVM/PipelineIndexing.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace sparq::nvvm;
namespace pl = sparq::nvvm::pipeline;

namespace {
using Indexing = pl::PipelineIndexing<IndexOps>;

class PipelineEmitter {
public:
  PipelineEmitter(OpBuilder &b, Location loc, const KernelSpec &spec,
                  gpu::GPUFuncOp func)
      : b(b), loc(loc), ops{b, loc}, spec(spec),
        config(pl::getConfig(spec.family)), layout(getFragmentLayout(spec.family)),
        func(func) {}

  void emit();

private:
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 32); }
  Value f32(double v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(v)));
  }
  /// The aligned base address of `memref` as a pointer of `addressSpace`.
  Value basePointer(Value memref, unsigned addressSpace) {
    Value address = arith::IndexCastUIOp::create(
        b, loc, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, memref));
    Type generic = LLVM::LLVMPointerType::get(b.getContext());
    Type typed = LLVM::LLVMPointerType::get(b.getContext(), addressSpace);
    if (addressSpace == unsigned(NVVM::NVVMMemorySpace::Shared))
      return LLVM::IntToPtrOp::create(b, loc, typed, address);
    // Kernel arguments are generic addresses of global memory.
    return LLVM::AddrSpaceCastOp::create(
        b, loc, typed, LLVM::IntToPtrOp::create(b, loc, generic, address));
  }
  /// `base` + `offset` bytes (offset an index).
  Value at(Value base, Value offset) {
    Value bytes = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), offset);
    return LLVM::GEPOp::create(b, loc, base.getType(), b.getI8Type(), base,
                               ValueRange{bytes});
  }
  /// The copies of K step `step` into stage `stage`, and their commit.
  void issue(Indexing &indexing, Value step, Value stage) {
    auto copy = [&](const Indexing::Copy &c, Value global) {
      Value srcBytes =
          arith::IndexCastUIOp::create(b, loc, b.getI32Type(), c.srcBytes);
      NVVM::CpAsyncOp::create(b, loc, at(shared, c.shared), at(global, c.global),
                              uint32_t(pl::kChunkBytes),
                              NVVM::LoadCacheModifierKind::CG, srcBytes);
    };
    for (int64_t j = 0; j < config.aCopies(); ++j)
      copy(indexing.copyA(step, stage, j), aGlobal);
    for (int64_t j = 0; j < config.bCopies(); ++j)
      copy(indexing.copyB(step, stage, j), bGlobal);
    NVVM::CpAsyncCommitGroupOp::create(b, loc);
  }
  /// ldmatrix.x4 at shared byte `offset` (this lane's row): four registers,
  /// as the instruction takes them (i32, or f16x2 for f16).
  SmallVector<Value> ldmatrix(Value offset) {
    Type i32Type = b.getI32Type();
    auto type = LLVM::LLVMStructType::getLiteral(
        b.getContext(), {i32Type, i32Type, i32Type, i32Type});
    Value loaded = NVVM::LdMatrixOp::create(
        b, loc, type, at(shared, offset), 4, NVVM::MMALayout::row,
        NVVM::LdStMatrixShapeAttr::get(b.getContext(), 8, 8),
        NVVM::LdStMatrixEltType::B16);
    SmallVector<Value> registers;
    for (int64_t j = 0; j < 4; ++j) {
      Value reg = LLVM::ExtractValueOp::create(b, loc, loaded, j);
      if (spec.family == MmaFamily::SparseF16)
        reg = LLVM::BitcastOp::create(
            b, loc, VectorType::get({2}, b.getF16Type()), reg);
      registers.push_back(reg);
    }
    return registers;
  }
  /// Step `stage`'s instructions on the accumulators `acc` (updated).
  void compute(Indexing &indexing, Value stage, SmallVector<Value> &acc);

  OpBuilder &b;
  Location loc;
  IndexOps ops;
  const KernelSpec &spec;
  pl::Config config;
  const FragmentLayout &layout;
  gpu::GPUFuncOp func;
  Value aGlobal, bGlobal, shared;
};

} // namespace

void PipelineEmitter::compute(Indexing &indexing, Value stage,
                              SmallVector<Value> &acc) {
  Type f = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f, f, f, f});
  int64_t bChunks = config.bInstructionChunks();
  for (int64_t i = 0; i < config.instructionsPerStep(); ++i) {
    SmallVector<SmallVector<Value>> aRegs, bRegs(pl::kFragsN);
    for (int64_t fm = 0; fm < pl::kFragsM; ++fm)
      aRegs.push_back(ldmatrix(indexing.ldmatrixA(stage, fm, i)));
    for (int64_t load = 0; load * config.bFragsPerLoad() < pl::kFragsN; ++load) {
      SmallVector<Value> regs = ldmatrix(indexing.ldmatrixB(stage, load, i));
      for (int64_t f = 0; f < config.bFragsPerLoad(); ++f)
        bRegs[load * config.bFragsPerLoad() + f].assign(
            regs.begin() + f * bChunks, regs.begin() + (f + 1) * bChunks);
    }
    for (int64_t fm = 0; fm < pl::kFragsM; ++fm)
      for (int64_t fn = 0; fn < pl::kFragsN; ++fn) {
        SmallVector<Value> operands(aRegs[fm]);
        operands.append(bRegs[fn]);
        int64_t tile = fm * pl::kFragsN + fn;
        operands.append(acc.begin() + 4 * tile, acc.begin() + 4 * tile + 4);
        Value d = LLVM::CallIntrinsicOp::create(
                      b, loc, resultType,
                      b.getStringAttr(mmaIntrinsicName(spec)), operands)
                      .getResult(0);
        for (int64_t e = 0; e < 4; ++e)
          acc[4 * tile + e] = LLVM::ExtractValueOp::create(b, loc, d, e);
      }
  }
}

void PipelineEmitter::emit() {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  Value aArg = entry.getArgument(0), bArg = entry.getArgument(1);
  EpilogueOperands epilogue;
  std::array<Value, 3> mnk;
  readEpilogueArguments(spec, entry.getArguments().drop_front(2), epilogue,
                        mnk);
  Value m = mnk[0], n = mnk[1], k = mnk[2];
  aGlobal = basePointer(aArg, unsigned(NVVM::NVVMMemorySpace::Global));
  bGlobal = basePointer(bArg, unsigned(NVVM::NVVMMemorySpace::Global));
  shared = basePointer(func.getWorkgroupAttributions()[0],
                       unsigned(NVVM::NVVMMemorySpace::Shared));

  Value batch = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  Indexing indexing(ops, config, spec.transposed ? n : m,
                    spec.transposed ? m : n, k, batch,
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                    gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));

  // Prologue: steps 0 .. stages - 2, one group each (zero-filled past K).
  for (int64_t s = 0; s < config.stages - 1; ++s)
    issue(indexing, ops.c(s), ops.c(s));

  // Loop-carried: the accumulators, then the stages read and written.
  constexpr int64_t kAcc = 4 * pl::kFragsM * pl::kFragsN;
  SmallVector<Value> init(kAcc, f32(0.0));
  init.push_back(ops.c(0));
  init.push_back(indexing.stage(ops.c(config.stages - 1)));
  auto loop = scf::ForOp::create(b, loc, ops.c(0), indexing.steps(), ops.c(1),
                                 init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value step = loop.getInductionVar();
    Value readStage = loop.getRegionIterArgs()[kAcc];
    Value writeStage = loop.getRegionIterArgs()[kAcc + 1];
    // This thread's copies of `step` done, then everyone's; every warp is
    // also past the math of step - 1, whose stage the next copies refill.
    NVVM::CpAsyncWaitGroupOp::create(b, loc, uint32_t(config.waitGroups()));
    gpu::BarrierOp::create(b, loc);
    issue(indexing, indexing.prefetchStep(step), writeStage);
    SmallVector<Value> carried(loop.getRegionIterArgs().take_front(kAcc));
    compute(indexing, readStage, carried);
    carried.push_back(indexing.nextStage(readStage));
    carried.push_back(indexing.nextStage(writeStage));
    scf::YieldOp::create(b, loc, carried);
  }
  // No copy may be in flight when the block exits.
  NVVM::CpAsyncWaitGroupOp::create(b, loc, 0);

  SmallVector<OutputElement> elements;
  ValueRange acc = loop.getResults().take_front(kAcc);
  for (int64_t tile = 0; tile < pl::kFragsM * pl::kFragsN; ++tile)
    for (unsigned e = 0; e < 4; ++e) {
      Indexing::OutputAccess o =
          indexing.output(tile / pl::kFragsN, tile % pl::kFragsN, e);
      Value row = o.m, col = o.n;
      if (spec.transposed)
        std::swap(row, col);
      elements.push_back({acc[4 * tile + e], row, col, o.inBounds});
    }
  epilogue.batch = batch;
  // Elements (c0, c1) and (c2, c3) are adjacent columns of one row.
  emitEpilogue(b, loc, spec, epilogue, elements,
               /*adjacentPairs=*/!spec.transposed);
  gpu::ReturnOp::create(b, loc);
}

gpu::GPUFuncOp sparq::nvvm::getOrBuildPipelineKernel(OpBuilder &builder,
                                                     gpu::GPUModuleOp module,
                                                     const KernelSpec &spec) {
  std::string name = spec.name();
  if (auto existing = module.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  MLIRContext *ctx = builder.getContext();
  pl::Config config = pl::getConfig(spec.family);
  SmallVector<Type> args = {dynamicBuffer(spec.aElement),
                            dynamicBuffer(spec.bElement)};
  appendEpilogueArguments(builder, spec, args);

  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  Type ring = MemRefType::get({config.sharedBytes()}, builder.getI8Type(),
                              MemRefLayoutAttrInterface(), workgroup);
  auto func = gpu::GPUFuncOp::create(builder, loc, name,
                                     builder.getFunctionType(args, {}), {ring});
  // 16-byte cp.async and ldmatrix rows; 128 keeps the swizzle's bank
  // groups where Swizzle.h puts them.
  func.setWorkgroupAttributionAttr(
      0, builder.getStringAttr(LLVM::LLVMDialect::getAlignAttrName()),
      builder.getI64IntegerAttr(128));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
  func->setAttr(NVVM::NVVMDialect::getMaxntidAttrName(),
                builder.getDenseI32ArrayAttr({int32_t(pl::kThreads), 1, 1}));
  auto i64 = [&](int64_t v) { return builder.getI64IntegerAttr(v); };
  func->setAttr(kLaunchAttrName,
                builder.getDictionaryAttr({
                    builder.getNamedAttr("threads", i64(pl::kThreads)),
                    builder.getNamedAttr("block_rows", i64(pl::kBlockRows)),
                    builder.getNamedAttr("block_cols", i64(pl::kBlockCols)),
                    builder.getNamedAttr("static_shared_memory",
                                         i64(config.sharedBytes())),
                    builder.getNamedAttr("dynamic_shared_memory", i64(0)),
                    builder.getNamedAttr("tensor_maps", builder.getArrayAttr({})),
                }));
  PipelineEmitter(builder, loc, spec, func).emit();
  return func;
}
