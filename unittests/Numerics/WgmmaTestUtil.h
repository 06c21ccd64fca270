//===- WgmmaTestUtil.h - Helpers of the wgmma model tests ---------*- C++
//-*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_UNITTESTS_NUMERICS_WGMMATESTUTIL_H
#define SPARQ_UNITTESTS_NUMERICS_WGMMATESTUTIL_H

#include "HopperTestUtil.h"

#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Wgmma.h"

#include "gtest/gtest.h"

#include <cstring>
#include <random>
#include <vector>

namespace sparq::hoppertest {

using namespace sparq::numerics::wgmma;

/// A logical 64 x K A (2:4 along rows when sparse, two non-zeros per chunk
/// at random positions) and a K x N B.
struct Problem {
  RawMatrix a, b;
  std::vector<float> c;
};

inline Problem randomProblem(const Instruction &instr, unsigned k,
                             std::mt19937 &rng) {
  const bool sparse = shapeInfo(instr.shape).sparse;
  Problem p{RawMatrix(instr.a, kM, k), RawMatrix(instr.b, k, instr.n),
            std::vector<float>(size_t(kM) * instr.n)};
  for (unsigned r = 0; r < kM; ++r)
    for (unsigned chunk = 0; chunk < k / 4; ++chunk) {
      const unsigned keep0 = rng() % 4, keep1 = (keep0 + 1 + rng() % 3) % 4;
      for (unsigned j = 0; j < 4; ++j)
        p.a.set(r, 4 * chunk + j,
                !sparse || j == keep0 || j == keep1 ? smallValue(rng) : 0.0f);
    }
  for (unsigned kk = 0; kk < k; ++kk)
    for (unsigned n = 0; n < instr.n; ++n)
      p.b.set(kk, n, smallValue(rng));
  for (float &v : p.c)
    v = float(int(rng() % 64) - 32);
  return p;
}

/// sA A sB B + (scaleD ? C : 0) in double, over the logical A.
inline std::vector<float> reference(const Problem &p, bool scaleD = true,
                                    int scaleA = 1, int scaleB = 1) {
  const unsigned m = p.a.rows, k = p.a.cols, n = p.b.cols;
  std::vector<double> a(size_t(m) * k), b(size_t(k) * n);
  for (unsigned r = 0; r < m; ++r)
    for (unsigned kk = 0; kk < k; ++kk)
      a[r * k + kk] = double(scaleA) * p.a.get(r, kk);
  for (unsigned kk = 0; kk < k; ++kk)
    for (unsigned c = 0; c < n; ++c)
      b[kk * n + c] = double(scaleB) * p.b.get(kk, c);
  std::vector<float> d(p.c.size());
  for (unsigned r = 0; r < m; ++r)
    for (unsigned c = 0; c < n; ++c) {
      double sum = scaleD ? p.c[r * n + c] : 0.0;
      for (unsigned kk = 0; kk < k; ++kk)
        sum += a[r * k + kk] * b[kk * n + c];
      d[r * n + c] = float(sum);
    }
  return d;
}

inline uint64_t descriptorFor(Swizzle swizzle, uint32_t start,
                              OperandShape shape) {
  Descriptor d;
  d.swizzle = swizzle;
  d.startAddress = start;
  if (swizzle == Swizzle::None) {
    d.leadingByteOffset = 128;                      // K columns adjacent
    d.strideByteOffset = 128 * (shape.kBytes / 16); // then 8-row groups
  } else {
    d.leadingByteOffset = 16; // unused, "assumed 1"
    d.strideByteOffset = 8 * swizzleRowBytes(swizzle);
  }
  uint64_t bits = 0;
  EXPECT_EQ(encodeDescriptor(d, bits), Status::Ok);
  return bits;
}

/// Shared memory holding one instruction's operands, and its Operands.
struct Staged {
  std::vector<uint8_t> smem = std::vector<uint8_t>(96 * 1024, 0xA5);
  MetadataRegisters metadata{};
  Operands ops;
};

inline constexpr uint32_t kAStart = 0x0000, kBStart = 0x8000;

/// Lays out `p` for one instruction (its K equals the instruction's).
inline void build(const Instruction &instr, const Problem &p, Swizzle aSwizzle,
                  Swizzle bSwizzle, unsigned selector, Staged &s) {
  const ShapeInfo info = shapeInfo(instr.shape);
  const OperandShape aShape = aOperandShape(instr.shape),
                     bShape = bOperandShape(instr.shape, instr.n);
  std::vector<uint8_t> aStored = p.a.bytes;
  std::vector<uint16_t> words(kM * info.metadataWordsPerRow);
  if (info.sparse) {
    aStored.assign(size_t(kM) * aShape.kBytes, 0);
    ASSERT_EQ(compressNM(p.a.bytes.data(), instr.a, AxisView{kM, info.k, 1},
                         NMPattern{2, 4}, aStored.data(), words.data()),
              NMStatus::Ok);
    ASSERT_EQ(packMetadata(instr.shape, selector, words.data(),
                           info.metadataWordsPerRow, s.metadata),
              Status::Ok);
  }
  // B K-major: row n of the operand is column n of B.
  const unsigned e = info.elementBytes;
  std::vector<uint8_t> bT(size_t(bShape.rows) * bShape.kBytes);
  for (unsigned k = 0; k < info.k; ++k)
    for (unsigned n = 0; n < instr.n; ++n)
      std::memcpy(&bT[(size_t(n) * info.k + k) * e],
                  &p.b.bytes[(size_t(k) * instr.n + n) * e], e);
  s.ops.aDesc = descriptorFor(aSwizzle, kAStart, aShape);
  s.ops.bDesc = descriptorFor(bSwizzle, kBStart, bShape);
  ASSERT_EQ(storeOperand(s.ops.aDesc, Major::K, aShape, aStored.data(),
                         s.smem.data(), s.smem.size()),
            Status::Ok);
  ASSERT_EQ(storeOperand(s.ops.bDesc, Major::K, bShape, bT.data(),
                         s.smem.data(), s.smem.size()),
            Status::Ok);
  s.ops.smem = s.smem.data();
  s.ops.smemBytes = s.smem.size();
  s.ops.metadata = &s.metadata;
  s.ops.selector = selector;
}

inline ::testing::AssertionResult sameBits(const std::vector<float> &got,
                                           const std::vector<float> &want,
                                           unsigned n) {
  for (size_t i = 0; i < want.size(); ++i)
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0)
      return ::testing::AssertionFailure()
             << "D[" << i / n << "][" << i % n << "] = " << got[i] << ", want "
             << want[i];
  return ::testing::AssertionSuccess();
}

inline std::vector<float> run(const Instruction &instr, const Staged &s,
                              const std::vector<float> &c,
                              Status expected = Status::Ok) {
  Accumulators d = accumulatorsFromMatrix(instr.n, c.data());
  EXPECT_EQ(execute(instr, s.ops, d), expected) << ptxName(instr);
  return accumulatorsToMatrix(d);
}

inline std::vector<unsigned> selectorsOf(Shape shape) {
  return shape == Shape::SpK32 ? std::vector<unsigned>{0, 1}
                               : std::vector<unsigned>{0};
}

inline Instruction withN(Instruction instr, unsigned n) {
  instr.n = n;
  return instr;
}

} // namespace sparq::hoppertest

#endif // SPARQ_UNITTESTS_NUMERICS_WGMMATESTUTIL_H
