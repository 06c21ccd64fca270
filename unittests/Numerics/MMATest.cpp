//===- MMATest.cpp - CPU model of the warp-level Tensor Core MMAs ---------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Plain matrices -> (ownership functions) -> WarpState -> execute() (inverse
// maps) -> D, compared bit for bit with a reference matmul in double. The
// data are small multiples of 1/2, so every partial sum is exact and the
// hardware's unspecified summation order cannot matter.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/MMA.h"

#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/NM.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <random>
#include <set>
#include <utility>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::mma;

namespace {

/// A 16 x 8 tile, row-major.
using DMatrix = std::array<float, kM * kN>;

std::string describe(const Instruction &instr) { return ptxName(instr); }

uint32_t encode(ElementKind kind, float value) {
  switch (kind) {
  case ElementKind::E4M3:
  case ElementKind::E5M2:
    return encodeFp8(value, toFp8Format(kind), Saturation::None);
  case ElementKind::F16:
    return f32ToF16(value);
  case ElementKind::BF16:
    return f32ToBF16(value);
  case ElementKind::F32:
    break;
  }
  ADD_FAILURE() << "not an MMA element kind";
  return 0;
}

/// A matrix of raw element bits (1 or 2 bytes each), row-major.
struct RawMatrix {
  ElementKind kind;
  unsigned rows, cols;
  std::vector<uint8_t> bytes;

  RawMatrix(ElementKind kind, unsigned rows, unsigned cols)
      : kind(kind), rows(rows), cols(cols),
        bytes(size_t(rows) * cols * elementByteSize(kind)) {}
  void set(unsigned r, unsigned c, float value) {
    const uint32_t bits = encode(kind, value);
    ASSERT_EQ(decodeElementBits(kind, bits), value) << "not representable";
    std::memcpy(&bytes[(size_t(r) * cols + c) * elementByteSize(kind)], &bits,
                elementByteSize(kind));
  }
  double get(unsigned r, unsigned c) const {
    uint32_t bits = 0;
    std::memcpy(&bits, &bytes[(size_t(r) * cols + c) * elementByteSize(kind)],
                elementByteSize(kind));
    return decodeElementBits(kind, bits);
  }
  const void *data() const { return bytes.data(); }
};

/// Non-zero multiples of 1/2 in [-3, 3]: exact in every element type here.
float smallValue(std::mt19937 &rng) {
  const int k = int(rng() % 12); // 0..11 -> +-0.5 .. +-3
  const float magnitude = 0.5f * float(k % 6 + 1);
  return k < 6 ? magnitude : -magnitude;
}

struct Tile {
  RawMatrix a; ///< logical 16 x k, 2:4 along rows when the shape is sparse
  RawMatrix b; ///< k x 8
  std::vector<float> c;
};

/// Random operands; a sparse A gets exactly two non-zeros per chunk, at
/// random positions, so compressNM's choice is unambiguous.
Tile randomTile(const Instruction &instr, std::mt19937 &rng) {
  const ShapeInfo info = shapeInfo(instr.shape);
  Tile t{RawMatrix(instr.a, kM, info.k), RawMatrix(instr.b, info.k, kN),
         std::vector<float>(kM * kN)};
  for (unsigned r = 0; r < kM; ++r)
    for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
      unsigned keep0 = 0, keep1 = 1;
      if (info.sparse) {
        keep0 = rng() % 4;
        keep1 = (keep0 + 1 + rng() % 3) % 4;
      }
      for (unsigned j = 0; j < 4; ++j) {
        const bool kept = !info.sparse || j == keep0 || j == keep1;
        t.a.set(r, 4 * chunk + j, kept ? smallValue(rng) : 0.0f);
      }
    }
  for (unsigned k = 0; k < info.k; ++k)
    for (unsigned n = 0; n < kN; ++n)
      t.b.set(k, n, smallValue(rng));
  for (float &v : t.c)
    v = float(int(rng() % 64) - 32);
  return t;
}

