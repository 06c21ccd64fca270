//===- MmaKernel.cpp - GPU kernels for sparq.matmul -----------------------===//
//
// Each block steps through K one instruction at a time: its threads copy
// the step's A, B and metadata tiles to shared memory (coalesced, with
// bounds checks, so any M, N and K work: out-of-range elements read as zero
// and their metadata as a valid "indices 0 and 1" nibble), then each warp
// computes a kFragsM x kFragsN grid of 16 x 8 tiles of the instruction's D,
// loading its A and B fragments from shared memory with ldmatrix and each
// lane its metadata words. All positions come from KernelIndexing.h.
//
//===----------------------------------------------------------------------===//
#include "MmaKernel.h"

#include "Epilogue.h"
#include "IndexOps.h"

#include "sparq/Conversion/SparqToNVVM/Fragments.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparq::nvvm;

static std::string typeName(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

std::string KernelSpec::name() const {
  auto scale = [](ScaleKind k) {
    return k == ScaleKind::None ? "n" : k == ScaleKind::Scalar ? "s" : "v";
  };
  std::string n = warpgroup ? "sparq_wg_" : pipelined ? "sparq_mp_" : "sparq_mm_";
  n += family == MmaFamily::DenseFp8    ? "dense"
       : family == MmaFamily::SparseFp8 ? "sp8"
                                        : "sp16";
  n += "_" + typeName(aElement) + "_" + typeName(bElement) + "_" +
       typeName(outElement);
  n += transposed ? "_t" : "";
  n += std::string("_") + scale(lhsScale) + scale(rhsScale) +
       (outScale ? "o" : "") + (bias ? "b" : "");
  return n;
}

namespace {
using Indexing = KernelIndexing<IndexOps>;

/// Emits the body of one kernel.
class KernelEmitter {
public:
  KernelEmitter(OpBuilder &b, Location loc, const KernelSpec &spec,
                gpu::GPUFuncOp func)
      : b(b), loc(loc), ops{b, loc}, spec(spec),
        layout(getFragmentLayout(spec.family)), func(func) {}

  void emit();

private:
  Value i32(int64_t v) { return arith::ConstantIntOp::create(b, loc, v, 32); }
  Value f32(double v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                          APFloat(float(v)));
  }

  /// memref[batch, at] where in bounds, else +0 of its element type.
  Value load(Value memref, const Indexing::Access &at) {
    Value v = memref::LoadOp::create(b, loc, memref,
                                     ValueRange{batch, at.line, at.column});
    Type t = v.getType();
    Value zero = arith::ConstantOp::create(b, loc, t, b.getZeroAttr(t));
    return ops.select(at.inBounds, v, zero);
  }

  /// The integer type A and B elements are staged as in shared memory
  /// (ldmatrix moves bits).
  Type stagedType() {
    return b.getIntegerType(unsigned(32 / layout.perRegister));
  }

  /// The registers of one fragment, by one ldmatrix of `matrices` 8 x 8
  /// b16 matrices from shared tile `tile`, this lane addressing `row`; as
  /// the intrinsic takes them: i32, or f16x2 for f16.
  SmallVector<Value> fragment(Value tile, int64_t matrices,
                              Indexing::SharedAt row) {
    Type staged = stagedType();
    auto type = VectorType::get({matrices, int64_t(layout.perRegister)}, staged);
    Value loaded = nvgpu::LdMatrixOp::create(
        b, loc, type, tile, ValueRange{row.row, row.col}, /*transpose=*/false,
        uint32_t(matrices));
    SmallVector<Value> registers;
    for (int64_t j = 0; j < matrices; ++j) {
      Value reg = vector::ExtractOp::create(b, loc, loaded, j);
      registers.push_back(
          spec.family == MmaFamily::SparseF16
              ? arith::BitcastOp::create(
                    b, loc, VectorType::get({2}, b.getF16Type()), reg)
                    .getResult()
              : LLVM::BitcastOp::create(b, loc, b.getI32Type(), reg)
                    .getResult());
    }
    return registers;
  }

  /// The metadata register of row tile `fm`: two words of the shared tile.
  Value metadataRegister(Indexing &indexing, int64_t fm) {
    Value reg = i32(0);
    for (unsigned h = 0; h < layout.metadata.size(); ++h) {
      Indexing::SharedAt p = indexing.metadata(fm, h);
      Value word = arith::ExtUIOp::create(
          b, loc, b.getI32Type(),
          memref::LoadOp::create(b, loc, sharedMeta, ValueRange{p.row, p.col}));
      reg = arith::OrIOp::create(
          b, loc, reg,
          arith::ShLIOp::create(b, loc, word, i32(16 * int64_t(h))));
    }
    return reg;
  }

  /// One K step's global -> shared copies, by this thread.
  void copyToShared(Indexing &indexing, Value k0, Value aSource,
                    Value bSource) {
    const SharedTiles &tiles = indexing.getTiles();
    auto store = [&](Value v, const auto &copy, Value tile) {
      memref::StoreOp::create(b, loc, v, tile,
                              ValueRange{copy.sharedRow, copy.sharedCol});
    };
    auto staged = [&](Value v) {
      return arith::BitcastOp::create(b, loc, stagedType(), v);
    };
    for (int64_t j = 0; j < tiles.aCopies(); ++j) {
      Indexing::Copy c = indexing.copyA(k0, j);
      store(staged(load(aSource, c.global)), c, sharedA);
    }
    for (int64_t j = 0; j < tiles.bCopies(); ++j) {
      Indexing::Copy c = indexing.copyB(k0, j);
      store(staged(load(bSource, c.global)), c, sharedB);
    }
    if (!isSparse(spec.family))
      return;
    Value meta = spec.transposed ? rhsMeta : lhsMeta;
    for (int64_t j = 0; j < tiles.metaCopies(); ++j) {
      Indexing::MetadataCopy m = indexing.copyMetadata(k0, j);
      Value fill =
          arith::IndexCastUIOp::create(b, loc, b.getI16Type(), m.fill);
      Value word = arith::OrIOp::create(b, loc, load(meta, m.copy.global), fill);
      store(word, m.copy, sharedMeta);
    }
  }

  void emitEpilogue(Indexing &indexing, ValueRange acc);

  OpBuilder &b;
  Location loc;
  IndexOps ops;
  const KernelSpec &spec;
  const FragmentLayout &layout;
  gpu::GPUFuncOp func;
  Value lhs, lhsMeta, rhs, rhsMeta, batch;
  /// Scales, bias and the output; its batch is `batch`.
  EpilogueOperands epilogue;
  /// One K step's tiles in shared memory (workgroup attributions).
  Value sharedA, sharedB, sharedMeta;
};

} // namespace

