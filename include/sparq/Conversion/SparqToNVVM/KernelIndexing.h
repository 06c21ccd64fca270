//===- KernelIndexing.h - where each thread of a kernel reads and writes -*- C++ -*-===//
//
// The index arithmetic of sparq's Tensor Core kernels, written once over an
// abstract value domain: the kernel emitter instantiates it with MLIR values
// (each operation becomes an arith op), the unit tests with plain integers to
// run every thread's copies and every lane's loads on the CPU model of the
// instructions (numerics/MMA.h). Whatever tiling, bounds or metadata-padding
// mistake the kernels have, the simulation has too -- and fails against a
// reference matmul.
//
// Coordinates are the instruction's: A is the 2:4-sparse operand (or the
// lhs when dense), rows x K; B is K x columns. A kernel is "transposed" when
// the sparse operand is sparq.matmul's rhs: it computes D^T = B^T A^T, so
// the instruction's rows are the output's columns.
//
// Tiling: a block of kWarpsM x kWarpsN warps covers kBlockRows x kBlockCols
// of D; each warp a kFragsM x kFragsN grid of 16 x 8 instruction tiles, so
// that one A fragment feeds kFragsN instructions and one B fragment kFragsM.
// At each K step (one instruction's K) the block's threads first copy the
// step's A tile (kBlockRows x kStored), B tile (stored transposed, kBlockCols
// x k: each column's K contiguous) and metadata (kBlockRows x k/16 words)
// from global to shared memory -- consecutive threads on consecutive
// addresses, out-of-range elements as zero and out-of-range metadata as
// padding nibbles -- then, after a barrier, each warp loads its A and B
// fragments with ldmatrix (each lane supplying one 16-byte matrix row; the
// FP8 and f16 fragments of these instructions are exactly ldmatrix's b16
// distribution) and each lane its metadata words, without bounds checks.
//
// The domain `Ops` provides, on one value type V (indices; conditions are
// V too, as 0/1 or i1):
//   V c(int64_t); V add(V, V); V sub(V, V); V mul(V, V); V divu(V, V);
//   V remu(V, V); V minu(V, V); V ult(V, V); V both(V, V);
//   V select(V cond, V ifTrue, V ifFalse); V shl(V, V); V shru(V, V);
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_KERNELINDEXING_H
#define SPARQ_CONVERSION_SPARQTONVVM_KERNELINDEXING_H

#include "sparq/Conversion/SparqToNVVM/Fragments.h"

#include <cstdint>
#include <utility>

namespace sparq::nvvm {

constexpr int64_t kFragsM = 2, kFragsN = 4;
constexpr int64_t kWarpsM = 2, kWarpsN = 2;
constexpr int64_t kWarpsPerBlock = kWarpsM * kWarpsN;
constexpr int64_t kThreadsPerBlock = 32 * kWarpsPerBlock;
constexpr int64_t kWarpRows = 16 * kFragsM, kWarpCols = 8 * kFragsN;
constexpr int64_t kBlockRows = kWarpsM * kWarpRows;
constexpr int64_t kBlockCols = kWarpsN * kWarpCols;

/// Metadata nibble for "indices 0 and 1": what padding rows and chunks get,
/// since the ISA leaves any other nibble undefined.
constexpr int64_t kPaddingMetadataWord = 0x4444;

/// An ldmatrix matrix row: 8 b16 elements.
constexpr int64_t kMatrixRowBytes = 16;

/// The shapes of one K step's shared-memory tiles for `layout`. A and B
/// rows are padded by kMatrixRowBytes: rows of 48 or 80 bytes put the eight
/// rows of one ldmatrix matrix in distinct banks.
struct SharedTiles {
  int64_t elementBytes;                // of A and B: 1 (FP8) or 2
  int64_t aRows, aCols, aStride;       // kBlockRows x kStored
  int64_t bRows, bCols, bStride;       // kBlockCols x k (B transposed)
  int64_t metaRows, metaCols;          // kBlockRows x k / 16
  int64_t aMatrices, bMatrices;        // ldmatrix count per fragment
  explicit SharedTiles(const FragmentLayout &layout)
      : elementBytes(4 / layout.perRegister), aRows(kBlockRows),
        aCols(layout.kStored), aStride(aCols + rowElements()),
        bRows(kBlockCols), bCols(layout.k), bStride(bCols + rowElements()),
        metaRows(kBlockRows), metaCols(layout.k / 16),
        aMatrices(layout.aRegisters), bMatrices(layout.bRegisters) {}
  /// Elements in one ldmatrix matrix row.
  int64_t rowElements() const { return kMatrixRowBytes / elementBytes; }
  /// Elements each thread copies per K step.
  int64_t aCopies() const { return aRows * aCols / kThreadsPerBlock; }
  int64_t bCopies() const { return bRows * bCols / kThreadsPerBlock; }
  int64_t metaCopies() const { return metaRows * metaCols / kThreadsPerBlock; }
};

template <typename Ops>
class KernelIndexing {
public:
  using V = decltype(std::declval<Ops &>().c(0));

