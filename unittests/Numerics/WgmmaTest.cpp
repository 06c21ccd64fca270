//===- WgmmaTest.cpp - CPU model of the warpgroup Tensor Core MMAs -------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Plain matrices -> shared memory (storeOperand through a descriptor) and
// metadata registers (packMetadata, via the ISA's ownership formulas) ->
// execute() (inverse maps) -> D, compared bit for bit with a reference
// matmul in double. Values are small multiples of 1/2, so every partial sum
// is exact and the hardware's summation order cannot matter.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Wgmma.h"

#include "WgmmaTestUtil.h"

#include "sparq/Numerics/MMA.h"
#include "sparq/Numerics/NM.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::wgmma;

namespace {

using namespace sparq::hoppertest;

//===----------------------------------------------------------------------===//
// Instructions and ownership
//===----------------------------------------------------------------------===//

TEST(Wgmma, InstructionTable) {
  for (const Instruction &instr : kAllInstructions)
    for (unsigned n = 8; n <= 256; n += 8)
      EXPECT_TRUE(isValid(withN(instr, n))) << ptxName(withN(instr, n));
  EXPECT_FALSE(isValid(withN(kAllInstructions[0], 0)));
  EXPECT_FALSE(isValid(withN(kAllInstructions[0], 12)));
  EXPECT_FALSE(isValid(withN(kAllInstructions[0], 264)));
  EXPECT_FALSE(isValid({Shape::K16, 8, ElementKind::F16, ElementKind::BF16}));
  EXPECT_FALSE(isValid({Shape::SpK64, 8, ElementKind::F16, ElementKind::F16}));
  EXPECT_EQ(ptxName(withN(kAllInstructions[1], 256)),
            "wgmma.mma_async.sync.aligned.m64n256k32.f32.e4m3.e5m2");
  EXPECT_EQ(ptxName(withN(kAllInstructions[8], 64)),
            "wgmma.mma_async.sp.sync.aligned.m64n64k64.f32.e5m2.e4m3");
  EXPECT_EQ(ptxName(kAllInstructions[11]),
            "wgmma.mma_async.sp.sync.aligned.m64n8k32.f32.bf16.bf16");
}

TEST(Wgmma, AccumulatorsCoverEachElementOnce) {
  for (unsigned n : {8u, 64u, 256u}) {
    std::set<std::pair<unsigned, unsigned>> seen;
    for (unsigned t = 0; t < kWarpgroupSize; ++t)
      for (unsigned i = 0; i < accumulatorsPerThread(n); ++i) {
        const Coord at = dElement(t, i);
        EXPECT_LT(at.row, kM);
        EXPECT_LT(at.col, n);
        EXPECT_EQ(at.row / 16, t / 32); // warp w owns rows 16w .. 16w + 15
        seen.insert({at.row, at.col});
      }
    EXPECT_EQ(seen.size(), size_t(kM) * n);
  }
  // Thread 37: warp 1, groupID 1, threadID_in_group 1. d6 is in the "+8"
  // rows (i % 4 = 2) of column block 1: row 16 + 1 + 8, col 8 + 2.
  EXPECT_EQ(dElement(37, 6).row, 25u);
  EXPECT_EQ(dElement(37, 6).col, 10u);
  // d0 / d1 of thread 0 are (0, 0) / (0, 1); d127 of thread 127 (warp 3,
  // groupID 7, t 3) is row 16 * 3 + 7 + 8, col 8 * 31 + 6 + 1.
  EXPECT_EQ(dElement(0, 1).col, 1u);
  EXPECT_EQ(dElement(127, 127).row, 63u);
  EXPECT_EQ(dElement(127, 127).col, 255u);
}

TEST(Wgmma, MetadataOwnership) {
  for (Shape shape : {Shape::SpK64, Shape::SpK32})
    for (unsigned selector : selectorsOf(shape)) {
      const ShapeInfo info = shapeInfo(shape);
      std::set<std::pair<unsigned, unsigned>> seen;
      for (unsigned row = 0; row < kM; ++row)
        for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
          const MetadataBits at = metadataSource(shape, selector, row, chunk);
          EXPECT_EQ(at.thread / 32, row / 16); // warp w: rows 16w ..
          EXPECT_TRUE(seen.insert({at.thread, at.bit}).second);
          std::array<MetadataWord, 2> halves;
          ASSERT_TRUE(metadataWords(shape, selector, at.thread, halves));
          EXPECT_EQ(halves[at.bit / 16].row, row);
          EXPECT_EQ(halves[at.bit / 16].word, chunk / 4);
          EXPECT_EQ(at.bit % 16, 4 * (chunk % 4));
        }
      EXPECT_EQ(seen.size(), size_t(kM) * info.k / 4);
      unsigned supplying = 0;
      for (unsigned t = 0; t < kWarpgroupSize; ++t) {
        std::array<MetadataWord, 2> halves;
        supplying += metadataWords(shape, selector, t, halves);
      }
      EXPECT_EQ(supplying, shape == Shape::SpK64 ? 128u : 64u);
    }
  EXPECT_FALSE(isValidSelector(Shape::SpK64, 1));
  EXPECT_FALSE(isValidSelector(Shape::SpK32, 2));
}