/// D = A * B + C over the logical A, in double: a plain matmul that shares
/// nothing with the model.
DMatrix reference(const Tile &t) {
  DMatrix d{};
  for (unsigned r = 0; r < kM; ++r)
    for (unsigned n = 0; n < kN; ++n) {
      double sum = t.c[r * kN + n];
      for (unsigned k = 0; k < t.a.cols; ++k)
        sum += t.a.get(r, k) * t.b.get(k, n);
      d[r * kN + n] = float(sum);
    }
  return d;
}

::testing::AssertionResult sameBits(const DMatrix &got, const DMatrix &want) {
  for (unsigned i = 0; i < kM * kN; ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure()
             << "D[" << i / kN << "][" << i % kN << "] = " << got[i]
             << ", want " << want[i];
  return ::testing::AssertionSuccess();
}

/// Runs the instruction and returns D as a matrix (NaN on a bad status).
DMatrix run(const Instruction &instr, const WarpState &s,
            Status expected = Status::Ok) {
  Fragment d;
  EXPECT_EQ(execute(instr, s, d), expected) << describe(instr);
  return readD(d);
}

WarpState build(const Instruction &instr, const Tile &t,
                unsigned selector = 0) {
  WarpState s;
  EXPECT_EQ(makeWarpStateFromDenseA(instr, t.a.data(), t.b.data(), t.c.data(),
                                    selector, s),
            Status::Ok);
  return s;
}

std::vector<unsigned> selectorsOf(Shape shape) {
  return shape == Shape::SpM16N8K32 ? std::vector<unsigned>{0, 1}
                                    : std::vector<unsigned>{0};
}

std::vector<Shape> sparseShapes() {
  return {Shape::SpM16N8K64, Shape::SpM16N8K32};
}

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

TEST(MMA, InstructionTable) {
  for (const Instruction &instr : kAllInstructions)
    EXPECT_TRUE(isValid(instr)) << describe(instr);
  EXPECT_EQ(ptxName(kAllInstructions[1]),
            "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e5m2.f32");
  EXPECT_EQ(ptxName(kAllInstructions[6]),
            "mma.sp::ordered_metadata.sync.aligned.m16n8k64.row.col.f32.e5m2."
            "e4m3.f32");
  EXPECT_EQ(ptxName(kAllInstructions[9]),
            "mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32.bf16."
            "bf16.f32");
  // No mixed f16 x bf16 form, no FP8 in the f16 shape, no f16 in FP8 ones.
  EXPECT_FALSE(
      isValid({Shape::SpM16N8K32, ElementKind::F16, ElementKind::BF16}));
  EXPECT_FALSE(
      isValid({Shape::SpM16N8K32, ElementKind::E4M3, ElementKind::E4M3}));
  EXPECT_FALSE(isValid({Shape::M16N8K32, ElementKind::F16, ElementKind::F16}));
  EXPECT_FALSE(
      isValid({Shape::SpM16N8K64, ElementKind::F32, ElementKind::E4M3}));
  Fragment d;
  EXPECT_EQ(execute({Shape::M16N8K32, ElementKind::F16, ElementKind::F16},
                    WarpState(), d),
            Status::InvalidInstruction);
}

//===----------------------------------------------------------------------===//
// Ownership functions
//===----------------------------------------------------------------------===//

TEST(MMA, FragmentsCoverEachElementOnce) {
  for (Shape shape : {Shape::M16N8K32, Shape::SpM16N8K64, Shape::SpM16N8K32}) {
    const ShapeInfo info = shapeInfo(shape);
    std::set<std::pair<unsigned, unsigned>> a, b, c;
    for (unsigned lane = 0; lane < kWarpSize; ++lane) {
      for (unsigned i = 0; i < info.aRegisters * info.perRegister; ++i) {
        const ACoord at = aElement(shape, lane, i);
        EXPECT_LT(at.row, kM);
        EXPECT_LT(at.col, info.kStored);
        a.insert({at.row, at.col});
        if (info.sparse) {
          EXPECT_EQ(at.chunk, at.col / 2);
          EXPECT_EQ(at.slot, at.col % 2);
        }
      }
      for (unsigned i = 0; i < info.bRegisters * info.perRegister; ++i) {
        const Coord at = bElement(shape, lane, i);
        EXPECT_LT(at.row, info.k);
        EXPECT_LT(at.col, kN);
        b.insert({at.row, at.col});
      }
      for (unsigned i = 0; i < 4; ++i)
        c.insert({cElement(lane, i).row, cElement(lane, i).col});
    }
    EXPECT_EQ(a.size(), size_t(kM) * info.kStored);
    EXPECT_EQ(b.size(), size_t(info.k) * kN);
    EXPECT_EQ(c.size(), size_t(kM) * kN);
  }
}

TEST(MMA, FragmentsMatchTheIsaFormulas) {
  // Lane 13: groupID 3, threadID_in_group 1.
  // m16n8k32 FP8: a9 is in the "8 <= i < 12" rows (groupID), col 4 + 1 + 16.
  EXPECT_EQ(aElement(Shape::M16N8K32, 13, 9).row, 3u);
  EXPECT_EQ(aElement(Shape::M16N8K32, 13, 9).col, 21u);
  EXPECT_EQ(aElement(Shape::M16N8K32, 13, 6).row, 11u);
  EXPECT_EQ(aElement(Shape::M16N8K32, 13, 6).col, 6u);
  EXPECT_EQ(bElement(Shape::M16N8K32, 13, 5).row, 4u + 1 + 16);
  EXPECT_EQ(bElement(Shape::M16N8K32, 13, 5).col, 3u);
  // Sparse m16n8k64: a14 is row groupID + 8, logical columns firstcol = 8 +
  // 32 = 40 .. 47, i.e. chunks 10 and 11; a14 is chunk 11's first kept value.
  const ACoord sp64 = aElement(Shape::SpM16N8K64, 13, 14);
  EXPECT_EQ(sp64.row, 11u);
  EXPECT_EQ(sp64.chunk, 11u);
  EXPECT_EQ(sp64.slot, 0u);
  EXPECT_EQ(sp64.col, 22u);
  EXPECT_EQ(bElement(Shape::SpM16N8K64, 13, 14).row, 4u + 2 + 48);
  // Sparse m16n8k32 f16: a7 is row groupID + 8, firstcol = 4 + 16 = 20
  // (chunk 5), its second kept value.
  const ACoord sp32 = aElement(Shape::SpM16N8K32, 13, 7);
  EXPECT_EQ(sp32.row, 11u);
  EXPECT_EQ(sp32.chunk, 5u);
  EXPECT_EQ(sp32.slot, 1u);
  EXPECT_EQ(sp32.col, 11u);
  EXPECT_EQ(bElement(Shape::SpM16N8K32, 13, 5).row, 2u + 1 + 16);
  EXPECT_EQ(bElement(Shape::SpM16N8K32, 13, 5).col, 3u);
  // C/D: c2 of lane 13 is row 11, col 2.
  EXPECT_EQ(cElement(13, 2).row, 11u);
  EXPECT_EQ(cElement(13, 2).col, 2u);
}

TEST(MMA, MetadataOwnership) {
  for (Shape shape : sparseShapes())
    for (unsigned selector : selectorsOf(shape)) {
      const ShapeInfo info = shapeInfo(shape);
      // Every (row, chunk) has its own nibble, in a lane that supplies
      // metadata, at the place metadataWords says.
      std::set<std::pair<unsigned, unsigned>> seen;
      for (unsigned row = 0; row < kM; ++row)
        for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
          const MetadataBits at = metadataSource(shape, selector, row, chunk);
          EXPECT_EQ(at.bit % 4, 0u);
          EXPECT_LT(at.bit, 32u);
          EXPECT_TRUE(seen.insert({at.lane, at.bit}).second);
          std::array<MetadataWord, 2> halves;
          ASSERT_TRUE(metadataWords(shape, selector, at.lane, halves));
          const MetadataWord &half = halves[at.bit / 16];
          EXPECT_EQ(half.row, row);
          EXPECT_EQ(half.word, chunk / 4);
          EXPECT_EQ(at.bit % 16, 4 * (chunk % 4));
        }
      unsigned supplying = 0;
      for (unsigned lane = 0; lane < kWarpSize; ++lane) {
        std::array<MetadataWord, 2> halves;
        supplying += metadataWords(shape, selector, lane, halves);
      }
      // All 32 lanes for m16n8k64, one thread pair per group for m16n8k32.
      EXPECT_EQ(supplying, shape == Shape::SpM16N8K64 ? 32u : 16u);
      EXPECT_EQ(seen.size(), size_t(kM) * info.k / 4);
    }
  EXPECT_TRUE(isValidSelector(Shape::SpM16N8K64, 0));
  EXPECT_FALSE(isValidSelector(Shape::SpM16N8K64, 1));
  EXPECT_TRUE(isValidSelector(Shape::SpM16N8K32, 1));
  EXPECT_FALSE(isValidSelector(Shape::SpM16N8K32, 2));
}

