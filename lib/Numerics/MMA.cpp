//===- MMA.cpp - CPU model of the warp-level Tensor Core MMAs -------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Sources (PTX ISA 9.1 numbering, see MMA.h):
//  * 9.7.14.5.10 "Matrix Fragments for mma.m16n8k32" (.e4m3/.e5m2 share the
//    .u8/.s8 layouts): A, B and C/D of the dense FP8 instruction.
//  * 9.7.14.5.8 "Matrix Fragments for mma.m16n8k16 with floating point
//    type": the f32 C/D layout every sparse instruction refers to.
//  * 9.7.14.6.1 "Sparse matrix storage": 2:4 chunks, the meaningful
//    ::ordered_metadata nibbles, which threads the selector names.
//  * 9.7.14.6.2.2 "Matrix Fragments for sparse mma.m16n8k32 with .f16 and
//    .bf16 types": A (firstcol formula), B (Figure 121), metadata (Figure
//    122).
//  * 9.7.14.6.2.6 "Matrix Fragments for sparse mma.m16n8k64 with .u8 / .s8 /
//    .e4m3 / .e5m2 type": A (firstcol formula), B (Figures 132-135),
//    metadata (Figures 136-137).
// The B and metadata layouts of the sparse sections are given only as
// figures; the formulas below are those figures as also transcribed by
// MLIR's sparse-mma-2-4-f16.mlir integration test (f16 metadata), CUTLASS's
// SM90::GMMA::ELayout_64x32 / ELayout_64x64 (the same per-warp metadata
// arrangement for 16- and 8-bit types) and TileLang's mma.sp layouts.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/MMA.h"

#include "sparq/Numerics/NM.h"

#include <cassert>
#include <cstring>
#include <limits>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::mma;

//===----------------------------------------------------------------------===//
// Instructions
//===----------------------------------------------------------------------===//

bool mma::isValid(const Instruction &instr) {
  switch (instr.shape) {
  case Shape::M16N8K32:
  case Shape::SpM16N8K64:
    return isFp8(instr.a) && isFp8(instr.b);
  case Shape::SpM16N8K32:
    return (instr.a == ElementKind::F16 || instr.a == ElementKind::BF16) &&
           instr.b == instr.a;
  }
  return false;
}

std::string mma::ptxName(const Instruction &instr) {
  std::string name;
  switch (instr.shape) {
  case Shape::M16N8K32:
    name = "mma.sync.aligned.m16n8k32";
    break;
  case Shape::SpM16N8K64:
    name = "mma.sp::ordered_metadata.sync.aligned.m16n8k64";
    break;
  case Shape::SpM16N8K32:
    name = "mma.sp::ordered_metadata.sync.aligned.m16n8k32";
    break;
  }
  return name + ".row.col.f32." + ptxTypeName(instr.a) + "." + ptxTypeName(instr.b) +
         ".f32";
}

