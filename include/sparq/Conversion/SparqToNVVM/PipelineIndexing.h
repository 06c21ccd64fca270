//===- PipelineIndexing.h - the warp-level multistage kernels' addresses -*- C++ -*-===//
//
// Everything sparq's warp-level multistage kernels (sm_80 / sm_89 / sm_90,
// mma.sync and mma.sp) compute about where data lives and when, written
// once over an abstract value domain like WgmmaIndexing.h: the emitter
// (PipelineKernel.cpp) instantiates it on MLIR values, the unit tests on
// integers to run every thread's cp.async, wait_group, barrier and ldmatrix
// on the CPU models (numerics/CpAsync.h, Swizzle.h, MMA.h).
//
// The kernel (one block of 8 warps = one 128 x 128 tile of the
// instruction's D; warp w owns rows 64 (w / 4) .. +63 and columns
// 32 (w % 4) .. +31, a kFragsM x kFragsN grid of 16 x 8 instruction tiles):
//  * the K loop walks `steps` K steps of kStep; step s lives in shared
//    stage s % stages. Before the loop, steps 0 .. stages - 2 are issued,
//    one cp.async group each. Iteration s: `cp.async.wait_group stages-2`
//    (this thread's copies of step s complete), `bar.sync` (everyone's are,
//    and everyone finished reading step s - 1, whose stage is the one
//    refilled next), issue the copies of step s + stages - 1 into stage
//    (s - 1) % stages and commit them (a group, empty or not, every
//    iteration, so that the count stays right), then ldmatrix + mma on
//    stage s % stages. So the loads of steps s + 1 and s + 2 are in flight
//    while step s computes (3 stages).
//  * every copy is one 16-byte `cp.async.cg.shared.global` of a 16-byte
//    chunk of a K-major row, with src-size = the bytes of the chunk inside
//    the operand (0 past the last row or K: zero fill), so any M, N and K
//    whose rows are 16-byte multiples work; consecutive threads copy
//    consecutive chunks (coalesced).
//  * shared tiles hold rows of the step's K, K contiguous, chunks XOR-
//    swizzled (numerics/Swizzle.h): the 16-byte copies and every ldmatrix
//    phase are free of bank conflicts.
//
// Operands in global memory are K-major: A as [batch][rows][kStored],
// B as [batch][cols][k] (the host makes a K-major copy of an operand stored
// otherwise, as for the sm_90a kernels). Block tile 128 x 128 because three
// stages of it fit the 48 KB of static shared memory a block gets without
// an opt-in (3 x 16 KB for dense FP8), which 128 x 256 would not.
//
// The domain `Ops` is KernelIndexing.h's plus V xoru(V, V).
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_PIPELINEINDEXING_H
#define SPARQ_CONVERSION_SPARQTONVVM_PIPELINEINDEXING_H

#include "sparq/Conversion/SparqToNVVM/Fragments.h"

#include <cstdint>
#include <utility>

namespace sparq::nvvm::pipeline {

constexpr int64_t kWarpsM = 2, kWarpsN = 4;
constexpr int64_t kWarps = kWarpsM * kWarpsN;
constexpr int64_t kThreads = 32 * kWarps;
constexpr int64_t kFragsM = 4, kFragsN = 4;
constexpr int64_t kWarpRows = 16 * kFragsM, kWarpCols = 8 * kFragsN;
constexpr int64_t kBlockRows = kWarpsM * kWarpRows;
constexpr int64_t kBlockCols = kWarpsN * kWarpCols;
constexpr int64_t kChunkBytes = 16;
/// Static shared memory a block may use without cudaFuncSetAttribute.
constexpr int64_t kMaxStaticSharedBytes = 48 * 1024;

/// The tile shapes of one instruction family.
struct Config {
  MmaFamily family;
  /// Bytes of an A / B element (FP8 1, f16/bf16 2).
  int64_t elementBytes;
  /// Logical K of one instruction and of one pipeline step.
  int64_t kInstruction, kStep;
  int64_t stages;
  bool sparse;
  /// The XOR swizzle of shared rows. The kernels always swizzle; the
  /// simulation turns it off on one side to show that the mistake fails.
  bool swizzle = true;

