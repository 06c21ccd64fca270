//===- Wgmma.cpp - CPU model of the warpgroup Tensor Core MMAs -----------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Sources: see Wgmma.h (PTX ISA chapter 9.7.15, CuTe's CLayout_64xN and
// ELayout_64x64 / ELayout_64x32).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Wgmma.h"

#include <cassert>
#include <cstring>
#include <limits>

using namespace sparq::numerics;
using namespace sparq::numerics::wgmma;

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

bool wgmma::isValid(const Instruction &instr) {
  if (instr.n < 8 || instr.n > 256 || instr.n % 8 != 0)
    return false;
  switch (instr.shape) {
  case Shape::K32:
  case Shape::SpK64:
    return isFp8(instr.a) && isFp8(instr.b);
  case Shape::K16:
  case Shape::SpK32:
    return (instr.a == ElementKind::F16 || instr.a == ElementKind::BF16) &&
           instr.b == instr.a;
  }
  return false;
}

std::string wgmma::ptxName(const Instruction &instr) {
  const ShapeInfo info = shapeInfo(instr.shape);
  return std::string("wgmma.mma_async") + (info.sparse ? ".sp" : "") +
         ".sync.aligned.m64n" + std::to_string(instr.n) + "k" +
         std::to_string(info.k) + ".f32." + ptxTypeName(instr.a) + "." +
         ptxTypeName(instr.b);
}

//===----------------------------------------------------------------------===//
// Ownership, forward: the ISA's formulas
//===----------------------------------------------------------------------===//

Coord wgmma::dElement(unsigned thread, unsigned i) {
  // "WGMMA .m64nNk* register fragment layout for accumulator matrix D":
  // row = 16 * warp + groupID for d_i with i % 4 < 2, + 8 otherwise;
  // col = (i / 4) * 8 + threadID_in_group * 2 + (i & 1).
  const unsigned warp = thread / 32, lane = thread % 32;
  const unsigned groupID = lane >> 2, threadID = lane & 3;
  const unsigned row = 16 * warp + groupID + (i % 4 < 2 ? 0 : 8);
  return {row, (i / 4) * 8 + threadID * 2 + (i & 1)};
}

bool wgmma::isValidSelector(Shape shape, unsigned selector) {
  switch (shape) {
  case Shape::K32:
  case Shape::K16:
    return true;
  case Shape::SpK64:
    // "Sparse matrix storage": for 8-bit types all four threads of a quad
    // hold metadata and the selector must be 0.
    return selector == 0;
  case Shape::SpK32:
    // .f16/.bf16: "either 0 (threads T0, T1) or 1 (threads T2, T3)".
    return selector <= 1;
  }
  return false;
}

MetadataBits wgmma::metadataSource(Shape shape, unsigned selector, unsigned row,
                                   unsigned chunk) {
  assert(shapeInfo(shape).sparse && isValidSelector(shape, selector));
  const unsigned warp = row / 16, group = row % 8, upper = (row % 16) / 8;
  const unsigned base = 32 * warp + 4 * group;
  if (shape == Shape::SpK64) {
    // ELayout_64x64: threads (2,2,8,4):(8,2048,1,16) over (m + 64 k):
    // threadID_in_group bit 0 adds 8 rows, bit 1 adds 32 columns (8
    // chunks); the 32 values of a thread run along K from bit 0.
    return {base + upper + 2 * (chunk / 8), 4 * (chunk % 8)};
  }
  // ELayout_64x32: threads (2,2,8,4):(1024,0,1,16): threadID_in_group bit 0
  // adds 16 columns (4 chunks), bit 1 (the selector's pair) repeats;
  // values (16,2):(64,8): 16 columns from bit 0, then row + 8 from bit 16.
  return {base + 2 * selector + chunk / 4, 16 * upper + 4 * (chunk % 4)};
}

//===----------------------------------------------------------------------===//
// Ownership, inverse: where execute() reads and writes
//===----------------------------------------------------------------------===//

