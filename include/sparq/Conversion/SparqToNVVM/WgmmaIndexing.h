//===- WgmmaIndexing.h - the sm_90a kernels' tiles, pipeline and addresses -*- C++ -*-===//
//
// Everything sparq's Hopper kernels compute about where data lives, written
// once over an abstract value domain (as KernelIndexing.h does for the
// warp-level kernels): the emitter (WgmmaKernel.cpp) instantiates it on MLIR
// values, the unit tests on integers to run the producer, the consumers and
// the stage ring on the CPU models of TMA, mbarrier and wgmma.
//
// The kernel (one block = one 128 x 256 tile of the instruction's D):
//  * warpgroup 0 is the producer: after `setmaxnreg.dec` one thread walks K,
//    and for each K step waits until the step's stage is free (its `empty`
//    mbarrier), announces the stage's bytes on its `full` mbarrier
//    (arrive.expect_tx) and issues one TMA box copy of the A tile and one of
//    the B tile into the stage, completing on `full`;
//  * warpgroups 1 and 2 are the consumers (`setmaxnreg.inc`): consumer c owns
//    rows 64 c .. 64 c + 63 of the block tile and all 256 columns. For each
//    K step it waits on `full`, issues the step's wgmma instructions (each
//    reading A and B from shared memory through matrix descriptors),
//    commits them as one group, waits until the previous step's group has
//    completed (`wgmma.wait_group 1`), and then releases the previous step's
//    stage: lane 0 of each consumer warp arrives on its `empty` barrier.
//  * the stage ring has `stages` entries; K step s uses stage s % stages in
//    round s / stages. A `full` wait of round r waits for phase parity r & 1;
//    the producer's `empty` wait of round r waits for parity (r & 1) ^ 1,
//    which a fresh barrier satisfies at once (the ISA counts the phase
//    before the first as complete): the first round needs no release.
//
// Operands in global memory are K-major (the K dimension contiguous): A as
// [batch][rows][kStored], B as [batch][cols][k]; the host makes a K-major copy
// of an operand stored otherwise. Shared tiles are written by TMA with the
// swizzle mode the descriptors name (128B for rows of 128 bytes, 64B for
// rows of 64), so that a wgmma's 8-row core matrices are bank-conflict free.
//
// The domain `Ops` is KernelIndexing.h's (c, add, sub, mul, divu, remu,
// ult, both, select, shl, shru, minu).
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_WGMMAINDEXING_H
#define SPARQ_CONVERSION_SPARQTONVVM_WGMMAINDEXING_H

#include "sparq/Conversion/SparqToNVVM/Target.h"

#include <cstdint>
#include <utility>

namespace sparq::nvvm::wgmma {

constexpr int64_t kWarpgroupThreads = 128;
constexpr int64_t kConsumerWarpgroups = 2;
constexpr int64_t kThreads = (1 + kConsumerWarpgroups) * kWarpgroupThreads;
/// Rows of D one consumer warpgroup owns: the instruction's M.
constexpr int64_t kWarpgroupRows = 64;
constexpr int64_t kBlockRows = kConsumerWarpgroups * kWarpgroupRows;
/// Columns of D per block: the instruction's N (m64n256).
constexpr int64_t kBlockCols = 256;
/// f32 accumulators per consumer thread: 64 x 256 / 128.
constexpr int64_t kAccumulators = kWarpgroupRows * kBlockCols / kWarpgroupThreads;
/// Register budgets after setmaxnreg: the block's 384 threads are launched
/// with 168 each (65536 / 384, rounded down to a multiple of 8); the
/// producer gives up all but 40, the consumers take 232 (4 x 40 + 8 x 232
/// warps' worth fits the 64K-register file).
constexpr int64_t kProducerRegisters = 40, kConsumerRegisters = 232;
/// The metadata word of padding rows and chunks: every nibble "indices 0
/// and 1", since the ISA leaves other nibbles undefined.
constexpr int64_t kPaddingMetadataWord = 0x4444;
/// The largest dynamic shared memory a block may opt into on sm_90.
constexpr int64_t kMaxSharedBytes = 227 * 1024;

/// The wgmma shared-memory descriptor's swizzle field (bits 62-63).
enum class Swizzle : int64_t { None = 0, B128 = 1, B64 = 2, B32 = 3 };

/// Bytes per swizzled row for a swizzle mode (the TMA box's inner bytes).
constexpr int64_t swizzleBytes(Swizzle s) {
  return s == Swizzle::B128 ? 128 : s == Swizzle::B64 ? 64 : s == Swizzle::B32 ? 32 : 16;
}

/// The tile shapes of one instruction family.
struct Config {
  MmaFamily family;
  /// Bytes of an A / B element (FP8 1, f16/bf16 2).
  int64_t elementBytes;
  /// Logical K of one wgmma instruction (FP8 dense 32, FP8 sparse 64,
  /// f16/bf16 sparse 32) and of one pipeline stage.
  int64_t kInstruction, kStep;
  int64_t stages;
  bool sparse;