//===----------------------------------------------------------------------===//
// This project's metadata words <-> the lanes' registers
//===----------------------------------------------------------------------===//

/// Words tagged with their (row, word) so every misplacement shows.
std::vector<uint16_t> taggedWords(unsigned wordsPerRow, size_t stride) {
  std::vector<uint16_t> words(kM * stride, 0xDEAD);
  for (unsigned r = 0; r < kM; ++r)
    for (unsigned w = 0; w < wordsPerRow; ++w)
      words[r * stride + w] = uint16_t(0xA000 | r << 4 | w);
  return words;
}

// The mapping the lowering implements, spelled out independently of the
// library: for m16n8k64 FP8, lane 4g + t loads the 32-bit little-endian word
// at uint16 index 2 * (t >> 1) of metadata row g + 8 * (t & 1) (two adjacent
// words: columns 32 * (t >> 1) .. + 31); for m16n8k32 f16/bf16 with selector
// s, lane 4g + 2s + p combines word p of row g (low half) with word p of row
// g + 8 (high half), and the two other lanes of the group pass anything.
TEST(MMA, MetadataWordsToLaneRegisters) {
  // Stride 0 stands for tight rows; 7 for a tile of a wider metadata tensor.
  for (size_t stride : {size_t(0), size_t(7)}) {
    {
      const Shape shape = Shape::SpM16N8K64;
      const size_t rowStride = stride ? stride : 4;
      const std::vector<uint16_t> words = taggedWords(4, rowStride);
      std::array<uint32_t, kWarpSize> regs;
      ASSERT_EQ(packMetadata(shape, 0, words.data(), rowStride, regs),
                Status::Ok);
      for (unsigned lane = 0; lane < kWarpSize; ++lane) {
        const unsigned g = lane / 4, t = lane % 4;
        uint32_t load;
        std::memcpy(&load, &words[(g + 8 * (t & 1)) * rowStride + 2 * (t >> 1)],
                    4);
        EXPECT_EQ(regs[lane], load) << "lane " << lane;
      }
      // Lane 5: row 9, words 0 and 1; lane 30: row 7, words 2 and 3.
      EXPECT_EQ(regs[5], 0xA091A090u);
      EXPECT_EQ(regs[30], 0xA073A072u);
      std::vector<uint16_t> back(words.size(), 0xDEAD);
      ASSERT_EQ(unpackMetadata(shape, 0, regs, back.data(), rowStride),
                Status::Ok);
      EXPECT_EQ(back, words);
    }
    for (unsigned selector : {0u, 1u}) {
      const Shape shape = Shape::SpM16N8K32;
      const size_t rowStride = stride ? stride : 2;
      const std::vector<uint16_t> words = taggedWords(2, rowStride);
      std::array<uint32_t, kWarpSize> regs;
      ASSERT_EQ(packMetadata(shape, selector, words.data(), rowStride, regs),
                Status::Ok);
      for (unsigned lane = 0; lane < kWarpSize; ++lane) {
        const unsigned g = lane / 4, t = lane % 4, p = t & 1;
        const uint32_t want = (t >> 1) == selector
                                  ? uint32_t(words[g * rowStride + p]) |
                                        uint32_t(words[(g + 8) * rowStride + p])
                                            << 16
                                  : 0u;
        EXPECT_EQ(regs[lane], want) << "lane " << lane;
      }
      // Lane 13 (g 3, t 1) under selector 0: word 1 of rows 3 and 11.
      EXPECT_EQ(regs[13], selector == 0 ? 0xA0B1A031u : 0u);
      std::vector<uint16_t> back(words.size(), 0xDEAD);
      ASSERT_EQ(unpackMetadata(shape, selector, regs, back.data(), rowStride),
                Status::Ok);
      EXPECT_EQ(back, words);
    }
  }
  std::array<uint32_t, kWarpSize> regs;
  const uint16_t words[16 * 4] = {};
  EXPECT_EQ(packMetadata(Shape::SpM16N8K64, 1, words, 4, regs),
            Status::InvalidSelector);
  EXPECT_EQ(packMetadata(Shape::M16N8K32, 0, words, 4, regs),
            Status::InvalidInstruction);
}