// Two sources agree: the wgmma metadata (CuTe's ELayouts) gives each warp
// the arrangement the mma.sp figures give one warp (MMA.h).
TEST(Wgmma, MetadataPerWarpIsTheMmaSpArrangement) {
  const std::pair<Shape, mma::Shape> pairs[] = {
      {Shape::SpK64, mma::Shape::SpM16N8K64},
      {Shape::SpK32, mma::Shape::SpM16N8K32}};
  for (auto [shape, mmaShape] : pairs)
    for (unsigned selector : selectorsOf(shape))
      for (unsigned row = 0; row < kM; ++row)
        for (unsigned chunk = 0; chunk < shapeInfo(shape).k / 4; ++chunk) {
          const MetadataBits w = metadataSource(shape, selector, row, chunk);
          const mma::MetadataBits m =
              mma::metadataSource(mmaShape, selector, row % 16, chunk);
          EXPECT_EQ(w.thread, 32 * (row / 16) + m.lane);
          EXPECT_EQ(w.bit, m.bit);
        }
}

// The registers, spelled out: FP8 thread 32w + 4g + t holds the 32-bit
// little-endian load at word 2 (t >> 1) of row 16w + g + 8 (t & 1);
// f16/bf16 thread 32w + 4g + 2s + p holds word p of rows 16w + g (low) and
// 16w + g + 8 (high).
TEST(Wgmma, MetadataWordsToRegisters) {
  for (Shape shape : {Shape::SpK64, Shape::SpK32})
    for (unsigned selector : selectorsOf(shape)) {
      const unsigned perRow = shapeInfo(shape).metadataWordsPerRow;
      const size_t stride = perRow + 3;
      std::vector<uint16_t> words(kM * stride, 0xDEAD);
      for (unsigned r = 0; r < kM; ++r)
        for (unsigned w = 0; w < perRow; ++w)
          words[r * stride + w] = uint16_t(r << 8 | 0xA0 | w);
      MetadataRegisters regs;
      ASSERT_EQ(packMetadata(shape, selector, words.data(), stride, regs),
                Status::Ok);
      for (unsigned t = 0; t < kWarpgroupSize; ++t) {
        const unsigned w = t / 32, g = (t % 32) / 4, q = t % 4;
        uint32_t want = 0;
        if (shape == Shape::SpK64)
          std::memcpy(
              &want, &words[(16 * w + g + 8 * (q & 1)) * stride + 2 * (q >> 1)],
              4);
        else if (q >> 1 == selector)
          want = words[(16 * w + g) * stride + (q & 1)] |
                 uint32_t(words[(16 * w + g + 8) * stride + (q & 1)]) << 16;
        EXPECT_EQ(regs[t], want) << "thread " << t;
      }
      std::vector<uint16_t> back(words.size(), 0xDEAD);
      ASSERT_EQ(unpackMetadata(shape, selector, regs, back.data(), stride),
                Status::Ok);
      EXPECT_EQ(back, words);
    }
}

//===----------------------------------------------------------------------===//
// End to end
//===----------------------------------------------------------------------===//

std::vector<Swizzle> swizzlesFor(unsigned kBytes) {
  std::vector<Swizzle> out = {Swizzle::None};
  for (Swizzle s : {Swizzle::B128, Swizzle::B64, Swizzle::B32})
    if (kBytes <= swizzleRowBytes(s))
      out.push_back(s);
  return out;
}