  int64_t storedK(int64_t k) const { return sparse ? k / 2 : k; }
  int64_t aRowBytes() const { return storedK(kStep) * elementBytes; }
  int64_t bRowBytes() const { return kStep * elementBytes; }
  int64_t aRowChunks() const { return aRowBytes() / kChunkBytes; }
  int64_t bRowChunks() const { return bRowBytes() / kChunkBytes; }
  int64_t aTileBytes() const { return kBlockRows * aRowBytes(); }
  int64_t bTileBytes() const { return kBlockCols * bRowBytes(); }
  int64_t stageBytes() const { return aTileBytes() + bTileBytes(); }
  int64_t sharedBytes() const { return stages * stageBytes(); }
  /// cp.async per thread per step.
  int64_t aCopies() const { return aTileBytes() / kChunkBytes / kThreads; }
  int64_t bCopies() const { return bTileBytes() / kChunkBytes / kThreads; }
  int64_t instructionsPerStep() const { return kStep / kInstruction; }
  /// 16-byte chunks (ldmatrix matrices along K) of one instruction's A row
  /// and B column.
  int64_t aInstructionChunks() const {
    return storedK(kInstruction) * elementBytes / kChunkBytes;
  }
  int64_t bInstructionChunks() const {
    return kInstruction * elementBytes / kChunkBytes;
  }
  /// B fragments one ldmatrix.x4 loads.
  int64_t bFragsPerLoad() const { return 4 / bInstructionChunks(); }
  /// The N of `cp.async.wait_group N` in the loop: all but the newest
  /// stages - 2 groups complete, i.e. the current step's.
  int64_t waitGroups() const { return stages - 2; }
  /// The multiple of K that makes every global row of A and B a multiple
  /// of 16 bytes (cp.async's alignment).
  int64_t kAlignment() const {
    return sparse ? 2 * kChunkBytes / elementBytes : kChunkBytes / elementBytes;
  }
};

/// The configuration of `family`. Dense FP8: 3 stages of K 64 (16 KB each).
inline Config getConfig(MmaFamily family) {
  switch (family) {
  case MmaFamily::DenseFp8:
    return {family, 1, 32, 64, 3, false};
  case MmaFamily::SparseFp8:
    return {family, 1, 64, 64, 3, true};
  case MmaFamily::SparseF16:
  case MmaFamily::SparseBF16:
    return {family, 2, 32, 32, 3, true};
  }
  return {family, 1, 32, 64, 3, false};
}

template <typename Ops>
class PipelineIndexing {
public:
  using V = decltype(std::declval<Ops &>().c(0));

  /// One thread's cp.async: `srcBytes` (0 .. 16) bytes from byte `global`
  /// of the operand's buffer (0 when srcBytes is 0) to shared byte `shared`,
  /// the rest of the 16 zero-filled.
  struct Copy {
    V shared, global, srcBytes;
  };
  /// An element of D at the output's [m, n] (clamped), stored if inBounds.
  struct OutputAccess {
    V m, n, inBounds;
  };

  /// `rows`, `cols`: the instruction's D sizes; `k`: the logical K;
  /// `blockX` counts column tiles, `blockY` row tiles; `batch` the batch
  /// index; `thread` the thread in the block.
  PipelineIndexing(Ops &ops, const Config &config, V rows, V cols, V k,
                   V batch, V blockX, V blockY, V thread)
      : ops(ops), config(config), layout(getFragmentLayout(config.family)),
        rows(rows), cols(cols), k(k), thread(thread) {
    kStoredBytes = ops.mul(config.sparse ? ops.divu(k, ops.c(2)) : k,
                           ops.c(config.elementBytes));
    kBytes = ops.mul(k, ops.c(config.elementBytes));
    aBatch = ops.mul(ops.mul(batch, rows), kStoredBytes);
    bBatch = ops.mul(ops.mul(batch, cols), kBytes);
    lane = ops.remu(thread, ops.c(32));
    V warp = ops.divu(thread, ops.c(32));
    group = ops.divu(lane, ops.c(4));
    threadInGroup = ops.remu(lane, ops.c(4));
    blockRow0 = ops.mul(blockY, ops.c(kBlockRows));
    blockCol0 = ops.mul(blockX, ops.c(kBlockCols));
    warpRow = ops.mul(ops.divu(warp, ops.c(kWarpsN)), ops.c(kWarpRows));
    warpCol = ops.mul(ops.remu(warp, ops.c(kWarpsN)), ops.c(kWarpCols));
  }