//===----------------------------------------------------------------------===//
// End to end
//===----------------------------------------------------------------------===//

TEST(MMA, MatchesReferenceMatmul) {
  std::mt19937 rng(20240611);
  for (const Instruction &instr : kAllInstructions)
    for (unsigned selector : selectorsOf(instr.shape))
      for (int trial = 0; trial < 25; ++trial) {
        const Tile t = randomTile(instr, rng);
        SCOPED_TRACE(describe(instr) + " selector " + std::to_string(selector) +
                     " trial " + std::to_string(trial));
        EXPECT_TRUE(
            sameBits(run(instr, build(instr, t, selector)), reference(t)));
      }
}

// The same through the explicit compressed form: compressNM's values and
// metadata tensors, as the lowering will find them in memory.
TEST(MMA, MatchesReferenceFromCompressedStorage) {
  std::mt19937 rng(7);
  for (const Instruction &instr : kAllInstructions) {
    const ShapeInfo info = shapeInfo(instr.shape);
    if (!info.sparse)
      continue;
    const Tile t = randomTile(instr, rng);
    std::vector<uint8_t> values(kM * info.kStored * elementByteSize(instr.a));
    std::vector<uint16_t> metadata(kM * info.metadataWordsPerRow);
    ASSERT_EQ(compressNM(t.a.data(), instr.a, AxisView{kM, info.k, 1},
                         NMPattern{2, 4}, values.data(), metadata.data()),
              NMStatus::Ok);
    for (unsigned selector : selectorsOf(instr.shape)) {
      TileOperands ops;
      ops.a = values.data();
      ops.aMetadata = metadata.data();
      ops.b = t.b.data();
      ops.c = t.c.data();
      ops.selector = selector;
      WarpState s;
      ASSERT_EQ(makeWarpState(instr, ops, s), Status::Ok);
      EXPECT_TRUE(sameBits(run(instr, s), reference(t))) << describe(instr);
    }
  }
}