TEST(Wgmma, MatchesReferenceMatmul) {
  std::mt19937 rng(90);
  for (const Instruction &base : kAllInstructions)
    for (unsigned n : {8u, 64u, 256u}) {
      const Instruction instr = withN(base, n);
      const ShapeInfo info = shapeInfo(instr.shape);
      const auto aSwizzles = swizzlesFor(aOperandShape(instr.shape).kBytes);
      const auto bSwizzles = swizzlesFor(bOperandShape(instr.shape, n).kBytes);
      for (unsigned selector : selectorsOf(instr.shape))
        for (size_t i = 0; i < 4; ++i) {
          // Every swizzle mode of A and of B, in varying pairs.
          const Swizzle aS = aSwizzles[i % aSwizzles.size()];
          const Swizzle bS = bSwizzles[(i + n / 8) % bSwizzles.size()];
          const Problem p = randomProblem(instr, info.k, rng);
          Staged s;
          build(instr, p, aS, bS, selector, s);
          s.ops.scaleD = rng() % 4 != 0;
          s.ops.scaleA = rng() % 2 ? 1 : -1;
          s.ops.scaleB = rng() % 2 ? 1 : -1;
          SCOPED_TRACE(ptxName(instr) + " selector " +
                       std::to_string(selector) + " swizzles " +
                       std::to_string(int(aS)) + "/" + std::to_string(int(bS)));
          EXPECT_TRUE(sameBits(
              run(instr, s, p.c),
              reference(p, s.ops.scaleD, s.ops.scaleA, s.ops.scaleB), n));
        }
    }
}

// The kernel's main loop: one 128B-swizzled tile of 128 bytes of K per row
// for A and for B, consumed by successive instructions whose descriptors
// step the start address by each instruction's K bytes, accumulating in D.
TEST(Wgmma, KStepsThroughA128BSwizzledTile) {
  std::mt19937 rng(91);
  for (const Instruction &base : {kAllInstructions[1], kAllInstructions[4],
                                  kAllInstructions[7], kAllInstructions[10]}) {
    const Instruction instr = withN(base, 64);
    const ShapeInfo info = shapeInfo(instr.shape);
    const unsigned e = info.elementBytes;
    const unsigned bStep = info.k * e, aStep = info.kStored * e;
    const unsigned steps = 128 / bStep, tileK = steps * info.k;
    const Problem p = randomProblem(instr, tileK, rng);
    // The whole tile: A (kept values) and B^T rows of 128 bytes each.
    std::vector<uint8_t> aStored = p.a.bytes;
    std::vector<uint16_t> words(size_t(kM) * tileK / 16);
    if (info.sparse) {
      aStored.assign(size_t(kM) * tileK / 2 * e, 0);
      ASSERT_EQ(compressNM(p.a.bytes.data(), instr.a, AxisView{kM, tileK, 1},
                           NMPattern{2, 4}, aStored.data(), words.data()),
                NMStatus::Ok);
    }
    std::vector<uint8_t> bT(size_t(instr.n) * tileK * e);
    for (unsigned k = 0; k < tileK; ++k)
      for (unsigned n = 0; n < instr.n; ++n)
        std::memcpy(&bT[(size_t(n) * tileK + k) * e],
                    &p.b.bytes[(size_t(k) * instr.n + n) * e], e);
    Staged s;
    const uint64_t aTile = descriptorFor(Swizzle::B128, kAStart,
                                         {kM, unsigned(aStored.size() / kM)});
    const uint64_t bTile =
        descriptorFor(Swizzle::B128, kBStart, {instr.n, 128});
    ASSERT_EQ(storeOperand(aTile, Major::K, {kM, unsigned(aStored.size() / kM)},
                           aStored.data(), s.smem.data(), s.smem.size()),
              Status::Ok);
    ASSERT_EQ(storeOperand(bTile, Major::K, {instr.n, 128}, bT.data(),
                           s.smem.data(), s.smem.size()),
              Status::Ok);
    s.ops.smem = s.smem.data();
    s.ops.smemBytes = s.smem.size();
    s.ops.metadata = &s.metadata;
    Accumulators d = accumulatorsFromMatrix(instr.n, p.c.data());
    for (unsigned step = 0; step < steps; ++step) {
      s.ops.aDesc = aTile;
      s.ops.bDesc = bTile;
      ASSERT_EQ(advanceStartAddress(s.ops.aDesc, step * aStep), Status::Ok);
      ASSERT_EQ(advanceStartAddress(s.ops.bDesc, step * bStep), Status::Ok);
      if (info.sparse) { // this instruction's words of every row
        ASSERT_EQ(packMetadata(instr.shape, 0,
                               &words[step * info.metadataWordsPerRow],
                               tileK / 16, s.metadata),
                  Status::Ok);
      }
      ASSERT_EQ(execute(instr, s.ops, d), Status::Ok) << ptxName(instr);
    }
    EXPECT_TRUE(sameBits(accumulatorsToMatrix(d), reference(p), instr.n))
        << ptxName(instr);
  }
}

} // namespace