namespace {
/// Accumulator (row, col) lives in thread 32 (row / 16) + 4 (row % 8) +
/// (col % 8) / 2, register 4 (col / 8) + 2 ((row / 8) % 2) + col % 2.
struct Slot {
  unsigned thread, reg;
};
Slot accumulatorSlot(unsigned row, unsigned col) {
  return {32 * (row / 16) + 4 * (row % 8) + (col % 8) / 2,
          4 * (col / 8) + 2 * ((row / 8) % 2) + col % 2};
}

void fillNaN(Accumulators &d) {
  for (float &v : d.regs)
    v = std::numeric_limits<float>::quiet_NaN();
}

/// The ISA's invalid metadata values: both 2-bit indices equal.
bool isValidNibble(uint32_t nibble) { return (nibble & 3) != (nibble >> 2); }

double decodeAt(ElementKind kind, const std::vector<uint8_t> &bytes,
                size_t index) {
  uint32_t bits = 0;
  std::memcpy(&bits, &bytes[index * elementByteSize(kind)],
              elementByteSize(kind));
  return decodeElementBits(kind, bits);
}
} // namespace

bool wgmma::metadataWords(Shape shape, unsigned selector, unsigned thread,
                          std::array<MetadataWord, 2> &halves) {
  if (!shapeInfo(shape).sparse || !isValidSelector(shape, selector) ||
      thread >= kWarpgroupSize)
    return false;
  const unsigned warp = thread / 32, g = (thread % 32) / 4, t = thread % 4;
  const unsigned row = 16 * warp + g;
  if (shape == Shape::SpK64) {
    // One row, two adjacent words: the 32-bit load at word 2 (t >> 1).
    const unsigned r = row + 8 * (t & 1), word = 2 * (t >> 1);
    halves = {{{r, word}, {r, word + 1}}};
    return true;
  }
  if ((t >> 1) != selector)
    return false;
  halves = {{{row, t & 1}, {row + 8, t & 1}}};
  return true;
}

Status wgmma::packMetadata(Shape shape, unsigned selector,
                           const uint16_t *words, size_t rowStride,
                           MetadataRegisters &regs) {
  const ShapeInfo info = shapeInfo(shape);
  if (!info.sparse)
    return Status::InvalidInstruction;
  if (!isValidSelector(shape, selector))
    return Status::InvalidSelector;
  regs.fill(0);
  // Nibble by nibble from metadataSource; unpack and execute use the
  // thread-centric metadataWords, so the two check each other.
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
      const uint32_t nibble =
          (words[row * rowStride + chunk / 4] >> (4 * (chunk % 4))) & 0xFu;
      const MetadataBits at = metadataSource(shape, selector, row, chunk);
      regs[at.thread] |= nibble << at.bit;
    }
  return Status::Ok;
}

Status wgmma::unpackMetadata(Shape shape, unsigned selector,
                             const MetadataRegisters &regs, uint16_t *words,
                             size_t rowStride) {
  if (!shapeInfo(shape).sparse)
    return Status::InvalidInstruction;
  if (!isValidSelector(shape, selector))
    return Status::InvalidSelector;
  for (unsigned thread = 0; thread < kWarpgroupSize; ++thread) {
    std::array<MetadataWord, 2> halves;
    if (!metadataWords(shape, selector, thread, halves))
      continue;
    for (unsigned h = 0; h < 2; ++h)
      words[halves[h].row * rowStride + halves[h].word] =
          uint16_t(regs[thread] >> (16 * h));
  }
  return Status::Ok;
}

Accumulators wgmma::accumulatorsFromMatrix(unsigned n, const float *matrix) {
  Accumulators d(n);
  for (unsigned thread = 0; thread < kWarpgroupSize; ++thread)
    for (unsigned i = 0; i < accumulatorsPerThread(n); ++i) {
      const Coord at = dElement(thread, i);
      d.at(thread, i) = matrix[at.row * n + at.col];
    }
  return d;
}

std::vector<float> wgmma::accumulatorsToMatrix(const Accumulators &d) {
  std::vector<float> out(size_t(kM) * d.n);
  for (unsigned thread = 0; thread < kWarpgroupSize; ++thread)
    for (unsigned i = 0; i < accumulatorsPerThread(d.n); ++i) {
      const Coord at = dElement(thread, i);
      out[at.row * d.n + at.col] = d.at(thread, i);
    }
  return out;
}

//===----------------------------------------------------------------------===//
// execute
//===----------------------------------------------------------------------===//