// ldmatrix hands out exactly the A and B registers the ISA's ownership
// functions assign, when lane 8 j + r addresses row r of matrix j: for A
// (16 rows x 32 bytes) matrix j is rows 8 (j & 1).., bytes 16 (j >> 1)..;
// for B stored transposed (8 columns x K) matrix j is bytes 16 j.. of every
// column. This is the distribution the GPU kernels rely on.
TEST(MMA, LoadMatricesDeliversTheIsaFragments) {
  std::mt19937 rng(11);
  for (const Instruction &instr : kAllInstructions) {
    SCOPED_TRACE(describe(instr));
    const ShapeInfo info = shapeInfo(instr.shape);
    const Tile t = randomTile(instr, rng);
    const unsigned bytes = info.elementBits / 8;
    std::vector<uint8_t> a = t.a.bytes;
    std::vector<uint16_t> metadata(kM * info.metadataWordsPerRow);
    if (info.sparse) {
      a.assign(size_t(kM) * info.kStored * bytes, 0);
      ASSERT_EQ(compressNM(t.a.bytes.data(), instr.a, AxisView{kM, info.k, 1},
                           NMPattern{2, 4}, a.data(), metadata.data()),
                NMStatus::Ok);
    }
    TileOperands ops;
    ops.a = a.data();
    ops.aMetadata = info.sparse ? metadata.data() : nullptr;
    ops.b = t.b.bytes.data();
    WarpState isa;
    ASSERT_EQ(makeWarpState(instr, ops, isa), Status::Ok);

    const unsigned aRowBytes = info.kStored * bytes, bRowBytes = info.k * bytes;
    ASSERT_EQ(aRowBytes, 32u);
    std::array<MatrixRow, kWarpSize> rows{};
    for (unsigned lane = 0; lane < kWarpSize; ++lane) {
      unsigned j = lane / 8, r = lane % 8;
      std::memcpy(rows[lane].data(),
                  &a[(8 * (j & 1) + r) * aRowBytes + 16 * (j >> 1)], 16);
    }
    std::array<std::array<uint32_t, 4>, kWarpSize> aRegs{};
    loadMatrices(4, rows, aRegs);
    EXPECT_EQ(aRegs, isa.a);

    // B transposed: column n's K contiguous.
    std::vector<uint8_t> bT(size_t(kN) * bRowBytes);
    for (unsigned k = 0; k < info.k; ++k)
      for (unsigned n = 0; n < kN; ++n)
        std::memcpy(&bT[n * bRowBytes + k * bytes],
                    &t.b.bytes[(k * kN + n) * bytes], bytes);
    const unsigned bMatrices = bRowBytes / 16;
    ASSERT_EQ(bMatrices, info.bRegisters);
    for (unsigned lane = 0; lane < 8 * bMatrices; ++lane)
      std::memcpy(rows[lane].data(),
                  &bT[(lane % 8) * bRowBytes + 16 * (lane / 8)], 16);
    std::array<std::array<uint32_t, 4>, kWarpSize> bRegs{};
    loadMatrices(bMatrices, rows, bRegs);
    EXPECT_EQ(bRegs, isa.b);
  }
}