const char *mma::statusName(Status status) {
  switch (status) {
  case Status::Ok:
    return "ok";
  case Status::InvalidInstruction:
    return "invalid instruction";
  case Status::InvalidSelector:
    return "invalid sparsity selector";
  case Status::InvalidMetadata:
    return "invalid metadata";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Ownership, forward: the ISA's formulas, transcribed
//===----------------------------------------------------------------------===//

ACoord mma::aElement(Shape shape, unsigned lane, unsigned i) {
  const unsigned groupID = lane >> 2, threadID = lane % 4;
  ACoord a;
  switch (shape) {
  case Shape::M16N8K32:
    // 9.7.14.5.10: row = groupID for 0 <= i < 4 || 8 <= i < 12, else
    // groupID + 8; col = threadID * 4 + (i & 3), + 16 for i >= 8.
    a.row = (i < 4 || (i >= 8 && i < 12)) ? groupID : groupID + 8;
    a.col = threadID * 4 + (i & 3) + (i >= 8 ? 16 : 0);
    a.chunk = a.col / 4;
    a.slot = a.col % 4;
    return a;
  case Shape::SpM16N8K64: {
    // 9.7.14.6.2.6: rows as above; each register holds the 4 kept values
    // of logical columns [firstcol, firstcol + 7], firstcol = threadID * 8
    // (+ 32 for i >= 8): two chunks, two kept values each, in order.
    a.row = (i < 4 || (i >= 8 && i < 12)) ? groupID : groupID + 8;
    const unsigned firstcol = threadID * 8 + (i >= 8 ? 32 : 0);
    a.chunk = firstcol / 4 + ((i & 3) >> 1);
    a.slot = i & 1;
    a.col = 2 * a.chunk + a.slot;
    return a;
  }
  case Shape::SpM16N8K32: {
    // 9.7.14.6.2.2: row = groupID for 0 <= i < 2 || 4 <= i < 6, else
    // groupID + 8; each register holds the 2 kept values of logical
    // columns [firstcol, firstcol + 3], firstcol = threadID * 4 (+ 16 for
    // i >= 4): one chunk.
    a.row = (i < 2 || (i >= 4 && i < 6)) ? groupID : groupID + 8;
    const unsigned firstcol = threadID * 4 + (i >= 4 ? 16 : 0);
    a.chunk = firstcol / 4;
    a.slot = i & 1;
    a.col = 2 * a.chunk + a.slot;
    return a;
  }
  }
  return a;
}

Coord mma::bElement(Shape shape, unsigned lane, unsigned i) {
  const unsigned groupID = lane >> 2, threadID = lane % 4;
  switch (shape) {
  case Shape::M16N8K32:
    // 9.7.14.5.10: row = threadID * 4 + (i & 3), + 16 for i >= 4;
    // col = groupID.
    return {threadID * 4 + (i & 3) + (i >= 4 ? 16 : 0), groupID};
  case Shape::SpM16N8K64:
    // Figures 132-135: register j = i / 4 covers rows 16j .. 16j + 15, in
    // which the lane holds rows threadID * 4 + (i & 3); col = groupID.
    return {threadID * 4 + (i & 3) + 16 * (i / 4), groupID};
  case Shape::SpM16N8K32:
    // Figure 121: register j = i / 2 covers rows 8j .. 8j + 7, in which the
    // lane holds rows threadID * 2 + (i & 1); col = groupID.
    return {threadID * 2 + (i & 1) + 8 * (i / 2), groupID};
  }
  return {};
}

Coord mma::cElement(unsigned lane, unsigned i) {
  // 9.7.14.5.8 (f32 accumulators): row = groupID for c0, c1, groupID + 8
  // for c2, c3; col = threadID * 2 + (i & 1).
  const unsigned groupID = lane >> 2, threadID = lane % 4;
  return {i < 2 ? groupID : groupID + 8, threadID * 2 + (i & 1)};
}

bool mma::isValidSelector(Shape shape, unsigned selector) {
  switch (shape) {
  case Shape::M16N8K32:
    return true;
  case Shape::SpM16N8K64:
    // 9.7.14.6.1: all four threads of a group supply metadata, "the
    // sparsity selector in this case must be 0".
    return selector == 0;
  case Shape::SpM16N8K32:
    // 9.7.14.6.1: a thread pair, "either 0 (threads T0, T1) or 1 (threads
    // T2, T3)".
    return selector <= 1;
  }
  return false;
}

MetadataBits mma::metadataSource(Shape shape, unsigned selector, unsigned row,
                                 unsigned chunk) {
  assert(shapeInfo(shape).sparse && isValidSelector(shape, selector));
  const unsigned group = row % 8, upper = row / 8;
  if (shape == Shape::SpM16N8K64) {
    // Figures 136-137: thread T(4g + t) has row g + 8 * (t & 1) and the 8
    // chunks (32 columns) starting at chunk 8 * (t >> 1), chunk by chunk
    // from bit 0.
    return {4 * group + upper + 2 * (chunk / 8), 4 * (chunk % 8)};
  }
  // Figure 122: thread T(4g + 2 * selector + p) has chunks 4p .. 4p + 3 of
  // row g in bits [15:0] and of row g + 8 in bits [31:16].
  return {4 * group + 2 * selector + chunk / 4, 16 * upper + 4 * (chunk % 4)};
}

bool mma::metadataWords(Shape shape, unsigned selector, unsigned lane,
                        std::array<MetadataWord, 2> &halves) {
  if (!shapeInfo(shape).sparse || !isValidSelector(shape, selector))
    return false;
  const unsigned g = lane >> 2, t = lane & 3;
  if (shape == Shape::SpM16N8K64) {
    const unsigned row = g + 8 * (t & 1), word = 2 * (t >> 1);
    halves = {{{row, word}, {row, word + 1}}};
    return true;
  }
  if ((t >> 1) != selector)
    return false;
  halves = {{{g, t & 1}, {g + 8, t & 1}}};
  return true;
}

Status mma::packMetadata(Shape shape, unsigned selector, const uint16_t *words,
                         size_t rowStride,
                         std::array<uint32_t, kWarpSize> &regs) {
  const ShapeInfo info = shapeInfo(shape);
  if (!info.sparse)
    return Status::InvalidInstruction;
  if (!isValidSelector(shape, selector))
    return Status::InvalidSelector;
  regs.fill(0);
  // Placed nibble by nibble from the figures' (row, chunk) -> (lane, bits)
  // direction; unpackMetadata and execute() use the lane-centric
  // metadataWords instead, so the two descriptions check each other.
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
      const uint32_t nibble =
          (words[row * rowStride + chunk / 4] >> (4 * (chunk % 4))) & 0xFu;
      const MetadataBits at = metadataSource(shape, selector, row, chunk);
      regs[at.lane] |= nibble << at.bit;
    }
  return Status::Ok;
}

Status mma::unpackMetadata(Shape shape, unsigned selector,
                           const std::array<uint32_t, kWarpSize> &regs,
                           uint16_t *words, size_t rowStride) {
  if (!shapeInfo(shape).sparse)
    return Status::InvalidInstruction;
  if (!isValidSelector(shape, selector))
    return Status::InvalidSelector;
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    std::array<MetadataWord, 2> halves;
    if (!metadataWords(shape, selector, lane, halves))
      continue;
    for (unsigned h = 0; h < 2; ++h)
      words[halves[h].row * rowStride + halves[h].word] =
          uint16_t(regs[lane] >> (16 * h));
  }
  return Status::Ok;
}