Status wgmma::execute(const Instruction &instr, const Operands &ops,
                      Accumulators &d, MetadataError *error) {
  // The input D, before any failure path overwrites it with NaN.
  const std::vector<float> input = d.regs;
  fillNaN(d);
  if (!isValid(instr) || d.n != instr.n ||
      d.regs.size() != size_t(kWarpgroupSize) * accumulatorsPerThread(d.n))
    return Status::InvalidInstruction;
  const ShapeInfo info = shapeInfo(instr.shape);
  if ((ops.scaleA != 1 && ops.scaleA != -1) ||
      (ops.scaleB != 1 && ops.scaleB != -1))
    return Status::InvalidScale;
  if (info.sparse && !isValidSelector(instr.shape, ops.selector))
    return Status::InvalidSelector;
  if (info.sparse && !ops.metadata)
    return Status::InvalidMetadata;

  // Operands as the descriptors make the instruction read them.
  const OperandShape aShape = aOperandShape(instr.shape),
                     bShape = bOperandShape(instr.shape, instr.n);
  std::vector<uint8_t> aBytes(size_t(aShape.rows) * aShape.kBytes),
      bBytes(size_t(bShape.rows) * bShape.kBytes);
  if (Status s = loadOperand(ops.aDesc, Major::K, aShape, ops.smem,
                             ops.smemBytes, aBytes.data());
      s != Status::Ok)
    return s;
  if (Status s = loadOperand(ops.bDesc, Major::K, bShape, ops.smem,
                             ops.smemBytes, bBytes.data());
      s != Status::Ok)
    return s;

  // Kept index of slot s of chunk c of each row, from the threads the
  // selector names.
  constexpr unsigned kMaxChunks = 16;
  std::vector<std::array<uint8_t, 2>> index(size_t(kM) * kMaxChunks);
  if (info.sparse) {
    std::vector<uint8_t> nibbles(size_t(kM) * kMaxChunks);
    std::vector<MetadataBits> from(size_t(kM) * kMaxChunks);
    for (unsigned thread = 0; thread < kWarpgroupSize; ++thread) {
      std::array<MetadataWord, 2> halves;
      if (!metadataWords(instr.shape, ops.selector, thread, halves))
        continue;
      for (unsigned h = 0; h < 2; ++h)
        for (unsigned j = 0; j < 4; ++j) {
          const size_t at = halves[h].row * kMaxChunks + 4 * halves[h].word + j;
          nibbles[at] =
              uint8_t(((*ops.metadata)[thread] >> (16 * h + 4 * j)) & 0xFu);
          from[at] = {thread, 16 * h + 4 * j};
        }
    }
    for (unsigned row = 0; row < kM; ++row)
      for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
        const size_t at = row * kMaxChunks + chunk;
        if (!isValidNibble(nibbles[at])) {
          if (error)
            *error = {row, chunk, from[at].thread, from[at].bit, nibbles[at]};
          return Status::InvalidMetadata;
        }
        index[at] = {uint8_t(nibbles[at] & 3), uint8_t(nibbles[at] >> 2)};
      }
  }

  // Decoded once; negation is exact.
  std::vector<double> a(size_t(kM) * info.kStored), b(size_t(instr.n) * info.k);
  for (size_t i = 0; i < a.size(); ++i)
    a[i] = ops.scaleA * decodeAt(instr.a, aBytes, i);
  for (size_t i = 0; i < b.size(); ++i)
    b[i] = ops.scaleB * decodeAt(instr.b, bBytes, i);

  // Exact products, double sums, one rounding.
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned col = 0; col < instr.n; ++col) {
      const Slot slot = accumulatorSlot(row, col);
      const size_t reg =
          size_t(slot.thread) * accumulatorsPerThread(instr.n) + slot.reg;
      // scale-d = 0: the input D takes no part (a NaN there is not read).
      double sum = ops.scaleD ? double(input[reg]) : 0.0;
      // B is K-major: row `col` of the B operand is column col of B.
      const double *bCol = &b[size_t(col) * info.k];
      const double *aRow = &a[size_t(row) * info.kStored];
      for (unsigned stored = 0; stored < info.kStored; ++stored) {
        const unsigned k =
            info.sparse ? 4 * (stored / 2) +
                              index[row * kMaxChunks + stored / 2][stored % 2]
                        : stored;
        sum += aRow[stored] * bCol[k];
      }
      d.regs[reg] = float(sum);
    }
  return Status::Ok;
}