  const Config &getConfig() const { return config; }

  //===--------------------------------------------------------------------===//
  // The pipeline
  //===--------------------------------------------------------------------===//

  /// K steps of the main loop: ceil(k / kStep).
  V steps() {
    return ops.divu(ops.add(k, ops.c(config.kStep - 1)), ops.c(config.kStep));
  }
  /// The stage step `step` is read from.
  V stage(V step) { return ops.remu(step, ops.c(config.stages)); }
  /// stage(step + 1) from stage(step), without a division: the kernel
  /// carries the read and write stages through the loop.
  V nextStage(V stage) {
    return ops.select(ops.ult(stage, ops.c(config.stages - 1)),
                      ops.add(stage, ops.c(1)), ops.c(0));
  }
  /// The step whose copies iteration `step` issues, and its stage.
  V prefetchStep(V step) { return ops.add(step, ops.c(config.stages - 1)); }
  /// Shared byte offsets of a stage's tiles.
  V aTile(V stage) { return ops.mul(stage, ops.c(config.stageBytes())); }
  V bTile(V stage) { return ops.add(aTile(stage), ops.c(config.aTileBytes())); }

  //===--------------------------------------------------------------------===//
  // Global -> shared (cp.async), by every thread of the block
  //===--------------------------------------------------------------------===//

  /// Copy `j` (< aCopies) of step `step` into stage `stage`.
  Copy copyA(V step, V stage, int64_t j) {
    return copy(j, config.aRowChunks(), blockRow0, rows, kStoredBytes, aBatch,
                ops.mul(step, ops.c(config.aRowBytes())), aTile(stage));
  }
  /// Copy `j` (< bCopies) of step `step` into stage `stage`.
  Copy copyB(V step, V stage, int64_t j) {
    return copy(j, config.bRowChunks(), blockCol0, cols, kBytes, bBatch,
                ops.mul(step, ops.c(config.bRowBytes())), bTile(stage));
  }

  //===--------------------------------------------------------------------===//
  // Shared -> registers, by each lane
  //===--------------------------------------------------------------------===//

  /// The shared byte this lane addresses in the ldmatrix.x4 of A's row tile
  /// `fm`, instruction `i` of the step: matrix j (lanes 8j .. 8j + 7) is
  /// register j, rows +8 (j & 1) and chunk +(j >> 1). Row tiles are 16
  /// rows, a multiple of the swizzle's 8-row period, so tile fm is tile 0
  /// plus a constant: the kernel computes one address per instruction.
  V ldmatrixA(V stage, int64_t fm, int64_t i) {
    V j = ops.divu(lane, ops.c(8));
    V row = ops.add(ops.add(warpRow, ops.mul(ops.remu(j, ops.c(2)), ops.c(8))),
                    ops.remu(lane, ops.c(8)));
    V chunk = ops.add(ops.c(i * config.aInstructionChunks()),
                      ops.divu(j, ops.c(2)));
    V lanePart = swizzled(row, chunk, config.aRowChunks());
    return ops.add(aTile(stage),
                   ops.add(lanePart, ops.c(16 * fm * config.aRowBytes())));
  }
  /// The shared byte this lane addresses in ldmatrix.x4 number `load` of
  /// B for instruction `i`: it holds the B fragments of column tiles
  /// load * bFragsPerLoad + f; matrix j is register j, column tile
  /// j / bInstructionChunks, chunk j % bInstructionChunks. Loads are 8 x 4 /
  /// bInstructionChunks columns apart, a multiple of the swizzle period.
  V ldmatrixB(V stage, int64_t load, int64_t i) {
    int64_t chunks = config.bInstructionChunks();
    V j = ops.divu(lane, ops.c(8));
    V row = ops.add(ops.add(warpCol, ops.mul(ops.divu(j, ops.c(chunks)),
                                             ops.c(8))),
                    ops.remu(lane, ops.c(8)));
    V chunk = ops.add(ops.c(i * chunks), ops.remu(j, ops.c(chunks)));
    V lanePart = swizzled(row, chunk, config.bRowChunks());
    int64_t loadRows = 8 * config.bFragsPerLoad();
    return ops.add(bTile(stage),
                   ops.add(lanePart, ops.c(load * loadRows * config.bRowBytes())));
  }

