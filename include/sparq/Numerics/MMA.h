//===- MMA.h - CPU model of the warp-level Tensor Core MMAs -----*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact CPU model of the warp-level PTX instructions the GPU lowering
// emits, so that what each lane loads can be checked without a GPU (see
// docs/Semantics.md, "Tensor Core fragments"): ldmatrix (loadMatrices, at
// the end) and the three MMAs
//
//  * mma.sync.aligned.m16n8k32.row.col.f32.{e4m3,e5m2}.{e4m3,e5m2}.f32
//  * mma.sp::ordered_metadata.sync.aligned.m16n8k64.row.col.f32
//      .{e4m3,e5m2}.{e4m3,e5m2}.f32                       (2:4-sparse A)
//  * mma.sp::ordered_metadata.sync.aligned.m16n8k32.row.col.f32
//      .{f16.f16,bf16.bf16}.f32                           (2:4-sparse A)
//
// Two descriptions of each instruction live here and are kept independent on
// purpose, so that tests comparing them catch a mistake in either:
//  * the ownership functions (aElement, bElement, cElement, metadataSource),
//    the PTX ISA's formulas "element i of lane L is (row, col)" transcribed
//    literally; the WarpState builders use them;
//  * execute(), which reads the registers through the inverse maps ("element
//    (row, col) is in lane L, register j, bits p") written separately.
//
// Sections and figures are numbered as in PTX ISA 9.1 (chapter 9.7.14,
// "Warp Level Matrix Multiply-Accumulate Instructions", also 9.7.14 in 8.5 -
// 8.7); other releases shift the chapter (9.7.13 earlier, 9.7.15 in 9.3) and
// the figures, so the section titles are quoted too.
//
// Lanes are %laneid; g = lane >> 2 is the ISA's groupID and t = lane & 3 its
// threadID_in_group. Registers hold elements low bits first: element i of a
// fragment is register i / perRegister, bits [(i % perRegister) * width, +
// width).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_MMA_H
#define SPARQ_NUMERICS_MMA_H

#include "sparq/Numerics/Element.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace sparq::numerics::mma {

constexpr unsigned kWarpSize = 32;
/// Every instruction here computes a 16 x 8 tile of D.
constexpr unsigned kM = 16, kN = 8;

enum class Shape : uint8_t {
  /// mma.sync m16n8k32, FP8 A and B, dense.
  M16N8K32,
  /// mma.sp::ordered_metadata m16n8k64, FP8, A 2:4-sparse along K.
  SpM16N8K64,
  /// mma.sp::ordered_metadata m16n8k32, f16 or bf16, A 2:4-sparse along K.
  SpM16N8K32,
};

/// A shape and the element types of A and B (C and D are always f32).
/// FP8 shapes take E4M3/E5M2 in any combination; SpM16N8K32 takes F16.F16
/// or BF16.BF16 (PTX has no mixed f16 x bf16 form).
struct Instruction {
  Shape shape = Shape::M16N8K32;
  ElementKind a = ElementKind::E4M3;
  ElementKind b = ElementKind::E4M3;
};

bool isValid(const Instruction &instr);
/// The PTX spelling, e.g.
/// "mma.sync.aligned.m16n8k32.row.col.f32.e4m3.e5m2.f32".
std::string ptxName(const Instruction &instr);

/// Every valid instruction: 4 dense FP8, 4 sparse FP8, sparse f16 and bf16.
inline constexpr std::array<Instruction, 10> kAllInstructions = {{
    {Shape::M16N8K32, ElementKind::E4M3, ElementKind::E4M3},
    {Shape::M16N8K32, ElementKind::E4M3, ElementKind::E5M2},
    {Shape::M16N8K32, ElementKind::E5M2, ElementKind::E4M3},
    {Shape::M16N8K32, ElementKind::E5M2, ElementKind::E5M2},
    {Shape::SpM16N8K64, ElementKind::E4M3, ElementKind::E4M3},
    {Shape::SpM16N8K64, ElementKind::E4M3, ElementKind::E5M2},
    {Shape::SpM16N8K64, ElementKind::E5M2, ElementKind::E4M3},
    {Shape::SpM16N8K64, ElementKind::E5M2, ElementKind::E5M2},
    {Shape::SpM16N8K32, ElementKind::F16, ElementKind::F16},
    {Shape::SpM16N8K32, ElementKind::BF16, ElementKind::BF16},
}};

/// Sizes of one instruction.
struct ShapeInfo {
  /// K of the logical (dense) product.
  unsigned k;
  /// Columns of A held in registers: k, or k / 2 kept values for 2:4.
  unsigned kStored;
  /// Bits per A/B element (8 or 16) and elements per 32-bit register.
  unsigned elementBits, perRegister;
  /// 32-bit registers per lane for A and B.
  unsigned aRegisters, bRegisters;
  bool sparse;
  /// Sparse: this project's uint16 metadata words per row of A (k / 16).
  unsigned metadataWordsPerRow;
};