  /// A location in a stored operand, [line, column] in its memory order
  /// (after the batch index), valid where `inBounds`; out-of-bounds indices
  /// are clamped to 0 so that a load stays inside the buffer.
  struct Access {
    V line, column, inBounds;
  };
  /// One element a thread copies to shared memory: from `global` (zero
  /// where out of bounds) to [sharedRow][sharedCol] of its tile.
  struct Copy {
    V sharedRow, sharedCol;
    Access global;
  };
  /// A metadata word a thread copies: the guarded load OR-ed with `fill`.
  struct MetadataCopy {
    Copy copy;
    V fill;
  };
  /// A position in a shared tile.
  struct SharedAt {
    V row, col;
  };
  /// An element of D at the output's [m, n] (clamped), stored if inBounds.
  struct OutputAccess {
    V m, n, inBounds;
  };

  /// `rows`/`cols`: the instruction's D sizes (M x N, or N x M when
  /// transposed); `k`: the logical K. `blockX` counts column tiles,
  /// `blockY` row tiles; `thread` is the thread index in the block.
  KernelIndexing(Ops &ops, MmaFamily family, bool transposed, V rows, V cols,
                 V k, V blockX, V blockY, V thread)
      : ops(ops), layout(getFragmentLayout(family)), tiles(layout),
        transposed(transposed), rows(rows), cols(cols), k(k), thread(thread) {
    kStored = isSparse(family) ? ops.divu(k, ops.c(2)) : k;
    words = ops.divu(ops.add(k, ops.c(15)), ops.c(16));
    lane = ops.remu(thread, ops.c(32));
    V warp = ops.divu(thread, ops.c(32));
    group = ops.divu(lane, ops.c(4));
    threadInGroup = ops.remu(lane, ops.c(4));
    blockRow0 = ops.mul(blockY, ops.c(kBlockRows));
    blockCol0 = ops.mul(blockX, ops.c(kBlockCols));
    warpRow = ops.mul(ops.divu(warp, ops.c(kWarpsN)), ops.c(kWarpRows));
    warpCol = ops.mul(ops.remu(warp, ops.c(kWarpsN)), ops.c(kWarpCols));
  }

  const FragmentLayout &getLayout() const { return layout; }
  const SharedTiles &getTiles() const { return tiles; }

  //===--------------------------------------------------------------------===//
  // Global -> shared, by every thread of the block
  //===--------------------------------------------------------------------===//

  /// Copy `j` (< aCopies) of the A tile at K step `k0`.
  Copy copyA(V k0, int64_t j) {
    // Consecutive threads walk the operand's contiguous dimension: K when
    // A is the lhs [M, K], the rows when it is the rhs [K, N] read
    // transposed.
    auto [r, c] = spread(j, tiles.aRows, tiles.aCols, /*colsFastest=*/!transposed);
    V row = ops.add(blockRow0, r);
    V kc = ops.add(storedK(k0), c);
    V ok = ops.both(ops.ult(row, rows), ops.ult(kc, kStored));
    return {r, c, transposed ? guarded(kc, row, ok) : guarded(row, kc, ok)};
  }

  /// Copy `j` (< bCopies) of the B tile at K step `k0`, to [column][k].
  Copy copyB(V k0, int64_t j) {
    // B is the rhs [K, N] (columns contiguous) or, transposed, the lhs
    // [M, K] with B(k, m) = lhs[m][k] (K contiguous).
    auto [r, c] = spread(j, tiles.bCols, tiles.bRows, /*colsFastest=*/!transposed);
    V kk = ops.add(k0, r);
    V col = ops.add(blockCol0, c);
    V ok = ops.both(ops.ult(kk, k), ops.ult(col, cols));
    return {c, r, transposed ? guarded(col, kk, ok) : guarded(kk, col, ok)};
  }

