//===- Wgmma.h - CPU model of the warpgroup Tensor Core MMAs ----*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact CPU model of wgmma.mma_async and wgmma.mma_async.sp with A and B
// both in shared memory (descriptors, WgmmaDescriptor.h), f32 accumulators:
//
//  * wgmma.mma_async.sync.aligned.m64nNk32.f32.{e4m3,e5m2}.{e4m3,e5m2}
//  * wgmma.mma_async.sync.aligned.m64nNk16.f32.{f16.f16,bf16.bf16}
//  * wgmma.mma_async.sp.sync.aligned.m64nNk64.f32.{e4m3,e5m2}.{e4m3,e5m2}
//  * wgmma.mma_async.sp.sync.aligned.m64nNk32.f32.{f16.f16,bf16.bf16}
//
// N is a multiple of 8 in [8, 256]. Operands are K-major (imm-trans 0, the
// only form FP8 has). The asynchronous proxy (fence / commit_group /
// wait_group) is not modelled: execute() is the instruction's effect once
// wait_group has retired it.
//
// Sources (PTX ISA 8.5 - 9.1, chapter 9.7.15 "Asynchronous Warpgroup Level
// Matrix Multiply-Accumulate Instructions"; titles quoted as numbering
// shifts between releases):
//  * "Register Fragments and Shared Memory Matrix Layouts", the
//    "WGMMA .m64nNk* register fragment layout for accumulator matrix D"
//    figures: warp w of the warpgroup holds rows 16w .. 16w + 15; thread
//    T = 32w + 4 * groupID + threadID_in_group holds d_i at row 16w +
//    groupID + 8 * ((i >> 1) & 1), col 8 * (i >> 2) + 2 *
//    threadID_in_group + (i & 1) (CuTe: CLayout_64xN).
//  * "wgmma.mma_async": scale-d (0 -> D = A * B), imm-scale-a/b (1 or -1
//    negates A / B).
//  * "Asynchronous Warpgroup Level Multiply-and-Accumulate Operation using
//    wgmma.mma_async.sp": "Sparse matrix storage" (2:4 chunks along K;
//    metadata values 0b0000, 0b0101, 0b1010, 0b1111 invalid; f16/bf16:
//    selector 0 or 1 picks a thread pair of each quad; 8-bit types: all
//    four threads, selector 0), the compressed M x K/2 A read through its
//    descriptor like a dense matrix, and the metadata figures, which give
//    each warp the mma.sp arrangement for its 16 rows. Transcribed from
//    CuTe's SM90::GMMA::ELayout_64x64 (FP8) and ELayout_64x32 (f16/bf16).
//
// Metadata: the hardware reads only registers; how a kernel stores the
// metadata in memory is its own choice. CUTLASS's Sm90GemmSparseConfig
// "reorders memory layout to allow for vectorized loads from smem" for
// 16-bit types and keeps 8-bit metadata row-major (K contiguous) per 64-row
// block, and stores the compressed A plainly, (m, k/2) K-major: the
// "K-interleaved" layout some reports mention is that storage choice, not
// an instruction rule. A store whose per-thread loads build the wrong
// registers passes uniform metadata and fails random metadata. packMetadata() builds the registers from this project's
// words (NM.h): one uint16 per row and 16 dense columns, chunk j in bits
// [4j, 4j + 4), first kept index in the low 2 bits.
//
//  SpK64 (FP8, selector 0): thread 32w + 4g + t holds row 16w + g + 8 (t &
//    1), words 2 (t >> 1) (bits [15:0]) and 2 (t >> 1) + 1 (bits [31:16]).
//  SpK32 (f16/bf16, selector s): thread 32w + 4g + 2s + p holds word p of
//    row 16w + g (bits [15:0]) and of row 16w + g + 8 (bits [31:16]); the
//    other pair's registers are ignored.
//
// Like MMA.h, two descriptions are kept independent on purpose: the
// ownership functions (dElement, metadataSource) transcribe the ISA; the
// builders use them; execute() reads through inverse maps written
// separately (accumulatorSlot, metadataWords).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_WGMMA_H
#define SPARQ_NUMERICS_WGMMA_H

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/WgmmaDescriptor.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sparq::numerics::wgmma {

constexpr unsigned kWarpgroupSize = 128;
/// Every instruction here computes a 64 x N tile of D.
constexpr unsigned kM = 64;

enum class Shape : uint8_t {
  /// Dense m64nNk32, FP8 A and B.
  K32,
  /// Dense m64nNk16, f16 or bf16.
  K16,
  /// Sparse m64nNk64, FP8, A 2:4 along K.
  SpK64,
  /// Sparse m64nNk32, f16 or bf16, A 2:4 along K.
  SpK32,
};

/// A shape, N, and the element types of A and B (D is always f32). FP8
/// shapes take E4M3/E5M2 in any mix; K16 and SpK32 take F16.F16 or
/// BF16.BF16.
struct Instruction {
  Shape shape = Shape::K32;
  unsigned n = 8;
  ElementKind a = ElementKind::E4M3;
  ElementKind b = ElementKind::E4M3;
};

bool isValid(const Instruction &instr);
/// The PTX spelling, e.g.
/// "wgmma.mma_async.sp.sync.aligned.m64n256k64.f32.e4m3.e5m2".
std::string ptxName(const Instruction &instr);

/// The twelve (shape, A, B) combinations, with N = 8.
inline constexpr std::array<Instruction, 12> kAllInstructions = {{
    {Shape::K32, 8, ElementKind::E4M3, ElementKind::E4M3},
    {Shape::K32, 8, ElementKind::E4M3, ElementKind::E5M2},
    {Shape::K32, 8, ElementKind::E5M2, ElementKind::E4M3},
    {Shape::K32, 8, ElementKind::E5M2, ElementKind::E5M2},
    {Shape::K16, 8, ElementKind::F16, ElementKind::F16},
    {Shape::K16, 8, ElementKind::BF16, ElementKind::BF16},
    {Shape::SpK64, 8, ElementKind::E4M3, ElementKind::E4M3},
    {Shape::SpK64, 8, ElementKind::E4M3, ElementKind::E5M2},
    {Shape::SpK64, 8, ElementKind::E5M2, ElementKind::E4M3},
    {Shape::SpK64, 8, ElementKind::E5M2, ElementKind::E5M2},
    {Shape::SpK32, 8, ElementKind::F16, ElementKind::F16},
    {Shape::SpK32, 8, ElementKind::BF16, ElementKind::BF16},
}};

struct ShapeInfo {
  /// K of the logical (dense) product.
  unsigned k;
  /// Columns of A in shared memory: k, or the k / 2 kept values.
  unsigned kStored;
  /// Bytes per A/B element.
  unsigned elementBytes;
  bool sparse;
  /// Sparse: this project's uint16 metadata words per row (k / 16).
  unsigned metadataWordsPerRow;
};

constexpr ShapeInfo shapeInfo(Shape shape) {
  switch (shape) {
  case Shape::K32:
    return {32, 32, 1, false, 0};
  case Shape::K16:
    return {16, 16, 2, false, 0};
  case Shape::SpK64:
    return {64, 32, 1, true, 4};
  case Shape::SpK32:
    return {32, 16, 2, true, 2};
  }
  return {};
}

/// What the A descriptor must describe: 64 rows of kStored elements.
constexpr OperandShape aOperandShape(Shape shape) {
  return {kM, shapeInfo(shape).kStored * shapeInfo(shape).elementBytes};
}
/// What the B descriptor must describe: N rows (K-major B, i.e. B
/// transposed) of k elements.
constexpr OperandShape bOperandShape(Shape shape, unsigned n) {
  return {n, shapeInfo(shape).k * shapeInfo(shape).elementBytes};
}

//===----------------------------------------------------------------------===//
// Accumulators
//===----------------------------------------------------------------------===//

struct Coord {
  unsigned row = 0, col = 0;
};

/// f32 registers per thread: N / 2.
constexpr unsigned accumulatorsPerThread(unsigned n) { return n / 2; }

/// d_i of `thread` (0..127), i < N / 2: the ISA's formula.
Coord dElement(unsigned thread, unsigned i);

/// The accumulators of the whole warpgroup: register i of thread T at
/// T * (N / 2) + i.
struct Accumulators {
  unsigned n = 8;
  std::vector<float> regs;

  explicit Accumulators(unsigned n = 8)
      : n(n), regs(size_t(kWarpgroupSize) * accumulatorsPerThread(n), 0.0f) {}
  float &at(unsigned thread, unsigned i) {
    return regs[size_t(thread) * accumulatorsPerThread(n) + i];
  }
  float at(unsigned thread, unsigned i) const {
    return regs[size_t(thread) * accumulatorsPerThread(n) + i];
  }
};

/// From / to a 64 x N row-major matrix, via dElement.
Accumulators accumulatorsFromMatrix(unsigned n, const float *matrix);
std::vector<float> accumulatorsToMatrix(const Accumulators &d);

//===----------------------------------------------------------------------===//
// Metadata
//===----------------------------------------------------------------------===//

/// Whether `selector` is valid for `shape` (always true when dense).
bool isValidSelector(Shape shape, unsigned selector);

/// Where the nibble of chunk `chunk` (dense columns 4 chunk .. + 3, within
/// the instruction's K) of row `row` (0..63) lives: bits [bit, bit + 4) of
/// `thread`'s metadata register. Requires a sparse shape, valid selector.
struct MetadataBits {
  unsigned thread = 0, bit = 0;
};
MetadataBits metadataSource(Shape shape, unsigned selector, unsigned row,
                            unsigned chunk);

/// One 16-bit half of a metadata register: word `word` of row `row`.
struct MetadataWord {
  unsigned row = 0, word = 0;
};
/// The words `thread` supplies, low half first; false if the instruction
/// ignores its register (other thread pair, or a dense shape).
bool metadataWords(Shape shape, unsigned selector, unsigned thread,
                   std::array<MetadataWord, 2> &halves);

using MetadataRegisters = std::array<uint32_t, kWarpgroupSize>;

/// The registers from this project's words: 64 rows of
/// metadataWordsPerRow words, row r at words + r * rowStride. Ignored
/// threads get 0. Nibbles are copied, not checked.
[[nodiscard]] Status packMetadata(Shape shape, unsigned selector,
                                  const uint16_t *words, size_t rowStride,
                                  MetadataRegisters &regs);
[[nodiscard]] Status unpackMetadata(Shape shape, unsigned selector,
                                    const MetadataRegisters &regs,
                                    uint16_t *words, size_t rowStride);

/// Where execute() found an invalid nibble (the first in (row, chunk)
/// order).
struct MetadataError {
  unsigned row = 0, chunk = 0;
  unsigned thread = 0, bit = 0;
  uint8_t nibble = 0;
};

//===----------------------------------------------------------------------===//
// The instruction
//===----------------------------------------------------------------------===//

struct Operands {
  /// Shared memory: smem[a] is the byte at shared address a.
  const uint8_t *smem = nullptr;
  size_t smemBytes = 0;
  /// Descriptors of A (aOperandShape) and B (bOperandShape), K-major.
  uint64_t aDesc = 0, bDesc = 0;
  /// Sparse only: each thread's metadata register, and the selector.
  const MetadataRegisters *metadata = nullptr;
  unsigned selector = 0;
  /// scale-d: false gives D = A * B (the input D is ignored).
  bool scaleD = true;
  /// imm-scale-a / imm-scale-b: 1, or -1 to negate the operand.
  int scaleA = 1, scaleB = 1;
};

/// D = (scaleA A) (scaleB B) + (scaleD ? D : 0), in place. A sparse A's
/// element (row, 4 c + index) is the kept value the metadata names (kept
/// value 0 at the nibble's low 2 bits, kept value 1 at its high 2 bits);
/// the other two positions are absent, not zeros.
///
/// Products are exact in double, the K products and D summed in double and
/// rounded once to f32 (as MMA.h: bit-exact against the GPU whenever every
/// partial sum is representable, e.g. small integers). On any status other
/// than Ok, every register of `d` is quiet NaN; `error` locates invalid
/// metadata. `d.n` must equal instr.n.
[[nodiscard]] Status execute(const Instruction &instr, const Operands &ops,
                             Accumulators &d, MetadataError *error = nullptr);

} // namespace sparq::numerics::wgmma

#endif // SPARQ_NUMERICS_WGMMA_H