constexpr ShapeInfo shapeInfo(Shape shape) {
  switch (shape) {
  case Shape::M16N8K32:
    return {32, 32, 8, 4, 4, 2, false, 0};
  case Shape::SpM16N8K64:
    return {64, 32, 8, 4, 4, 4, true, 4};
  case Shape::SpM16N8K32:
    return {32, 16, 16, 2, 4, 4, true, 2};
  }
  return {};
}

//===----------------------------------------------------------------------===//
// Ownership: the ISA's fragment formulas
//===----------------------------------------------------------------------===//

struct Coord {
  unsigned row = 0, col = 0;
};

/// Where element a_i of a lane's A fragment lies.
struct ACoord {
  unsigned row = 0;
  /// Dense: the column (k) of A. Sparse: the compressed column, i.e. the
  /// position among the row's kept values (2 per chunk, in chunk order): the
  /// column of compressNM's values tensor.
  unsigned col = 0;
  /// The 4-wide chunk of the logical row, col / 2 (sparse) or col / 4.
  unsigned chunk = 0;
  /// Sparse: which of the chunk's two kept values, 0 being the one whose
  /// index is in the low 2 bits of the chunk's metadata nibble. Dense: the
  /// position in the chunk.
  unsigned slot = 0;
};

/// a_i of `lane`, i < aRegisters * perRegister.
ACoord aElement(Shape shape, unsigned lane, unsigned i);
/// b_i of `lane`, i < bRegisters * perRegister: row = k, col = n.
Coord bElement(Shape shape, unsigned lane, unsigned i);
/// c_i (and d_i) of `lane`, i < 4; the same for every shape here.
Coord cElement(unsigned lane, unsigned i);

//===----------------------------------------------------------------------===//
// Metadata
//===----------------------------------------------------------------------===//
//
// A sparse instruction takes one .b32 metadata register per lane and an
// immediate sparsity selector. Each 4-wide chunk of each row of A has a
// nibble, first kept index in the low 2 bits, exactly as in this project's
// metadata words (NM.h: one uint16 per row and 16 dense columns, chunk j of
// the word in bits [4j, 4j + 4)). Every 16-bit half of a metadata register
// is one such word:
//
//  SpM16N8K64 (FP8; selector must be 0, every lane supplies metadata):
//    lane 4g + t holds row g + 8 * (t & 1), columns 32 * (t >> 1) .. + 31:
//      bits [15:0] = word 2 * (t >> 1), bits [31:16] = word 2 * (t >> 1) + 1
//    i.e. the little-endian 32-bit load at word 2 * (t >> 1) of that row.
//  SpM16N8K32 (f16/bf16; selector 0 -> threads t = 0, 1 of each group of
//  four, selector 1 -> t = 2, 3; the other two lanes' registers are
//  ignored):
//    lane 4g + 2 * selector + p (p = 0, 1) holds
//      bits [15:0] = word p of row g, bits [31:16] = word p of row g + 8.
//
// Word w is relative to the instruction's K window: it covers logical
// columns 16w .. 16w + 15 of the tile.

/// Whether `selector` is valid for `shape` (always true when dense).
bool isValidSelector(Shape shape, unsigned selector);

/// The nibble of chunk `chunk` (columns 4 * chunk .. + 3) of row `row`:
/// bits [bit, bit + 4) of lane `lane`'s metadata register (the ISA figures'
/// "Tk: [m..n]" cells). Requires a sparse shape and a valid selector.
struct MetadataBits {
  unsigned lane = 0, bit = 0;
};
MetadataBits metadataSource(Shape shape, unsigned selector, unsigned row,
                            unsigned chunk);

/// One 16-bit half of a metadata register: word `word` (this project's
/// layout, relative to the K window) of row `row` of A.
struct MetadataWord {
  unsigned row = 0, word = 0;
};
/// The words lane `lane` supplies, low half first; false if the instruction
/// ignores this lane's register under `selector` (or the shape is dense).
bool metadataWords(Shape shape, unsigned selector, unsigned lane,
                   std::array<MetadataWord, 2> &halves);

enum class Status : uint8_t {
  Ok,
  /// Not one of kAllInstructions.
  InvalidInstruction,
  /// A sparsity selector the ISA leaves undefined for this shape.
  InvalidSelector,
  /// A nibble other than the six ::ordered_metadata values 0b0100, 0b1000,
  /// 0b1001, 0b1100, 0b1101, 0b1110 (two increasing indices): undefined
  /// behaviour on the GPU.
  InvalidMetadata,
};
const char *statusName(Status status);

/// Where execute() found invalid metadata (the first in (row, chunk) order).
struct MetadataError {
  unsigned row = 0, chunk = 0;
  unsigned lane = 0, bit = 0;
  uint8_t nibble = 0;
};