  int64_t storedK(int64_t k) const { return sparse ? k / 2 : k; }
  /// Bytes of one shared row of A (the stage's stored K) and of B.
  int64_t aRowBytes() const { return storedK(kStep) * elementBytes; }
  int64_t bRowBytes() const { return kStep * elementBytes; }
  Swizzle aSwizzle() const { return aRowBytes() == 128 ? Swizzle::B128 : Swizzle::B64; }
  Swizzle bSwizzle() const { return bRowBytes() == 128 ? Swizzle::B128 : Swizzle::B64; }
  int64_t aTileBytes() const { return kBlockRows * aRowBytes(); }
  int64_t bTileBytes() const { return kBlockCols * bRowBytes(); }
  int64_t stageBytes() const { return aTileBytes() + bTileBytes(); }
  int64_t instructionsPerStage() const { return kStep / kInstruction; }
  /// Stored bytes of A and B one instruction reads along K.
  int64_t aInstructionBytes() const { return storedK(kInstruction) * elementBytes; }
  int64_t bInstructionBytes() const { return kInstruction * elementBytes; }
  /// Shared memory: the stages, then `full[stages]`, then `empty[stages]`
  /// (8-byte mbarriers).
  int64_t fullBarrier(int64_t stage) const { return stages * stageBytes() + 8 * stage; }
  int64_t emptyBarrier(int64_t stage) const { return fullBarrier(stages) + 8 * stage; }
  int64_t sharedBytes() const { return emptyBarrier(stages); }
  /// Arrivals that release a stage: lane 0 of every consumer warp.
  int64_t emptyArrivals() const { return 4 * kConsumerWarpgroups; }
  /// The global-memory alignment TMA needs of K: every row stride (bytes)
  /// a multiple of 16.
  int64_t kAlignment() const {
    return sparse ? 32 / elementBytes : 16 / elementBytes;
  }
};

/// The configuration of `family` on sm_90a. Stages fill the shared memory
/// a block may use (4 x 48 KB dense FP8; 5 x 40 KB sparse).
inline Config getConfig(MmaFamily family) {
  switch (family) {
  case MmaFamily::DenseFp8:
    return {family, 1, 32, 128, 4, false};
  case MmaFamily::SparseFp8:
    return {family, 1, 64, 128, 5, true};
  case MmaFamily::SparseF16:
  case MmaFamily::SparseBF16:
    return {family, 2, 32, 64, 5, true};
  }
  return {family, 1, 32, 128, 4, false};
}

/// The 64-bit wgmma matrix descriptor of a K-major swizzled tile whose
/// 8-row groups are `8 * rowBytes` apart, for the shared address `address`:
/// start address (bits 0-13, address >> 4), leading byte offset 1 (unused
/// by K-major swizzled layouts), stride byte offset (bits 32-45, >> 4) and
/// the swizzle mode (bits 62-63). The address part is added at run time.
constexpr uint64_t descriptorBase(int64_t rowBytes, Swizzle swizzle) {
  return (uint64_t(1) << 16) | (uint64_t((8 * rowBytes) >> 4) << 32) |
         (uint64_t(swizzle) << 62);
}

template <typename Ops>
class WgmmaIndexing {
public:
  using V = decltype(std::declval<Ops &>().c(0));

  /// `rows`, `cols`: the instruction's D sizes; `k`: the logical K;
  /// `blockX` counts column tiles, `blockY` row tiles.
  WgmmaIndexing(Ops &ops, const Config &config, V rows, V cols, V k, V blockX,
                V blockY)
      : ops(ops), config(config), rows(rows), cols(cols), k(k) {
    blockRow0 = ops.mul(blockY, ops.c(kBlockRows));
    blockCol0 = ops.mul(blockX, ops.c(kBlockCols));
  }

  const Config &getConfig() const { return config; }
  V getBlockRow0() const { return blockRow0; }
  V getBlockCol0() const { return blockCol0; }

  /// K steps of the main loop: ceil(k / kStep).
  V steps() {
    return ops.divu(ops.add(k, ops.c(config.kStep - 1)), ops.c(config.kStep));
  }
  /// The stage of K step `step` and the phase parity a wait of its round
  /// expects: `full` waits for `parity`, the producer's `empty` wait for
  /// parity ^ 1.
  V stage(V step) { return ops.remu(step, ops.c(config.stages)); }
  V parity(V step) {
    return ops.remu(ops.divu(step, ops.c(config.stages)), ops.c(2));
  }
  /// Shared byte offsets (from the 1024-aligned base) of a stage's tiles.
  V aTile(V stage) { return ops.mul(stage, ops.c(config.stageBytes())); }
  V bTile(V stage) {
    return ops.add(aTile(stage), ops.c(config.aTileBytes()));
  }
  V fullBarrier(V stage) {
    return ops.add(ops.c(config.fullBarrier(0)), ops.mul(stage, ops.c(8)));
  }
  V emptyBarrier(V stage) {
    return ops.add(ops.c(config.emptyBarrier(0)), ops.mul(stage, ops.c(8)));
  }

