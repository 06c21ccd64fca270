//===- Swizzle.h - XOR-swizzled shared rows and bank conflicts -*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The shared-memory layout of the warp-level multistage kernels
// (PipelineIndexing.h) and the bank model it is checked against.
//
// Layout: a tile of rows of `rowChunks` 16-byte chunks (1, 2, 4 or 8:
// rows of 16 to 128 bytes), rows stored back to back. Logical chunk c of
// row r is stored at physical chunk c ^ ((r / (8 / rowChunks)) % rowChunks)
// of that row -- CUTLASS's Swizzle<log2(rowChunks), 4, 3> restricted to one
// 128-byte line per 8 / rowChunks rows. Eight consecutive rows (r0 a
// multiple of 8) at one logical chunk then land in eight distinct 16-byte
// bank groups, and so do eight consecutive chunks of one 128-byte line.
//
// Bank model (CUDA C++ Programming Guide, "Shared Memory" of compute
// capability 5.x and later: 32 banks of 4 bytes, successive words in
// successive banks): a request of 16 bytes per thread is served 8 threads
// (128 bytes) at a time; ldmatrix serves each 8 x 8 matrix (8 row
// addresses of 16 bytes) in one such phase. A phase takes as many
// wavefronts as the largest number of distinct 16-byte addresses that
// share a 16-byte bank group (addr / 16 mod 8); 1 is conflict free.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_SWIZZLE_H
#define SPARQ_NUMERICS_SWIZZLE_H

#include <algorithm>
#include <array>
#include <cstdint>

namespace sparq::numerics::swizzle {

constexpr int64_t kChunkBytes = 16;

/// Whether rows of `rowChunks` chunks have a swizzle here.
constexpr bool isValidRowChunks(int64_t rowChunks) {
  return rowChunks == 1 || rowChunks == 2 || rowChunks == 4 || rowChunks == 8;
}

/// The physical chunk of logical chunk `chunk` in row `row`.
constexpr int64_t physicalChunk(int64_t row, int64_t chunk, int64_t rowChunks) {
  return chunk ^ ((row / (8 / rowChunks)) % rowChunks);
}

/// The byte offset in the tile of logical chunk `chunk` of row `row`.
constexpr int64_t chunkOffset(int64_t row, int64_t chunk, int64_t rowChunks) {
  return (row * rowChunks + physicalChunk(row, chunk, rowChunks)) * kChunkBytes;
}

/// Wavefronts one phase of eight 16-byte accesses takes (1 when free of
/// bank conflicts). Addresses must be 16-byte aligned.
inline int phaseWavefronts(const std::array<uint64_t, 8> &addresses) {
  std::array<uint64_t, 8> distinct{};
  int n = 0;
  for (uint64_t a : addresses)
    if (std::find(distinct.begin(), distinct.begin() + n, a) ==
        distinct.begin() + n)
      distinct[size_t(n++)] = a;
  std::array<int, 8> perGroup{};
  for (int i = 0; i < n; ++i)
    ++perGroup[size_t(distinct[size_t(i)] / kChunkBytes % 8)];
  return *std::max_element(perGroup.begin(), perGroup.end());
}

} // namespace sparq::numerics::swizzle

#endif // SPARQ_NUMERICS_SWIZZLE_H
