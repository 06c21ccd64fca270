//===- TmaTest.cpp - CPU model of tiled TMA box copies -------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// copyBox against a direct formula (global element by coordinates, swizzle
// as the address-bit XOR of WgmmaDescriptor.h, not the chunk/row form
// Tma.cpp uses), ragged boxes, the driver's parameter rules, and TMA tiles
// read back through wgmma descriptors.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Tma.h"

#include "sparq/Numerics/WgmmaDescriptor.h"

#include "gtest/gtest.h"

#include <random>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::tma;

namespace {

constexpr Swizzle kAllSwizzles[] = {Swizzle::None, Swizzle::B32, Swizzle::B64,
                                    Swizzle::B128};

/// The same permutation in the wgmma descriptor's encoding.
wgmma::Swizzle asWgmma(Swizzle s) {
  switch (s) {
  case Swizzle::B32:
    return wgmma::Swizzle::B32;
  case Swizzle::B64:
    return wgmma::Swizzle::B64;
  case Swizzle::B128:
    return wgmma::Swizzle::B128;
  case Swizzle::None:
    break;
  }
  return wgmma::Swizzle::None;
}

/// A tensor of random bytes with dims `dims` (innermost first), rows padded
/// to a multiple of 16 bytes plus `pad`.
struct Tensor {
  TensorMap map;
  std::vector<uint8_t> bytes;
};

Tensor makeTensor(unsigned rank, unsigned elementBytes,
                  std::array<uint64_t, kMaxRank> dims,
                  std::array<uint32_t, kMaxRank> box, Swizzle swizzle,
                  std::mt19937 &rng, uint64_t pad = 16) {
  Tensor t;
  t.map.rank = rank;
  t.map.elementBytes = elementBytes;
  t.map.globalAddress = 0x10000;
  t.map.globalDim = dims;
  t.map.boxDim = box;
  t.map.swizzle = swizzle;
  uint64_t stride = (dims[0] * elementBytes + 15) / 16 * 16 + pad;
  for (unsigned i = 1; i < rank; ++i) {
    t.map.globalStrides[i - 1] = stride;
    stride *= dims[i];
  }
  t.bytes.resize(stride);
  for (auto &b : t.bytes)
    b = uint8_t(rng() | 1); // never 0, so zero fill is visible
  return t;
}

/// Expected byte `b` of box element (j0, j1, j2) at coords: direct indexing,
/// or 0 out of bounds.
uint8_t expectedByte(const Tensor &t, const std::array<int32_t, kMaxRank> &c,
                     const std::array<uint32_t, 3> &j, unsigned b) {
  int64_t offset = 0;
  for (unsigned i = 0; i < t.map.rank; ++i) {
    const int64_t x = int64_t(c[i]) + j[i];
    if (x < 0 || x >= int64_t(t.map.globalDim[i]))
      return 0;
    offset += i == 0 ? x * t.map.elementBytes : x * t.map.globalStrides[i - 1];
  }
  return t.bytes[offset + b];
}

TEST(Tma, CopyMatchesTheDirectFormula) {
  std::mt19937 rng(1);
  for (Swizzle s : kAllSwizzles)
    for (unsigned e : {1u, 2u, 4u})
      for (unsigned rank : {2u, 3u}) {
        const unsigned span = s == Swizzle::None ? 48 : swizzleSpanBytes(s);
        const uint32_t box0 = span / e;
        const Tensor t = makeTensor(rank, e, {box0 * 3 - 1, 37, 5, 1, 1},
                                    {box0, 24, 3, 1, 1}, s, rng);
        ASSERT_EQ(validate(t.map), Status::Ok);
        // Inside, straddling every edge, and entirely outside.
        const std::array<int32_t, kMaxRank> starts[] = {
            {0, 0, 0, 0, 0},
            {int32_t(box0), 8, 1, 0, 0},
            {-int32_t(box0) / 2, -5, -1, 0, 0},
            {int32_t(box0 * 2), 30, 4, 0, 0},
            {int32_t(box0 * 5), -100, 9, 0, 0}};
        for (const auto &c : starts) {
          const uint32_t dst = 2048;
          std::vector<uint8_t> smem(16384, 0xEE);
          uint32_t tx = 0;
          ASSERT_EQ(copyBox(t.map, t.bytes.data(), t.bytes.size(), c,
                            smem.data(), smem.size(), dst, tx),
                    Status::Ok);
          const uint32_t bytes = box0 * e * 24 * (rank == 3 ? 3 : 1);
          EXPECT_EQ(tx, bytes); // the whole box, OOB part included
          std::vector<bool> written(smem.size(), false);
          for (uint32_t j2 = 0; j2 < (rank == 3 ? 3u : 1u); ++j2)
            for (uint32_t j1 = 0; j1 < 24; ++j1)
              for (uint32_t j0 = 0; j0 < box0; ++j0)
                for (unsigned b = 0; b < e; ++b) {
                  const uint32_t linear = ((j2 * 24 + j1) * box0 + j0) * e + b;
                  const uint32_t at =
                      wgmma::swizzleAddress(asWgmma(s), dst + linear);
                  ASSERT_FALSE(written[at]);
                  written[at] = true;
                  ASSERT_EQ(smem[at], expectedByte(t, c, {j0, j1, j2}, b))
                      << "swizzle " << int(s) << " e " << e << " rank " << rank
                      << " element " << j0 << "," << j1 << "," << j2;
                }
          for (size_t a = 0; a < smem.size(); ++a) {
            if (!written[a]) {
              ASSERT_EQ(smem[a], 0xEE) << "stray write at " << a;
            }
          }
        }
      }
}

TEST(Tma, SwizzleTablesOfTheIsa) {
  // 128B: row r (128 bytes) has chunk c at c ^ r; 64B: two 64-byte rows per
  // 128-byte line, chunk c at c ^ ((r / 2) % 4); 32B: chunk c ^ (r / 4).
  TensorMap map;
  map.swizzle = Swizzle::B128;
  EXPECT_EQ(boxStoreOffset(map, 3 * 128 + 16 * 5 + 7), 3u * 128 + 16 * 6 + 7);
  map.swizzle = Swizzle::B64;
  EXPECT_EQ(boxStoreOffset(map, 5 * 64 + 16 * 1), 5u * 64 + 16 * 3);
  EXPECT_EQ(boxStoreOffset(map, 9 * 64 + 16 * 1), 9u * 64 + 16 * 1); // repeats
  map.swizzle = Swizzle::B32;
  EXPECT_EQ(boxStoreOffset(map, 5 * 32), 5u * 32 + 16);
  EXPECT_EQ(boxStoreOffset(map, 3 * 32), 3u * 32);
  map.swizzle = Swizzle::None;
  EXPECT_EQ(boxStoreOffset(map, 1234), 1234u);
}

TEST(Tma, ParameterRules) {
  std::mt19937 rng(2);
  const Tensor base = makeTensor(2, 2, {100, 50, 1, 1, 1}, {64, 32, 1, 1, 1},
                                 Swizzle::B128, rng);
  ASSERT_EQ(validate(base.map), Status::Ok);
  auto with = [&](auto mutate) {
    TensorMap m = base.map;
    mutate(m);
    return validate(m);
  };
  EXPECT_EQ(with([](TensorMap &m) { m.rank = 0; }), Status::InvalidRank);
  EXPECT_EQ(with([](TensorMap &m) { m.rank = 6; }), Status::InvalidRank);
  EXPECT_EQ(with([](TensorMap &m) { m.elementBytes = 3; }),
            Status::InvalidElementSize);
  EXPECT_EQ(with([](TensorMap &m) { m.globalAddress += 8; }),
            Status::MisalignedGlobalAddress);
  EXPECT_EQ(with([](TensorMap &m) { m.globalDim[1] = 0; }),
            Status::InvalidGlobalDim);
  EXPECT_EQ(with([](TensorMap &m) { m.globalDim[0] = (1ull << 32) + 1; }),
            Status::InvalidGlobalDim);
  EXPECT_EQ(with([](TensorMap &m) { m.globalDim[0] = 1ull << 32; }),
            Status::Ok);
  EXPECT_EQ(with([](TensorMap &m) { m.globalStrides[0] = 200; }),
            Status::InvalidGlobalStride);
  EXPECT_EQ(with([](TensorMap &m) { m.globalStrides[0] = 1ull << 40; }),
            Status::InvalidGlobalStride);
  EXPECT_EQ(with([](TensorMap &m) { m.boxDim[1] = 257; }),
            Status::InvalidBoxDim);
  EXPECT_EQ(with([](TensorMap &m) { m.boxDim[1] = 0; }), Status::InvalidBoxDim);
  EXPECT_EQ(with([](TensorMap &m) { m.boxDim[0] = 60; }),
            Status::InvalidInnerBoxBytes); // 120 bytes
  EXPECT_EQ(with([](TensorMap &m) { m.elementStrides[1] = 9; }),
            Status::InvalidElementStride);
  EXPECT_EQ(with([](TensorMap &m) { m.swizzle = Swizzle::B64; }),
            Status::SwizzleSpanExceeded); // 128 bytes > 64
  EXPECT_EQ(with([](TensorMap &m) {
              m.swizzle = Swizzle::None;
              m.boxDim[0] = 256;
            }),
            Status::Ok); // 512 inner bytes: fine without a swizzle
}

TEST(Tma, CopyStatuses) {
  std::mt19937 rng(3);
  Tensor t = makeTensor(2, 1, {256, 64, 1, 1, 1}, {128, 64, 1, 1, 1},
                        Swizzle::B128, rng);
  std::vector<uint8_t> smem(16384, 0xEE);
  const std::vector<uint8_t> untouched = smem;
  uint32_t tx = 0;
  const std::array<int32_t, kMaxRank> origin{};
  auto copy = [&](const TensorMap &m, uint32_t dst, size_t globalBytes) {
    return copyBox(m, t.bytes.data(), globalBytes, origin, smem.data(),
                   smem.size(), dst, tx);
  };
  EXPECT_EQ(copy(t.map, 64, t.bytes.size()), Status::MisalignedShared);
  EXPECT_EQ(copy(t.map, 128, t.bytes.size()), Status::NotModelled);
  EXPECT_EQ(copy(t.map, 8192 + 1024, t.bytes.size()), Status::OutOfBounds);
  EXPECT_EQ(copy(t.map, 0, 1000), Status::OutOfBounds);
  TensorMap narrow = t.map;
  narrow.boxDim[0] = 64; // 64 inner bytes under a 128B swizzle
  EXPECT_EQ(copy(narrow, 0, t.bytes.size()), Status::NotModelled);
  TensorMap strided = t.map;
  strided.elementStrides[1] = 2;
  EXPECT_EQ(copy(strided, 0, t.bytes.size()), Status::NotModelled);
  TensorMap bad = t.map;
  bad.boxDim[1] = 300;
  EXPECT_EQ(copy(bad, 0, t.bytes.size()), Status::InvalidBoxDim);
  EXPECT_EQ(smem, untouched);
  EXPECT_EQ(copy(t.map, 1024, t.bytes.size()), Status::Ok);
  EXPECT_EQ(tx, 128u * 64);
}

//===----------------------------------------------------------------------===//
// TMA tiles through wgmma descriptors
//===----------------------------------------------------------------------===//

// A K-major operand (rows x K bytes, 8-bit elements) loaded by TMA with each
// swizzle, read back through a descriptor for every 32-byte K step inside
// the atom, gives the original matrix; ragged edges read as zeros.
TEST(Tma, TilesReadBackThroughWgmmaDescriptors) {
  std::mt19937 rng(4);
  for (Swizzle s : {Swizzle::B32, Swizzle::B64, Swizzle::B128}) {
    const unsigned span = swizzleSpanBytes(s);
    // 100 rows x 200 bytes: the box at row 64, K byte 192 is ragged in both.
    const Tensor t =
        makeTensor(2, 1, {200, 100, 1, 1, 1}, {span, 64, 1, 1, 1}, s, rng);
    for (std::array<int32_t, kMaxRank> c : {std::array<int32_t, kMaxRank>{0, 0},
                                            {int32_t(span), 16},
                                            {192, 64}}) {
      std::vector<uint8_t> smem(32768, 0xEE);
      const uint32_t dst = 4096;
      uint32_t tx = 0;
      ASSERT_EQ(copyBox(t.map, t.bytes.data(), t.bytes.size(), c, smem.data(),
                        smem.size(), dst, tx),
                Status::Ok);
      for (unsigned step = 0; step < span; step += 32) {
        wgmma::Descriptor d;
        d.startAddress = dst;
        d.leadingByteOffset = 16;
        d.strideByteOffset = 8 * span;
        d.swizzle = asWgmma(s);
        uint64_t desc = 0;
        ASSERT_EQ(wgmma::encodeDescriptor(d, desc), wgmma::Status::Ok);
        ASSERT_EQ(wgmma::advanceStartAddress(desc, step), wgmma::Status::Ok);
        std::vector<uint8_t> read(64 * 32);
        ASSERT_EQ(wgmma::loadOperand(desc, wgmma::Major::K, {64, 32},
                                     smem.data(), smem.size(), read.data()),
                  wgmma::Status::Ok);
        for (unsigned row = 0; row < 64; ++row)
          for (unsigned k = 0; k < 32; ++k)
            ASSERT_EQ(read[row * 32 + k],
                      expectedByte(t, c, {step + k, row, 0}, 0))
                << "swizzle " << span << " step " << step << " row " << row;
      }
    }
  }
}

// Without swizzling, K-major core matrices are 8 rows x 16 bytes: TMA boxes
// 16 bytes wide place one core-matrix column each; the descriptor's LBO is
// the distance between two such boxes, SBO 128.
TEST(Tma, InterleavedTilesReadBackThroughWgmmaDescriptors) {
  std::mt19937 rng(5);
  const Tensor t = makeTensor(2, 1, {64, 70, 1, 1, 1}, {16, 64, 1, 1, 1},
                              Swizzle::None, rng);
  std::vector<uint8_t> smem(8192, 0xEE);
  const uint32_t dst = 1024, boxBytes = 16 * 64;
  for (int32_t column = 0; column < 2; ++column) {
    uint32_t tx = 0;
    ASSERT_EQ(copyBox(t.map, t.bytes.data(), t.bytes.size(), {16 * column, 8},
                      smem.data(), smem.size(), dst + column * boxBytes, tx),
              Status::Ok);
  }
  wgmma::Descriptor d;
  d.startAddress = dst;
  d.leadingByteOffset = boxBytes;
  d.strideByteOffset = 128;
  uint64_t desc = 0;
  ASSERT_EQ(wgmma::encodeDescriptor(d, desc), wgmma::Status::Ok);
  std::vector<uint8_t> read(64 * 32);
  ASSERT_EQ(wgmma::loadOperand(desc, wgmma::Major::K, {64, 32}, smem.data(),
                               smem.size(), read.data()),
            wgmma::Status::Ok);
  for (unsigned row = 0; row < 64; ++row)
    for (unsigned k = 0; k < 32; ++k)
      ASSERT_EQ(read[row * 32 + k], expectedByte(t, {0, 8}, {k, row, 0}, 0));
}

// A wrong pairing is visible: an unswizzled TMA tile with 64-byte rows read
// through a 64B-swizzled descriptor (same geometry, missing XOR).
TEST(Tma, MismatchedSwizzleIsVisible) {
  std::mt19937 rng(6);
  const Tensor t = makeTensor(2, 1, {64, 64, 1, 1, 1}, {64, 64, 1, 1, 1},
                              Swizzle::None, rng);
  std::vector<uint8_t> smem(16384, 0xEE);
  uint32_t tx = 0;
  ASSERT_EQ(copyBox(t.map, t.bytes.data(), t.bytes.size(), {0, 0}, smem.data(),
                    smem.size(), 0, tx),
            Status::Ok);
  wgmma::Descriptor d;
  d.strideByteOffset = 8 * 64;
  d.swizzle = wgmma::Swizzle::B64;
  uint64_t desc = 0;
  ASSERT_EQ(wgmma::encodeDescriptor(d, desc), wgmma::Status::Ok);
  std::vector<uint8_t> read(64 * 32);
  ASSERT_EQ(wgmma::loadOperand(desc, wgmma::Major::K, {64, 32}, smem.data(),
                               smem.size(), read.data()),
            wgmma::Status::Ok);
  unsigned wrong = 0;
  for (unsigned row = 0; row < 64; ++row)
    for (unsigned k = 0; k < 32; ++k)
      wrong += read[row * 32 + k] != expectedByte(t, {0, 0}, {k, row, 0}, 0);
  EXPECT_GT(wrong, 0u);
}

} // namespace