TEST(MMA, AccumulatorRoundTrip) {
  std::vector<float> c(kM * kN);
  for (unsigned i = 0; i < c.size(); ++i)
    c[i] = float(i) + 0.25f;
  const Instruction instr = kAllInstructions[0];
  RawMatrix zeroA(instr.a, kM, 32), zeroB(instr.b, 32, kN);
  WarpState s;
  ASSERT_EQ(makeWarpStateFromDenseA(instr, zeroA.data(), zeroB.data(), c.data(),
                                    0, s),
            Status::Ok);
  const DMatrix d = readD(s.c);
  EXPECT_TRUE(std::equal(d.begin(), d.end(), c.begin()));
  EXPECT_EQ(s.c[13][2], c[11 * kN + 2]); // lane 13's c2 is (11, 2)
  EXPECT_TRUE(sameBits(run(instr, s), d));
}

//===----------------------------------------------------------------------===//
// Wrong lane assignments are detected
//===----------------------------------------------------------------------===//

/// D differs from the reference somewhere (or the status is not Ok).
::testing::AssertionResult detected(const Instruction &instr,
                                    const WarpState &s, const Tile &t) {
  Fragment d;
  if (execute(instr, s, d) != Status::Ok)
    return ::testing::AssertionSuccess();
  if (sameBits(readD(d), reference(t)))
    return ::testing::AssertionFailure() << "went unnoticed";
  return ::testing::AssertionSuccess();
}

TEST(MMA, SwappedLanesAreDetected) {
  std::mt19937 rng(99);
  for (const Instruction &instr : kAllInstructions) {
    const Tile t = randomTile(instr, rng);
    const WarpState good = build(instr, t);
    ASSERT_TRUE(sameBits(run(instr, good), reference(t)));
    // Neighbouring lanes (same group, next thread) and lanes 8 rows apart.
    for (auto [x, y] : {std::pair{0u, 1u}, std::pair{5u, 21u}}) {
      WarpState s = good;
      std::swap(s.a[x], s.a[y]);
      EXPECT_TRUE(detected(instr, s, t)) << describe(instr) << " A";
      s = good;
      std::swap(s.b[x], s.b[y]);
      EXPECT_TRUE(detected(instr, s, t)) << describe(instr) << " B";
      s = good;
      std::swap(s.c[x], s.c[y]);
      EXPECT_TRUE(detected(instr, s, t)) << describe(instr) << " C";
      if (shapeInfo(instr.shape).sparse) {
        s = good;
        std::swap(s.metadata[x], s.metadata[y]);
        EXPECT_TRUE(detected(instr, s, t)) << describe(instr) << " metadata";
      }
    }
    // Two registers of one lane exchanged.
    WarpState s = good;
    std::swap(s.a[9][0], s.a[9][1]);
    EXPECT_TRUE(detected(instr, s, t)) << describe(instr) << " A regs";
  }
}

