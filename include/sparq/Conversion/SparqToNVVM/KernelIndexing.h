//===- KernelIndexing.h - where each lane of a kernel reads and writes -*- C++ -*-===//
//
// The index arithmetic of sparq's Tensor Core kernels, written once over an
// abstract value domain: the kernel emitter instantiates it with MLIR values
// (each operation becomes an arith op), the unit tests with plain integers to
// run every lane's loads on the CPU model of the instructions
// (numerics/MMA.h). Whatever tiling, bounds or metadata-padding mistake the
// kernels have, the simulation has too -- and fails against a reference
// matmul.
//
// Coordinates are the instruction's: A is the 2:4-sparse operand (or the
// lhs when dense), rows x K; B is K x columns. A kernel is "transposed" when
// the sparse operand is sparq.matmul's rhs: it computes D^T = B^T A^T, so
// the instruction's rows are the output's columns.
//
// Tiling: a block of kWarpsM x kWarpsN warps covers kBlockRows x kBlockCols
// of D; each warp a kFragsM x kFragsN grid of 16 x 8 instruction tiles, so
// that one A fragment feeds kFragsN instructions and one B fragment kFragsM.
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
constexpr int64_t kWarpRows = 16 * kFragsM, kWarpCols = 8 * kFragsN;
constexpr int64_t kBlockRows = kWarpsM * kWarpRows;
constexpr int64_t kBlockCols = kWarpsN * kWarpCols;

/// Metadata nibble for "indices 0 and 1": what padding rows and chunks get,
/// since the ISA leaves any other nibble undefined.
constexpr int64_t kPaddingMetadataWord = 0x4444;

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
  /// A metadata word: the (guarded) load at `at`, OR-ed with `fill`.
  struct MetadataAccess {
    Access at;
    V fill;
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
      : ops(ops), layout(getFragmentLayout(family)), transposed(transposed),
        rows(rows), cols(cols), k(k) {
    kStored = isSparse(family) ? ops.divu(k, ops.c(2)) : k;
    words = ops.divu(ops.add(k, ops.c(15)), ops.c(16));
    V lane = ops.remu(thread, ops.c(32));
    V warp = ops.divu(thread, ops.c(32));
    group = ops.divu(lane, ops.c(4));
    threadInGroup = ops.remu(lane, ops.c(4));
    warpRow0 = ops.add(ops.mul(blockY, ops.c(kBlockRows)),
                       ops.mul(ops.divu(warp, ops.c(kWarpsN)), ops.c(kWarpRows)));
    warpCol0 = ops.add(ops.mul(blockX, ops.c(kBlockCols)),
                       ops.mul(ops.remu(warp, ops.c(kWarpsN)), ops.c(kWarpCols)));
  }

  const FragmentLayout &getLayout() const { return layout; }

  /// Element `i` of the A fragment of row tile `fm` at K step `k0`.
  Access a(V k0, int64_t fm, unsigned i) {
    const FragmentElement &e = layout.a[i];
    V row = ops.add(rowOf(fm), lanePart(e.row));
    V kc = ops.add(storedK(k0), lanePart(e.col));
    V ok = ops.both(ops.ult(row, rows), ops.ult(kc, kStored));
    return transposed ? guarded(kc, row, ok) : guarded(row, kc, ok);
  }

  /// Element `i` of the B fragment of column tile `fn` at K step `k0`.
  Access b(V k0, int64_t fn, unsigned i) {
    const FragmentElement &e = layout.b[i];
    V kk = ops.add(k0, lanePart(e.row));
    V col = ops.add(colOf(fn), lanePart(e.col));
    V ok = ops.both(ops.ult(kk, k), ops.ult(col, cols));
    // Not transposed: rhs [K, N]. Transposed: B(k, m) = lhs[m][k].
    return transposed ? guarded(col, kk, ok) : guarded(kk, col, ok);
  }

  /// Half `half` of the metadata register for row tile `fm` at K step `k0`.
  MetadataAccess metadata(V k0, int64_t fm, unsigned half) {
    const MetadataHalf &h = layout.metadata[half];
    V row = ops.add(rowOf(fm), lanePart(h.row));
    V word = ops.add(ops.divu(k0, ops.c(16)), lanePart(h.word));
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
    return {at, fill};
  }

  /// Element `i` of the D fragment of tile (fm, fn), at the output's [m, n].
  OutputAccess output(int64_t fm, int64_t fn, unsigned i) {
    const FragmentElement &e = layout.c[i];
    V row = ops.add(rowOf(fm), lanePart(e.row));
    V col = ops.add(colOf(fn), lanePart(e.col));
    V ok = ops.both(ops.ult(row, rows), ops.ult(col, cols));
    Access at = transposed ? guarded(col, row, ok) : guarded(row, col, ok);
    return {at.line, at.column, ok};
  }

private:
  V rowOf(int64_t fm) { return ops.add(warpRow0, ops.c(16 * fm)); }
  V colOf(int64_t fn) { return ops.add(warpCol0, ops.c(8 * fn)); }
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
  bool transposed;
  V rows, cols, k, kStored, words;
  V group, threadInGroup, warpRow0, warpCol0;
};

} // namespace sparq::nvvm

#endif // SPARQ_CONVERSION_SPARQTONVVM_KERNELINDEXING_H