void KernelEmitter::emit() {
  Block &entry = func.getBody().front();
  b.setInsertionPointToStart(&entry);
  unsigned arg = 0;
  auto next = [&] { return entry.getArgument(arg++); };
  bool lhsSparse = isSparse(spec.family) && !spec.transposed;
  bool rhsSparse = isSparse(spec.family) && spec.transposed;
  lhs = next();
  if (lhsSparse)
    lhsMeta = next();
  rhs = next();
  if (rhsSparse)
    rhsMeta = next();
  std::array<Value, 3> mnk;
  readEpilogueArguments(spec, entry.getArguments().drop_front(arg), epilogue,
                        mnk);
  Value m = mnk[0], n = mnk[1], k = mnk[2];

  ArrayRef<BlockArgument> shared = func.getWorkgroupAttributions();
  sharedA = shared[0];
  sharedB = shared[1];
  if (isSparse(spec.family))
    sharedMeta = shared[2];

  batch = gpu::BlockIdOp::create(b, loc, gpu::Dimension::z);
  Indexing indexing(ops, spec.family, spec.transposed,
                    spec.transposed ? n : m, spec.transposed ? m : n, k,
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::x),
                    gpu::BlockIdOp::create(b, loc, gpu::Dimension::y),
                    gpu::ThreadIdOp::create(b, loc, gpu::Dimension::x));
  // The instruction's A is the sparse operand: rhs when transposed.
  Value aSource = spec.transposed ? rhs : lhs;
  Value bSource = spec.transposed ? lhs : rhs;

  constexpr int64_t kTiles = kFragsM * kFragsN;
  SmallVector<Value> zeros(4 * kTiles, f32(0.0));
  auto loop = scf::ForOp::create(b, loc, ops.c(0), k, ops.c(layout.k), zeros);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = loop.getInductionVar();
    copyToShared(indexing, k0, aSource, bSource);
    gpu::BarrierOp::create(b, loc);
    SmallVector<SmallVector<Value>> aRegs, bRegs;
    SmallVector<Value> metaRegs;
    const SharedTiles &tiles = indexing.getTiles();
    for (int64_t fm = 0; fm < kFragsM; ++fm) {
      aRegs.push_back(
          fragment(sharedA, tiles.aMatrices, indexing.ldmatrixA(fm)));
      if (isSparse(spec.family))
        metaRegs.push_back(metadataRegister(indexing, fm));
    }
    for (int64_t fn = 0; fn < kFragsN; ++fn)
      bRegs.push_back(
          fragment(sharedB, tiles.bMatrices, indexing.ldmatrixB(fn)));
    // Every lane has its registers before the next step overwrites the
    // tiles.
    gpu::BarrierOp::create(b, loc);

    Type f = b.getF32Type();
    auto resultType =
        LLVM::LLVMStructType::getLiteral(b.getContext(), {f, f, f, f});
    SmallVector<Value> results;
    for (int64_t fm = 0; fm < kFragsM; ++fm) {
      for (int64_t fn = 0; fn < kFragsN; ++fn) {
        SmallVector<Value> operands(aRegs[fm]);
        operands.append(bRegs[fn]);
        int64_t tile = fm * kFragsN + fn;
        auto acc = loop.getRegionIterArgs().slice(4 * tile, 4);
        operands.append(acc.begin(), acc.end());
        if (isSparse(spec.family)) {
          operands.push_back(metaRegs[fm]);
          operands.push_back(i32(layout.selector));
        }
        Value d = LLVM::CallIntrinsicOp::create(
                      b, loc, resultType,
                      b.getStringAttr(mmaIntrinsicName(spec)), operands)
                      .getResult(0);
        for (int64_t i = 0; i < 4; ++i)
          results.push_back(LLVM::ExtractValueOp::create(b, loc, d, i));
      }
    }
    scf::YieldOp::create(b, loc, results);
  }
  emitEpilogue(indexing, loop.getResults());
  gpu::ReturnOp::create(b, loc);
}