  /// TMA box coordinates (innermost first: K, row, batch) of step `step`'s
  /// A tile ([batch][rows][kStored], box kBlockRows x aRowBytes) and B tile
  /// ([batch][cols][k], box kBlockCols x bRowBytes). Boxes past an edge are
  /// zero-filled by TMA.
  std::pair<V, V> aBox(V step) {
    return {ops.mul(step, ops.c(config.storedK(config.kStep))), blockRow0};
  }
  std::pair<V, V> bBox(V step) {
    return {ops.mul(step, ops.c(config.kStep)), blockCol0};
  }

  /// The shared address (offset from the base) that instruction `j` of a
  /// stage reads A from, for consumer `consumer`, and B from: the tile, the
  /// consumer's 64 rows, and j instructions along K inside the swizzled rows
  /// (the swizzle is a function of the address, so K offsets inside a row
  /// are plain additions when tiles are 1024-aligned).
  V aAddress(V stage, V consumer, int64_t j) {
    V rows0 = ops.mul(consumer, ops.c(kWarpgroupRows * config.aRowBytes()));
    return ops.add(ops.add(aTile(stage), rows0),
                   ops.c(j * config.aInstructionBytes()));
  }
  V bAddress(V stage, int64_t j) {
    return ops.add(bTile(stage), ops.c(j * config.bInstructionBytes()));
  }

  /// Accumulator `i` of consumer thread `thread` (0..127 in its warpgroup):
  /// its [row, col] in the instruction's D (m64nN f32 fragment: warp w holds
  /// rows 16 w .. 16 w + 15; lane 4 g + t holds rows g and g + 8, columns
  /// 8 j + 2 t and + 1 for every j).
  std::pair<V, V> accumulator(V consumer, V thread, int64_t i) {
    V warp = ops.divu(thread, ops.c(32));
    V lane = ops.remu(thread, ops.c(32));
    V row = ops.add(ops.add(ops.add(blockRow0, ops.mul(consumer, ops.c(kWarpgroupRows))),
                            ops.mul(warp, ops.c(16))),
                    ops.add(ops.divu(lane, ops.c(4)), ops.c(8 * ((i >> 1) & 1))));
    V col = ops.add(ops.add(blockCol0, ops.c(8 * (i >> 2) + (i & 1))),
                    ops.mul(ops.remu(lane, ops.c(4)), ops.c(2)));
    return {row, col};
  }

  /// The metadata word that half `half` (0: bits 0-15) of this consumer
  /// thread's metadata register holds for instruction `j` of K step `step`:
  /// [row, word] of A's metadata ([rows][ceil(k / 16)], one uint16 per 16
  /// logical columns; the caller pads what is out of range). Warp w of a
  /// consumer supplies rows 16 w .. 16 w + 15 of its 64; within the warp
  /// the registers are those of the warp-level mma.sp of the same K
  /// (numerics/MMA.h, "Metadata"): FP8 (k64, selector 0, every lane) lane
  /// 4 g + t holds row g + 8 (t & 1), words 2 (t >> 1) and + 1 of the
  /// instruction's window; f16/bf16 (k32, selector 0, lanes t = 0, 1) lane
  /// 4 g + t holds word t & 1 of rows g (low half) and g + 8 (high half).
  std::pair<V, V> metadataWord(V step, int64_t j, V consumer, V thread,
                               unsigned half) {
    V warp = ops.divu(thread, ops.c(32));
    V lane = ops.remu(thread, ops.c(32));
    V g = ops.divu(lane, ops.c(4)), t = ops.remu(lane, ops.c(4));
    V row0 = ops.add(ops.add(blockRow0, ops.mul(consumer, ops.c(kWarpgroupRows))),
                     ops.add(ops.mul(warp, ops.c(16)), g));
    V word0 = ops.add(ops.mul(step, ops.c(config.kStep / 16)),
                      ops.c(j * config.kInstruction / 16));
    if (config.elementBytes == 1)
      return {ops.add(row0, ops.mul(ops.remu(t, ops.c(2)), ops.c(8))),
              ops.add(word0, ops.add(ops.mul(ops.divu(t, ops.c(2)), ops.c(2)),
                                     ops.c(half)))};
    return {ops.add(row0, ops.c(8 * int64_t(half))),
            ops.add(word0, ops.remu(t, ops.c(2)))};
  }

private:
  Ops &ops;
  Config config;
  V rows, cols, k, blockRow0, blockCol0;
};

} // namespace sparq::nvvm::wgmma

#endif // SPARQ_CONVERSION_SPARQTONVVM_WGMMAINDEXING_H