//===----------------------------------------------------------------------===//
// Ownership, inverse: where execute() reads each element
//===----------------------------------------------------------------------===//
//
// Derived from the figures in the other direction ("element (row, col) sits
// in lane L, register j, position p") rather than by calling the functions
// above, so that the end-to-end tests compare two descriptions.

namespace {
struct Slot {
  unsigned lane, reg, pos;
};

/// A (stored columns for sparse shapes): 8x4-lane blocks of 8 rows by 16
/// bytes (8-bit) or 8 halves (16-bit), rows g / g + 8 alternating between
/// registers, then the next K block.
Slot aSlot(Shape shape, unsigned row, unsigned col) {
  if (shapeInfo(shape).elementBits == 8)
    return {4 * (row % 8) + (col % 16) / 4, row / 8 + 2 * (col / 16), col % 4};
  return {4 * (row % 8) + (col % 8) / 2, row / 8 + 2 * (col / 8), col % 2};
}

/// B: lane 4n + t; one register per 16 (8-bit) or 8 (16-bit) rows of K.
Slot bSlot(Shape shape, unsigned k, unsigned n) {
  if (shapeInfo(shape).elementBits == 8)
    return {4 * n + (k % 16) / 4, k / 16, k % 4};
  return {4 * n + (k % 8) / 2, k / 8, k % 2};
}

/// C and D: lane 4 * (row % 8) + col / 2, element 2 * (row / 8) + col % 2.
Slot cSlot(unsigned row, unsigned col) {
  return {4 * (row % 8) + col / 2, 2 * (row / 8) + col % 2, 0};
}

uint32_t field(uint32_t reg, unsigned pos, unsigned bits) {
  return (reg >> (pos * bits)) & ((1u << bits) - 1);
}

/// The ::ordered_metadata nibbles: two indices, the low one first.
bool isOrderedNibble(uint32_t nibble) { return (nibble & 3) < (nibble >> 2); }

void fillNaN(Fragment &d) {
  for (auto &lane : d)
    lane.fill(std::numeric_limits<float>::quiet_NaN());
}
} // namespace