  /// Copy `j` (< metaCopies) of the metadata tile at K step `k0`.
  MetadataCopy copyMetadata(V k0, int64_t j) {
    auto [r, w] =
        spread(j, tiles.metaRows, tiles.metaCols, /*colsFastest=*/!transposed);
    V row = ops.add(blockRow0, r);
    V word = ops.add(ops.divu(k0, ops.c(16)), w);
    V rowOk = ops.ult(row, rows);
    V ok = ops.both(rowOk, ops.ult(word, words));
    // Chunks of 4 left in this word: clamp(K / 4 - 4 * word, 0, 4); the
    // rest are padding.
    V chunksBefore = ops.mul(word, ops.c(4));
    V chunks = ops.divu(k, ops.c(4));
    V left = ops.select(ops.ult(chunksBefore, chunks),
                        ops.sub(chunks, chunksBefore), ops.c(0));
    V padBits = ops.mul(ops.minu(left, ops.c(4)), ops.c(4));
    V fill = ops.shl(ops.shru(ops.c(kPaddingMetadataWord), padBits), padBits);
    fill = ops.select(rowOk, fill, ops.c(kPaddingMetadataWord));
    Access at = transposed ? guarded(word, row, ok) : guarded(row, word, ok);
    return {{r, w, at}, fill};
  }

  //===--------------------------------------------------------------------===//
  // Shared -> registers, by each lane
  //===--------------------------------------------------------------------===//

  /// The A-tile row this lane addresses in the ldmatrix (x aMatrices) of
  /// row tile `fm`. Matrix j becomes register j of every lane, which holds
  /// rows +8 (j & 1) and K +16 bytes (j >> 1) of the fragment.
  SharedAt ldmatrixA(int64_t fm) {
    V j = ops.divu(lane, ops.c(8));
    V row = ops.add(ops.add(rowOf(fm), ops.mul(ops.remu(j, ops.c(2)), ops.c(8))),
                    ops.remu(lane, ops.c(8)));
    return {row, ops.mul(ops.divu(j, ops.c(2)), ops.c(tiles.rowElements()))};
  }
  /// The B-tile row (a column of B) this lane addresses in the ldmatrix (x
  /// bMatrices) of column tile `fn`: register j holds K +16 bytes j. Lanes
  /// past the last matrix repeat valid addresses (ldmatrix ignores them).
  SharedAt ldmatrixB(int64_t fn) {
    V j = ops.remu(ops.divu(lane, ops.c(8)), ops.c(tiles.bMatrices));
    V row = ops.add(colOf(fn), ops.remu(lane, ops.c(8)));
    return {row, ops.mul(j, ops.c(tiles.rowElements()))};
  }
  /// Half `half` of the metadata register for row tile `fm`, in the
  /// metadata tile.
  SharedAt metadata(int64_t fm, unsigned half) {
    const MetadataHalf &h = layout.metadata[half];
    return {ops.add(rowOf(fm), lanePart(h.row)), lanePart(h.word)};
  }

  /// Element `i` of the D fragment of tile (fm, fn), at the output's [m, n].
  OutputAccess output(int64_t fm, int64_t fn, unsigned i) {
    const FragmentElement &e = layout.c[i];
    V row = ops.add(ops.add(blockRow0, rowOf(fm)), lanePart(e.row));
    V col = ops.add(ops.add(blockCol0, colOf(fn)), lanePart(e.col));
    V ok = ops.both(ops.ult(row, rows), ops.ult(col, cols));
    Access at = transposed ? guarded(col, row, ok) : guarded(row, col, ok);
    return {at.line, at.column, ok};
  }

private:
  /// Copy `j` of this thread over a rows x cols tile: element
  /// thread + j * kThreadsPerBlock in row-major order when `colsFastest`,
  /// else in column-major order.
  std::pair<V, V> spread(int64_t j, int64_t tileRows, int64_t tileCols,
                         bool colsFastest) {
    V linear = ops.add(thread, ops.c(j * kThreadsPerBlock));
    if (colsFastest)
      return {ops.divu(linear, ops.c(tileCols)), ops.remu(linear, ops.c(tileCols))};
    return {ops.remu(linear, ops.c(tileRows)), ops.divu(linear, ops.c(tileRows))};
  }
  /// A warp's row (column) tile offset inside the block's tile.
  V rowOf(int64_t fm) { return ops.add(warpRow, ops.c(16 * fm)); }
  V colOf(int64_t fn) { return ops.add(warpCol, ops.c(8 * fn)); }
  V storedK(V k0) {
    return layout.kStored == layout.k ? k0 : ops.divu(k0, ops.c(2));
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
  Access guarded(V line, V column, V ok) {
    return {ops.select(ok, line, ops.c(0)), ops.select(ok, column, ops.c(0)),
            ok};
  }

  Ops &ops;
  const FragmentLayout &layout;
  SharedTiles tiles;
  bool transposed;
  V rows, cols, k, thread, lane, kStored, words;
  V group, threadInGroup, blockRow0, blockCol0, warpRow, warpCol;
};

} // namespace sparq::nvvm

#endif // SPARQ_CONVERSION_SPARQTONVVM_KERNELINDEXING_H
