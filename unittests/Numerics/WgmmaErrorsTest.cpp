//===- WgmmaErrorsTest.cpp - wgmma model: statuses and seeded mistakes ---===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// What the model rejects (statuses, never aborts), what it must notice
// (wrong threads, metadata, descriptors: a different D), and semantics
// beyond exact sums (scale-d, imm-scale, absent pruned positions).
//
//===----------------------------------------------------------------------===//

#include "WgmmaTestUtil.h"

#include "gtest/gtest.h"

#include <cmath>
#include <utility>

using namespace sparq::numerics;
using namespace sparq::numerics::wgmma;

namespace {

using namespace sparq::hoppertest;

/// Builds `instr`'s operands from a random problem with 128B-swizzled A
/// and B; the reference result must hold before a mistake is seeded.
struct Fixture {
  Instruction instr;
  Problem p;
  Staged s;
  Fixture(const Instruction &instr, std::mt19937 &rng, unsigned selector = 0)
      : instr(instr), p(randomProblem(instr, shapeInfo(instr.shape).k, rng)) {
    build(instr, p, Swizzle::B128, Swizzle::B128, selector, s);
    EXPECT_TRUE(sameBits(run(instr, s, p.c), reference(p), instr.n));
  }
  /// D differs from the reference, or the status is not Ok.
  ::testing::AssertionResult detected(const Staged &mutated) const {
    Accumulators d = accumulatorsFromMatrix(instr.n, p.c.data());
    if (execute(instr, mutated.ops, d) != Status::Ok)
      return ::testing::AssertionSuccess();
    if (sameBits(accumulatorsToMatrix(d), reference(p), instr.n))
      return ::testing::AssertionFailure() << "went unnoticed";
    return ::testing::AssertionSuccess();
  }
};

std::vector<Instruction> sparseInstructions() {
  return {withN(kAllInstructions[7], 64), withN(kAllInstructions[10], 64)};
}

TEST(WgmmaErrors, SwappedMetadataRegistersAreDetected) {
  std::mt19937 rng(1);
  for (const Instruction &instr : sparseInstructions()) {
    Fixture f(instr, rng);
    // Neighbouring threads, threads 8 rows apart, and the same lane of two
    // warps.
    for (auto [x, y] : {std::pair{0u, 1u}, std::pair{5u, 21u},
                        std::pair{9u, 41u}, std::pair{64u, 96u}}) {
      Staged s = f.s;
      std::swap(s.metadata[x], s.metadata[y]);
      s.ops.metadata = &s.metadata;
      if (s.metadata[x] != s.metadata[y]) {
        EXPECT_TRUE(f.detected(s)) << ptxName(instr) << " " << x << "/" << y;
      }
    }
  }
}

// The FP8 and f16 arrangements, each mistaken for the other, are caught.
TEST(WgmmaErrors, OtherMetadataArrangementIsDetected) {
  std::mt19937 rng(2);
  for (const Instruction &instr : sparseInstructions()) {
    Fixture f(instr, rng);
    const Shape other =
        instr.shape == Shape::SpK64 ? Shape::SpK32 : Shape::SpK64;
    const unsigned perRow = shapeInfo(instr.shape).metadataWordsPerRow;
    std::vector<uint16_t> words(kM * 4, 0);
    ASSERT_EQ(unpackMetadata(instr.shape, 0, f.s.metadata, words.data(), 4),
              Status::Ok);
    // Pack the same words the other way; the FP8 layout reads 4 words per
    // row, so give the f16 ones a copy in words 2 and 3.
    for (unsigned r = 0; r < kM && perRow == 2; ++r) {
      words[r * 4 + 2] = words[r * 4];
      words[r * 4 + 3] = words[r * 4 + 1];
    }
    Staged s = f.s;
    ASSERT_EQ(packMetadata(other, 0, words.data(), 4, s.metadata), Status::Ok);
    s.ops.metadata = &s.metadata;
    EXPECT_TRUE(f.detected(s)) << ptxName(instr);
  }
}

TEST(WgmmaErrors, WrongDescriptorsAreDetected) {
  std::mt19937 rng(3);
  for (const Instruction &instr :
       {withN(kAllInstructions[0], 64), withN(kAllInstructions[6], 64)}) {
    Fixture f(instr, rng);
    for (bool onA : {true, false}) {
      const Descriptor right =
          decodeDescriptor(onA ? f.s.ops.aDesc : f.s.ops.bDesc);
      for (int mistake = 0; mistake < 3; ++mistake) {
        Descriptor wrong = right;
        if (mistake == 0)
          wrong.swizzle = Swizzle::B64; // the other swizzle mode
        else if (mistake == 1)
          wrong.strideByteOffset = 2048; // SBO of another tile shape
        else
          wrong.startAddress += 32; // a K step too far
        Staged s = f.s;
        ASSERT_EQ(encodeDescriptor(wrong, onA ? s.ops.aDesc : s.ops.bDesc),
                  Status::Ok);
        EXPECT_TRUE(f.detected(s)) << ptxName(instr) << " mistake " << mistake;
      }
    }
  }
}

TEST(WgmmaErrors, InvalidMetadataIsReported) {
  std::mt19937 rng(4);
  for (const Instruction &instr : sparseInstructions())
    for (unsigned selector : selectorsOf(instr.shape)) {
      Fixture f(instr, rng, selector);
      // Row 37 (warp 2), chunk 5: each of the 16 nibble values.
      const MetadataBits at = metadataSource(instr.shape, selector, 37, 5);
      unsigned accepted = 0;
      for (uint32_t nibble = 0; nibble < 16; ++nibble) {
        Staged s = f.s;
        s.metadata[at.thread] =
            (s.metadata[at.thread] & ~(0xFu << at.bit)) | nibble << at.bit;
        s.ops.metadata = &s.metadata;
        Accumulators d = accumulatorsFromMatrix(instr.n, f.p.c.data());
        MetadataError error;
        const Status status = execute(instr, s.ops, d, &error);
        // Invalid: 0b0000, 0b0101, 0b1010, 0b1111 (the ISA's list).
        const bool valid =
            nibble != 0x0 && nibble != 0x5 && nibble != 0xA && nibble != 0xF;
        accepted += valid;
        if (valid) {
          EXPECT_EQ(status, Status::Ok) << nibble;
          continue;
        }
        ASSERT_EQ(status, Status::InvalidMetadata) << nibble;
        EXPECT_EQ(error.row, 37u);
        EXPECT_EQ(error.chunk, 5u);
        EXPECT_EQ(error.thread, at.thread);
        EXPECT_EQ(error.bit, at.bit);
        EXPECT_EQ(error.nibble, nibble);
        for (float v : d.regs)
          EXPECT_TRUE(std::isnan(v));
      }
      EXPECT_EQ(accepted, 12u);
    }
}

// A reversed pair (0b0001: kept value 0 at index 1, kept value 1 at index
// 0) is not in the ISA's invalid list: each kept value meets the B row its
// own index names.
TEST(WgmmaErrors, ReversedPairFollowsTheIndices) {
  std::mt19937 rng(5);
  const Instruction instr = sparseInstructions()[0];
  Fixture f(instr, rng);
  const MetadataBits at = metadataSource(instr.shape, 0, 0, 0);
  Staged s = f.s;
  s.metadata[at.thread] =
      (s.metadata[at.thread] & ~(0xFu << at.bit)) | 0x1u << at.bit;
  s.ops.metadata = &s.metadata;
  // The logical A that means: row 0, chunk 0 holds kept value 0 at column 1
  // and kept value 1 at column 0.
  Problem q = f.p;
  std::vector<double> kept;
  for (unsigned j = 0; j < 4; ++j)
    if (f.p.a.get(0, j) != 0.0)
      kept.push_back(f.p.a.get(0, j));
  ASSERT_EQ(kept.size(), 2u);
  for (unsigned j = 0; j < 4; ++j)
    q.a.set(0, j, j == 1 ? float(kept[0]) : j == 0 ? float(kept[1]) : 0.0f);
  EXPECT_TRUE(sameBits(run(instr, s, f.p.c), reference(q), instr.n));
}

TEST(WgmmaErrors, SelectorRules) {
  std::mt19937 rng(6);
  {
    Fixture f(sparseInstructions()[0], rng); // FP8: selector 0 only
    f.s.ops.selector = 1;
    run(f.instr, f.s, f.p.c, Status::InvalidSelector);
  }
  Fixture f(sparseInstructions()[1], rng, 0); // f16: pairs T0/T1 hold it
  f.s.ops.selector = 1; // reads T2/T3, which hold 0: invalid nibbles
  Accumulators d = accumulatorsFromMatrix(f.instr.n, f.p.c.data());
  MetadataError error;
  EXPECT_EQ(execute(f.instr, f.s.ops, d, &error), Status::InvalidMetadata);
  EXPECT_EQ(error.thread % 4, 2u);
  f.s.ops.selector = 2;
  run(f.instr, f.s, f.p.c, Status::InvalidSelector);
  // The ignored pair's registers may hold anything.
  f.s.ops.selector = 0;
  for (unsigned t = 0; t < kWarpgroupSize; ++t)
    if (t % 4 >= 2)
      f.s.metadata[t] = 0xFFFFFFFFu;
  EXPECT_TRUE(sameBits(run(f.instr, f.s, f.p.c), reference(f.p), f.instr.n));
}

TEST(WgmmaErrors, OtherStatuses) {
  std::mt19937 rng(7);
  Fixture f(withN(kAllInstructions[0], 256), rng);
  Staged s = f.s;
  s.ops.scaleA = 2;
  run(f.instr, s, f.p.c, Status::InvalidScale);
  s = f.s;
  s.ops.smemBytes = kBStart + 1024; // B's rows run past the buffer
  run(f.instr, s, f.p.c, Status::OutOfBounds);
  s = f.s;
  Descriptor based = decodeDescriptor(s.ops.aDesc);
  based.baseOffset = 3;
  ASSERT_EQ(encodeDescriptor(based, s.ops.aDesc), Status::Ok);
  run(f.instr, s, f.p.c, Status::UnsupportedLayout);
  // Accumulators of another N.
  Accumulators d(128);
  EXPECT_EQ(execute(f.instr, f.s.ops, d), Status::InvalidInstruction);
  Fixture sp(sparseInstructions()[0], rng);
  sp.s.ops.metadata = nullptr;
  run(sp.instr, sp.s, sp.p.c, Status::InvalidMetadata);
}

//===----------------------------------------------------------------------===//
// Semantics
//===----------------------------------------------------------------------===//

TEST(WgmmaErrors, ScaleDZeroIgnoresTheInput) {
  std::mt19937 rng(8);
  Fixture f(withN(kAllInstructions[5], 16), rng);
  f.s.ops.scaleD = false;
  std::vector<float> nan(f.p.c.size(), std::nanf(""));
  EXPECT_TRUE(
      sameBits(run(f.instr, f.s, nan), reference(f.p, false), f.instr.n));
}

TEST(WgmmaErrors, ImmScaleNegates) {
  std::mt19937 rng(9);
  Fixture f(withN(kAllInstructions[9], 32), rng);
  const std::vector<float> plus = run(f.instr, f.s, f.p.c);
  for (auto [sa, sb] :
       {std::pair{-1, 1}, std::pair{1, -1}, std::pair{-1, -1}}) {
    f.s.ops.scaleA = sa;
    f.s.ops.scaleB = sb;
    const std::vector<float> got = run(f.instr, f.s, f.p.c);
    EXPECT_TRUE(sameBits(got, reference(f.p, true, sa, sb), f.instr.n));
    if (sa * sb < 0) {
      EXPECT_FALSE(sameBits(got, plus, f.instr.n));
    }
  }
}

// A pruned position is absent: an infinity in a B row no kept index names
// leaves D finite; the dense instruction multiplies a zero by it (NaN).
TEST(WgmmaErrors, PrunedPositionsAreAbsent) {
  for (const Instruction &instr :
       {withN(kAllInstructions[7], 8), withN(kAllInstructions[1], 8)}) {
    ASSERT_EQ(instr.b, ElementKind::E5M2);
    const ShapeInfo info = shapeInfo(instr.shape);
    Problem p{RawMatrix(instr.a, kM, info.k), RawMatrix(instr.b, info.k, 8),
              std::vector<float>(kM * 8, 0.0f)};
    for (unsigned r = 0; r < kM; ++r)
      for (unsigned k = 0; k < info.k; ++k)
        p.a.set(r, k, k % 4 < 2 ? 1.0f : 0.0f);
    for (unsigned k = 0; k < info.k; ++k)
      for (unsigned n = 0; n < 8; ++n)
        p.b.set(k, n, 1.0f);
    p.b.bytes[2 * 8 + 0] = 0x7C; // B[2][0] = +inf, index 2 of chunk 0
    Staged s;
    build(instr, p, Swizzle::B128, Swizzle::B128, 0, s);
    const std::vector<float> d = run(instr, s, p.c);
    if (info.sparse)
      EXPECT_EQ(d[0], float(info.k / 2));
    else
      EXPECT_TRUE(std::isnan(d[0]));
    EXPECT_EQ(d[1], float(info.k / 2));
  }
}

} // namespace
