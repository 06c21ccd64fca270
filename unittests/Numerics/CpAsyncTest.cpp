//===- CpAsyncTest.cpp - cp.async groups and the XOR swizzle --------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The rules of the PTX ISA's cp.async, cp.async.commit_group and
// cp.async.wait_group one by one, and the swizzle's bank-conflict freedom
// under the bank model of Swizzle.h.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/CpAsync.h"
#include "sparq/Numerics/Swizzle.h"

#include "gtest/gtest.h"

#include <numeric>
#include <set>

using namespace sparq::numerics;
using cpasync::SharedMemory;
using cpasync::Status;

namespace {

std::vector<uint8_t> global(size_t n) {
  std::vector<uint8_t> g(n);
  std::iota(g.begin(), g.end(), uint8_t(1));
  return g;
}

TEST(CpAsync, SizesAndAlignment) {
  SharedMemory s(64, 1);
  auto g = global(64);
  EXPECT_EQ(s.copy(0, 0, g.data(), 64, 0, 12, 12, false), Status::BadSize);
  EXPECT_EQ(s.copy(0, 0, g.data(), 64, 0, 8, 8, /*cg=*/true), Status::BadSize);
  EXPECT_EQ(s.copy(0, 0, g.data(), 64, 0, 16, 17, true), Status::BadSize);
  EXPECT_EQ(s.copy(0, 8, g.data(), 64, 0, 16, 16, true), Status::Misaligned);
  EXPECT_EQ(s.copy(0, 0, g.data(), 64, 4, 16, 16, true), Status::Misaligned);
  EXPECT_EQ(s.copy(0, 0, g.data(), 64, 4, 4, 4, false), Status::Ok);
  EXPECT_EQ(s.copy(0, 64, g.data(), 64, 0, 16, 16, true), Status::OutOfRange);
  EXPECT_EQ(s.copy(0, 16, g.data(), 64, 64, 16, 16, true), Status::OutOfRange);
  // src-size 0 reads nothing: any source offset is fine.
  EXPECT_EQ(s.copy(0, 16, g.data(), 64, 64, 16, 0, true), Status::Ok);
}

TEST(CpAsync, ZeroFillPastSrcSize) {
  SharedMemory s(16, 1);
  auto g = global(32);
  ASSERT_EQ(s.copy(0, 0, g.data(), 32, 16, 16, 5, true), Status::Ok);
  s.commit(0);
  s.wait(0, 0);
  uint8_t out[16];
  ASSERT_EQ(s.read(0, 0, 16, out), Status::Ok);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(out[i], i < 5 ? g[size_t(16 + i)] : 0) << i;
}

TEST(CpAsync, GroupsCompleteInOrder) {
  SharedMemory s(48, 1);
  auto g = global(48);
  uint8_t out[16];
  for (int group = 0; group < 3; ++group) {
    ASSERT_EQ(s.copy(0, 16 * group, g.data(), 48, 16 * group, 16, 16, true),
              Status::Ok);
    // Uncommitted copies are in flight, and so are pending groups.
    EXPECT_EQ(s.read(0, 16 * group, 16, out), Status::ReadInFlight);
    s.commit(0);
  }
  EXPECT_EQ(s.pending(0), 3u);
  // wait_group 1: all but the newest group completed.
  s.wait(0, 1);
  EXPECT_EQ(s.pending(0), 1u);
  EXPECT_EQ(s.read(0, 0, 16, out), Status::Ok);
  EXPECT_EQ(s.read(0, 16, 16, out), Status::Ok);
  EXPECT_EQ(s.read(0, 32, 16, out), Status::ReadInFlight);
  // A copy onto bytes still in flight.
  EXPECT_EQ(s.copy(0, 32, g.data(), 48, 0, 16, 16, true), Status::WriteInFlight);
  // An empty group counts as a group.
  s.commit(0);
  s.wait(0, 1);
  EXPECT_EQ(s.read(0, 32, 16, out), Status::Ok);
  EXPECT_EQ(s.pending(0), 1u);
  s.wait(0, 0);
  EXPECT_EQ(s.pending(0), 0u);
}

TEST(CpAsync, OtherThreadsSeeCopiesAfterABarrier) {
  SharedMemory s(16, 2);
  auto g = global(16);
  uint8_t out[16];
  ASSERT_EQ(s.copy(0, 0, g.data(), 16, 0, 16, 16, true), Status::Ok);
  s.commit(0);
  s.wait(0, 0);
  EXPECT_EQ(s.read(0, 0, 16, out), Status::Ok);
  EXPECT_EQ(s.read(1, 0, 16, out), Status::ReadInFlight);
  s.barrier();
  EXPECT_EQ(s.read(1, 0, 16, out), Status::Ok);
  // A barrier does not complete another thread's pending group.
  ASSERT_EQ(s.copy(1, 0, g.data(), 16, 0, 16, 16, true), Status::Ok);
  s.commit(1);
  s.barrier();
  EXPECT_EQ(s.read(0, 0, 16, out), Status::ReadInFlight);
}

TEST(Swizzle, IsAPermutationOfEachRow) {
  for (int64_t rowChunks : {1, 2, 4, 8})
    for (int64_t row = 0; row < 64; ++row) {
      std::set<int64_t> seen;
      for (int64_t c = 0; c < rowChunks; ++c)
        seen.insert(swizzle::physicalChunk(row, c, rowChunks));
      EXPECT_EQ(int64_t(seen.size()), rowChunks);
      EXPECT_LT(*seen.rbegin(), rowChunks);
    }
}

/// ldmatrix: eight consecutive rows at one logical chunk; cp.async and
/// 16-byte stores: eight consecutive chunks of the tile in row-major order.
TEST(Swizzle, LdmatrixAndCopiesAreConflictFree) {
  for (int64_t rowChunks : {2, 4, 8})
    for (int64_t row0 = 0; row0 < 64; row0 += 8)
      for (int64_t c = 0; c < rowChunks; ++c) {
        std::array<uint64_t, 8> rows{}, linear{}, plain{};
        for (int64_t i = 0; i < 8; ++i) {
          rows[size_t(i)] =
              uint64_t(swizzle::chunkOffset(row0 + i, c, rowChunks));
          plain[size_t(i)] = uint64_t(((row0 + i) * rowChunks + c) * 16);
          int64_t l = row0 * rowChunks + 8 * c + i;
          linear[size_t(i)] = uint64_t(
              swizzle::chunkOffset(l / rowChunks, l % rowChunks, rowChunks));
        }
        EXPECT_EQ(swizzle::phaseWavefronts(rows), 1) << rowChunks;
        EXPECT_EQ(swizzle::phaseWavefronts(linear), 1) << rowChunks;
        // Unswizzled, the same ldmatrix conflicts rowChunks ways.
        EXPECT_EQ(swizzle::phaseWavefronts(plain), int(rowChunks));
      }
}

TEST(Swizzle, BankModel) {
  std::array<uint64_t, 8> same{}, strided{};
  for (size_t i = 0; i < 8; ++i)
    strided[i] = 128 * i;
  EXPECT_EQ(swizzle::phaseWavefronts(same), 1); // one address: broadcast
  EXPECT_EQ(swizzle::phaseWavefronts(strided), 8);
}

} // namespace