Status mma::execute(const Instruction &instr, const WarpState &state,
                    Fragment &d, MetadataError *error) {
  fillNaN(d);
  if (!isValid(instr))
    return Status::InvalidInstruction;
  const Shape shape = instr.shape;
  const ShapeInfo info = shapeInfo(shape);
  if (info.sparse && !isValidSelector(shape, state.selector))
    return Status::InvalidSelector;

  // Kept index (0..3) of slot s of chunk c of each row, from the lanes the
  // selector names.
  uint8_t index[kM][16][2] = {};
  if (info.sparse) {
    uint8_t nibbles[kM][16] = {};
    unsigned laneOf[kM][16] = {}, bitOf[kM][16] = {};
    for (unsigned lane = 0; lane < kWarpSize; ++lane) {
      std::array<MetadataWord, 2> halves;
      if (!metadataWords(shape, state.selector, lane, halves))
        continue;
      for (unsigned h = 0; h < 2; ++h)
        for (unsigned j = 0; j < 4; ++j) {
          const unsigned row = halves[h].row, chunk = 4 * halves[h].word + j;
          nibbles[row][chunk] =
              uint8_t((state.metadata[lane] >> (16 * h + 4 * j)) & 0xFu);
          laneOf[row][chunk] = lane;
          bitOf[row][chunk] = 16 * h + 4 * j;
        }
    }
    for (unsigned row = 0; row < kM; ++row)
      for (unsigned chunk = 0; chunk < info.k / 4; ++chunk) {
        const uint8_t nibble = nibbles[row][chunk];
        if (!isOrderedNibble(nibble)) {
          if (error)
            *error = {row, chunk, laneOf[row][chunk], bitOf[row][chunk],
                      nibble};
          return Status::InvalidMetadata;
        }
        index[row][chunk][0] = nibble & 3;
        index[row][chunk][1] = nibble >> 2;
      }
  }

  // Gather the operands into plain matrices.
  const unsigned bits = info.elementBits;
  double a[kM][64], b[64][kN], acc[kM][kN];
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned col = 0; col < info.kStored; ++col) {
      const Slot s = aSlot(shape, row, col);
      a[row][col] = decodeElementBits(
          instr.a, field(state.a[s.lane][s.reg], s.pos, bits));
    }
  for (unsigned k = 0; k < info.k; ++k)
    for (unsigned n = 0; n < kN; ++n) {
      const Slot s = bSlot(shape, k, n);
      b[k][n] = decodeElementBits(
          instr.b, field(state.b[s.lane][s.reg], s.pos, bits));
    }
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned n = 0; n < kN; ++n) {
      const Slot s = cSlot(row, n);
      acc[row][n] = state.c[s.lane][s.reg];
    }

  // Exact products, double sums, one rounding (see the header).
  for (unsigned row = 0; row < kM; ++row)
    for (unsigned n = 0; n < kN; ++n) {
      double sum = acc[row][n];
      if (!info.sparse) {
        for (unsigned k = 0; k < info.k; ++k)
          sum += a[row][k] * b[k][n];
      } else {
        for (unsigned chunk = 0; chunk < info.k / 4; ++chunk)
          for (unsigned slot = 0; slot < 2; ++slot)
            sum += a[row][2 * chunk + slot] *
                   b[4 * chunk + index[row][chunk][slot]][n];
      }
      acc[row][n] = sum;
    }

  for (unsigned row = 0; row < kM; ++row)
    for (unsigned n = 0; n < kN; ++n) {
      const Slot s = cSlot(row, n);
      d[s.lane][s.reg] = float(acc[row][n]);
    }
  return Status::Ok;
}

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