TEST(MMA, WrongSelectorIsDetected) {
  std::mt19937 rng(5);
  for (const Instruction &instr : kAllInstructions) {
    const Tile t = randomTile(instr, rng);
    WarpState s = build(instr, t);
    if (instr.shape == Shape::SpM16N8K64) {
      // 8-bit mma.sp takes selector 0 only.
      s.selector = 1;
      run(instr, s, Status::InvalidSelector);
    } else if (instr.shape == Shape::SpM16N8K32) {
      // Metadata loaded into threads 0, 1 but issued with selector 1: the
      // instruction reads threads 2, 3, which hold 0 (an invalid nibble).
      s.selector = 1;
      Fragment d;
      MetadataError error;
      EXPECT_EQ(execute(instr, s, d, &error), Status::InvalidMetadata);
      EXPECT_EQ(error.lane, 2u);
      // And the converse.
      s = build(instr, t, 1);
      s.selector = 0;
      run(instr, s, Status::InvalidMetadata);
      s.selector = 2;
      run(instr, s, Status::InvalidSelector);
    } else {
      // Dense: no metadata, the selector is not an operand.
      s.selector = 3;
      EXPECT_TRUE(sameBits(run(instr, s), reference(t)));
    }
  }
}

// The two arrangements the metadata figures could be misread as are really
// different: packing FP8 metadata as the f16 instruction lays it out (thread
// t of a group holding one 16-column word of both row g and row g + 8) is
// caught, as is the converse.
TEST(MMA, OtherMetadataArrangementIsDetected) {
  std::mt19937 rng(11);
  for (const Instruction &instr : {kAllInstructions[4], kAllInstructions[8]}) {
    const Tile t = randomTile(instr, rng);
    WarpState s = build(instr, t);
    std::vector<uint16_t> words(kM *
                                shapeInfo(instr.shape).metadataWordsPerRow);
    ASSERT_EQ(unpackMetadata(instr.shape, 0, s.metadata, words.data(),
                             shapeInfo(instr.shape).metadataWordsPerRow),
              Status::Ok);
    const unsigned perRow = shapeInfo(instr.shape).metadataWordsPerRow;
    for (unsigned lane = 0; lane < kWarpSize; ++lane) {
      const unsigned g = lane / 4, t4 = lane % 4;
      if (instr.shape == Shape::SpM16N8K64) // f16-style: rows g and g + 8
        s.metadata[lane] = uint32_t(words[g * perRow + t4]) |
                           uint32_t(words[(g + 8) * perRow + t4]) << 16;
      else if (t4 < 2) // FP8-style: one row, two adjacent words
        s.metadata[lane] = uint32_t(words[(g + 8 * t4) * perRow]) |
                           uint32_t(words[(g + 8 * t4) * perRow + 1]) << 16;
    }
    EXPECT_TRUE(detected(instr, s, t)) << describe(instr);
  }
}

//===----------------------------------------------------------------------===//
// Metadata validity
//===----------------------------------------------------------------------===//

