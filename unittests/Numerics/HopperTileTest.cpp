//===- HopperTileTest.cpp - TMA -> shared memory -> wgmma, end to end ----===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The three models composed as a Hopper main loop uses them (without the
// stage ring, which PipelineTest covers): for each K block, TMA boxes of A
// (or its 2:4-compressed values) and B^T land 128B-swizzled in shared
// memory; successive wgmma instructions read them through descriptors
// stepped along K; D accumulates. N and K are ragged (TMA zero fill). The
// result must equal a plain matmul bit for bit.
//
// It also shows a trap of ragged sparse K: the metadata of chunks past K
// must still be valid nibbles (zero-filled metadata is 0b0000, which the
// ISA calls invalid), so a loader has to pad it (here with 0x4: indices
// 0 and 1, whose values and B rows are zeros anyway).
//
//===----------------------------------------------------------------------===//

#include "WgmmaTestUtil.h"

#include "sparq/Numerics/Tma.h"

#include "gtest/gtest.h"

#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::wgmma;

namespace {

using namespace sparq::hoppertest;

constexpr unsigned kTileN = 128, kN = 120; // N ragged inside the tile
constexpr uint32_t kASmem = 0, kBSmem = 16384, kBHalf = 16384;

/// A row-major global matrix with rows padded to 16 bytes, and its map.
struct Global {
  std::vector<uint8_t> bytes;
  tma::TensorMap map;
};

Global globalOf(const std::vector<uint8_t> &tight, unsigned rows,
                unsigned rowBytes, unsigned boxRows) {
  Global g;
  const unsigned stride = (rowBytes + 15) / 16 * 16;
  g.bytes.assign(size_t(rows) * stride, 0);
  for (unsigned r = 0; r < rows; ++r)
    std::memcpy(&g.bytes[size_t(r) * stride], &tight[size_t(r) * rowBytes],
                rowBytes);
  g.map.rank = 2;
  g.map.elementBytes = 1; // FP8 and 16-bit tiles alike travel as bytes
  g.map.globalAddress = 0x100000;
  g.map.globalDim = {rowBytes, rows, 1, 1, 1};
  g.map.globalStrides[0] = stride;
  g.map.boxDim = {128, boxRows, 1, 1, 1};
  g.map.swizzle = tma::Swizzle::B128;
  EXPECT_EQ(tma::validate(g.map), tma::Status::Ok);
  return g;
}

struct Outcome {
  Status status = Status::Ok;
  std::vector<float> d;
};

/// The main loop over K blocks of 128 bytes of stored A per row.
Outcome mainLoop(const Instruction &instr, const Problem &p, bool padMetadata) {
  const ShapeInfo info = shapeInfo(instr.shape);
  const unsigned e = info.elementBytes, k = p.a.cols;
  const unsigned ratio = info.k / info.kStored; // 2 when sparse
  const unsigned blockK = 128 / e * ratio;      // logical K per block
  const unsigned blocks = (k + blockK - 1) / blockK;

  // Global operands: A (or its kept values) and B^T, K-major.
  std::vector<uint8_t> aStored = p.a.bytes;
  std::vector<uint16_t> words;
  const unsigned wordsPerRow = blocks * blockK / 16;
  if (info.sparse) {
    aStored.assign(size_t(kM) * k / 2 * e, 0);
    std::vector<uint16_t> tight(size_t(kM) * k / 16);
    EXPECT_EQ(compressNM(p.a.bytes.data(), instr.a, AxisView{kM, k, 1},
                         NMPattern{2, 4}, aStored.data(), tight.data()),
              NMStatus::Ok);
    // The metadata past K: zeros as TMA would fill them, or padded.
    words.assign(size_t(kM) * wordsPerRow, padMetadata ? 0x4444 : 0);
    for (unsigned r = 0; r < kM; ++r)
      std::memcpy(&words[r * wordsPerRow], &tight[r * (k / 16)], k / 16 * 2);
  }
  std::vector<uint8_t> bT(size_t(kN) * k * e);
  for (unsigned kk = 0; kk < k; ++kk)
    for (unsigned n = 0; n < kN; ++n)
      std::memcpy(&bT[(size_t(n) * k + kk) * e],
                  &p.b.bytes[(size_t(kk) * kN + n) * e], e);
  const Global a = globalOf(aStored, kM, k / ratio * e, kM);
  const Global b = globalOf(bT, kN, k * e, kTileN);

  std::vector<uint8_t> smem(kBSmem + 2 * kBHalf, 0xCD);
  Accumulators d(kTileN);
  const unsigned aStep = info.kStored * e, bStep = info.k * e;
  MetadataRegisters metadata{};
  for (unsigned block = 0; block < blocks; ++block) {
    uint32_t tx = 0;
    EXPECT_EQ(tma::copyBox(a.map, a.bytes.data(), a.bytes.size(),
                           {int32_t(block * 128), 0}, smem.data(), smem.size(),
                           kASmem, tx),
              tma::Status::Ok);
    // B^T: 128 * ratio bytes of K per row, one 128-byte swizzle atom
    // column per 128 bytes.
    for (unsigned half = 0; half < ratio; ++half)
      EXPECT_EQ(tma::copyBox(b.map, b.bytes.data(), b.bytes.size(),
                             {int32_t((block * ratio + half) * 128), 0},
                             smem.data(), smem.size(), kBSmem + half * kBHalf,
                             tx),
                tma::Status::Ok);
    Operands ops;
    ops.smem = smem.data();
    ops.smemBytes = smem.size();
    ops.metadata = &metadata;
    for (unsigned j = 0; j < 128 / aStep; ++j) {
      EXPECT_EQ(encodeDescriptor(
                    canonicalKMajor(Swizzle::B128, kASmem + j * aStep, aStep),
                    ops.aDesc),
                Status::Ok);
      const uint32_t bByte = j * bStep;
      EXPECT_EQ(encodeDescriptor(
                    canonicalKMajor(
                        Swizzle::B128,
                        kBSmem + (bByte / 128) * kBHalf + bByte % 128, bStep),
                    ops.bDesc),
                Status::Ok);
      if (info.sparse) {
        const unsigned word = (block * blockK + j * info.k) / 16;
        EXPECT_EQ(
            packMetadata(instr.shape, 0, &words[word], wordsPerRow, metadata),
            Status::Ok);
      }
      Instruction tile = instr;
      tile.n = kTileN;
      const Status s = execute(tile, ops, d);
      if (s != Status::Ok)
        return {s, {}};
    }
  }
  // The ragged columns' accumulators are zeros times zeros; keep N.
  const std::vector<float> whole = accumulatorsToMatrix(d);
  Outcome out;
  out.d.resize(size_t(kM) * kN);
  for (unsigned r = 0; r < kM; ++r)
    for (unsigned n = 0; n < kN; ++n)
      out.d[r * kN + n] = whole[r * kTileN + n];
  return out;
}

TEST(HopperTile, TmaThenWgmmaMatchesTheMatmul) {
  std::mt19937 rng(77);
  for (const Instruction &base :
       {kAllInstructions[1], kAllInstructions[5], kAllInstructions[6],
        kAllInstructions[9], kAllInstructions[10]}) {
    Instruction instr = base;
    instr.n = kN;
    const ShapeInfo info = shapeInfo(instr.shape);
    const unsigned blockK = 128 / info.elementBytes * (info.k / info.kStored);
    const unsigned k = blockK * 3 / 2; // ragged: one and a half blocks
    Problem p = randomProblem(instr, k, rng);
    std::fill(p.c.begin(), p.c.end(), 0.0f); // D starts at zero
    const Outcome got = mainLoop(instr, p, /*padMetadata=*/true);
    ASSERT_EQ(got.status, Status::Ok) << ptxName(instr);
    EXPECT_TRUE(sameBits(got.d, reference(p), kN)) << ptxName(instr);
  }
}

TEST(HopperTile, ZeroFilledMetadataPastKIsInvalid) {
  std::mt19937 rng(78);
  for (const Instruction &base : {kAllInstructions[7], kAllInstructions[11]}) {
    Instruction instr = base;
    instr.n = kN;
    const ShapeInfo info = shapeInfo(instr.shape);
    const unsigned blockK = 128 / info.elementBytes * 2;
    Problem p = randomProblem(instr, blockK * 3 / 2, rng);
    EXPECT_EQ(mainLoop(instr, p, /*padMetadata=*/false).status,
              Status::InvalidMetadata)
        << ptxName(instr);
  }
}

} // namespace