/// Each lane's metadata register from this project's words: `words` holds
/// 16 rows of metadataWordsPerRow words, row r starting at r * rowStride.
/// Lanes the instruction ignores get 0. Nibbles are copied, not checked.
Status packMetadata(Shape shape, unsigned selector, const uint16_t *words,
                    size_t rowStride, std::array<uint32_t, kWarpSize> &regs);
/// The inverse: the project's words from the supplying lanes' registers.
Status unpackMetadata(Shape shape, unsigned selector,
                      const std::array<uint32_t, kWarpSize> &regs,
                      uint16_t *words, size_t rowStride);

//===----------------------------------------------------------------------===//
// The warp and the instruction
//===----------------------------------------------------------------------===//

/// Four f32 per lane: C or D.
using Fragment = std::array<std::array<float, 4>, kWarpSize>;

/// The operands as the 32 lanes pass them. Registers beyond the shape's
/// aRegisters / bRegisters are ignored.
struct WarpState {
  std::array<std::array<uint32_t, 4>, kWarpSize> a{};
  std::array<std::array<uint32_t, 4>, kWarpSize> b{};
  Fragment c{};
  std::array<uint32_t, kWarpSize> metadata{};
  unsigned selector = 0;
};

/// D = A * B + C as the instruction defines it. For a sparse A, element
/// (row, 4 * chunk + index) of the logical A is the kept value the metadata
/// names, and the other two positions of the chunk are absent (not zeros:
/// their B rows never take part, so an infinity there gives no NaN).
///
/// Products of FP8, f16 and bf16 values are exact in double; the K products
/// and C are summed in double and rounded once to f32. The hardware's order
/// and internal precision are unspecified, so the model is exact -- equal to
/// the GPU bit for bit -- when every partial sum is exactly representable
/// (e.g. small integers); otherwise it is the correctly rounded result,
/// which the hardware need not reproduce. Special values follow IEEE double
/// arithmetic (inf - inf = NaN).
///
/// On any status other than Ok, `d` is all quiet NaN (so a result used
/// without checking the status cannot pass a comparison) and `error`, if
/// given, locates invalid metadata.
[[nodiscard]] Status execute(const Instruction &instr, const WarpState &state,
                             Fragment &d, MetadataError *error = nullptr);

//===----------------------------------------------------------------------===//
// Building a WarpState from plain matrices, via the ownership functions
//===----------------------------------------------------------------------===//

/// One tile's operands, raw little-endian element bits, row-major, tight.
struct TileOperands {
  /// Dense: A, 16 x k. Sparse: the kept values, 16 x kStored, i.e.
  /// compressNM's values tensor of a 16 x k tile compressed 2:4 along rows.
  const void *a = nullptr;
  /// Sparse: compressNM's metadata of that tile, 16 x metadataWordsPerRow.
  const uint16_t *aMetadata = nullptr;
  /// B, k x 8: element (k, n) at k * 8 + n.
  const void *b = nullptr;
  /// C, 16 x 8 f32; null means +0.
  const float *c = nullptr;
  unsigned selector = 0;
};

/// Fills every register of `state` from `ops` as the ISA assigns them.
Status makeWarpState(const Instruction &instr, const TileOperands &ops,
                     WarpState &state);

/// As makeWarpState, from a logical (uncompressed) 16 x k A; sparse shapes
/// first compress it 2:4 along rows with compressNM (which keeps the two
/// largest of each chunk, so A should already be 2:4).
Status makeWarpStateFromDenseA(const Instruction &instr, const void *a,
                               const void *b, const float *c, unsigned selector,
                               WarpState &state);

/// D as a 16 x 8 row-major matrix.
std::array<float, kM * kN> readD(const Fragment &d);

//===----------------------------------------------------------------------===//
// ldmatrix: shared memory to fragment registers
//===----------------------------------------------------------------------===//

/// The 16 bytes of one 8 x 8 b16 matrix row, as a lane addresses them.
using MatrixRow = std::array<uint8_t, 16>;

/// ldmatrix.sync.aligned.m8n8.x{1,2,4}.shared.b16, without .trans (PTX ISA
/// "Warp-level matrix load instruction: ldmatrix"): for matrix j <
/// `matrices`, lane 8 j + r supplies the address of its row r, and every
/// lane L receives in register j bytes 4 (L % 4) .. 4 (L % 4) + 3 of row
/// L / 4 of matrix j, low byte first. `rows[8 j + r]` is that row's
/// contents; registers j >= `matrices` are left alone.
void loadMatrices(unsigned matrices, const std::array<MatrixRow, kWarpSize> &rows,
                  std::array<std::array<uint32_t, 4>, kWarpSize> &registers);

} // namespace sparq::numerics::mma

#endif // SPARQ_NUMERICS_MMA_H