  /// Element `e` of the D fragment of tile (fm, fn), at the instruction's
  /// [row, col] (clamped to 0 when out of bounds).
  OutputAccess output(int64_t fm, int64_t fn, unsigned e) {
    const FragmentElement &el = layout.c[e];
    V row = ops.add(ops.add(ops.add(blockRow0, warpRow), ops.c(16 * fm)),
                    lanePart(el.row));
    V col = ops.add(ops.add(ops.add(blockCol0, warpCol), ops.c(8 * fn)),
                    lanePart(el.col));
    V ok = ops.both(ops.ult(row, rows), ops.ult(col, cols));
    return {ops.select(ok, row, ops.c(0)), ops.select(ok, col, ops.c(0)), ok};
  }

private:
  /// Copy `j` of this thread over a tile of kThreads-multiple chunks: chunk
  /// thread + j * kThreads in row-major order.
  Copy copy(int64_t j, int64_t rowChunks, V line0, V lines, V lineBytes,
            V batchBytes, V k0Bytes, V tile) {
    V linear = ops.add(thread, ops.c(j * kThreads));
    V row = ops.divu(linear, ops.c(rowChunks));
    V chunk = ops.remu(linear, ops.c(rowChunks));
    V line = ops.add(line0, row);
    V kb = ops.add(k0Bytes, ops.mul(chunk, ops.c(kChunkBytes)));
    // Bytes of the chunk inside the row: clamp(lineBytes - kb, 0, 16).
    V inside = ops.select(ops.ult(kb, lineBytes),
                          ops.minu(ops.sub(lineBytes, kb), ops.c(kChunkBytes)),
                          ops.c(0));
    V src = ops.select(ops.ult(line, lines), inside, ops.c(0));
    V global = ops.add(batchBytes, ops.add(ops.mul(line, lineBytes), kb));
    return {ops.add(tile, swizzled(row, chunk, rowChunks)),
            ops.select(ops.ult(ops.c(0), src), global, ops.c(0)), src};
  }
  /// The byte offset in a tile of logical chunk `chunk` of `row`
  /// (numerics::swizzle::chunkOffset).
  V swizzled(V row, V chunk, int64_t rowChunks) {
    V physical = chunk;
    if (config.swizzle && rowChunks > 1)
      physical = ops.xoru(chunk, ops.remu(ops.divu(row, ops.c(8 / rowChunks)),
                                          ops.c(rowChunks)));
    return ops.mul(ops.add(ops.mul(row, ops.c(rowChunks)), physical),
                   ops.c(kChunkBytes));
  }
  V lanePart(const LaneAffine &a) {
    V v = ops.add(ops.add(ops.mul(group, ops.c(a.groupScale)),
                          ops.mul(threadInGroup, ops.c(a.threadScale))),
                  ops.c(a.constant));
    if (a.bit0Scale)
      v = ops.add(v, ops.mul(ops.remu(threadInGroup, ops.c(2)),
                             ops.c(a.bit0Scale)));
    if (a.bit1Scale)
      v = ops.add(v, ops.mul(ops.divu(threadInGroup, ops.c(2)),
                             ops.c(a.bit1Scale)));
    return v;
  }

  Ops &ops;
  Config config;
  const FragmentLayout &layout;
  V rows, cols, k, thread, lane, group, threadInGroup;
  V kStoredBytes, kBytes, aBatch, bBatch;
  V blockRow0, blockCol0, warpRow, warpCol;
};

} // namespace sparq::nvvm::pipeline

#endif // SPARQ_CONVERSION_SPARQTONVVM_PIPELINEINDEXING_H
