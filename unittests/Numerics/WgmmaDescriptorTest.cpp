//===- WgmmaDescriptorTest.cpp - wgmma shared-memory matrix descriptors --===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The descriptor's bit fields against hand-computed values, and the address
// of every operand byte against the ISA's layout tables written out in
// (row, 16-byte chunk) terms -- independent of the address-bit XOR the
// library uses.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/WgmmaDescriptor.h"

#include "gtest/gtest.h"

#include <random>
#include <set>
#include <vector>

using namespace sparq::numerics::wgmma;

namespace {

constexpr Swizzle kSwizzled[] = {Swizzle::B128, Swizzle::B64, Swizzle::B32};

uint64_t encode(const Descriptor &d) {
  uint64_t bits = 0;
  EXPECT_EQ(encodeDescriptor(d, bits), Status::Ok);
  return bits;
}

Descriptor kMajor(Swizzle swizzle, uint32_t start, uint32_t sbo,
                  uint32_t lbo = 16) {
  Descriptor d;
  d.startAddress = start;
  d.leadingByteOffset = lbo;
  d.strideByteOffset = sbo;
  d.swizzle = swizzle;
  return d;
}

/// The ISA's K-major swizzle atoms ("Shared Memory Matrix Layout", Table
/// "swizzle-atom layout", and its figures): 8 rows of `span` bytes; the
/// 16-byte chunk c of row r sits at chunk c ^ f(r), where the pattern
/// repeats every 128 bytes of address: f(r) = r for 128B, (r / 2) % 4 for
/// 64B (two 64-byte rows per 128-byte line), r / 4 for 32B.
unsigned atomChunk(Swizzle swizzle, unsigned r, unsigned c) {
  switch (swizzle) {
  case Swizzle::B128:
    return c ^ r;
  case Swizzle::B64:
    return c ^ ((r / 2) % 4);
  case Swizzle::B32:
    return c ^ (r / 4);
  case Swizzle::None:
    break;
  }
  return c;
}

TEST(WgmmaDescriptor, BitFields) {
  // 128B swizzle at 0x1000, LBO 16 (encoded 1, "assumed 1"), SBO 1024
  // (encoded 64): start 0x100 in bits 0-13, 1 in bits 16-29, 64 in bits
  // 32-45, layout type 1 in bits 62-63.
  EXPECT_EQ(encode(kMajor(Swizzle::B128, 0x1000, 1024)), 0x4000004000010100ull);
  // No swizzle, LBO 128, SBO 256, base offset 5: layout type 0.
  Descriptor d = kMajor(Swizzle::None, 0x3FFF0, 256, 128);
  d.baseOffset = 5;
  EXPECT_EQ(encode(d), 0x000A001000083FFFull);
  EXPECT_EQ(encode(kMajor(Swizzle::B64, 0, 512)) >> 62, 2u);
  EXPECT_EQ(encode(kMajor(Swizzle::B32, 0, 256)) >> 62, 3u);
}

TEST(WgmmaDescriptor, RoundTrip) {
  std::mt19937 rng(1);
  for (int trial = 0; trial < 1000; ++trial) {
    Descriptor d;
    d.startAddress = (rng() & 0x3FFF) << 4;
    d.leadingByteOffset = (rng() & 0x3FFF) << 4;
    d.strideByteOffset = (rng() & 0x3FFF) << 4;
    d.baseOffset = rng() % 8;
    d.swizzle = Swizzle(rng() % 4);
    const uint64_t bits = encode(d);
    const Descriptor back = decodeDescriptor(bits);
    EXPECT_EQ(back.startAddress, d.startAddress);
    EXPECT_EQ(back.leadingByteOffset, d.leadingByteOffset);
    EXPECT_EQ(back.strideByteOffset, d.strideByteOffset);
    EXPECT_EQ(back.baseOffset, d.baseOffset);
    EXPECT_EQ(back.swizzle, d.swizzle);
    // Reserved bits stay clear.
    EXPECT_EQ(bits & 0x3FF1'C000'C000'C000ull, 0u);
  }
}

TEST(WgmmaDescriptor, InvalidFields) {
  uint64_t bits = 0;
  EXPECT_EQ(encodeDescriptor(kMajor(Swizzle::B128, 0x1008, 1024), bits),
            Status::InvalidField); // not 16-byte aligned
  EXPECT_EQ(encodeDescriptor(kMajor(Swizzle::B128, 0x40000, 1024), bits),
            Status::InvalidField); // beyond 18 bits
  EXPECT_EQ(encodeDescriptor(kMajor(Swizzle::B128, 0, 1032), bits),
            Status::InvalidField);
  Descriptor d = kMajor(Swizzle::None, 0, 0);
  d.baseOffset = 8;
  EXPECT_EQ(encodeDescriptor(d, bits), Status::InvalidField);
}

TEST(WgmmaDescriptor, AdvanceStartAddress) {
  uint64_t bits = encode(kMajor(Swizzle::B128, 0x2000, 1024));
  const uint64_t before = bits;
  ASSERT_EQ(advanceStartAddress(bits, 32), Status::Ok);
  EXPECT_EQ(bits - before, 2u); // 32 >> 4, in the start field only
  EXPECT_EQ(decodeDescriptor(bits).startAddress, 0x2020u);
  EXPECT_EQ(decodeDescriptor(bits).strideByteOffset, 1024u);
  EXPECT_EQ(advanceStartAddress(bits, 8), Status::InvalidField);
  uint64_t top = encode(kMajor(Swizzle::B128, 0x3FFF0, 1024));
  EXPECT_EQ(advanceStartAddress(top, 16), Status::InvalidField); // would carry
}

TEST(WgmmaDescriptor, SwizzleIsAnInvolutionWithinEachAtom) {
  for (Swizzle s : kSwizzled)
    for (uint32_t a = 0; a < 4096; ++a) {
      const uint32_t b = swizzleAddress(s, a);
      EXPECT_EQ(swizzleAddress(s, b), a);
      EXPECT_EQ(b / (8 * swizzleRowBytes(s)), a / (8 * swizzleRowBytes(s)));
      EXPECT_EQ(b % 16, a % 16);
    }
  EXPECT_EQ(swizzleAddress(Swizzle::None, 1234), 1234u);
}

// Every byte of 64 rows x a full swizzle row, K-major, atoms of 8 rows at
// SBO = 8 * span (tight), start on the pattern boundary.
TEST(WgmmaDescriptor, SwizzledKMajorMatchesTheIsaAtoms) {
  for (Swizzle s : kSwizzled) {
    const unsigned span = swizzleRowBytes(s);
    for (uint32_t sbo : {8 * span, 8 * span + 1024}) {
      const uint32_t start = 0x4000;
      const uint64_t desc = encode(kMajor(s, start, sbo));
      const OperandShape shape{64, span};
      std::set<uint32_t> seen;
      for (unsigned row = 0; row < 64; ++row)
        for (unsigned k = 0; k < span; ++k) {
          uint32_t address = 0;
          ASSERT_EQ(operandAddress(desc, Major::K, shape, row, k, address),
                    Status::Ok);
          const uint32_t want = start + (row / 8) * sbo + (row % 8) * span +
                                16 * atomChunk(s, row % 8, k / 16) + k % 16;
          EXPECT_EQ(address, want) << int(s) << " row " << row << " k " << k;
          seen.insert(address);
        }
      EXPECT_EQ(seen.size(), 64u * span);
    }
  }
}

// Without swizzling: core matrices of 8 rows x 16 bytes (128 contiguous
// bytes), the next 16 bytes of K at LBO, the next 8 rows at SBO. Both the
// "K columns adjacent" (LBO 128) and "row groups adjacent" (SBO 128)
// arrangements.
TEST(WgmmaDescriptor, InterleavedKMajorMatchesCoreMatrices) {
  struct Case {
    uint32_t lbo, sbo;
    unsigned rows, kBytes;
  };
  for (Case c : {Case{128, 512, 64, 64}, Case{1024, 128, 64, 32},
                 Case{256, 2048, 256, 32}}) {
    const uint64_t desc = encode(kMajor(Swizzle::None, 0x800, c.sbo, c.lbo));
    const OperandShape shape{c.rows, c.kBytes};
    for (unsigned row = 0; row < c.rows; ++row)
      for (unsigned k = 0; k < c.kBytes; ++k) {
        uint32_t address = 0;
        ASSERT_EQ(operandAddress(desc, Major::K, shape, row, k, address),
                  Status::Ok);
        const uint32_t core = 0x800 + (row / 8) * c.sbo + (k / 16) * c.lbo;
        EXPECT_EQ(address, core + 16 * (row % 8) + k % 16);
      }
  }
}

// Stepping K inside a swizzle atom by adding bytes to the start address
// reads exactly the bytes [step, step + 32) of each logical row of the
// atom: the XOR is a function of the final address, so the row bits keep
// selecting the pattern. Re-deriving the pattern from the sub-tile's own
// chunk index (as if the advanced start began a new atom) would read other
// bytes; the test shows the two differ, so the distinction is checked.
TEST(WgmmaDescriptor, KStepInsideTheAtom) {
  for (Swizzle s : {Swizzle::B128, Swizzle::B64}) {
    const unsigned span = swizzleRowBytes(s);
    const uint64_t whole = encode(kMajor(s, 0x8000, 8 * span));
    for (unsigned step = 32; step < span; step += 32) {
      uint64_t desc = whole;
      ASSERT_EQ(advanceStartAddress(desc, step), Status::Ok);
      unsigned differsFromNaive = 0;
      for (unsigned row = 0; row < 64; ++row)
        for (unsigned k = 0; k < 32; ++k) {
          uint32_t stepped = 0, full = 0;
          ASSERT_EQ(operandAddress(desc, Major::K, {64, 32}, row, k, stepped),
                    Status::Ok);
          ASSERT_EQ(
              operandAddress(whole, Major::K, {64, span}, row, step + k, full),
              Status::Ok);
          EXPECT_EQ(stepped, full);
          const uint32_t naive = 0x8000 + step + (row / 8) * 8 * span +
                                 (row % 8) * span +
                                 16 * atomChunk(s, row % 8, k / 16) + k % 16;
          differsFromNaive += naive != stepped;
        }
      EXPECT_GT(differsFromNaive, 0u);
    }
  }
}

TEST(WgmmaDescriptor, UnsupportedLayouts) {
  const OperandShape shape{64, 32};
  uint32_t address = 0;
  const uint64_t ok = encode(kMajor(Swizzle::B128, 0x1000, 1024));
  EXPECT_EQ(checkOperand(ok, Major::K, shape), Status::Ok);
  EXPECT_EQ(checkOperand(ok, Major::MN, shape), Status::UnsupportedLayout);
  Descriptor based = kMajor(Swizzle::B128, 0x1000, 1024);
  based.baseOffset = 1;
  EXPECT_EQ(checkOperand(encode(based), Major::K, shape),
            Status::UnsupportedLayout);
  // 64 bytes of K in a 32-byte swizzle row; 32 bytes from byte 112 of a
  // 128-byte row.
  EXPECT_EQ(
      checkOperand(encode(kMajor(Swizzle::B32, 0, 256)), Major::K, {64, 64}),
      Status::UnsupportedLayout);
  EXPECT_EQ(checkOperand(encode(kMajor(Swizzle::B128, 0x1070, 1024)), Major::K,
                         shape),
            Status::UnsupportedLayout);
  EXPECT_EQ(checkOperand(ok, Major::K, {60, 32}), Status::UnsupportedLayout);
  EXPECT_EQ(operandAddress(ok, Major::K, shape, 64, 0, address),
            Status::OutOfBounds);
}

TEST(WgmmaDescriptor, ElementsAndCanonicalTiles) {
  // f16 element (9, 5) of a 128B-swizzled tile: byte 10 of row 9, i.e. row
  // 1 of the second atom, chunk 0 -> chunk 0 ^ 1.
  const uint64_t desc = encode(canonicalKMajor(Swizzle::B128, 0x2000, 32));
  uint32_t address = 0;
  ASSERT_EQ(elementAddress(desc, Major::K, {64, 32}, 2, 9, 5, address),
            Status::Ok);
  EXPECT_EQ(address, 0x2000u + 1024 + 128 + 16 + 10);
  EXPECT_EQ(elementAddress(desc, Major::K, {64, 32}, 3, 9, 5, address),
            Status::UnsupportedLayout);
  const Descriptor none = canonicalKMajor(Swizzle::None, 0, 64);
  EXPECT_EQ(none.leadingByteOffset, 128u);
  EXPECT_EQ(none.strideByteOffset, 512u);
  EXPECT_EQ(canonicalKMajor(Swizzle::B32, 0, 32).strideByteOffset, 256u);
}

TEST(WgmmaDescriptor, LoadStoreRoundTrip) {
  std::mt19937 rng(2);
  for (Swizzle s : {Swizzle::None, Swizzle::B128, Swizzle::B64, Swizzle::B32}) {
    const unsigned kBytes = 32;
    const uint64_t desc = s == Swizzle::None
                              ? encode(kMajor(s, 1024, 256, 128))
                              : encode(kMajor(s, 1024, 8 * swizzleRowBytes(s)));
    const OperandShape shape{128, kBytes};
    std::vector<uint8_t> matrix(128 * kBytes), back(matrix.size());
    for (auto &b : matrix)
      b = uint8_t(rng());
    std::vector<uint8_t> smem(64 * 1024, 0xEE);
    ASSERT_EQ(storeOperand(desc, Major::K, shape, matrix.data(), smem.data(),
                           smem.size()),
              Status::Ok);
    ASSERT_EQ(loadOperand(desc, Major::K, shape, smem.data(), smem.size(),
                          back.data()),
              Status::Ok);
    EXPECT_EQ(back, matrix);
    // A buffer too small: nothing written.
    std::vector<uint8_t> small(2048, 0xEE);
    EXPECT_EQ(storeOperand(desc, Major::K, shape, matrix.data(), small.data(),
                           small.size()),
              Status::OutOfBounds);
    EXPECT_EQ(small, std::vector<uint8_t>(2048, 0xEE));
  }
}

} // namespace