void KernelEmitter::emitEpilogue(Indexing &indexing, ValueRange acc) {
  SmallVector<OutputElement> elements;
  for (int64_t tile = 0; tile < kFragsM * kFragsN; ++tile)
    for (unsigned i = 0; i < 4; ++i) {
      Indexing::OutputAccess at =
          indexing.output(tile / kFragsN, tile % kFragsN, i);
      elements.push_back({acc[4 * tile + i], at.m, at.n, at.inBounds});
    }
  // Elements (c0, c1) and (c2, c3) of a fragment are adjacent pairs.
  epilogue.batch = batch;
  sparq::nvvm::emitEpilogue(b, loc, spec, epilogue, elements);
}

gpu::GPUFuncOp sparq::nvvm::getOrBuildKernel(OpBuilder &builder,
                                             gpu::GPUModuleOp module,
                                             const KernelSpec &spec) {
  std::string name = spec.name();
  if (auto existing = module.lookupSymbol<gpu::GPUFuncOp>(name))
    return existing;
  MLIRContext *ctx = builder.getContext();
  bool sparse = isSparse(spec.family);
  // The instruction's A comes from rhs when transposed.
  Type lhsElement = spec.transposed ? spec.bElement : spec.aElement;
  Type rhsElement = spec.transposed ? spec.aElement : spec.bElement;
  SmallVector<Type> args = {dynamicBuffer(lhsElement)};
  if (sparse && !spec.transposed)
    args.push_back(dynamicBuffer(builder.getI16Type()));
  args.push_back(dynamicBuffer(rhsElement));
  if (sparse && spec.transposed)
    args.push_back(dynamicBuffer(builder.getI16Type()));
  appendEpilogueArguments(builder, spec, args);

  OpBuilder::InsertionGuard guard(builder);
  builder.setInsertionPointToEnd(module.getBody());
  Location loc = module.getLoc();
  // One K step's tiles in shared memory.
  SharedTiles tiles(getFragmentLayout(spec.family));
  auto workgroup = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto sharedTile = [&](int64_t rows, int64_t cols, Type element) -> Type {
    return MemRefType::get({rows, cols}, element, MemRefLayoutAttrInterface(),
                           workgroup);
  };
  // A and B as integers of their width: ldmatrix moves bits.
  Type staged = builder.getIntegerType(unsigned(8 * tiles.elementBytes));
  SmallVector<Type> shared = {
      sharedTile(tiles.aRows, tiles.aStride, staged),
      sharedTile(tiles.bRows, tiles.bStride, staged)};
  if (sparse)
    shared.push_back(
        sharedTile(tiles.metaRows, tiles.metaCols, builder.getI16Type()));
  auto func = gpu::GPUFuncOp::create(builder, loc, name,
                                     builder.getFunctionType(args, {}), shared);
  // ldmatrix reads 16-byte aligned rows (and the LLVM backend may merge a
  // lane's adjacent metadata loads): align every tile to 16 bytes, not to
  // its element type.
  for (unsigned i = 0; i < shared.size(); ++i)
    func.setWorkgroupAttributionAttr(
        i, builder.getStringAttr(LLVM::LLVMDialect::getAlignAttrName()),
        builder.getI64IntegerAttr(kMatrixRowBytes));
  func->setAttr(gpu::GPUDialect::getKernelFuncAttrName(), UnitAttr::get(ctx));
  KernelEmitter(builder, loc, spec, func).emit();
  return func;
}

std::string sparq::nvvm::mmaIntrinsicName(const KernelSpec &spec) {
  auto fp8Name = [](Type t) -> std::string {
    return isa<Float8E5M2Type>(t) ? "e5m2" : "e4m3";
  };
  switch (spec.family) {
  case MmaFamily::DenseFp8:
    return "llvm.nvvm.mma.m16n8k32.row.col.f32." + fp8Name(spec.aElement) +
           "." + fp8Name(spec.bElement) + ".f32";
  case MmaFamily::SparseFp8:
    return "llvm.nvvm.mma.sp.ordered.metadata.m16n8k64.row.col.f32." +
           fp8Name(spec.aElement) + "." + fp8Name(spec.bElement) + ".f32";
  case MmaFamily::SparseF16:
    return "llvm.nvvm.mma.sp.ordered.metadata.m16n8k32.row.col.f32.f32";
  case MmaFamily::SparseBF16:
    return "llvm.nvvm.mma.sp.ordered.metadata.m16n8k32.row.col.bf16";
  }
  return "";
}