static uint32_t loadBits(const void *data, size_t index, unsigned bits) {
  if (bits == 8)
    return static_cast<const uint8_t *>(data)[index];
  uint16_t v;
  std::memcpy(&v, static_cast<const uint8_t *>(data) + 2 * index, 2);
  return v;
}

Status mma::makeWarpState(const Instruction &instr, const TileOperands &ops,
                          WarpState &state) {
  if (!isValid(instr))
    return Status::InvalidInstruction;
  const Shape shape = instr.shape;
  const ShapeInfo info = shapeInfo(shape);
  if (info.sparse && !isValidSelector(shape, ops.selector))
    return Status::InvalidSelector;
  state = WarpState();
  state.selector = ops.selector;
  const unsigned bits = info.elementBits;
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    for (unsigned i = 0; i < info.aRegisters * info.perRegister; ++i) {
      const ACoord at = aElement(shape, lane, i);
      state.a[lane][i / info.perRegister] |=
          loadBits(ops.a, at.row * info.kStored + at.col, bits)
          << (bits * (i % info.perRegister));
    }
    for (unsigned i = 0; i < info.bRegisters * info.perRegister; ++i) {
      const Coord at = bElement(shape, lane, i);
      state.b[lane][i / info.perRegister] |=
          loadBits(ops.b, at.row * kN + at.col, bits)
          << (bits * (i % info.perRegister));
    }
    for (unsigned i = 0; i < 4; ++i) {
      const Coord at = cElement(lane, i);
      state.c[lane][i] = ops.c ? ops.c[at.row * kN + at.col] : 0.0f;
    }
  }
  if (info.sparse)
    return packMetadata(shape, ops.selector, ops.aMetadata,
                        info.metadataWordsPerRow, state.metadata);
  return Status::Ok;
}

Status mma::makeWarpStateFromDenseA(const Instruction &instr, const void *a,
                                    const void *b, const float *c,
                                    unsigned selector, WarpState &state) {
  if (!isValid(instr))
    return Status::InvalidInstruction;
  const ShapeInfo info = shapeInfo(instr.shape);
  TileOperands ops;
  ops.b = b;
  ops.c = c;
  ops.selector = selector;
  if (!info.sparse) {
    ops.a = a;
    return makeWarpState(instr, ops, state);
  }
  std::vector<uint8_t> values(size_t(kM) * info.kStored * info.elementBits / 8);
  std::vector<uint16_t> metadata(size_t(kM) * info.metadataWordsPerRow);
  const AxisView view{kM, info.k, 1};
  if (compressNM(a, instr.a, view, NMPattern{2, 4}, values.data(),
                 metadata.data()) != NMStatus::Ok)
    return Status::InvalidInstruction;
  ops.a = values.data();
  ops.aMetadata = metadata.data();
  return makeWarpState(instr, ops, state);
}

std::array<float, kM * kN> mma::readD(const Fragment &d) {
  std::array<float, kM * kN> out{};
  for (unsigned lane = 0; lane < kWarpSize; ++lane)
    for (unsigned i = 0; i < 4; ++i) {
      const Coord at = cElement(lane, i);
      out[at.row * kN + at.col] = d[lane][i];
    }
  return out;
}

void mma::loadMatrices(unsigned matrices,
                       const std::array<MatrixRow, kWarpSize> &rows,
                       std::array<std::array<uint32_t, 4>, kWarpSize> &registers) {
  for (unsigned j = 0; j < matrices && j < 4; ++j)
    for (unsigned lane = 0; lane < kWarpSize; ++lane) {
      const MatrixRow &row = rows[8 * j + lane / 4];
      uint32_t reg = 0;
      for (unsigned byte = 0; byte < 4; ++byte)
        reg |= uint32_t(row[4 * (lane % 4) + byte]) << (8 * byte);
      registers[lane][j] = reg;
    }
}