TEST(MMA, InvalidMetadataIsReported) {
  std::mt19937 rng(3);
  for (Shape shape : sparseShapes()) {
    const Instruction instr =
        shape == Shape::SpM16N8K64 ? kAllInstructions[5] : kAllInstructions[9];
    for (unsigned selector : selectorsOf(shape)) {
      const Tile t = randomTile(instr, rng);
      const WarpState good = build(instr, t, selector);
      // Row 9, chunk 6: replace its nibble by each of the 16 values.
      const unsigned row = 9, chunk = 6;
      const MetadataBits at = metadataSource(shape, selector, row, chunk);
      unsigned accepted = 0;
      for (uint32_t nibble = 0; nibble < 16; ++nibble) {
        WarpState s = good;
        s.metadata[at.lane] =
            (s.metadata[at.lane] & ~(0xFu << at.bit)) | nibble << at.bit;
        Fragment d;
        MetadataError error;
        const Status status = execute(instr, s, d, &error);
        // Only two strictly increasing indices: 0b0100, 0b1000, 0b1001,
        // 0b1100, 0b1101, 0b1110. In particular the ISA's 0b0000, 0b0101,
        // 0b1010, 0b1111 and reversed pairs such as 0b0001 are rejected.
        const bool valid = (nibble & 3) < (nibble >> 2);
        accepted += valid;
        if (valid) {
          EXPECT_EQ(status, Status::Ok) << nibble;
          continue;
        }
        ASSERT_EQ(status, Status::InvalidMetadata) << nibble;
        EXPECT_EQ(error.row, row);
        EXPECT_EQ(error.chunk, chunk);
        EXPECT_EQ(error.lane, at.lane);
        EXPECT_EQ(error.bit, at.bit);
        EXPECT_EQ(error.nibble, nibble);
        for (const auto &lane : d)
          for (float v : lane)
            EXPECT_TRUE(std::isnan(v)); // never a plausible D
      }
      EXPECT_EQ(accepted, 6u);
    }
  }
}

TEST(MMA, IgnoredLanesMetadataIsIgnored) {
  std::mt19937 rng(4);
  const Instruction instr = kAllInstructions[8];
  const Tile t = randomTile(instr, rng);
  WarpState s = build(instr, t, 0);
  for (unsigned lane = 0; lane < kWarpSize; ++lane)
    if (lane % 4 >= 2)
      s.metadata[lane] = 0; // invalid nibbles, but not read under selector 0
  EXPECT_TRUE(sameBits(run(instr, s), reference(t)));
}

//===----------------------------------------------------------------------===//
// Semantics beyond exact sums
//===----------------------------------------------------------------------===//

// A pruned position is absent, not a zero: an infinity in a B row no kept
// index names leaves D finite, whereas the dense instruction multiplies the
// zero by it.
TEST(MMA, PrunedPositionsAreAbsent) {
  // E5M2 B, which has an infinity (E4M3 has none).
  for (const Instruction &instr : {kAllInstructions[5], kAllInstructions[1]}) {
    ASSERT_EQ(instr.b, ElementKind::E5M2);
    const ShapeInfo info = shapeInfo(instr.shape);
    RawMatrix a(instr.a, kM, info.k), b(instr.b, info.k, kN);
    for (unsigned r = 0; r < kM; ++r)
      for (unsigned k = 0; k < info.k; ++k)
        a.set(r, k, k % 4 < 2 ? 1.0f : 0.0f); // every row keeps indices 0, 1
    for (unsigned k = 0; k < info.k; ++k)
      for (unsigned n = 0; n < kN; ++n)
        b.set(k, n, 1.0f);
    b.bytes[2 * kN + 0] = 0x7C; // B[2][0] = +inf: index 2 of chunk 0
    WarpState s;
    ASSERT_EQ(makeWarpStateFromDenseA(instr, a.data(), b.data(), nullptr, 0, s),
              Status::Ok);
    const DMatrix d = run(instr, s);
    if (info.sparse)
      EXPECT_EQ(d[0], float(info.k / 2)); // k / 2 products of 1
    else
      EXPECT_TRUE(std::isnan(d[0])); // 0 * inf
    EXPECT_EQ(d[1], float(info.k / 2));
  }
}

// Products and C are summed exactly and rounded once: 2^24 + 1 + 1 gives
// 2^24 + 2, where f32 steps would stay at 2^24. The GPU may give either;
// tests must use data whose partial sums are exact.
TEST(MMA, SumIsRoundedOnce) {
  const Instruction instr = kAllInstructions[0];
  RawMatrix a(instr.a, kM, 32), b(instr.b, 32, kN);
  a.set(0, 0, 1.0f);
  a.set(0, 1, 1.0f);
  b.set(0, 0, 1.0f);
  b.set(1, 0, 1.0f);
  std::vector<float> c(kM * kN, 0.0f);
  c[0] = 16777216.0f;
  WarpState s;
  ASSERT_EQ(makeWarpStateFromDenseA(instr, a.data(), b.data(), c.data(), 0, s),
            Status::Ok);
  EXPECT_EQ(run(instr, s)[0], 16777218.0f);
}

} // namespace
