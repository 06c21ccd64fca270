//===- WgmmaDescriptor.h - wgmma shared-memory matrix descriptors -*- C++
//-*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact CPU model of the 64-bit shared-memory matrix descriptor that
// wgmma.mma_async{.sp} takes for A and B, and of which shared-memory byte
// each logical element of an operand is read from (see docs/Semantics.md,
// "Hopper: wgmma, TMA, mbarrier").
//
// Sources (PTX ISA 8.5 - 9.1 chapter 9.7.15 "Asynchronous Warpgroup Level
// Matrix Multiply-Accumulate Instructions"; the numbering shifts between
// releases, so titles are quoted):
//  * "Matrix Descriptor" (9.7.15.5.1.x "matrix-descriptor"): the bit
//    fields, matrix-descriptor-encode(x) = (x & 0x3FFFF) >> 4, the swizzle
//    mode encoding 0 none / 1 128B / 2 64B / 3 32B, base offset 0 when the
//    swizzle pattern starts at a 1024 / 512 / 256-byte boundary.
//  * "Shared Memory Matrix Layout": swizzle atoms of 8 rows by 128 / 64 / 32
//    bytes (K-major: 8x8, 8x4, 8x2 16-byte units), 8x1 core matrices
//    without swizzling.
//  * "Strides": for K-major, the leading dimension byte offset (LBO) is the
//    stride between 16-byte columns of core matrices without swizzling and
//    "not used" (assumed 1) with swizzling; the stride dimension byte offset
//    (SBO) is the stride from one 8-row group to the next.
// Cross-checked with CUTLASS's cute/arch/mma_sm90_desc.hpp (GmmaDescriptor
// bit fields) and cute/atom/mma_traits_sm90_gmma.hpp (make_gmma_desc's
// canonical K-major layouts "Swizzle<B,4,3> o smem_ptr o
// ((8,m),(T,2)):((8T,SBO),(1,T))": the swizzle is applied to the byte
// address, i.e. bits [4, 4 + B) of the address are XORed with bits
// [7, 7 + B), B = 3 / 2 / 1 for 128B / 64B / 32B).
//
// Because the swizzle is a function of the final byte address, advancing K
// inside a swizzle atom is done by adding bytes >> 4 to the start address
// field (CuTe's DescriptorIterator): the row bits [7, 10) are untouched, so
// the XOR pattern stays that of the atom. operandAddress() computes exactly
// that; a K step is not a separate concept.
//
// Modelled: K-major operands (the only major-ness FP8 wgmma allows, and
// what sparq emits), base offset 0. MN-major, a non-zero base offset and
// K spans that cross a swizzle row (where the ISA says LBO is unused) are
// reported as Status::UnsupportedLayout rather than guessed.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_WGMMADESCRIPTOR_H
#define SPARQ_NUMERICS_WGMMADESCRIPTOR_H

#include <cstddef>
#include <cstdint>

namespace sparq::numerics::wgmma {

enum class Status : uint8_t {
  Ok,
  /// An instruction that is not one of kAllInstructions (Wgmma.h), or an N
  /// that is not a multiple of 8 in [8, 256].
  InvalidInstruction,
  /// A sparsity selector the ISA leaves undefined for this shape.
  InvalidSelector,
  /// A metadata nibble the ISA calls invalid (0b0000, 0b0101, 0b1010,
  /// 0b1111: both indices equal).
  InvalidMetadata,
  /// imm-scale-a / imm-scale-b other than 1 and -1.
  InvalidScale,
  /// A descriptor field that is not a multiple of 16 bytes or does not fit
  /// its 14 bits (18 bits of byte address), or a base offset above 7.
  InvalidField,
  /// A layout outside the model: MN-major, non-zero base offset, a K span
  /// crossing a swizzle row, rows not a multiple of 8.
  UnsupportedLayout,
  /// A read or write outside the shared-memory buffer given.
  OutOfBounds,
};
const char *statusName(Status status);

/// The layout type field, bits 62-63, in the ISA's encoding.
enum class Swizzle : uint8_t { None = 0, B128 = 1, B64 = 2, B32 = 3 };

/// Width in bytes of one swizzled row (the swizzle span): 128, 64, 32, and
/// 16 (one core-matrix row) for None.
constexpr unsigned swizzleRowBytes(Swizzle swizzle) {
  switch (swizzle) {
  case Swizzle::B128:
    return 128;
  case Swizzle::B64:
    return 64;
  case Swizzle::B32:
    return 32;
  case Swizzle::None:
    return 16;
  }
  return 0;
}

/// The descriptor's fields in bytes (before matrix-descriptor-encode).
struct Descriptor {
  /// Shared-memory byte address of the matrix (its first 8-row group).
  uint32_t startAddress = 0;
  /// LBO: K-major without swizzling, the stride between 16-byte columns
  /// of core matrices; ignored by swizzled K-major layouts.
  uint32_t leadingByteOffset = 0;
  /// SBO: the stride between 8-row groups (1024 for a tight 128B-swizzled
  /// tile: 8 rows of 128 bytes).
  uint32_t strideByteOffset = 0;
  /// Bits 49-51; only 0 is modelled.
  unsigned baseOffset = 0;
  Swizzle swizzle = Swizzle::None;
};

/// Packs `fields`; InvalidField if an address or offset is not a multiple of
/// 16 or is >= 2^18, or the base offset is above 7.
[[nodiscard]] Status encodeDescriptor(const Descriptor &fields, uint64_t &bits);
/// Unpacks every field (addresses and offsets multiplied back by 16).
Descriptor decodeDescriptor(uint64_t bits);

/// Adds `bytes` (a multiple of 16) to the start address field, as kernels
/// step K inside a swizzle atom (the descriptor's low 32 bits plus
/// bytes >> 4, as CuTe's DescriptorIterator does). InvalidField if `bytes`
/// is not a multiple of 16 or the 14-bit field would carry into LBO.
[[nodiscard]] Status advanceStartAddress(uint64_t &bits, uint32_t bytes);

/// The swizzle as a function of the byte address: bits [4, 4 + B) XOR bits
/// [7, 7 + B), B = 3 (128B), 2 (64B), 1 (32B), 0 (None). An involution.
uint32_t swizzleAddress(Swizzle swizzle, uint32_t address);

enum class Major : uint8_t { K, MN };

/// The matrix one operand of one instruction reads: `rows` rows (64 for A,
/// N for B) of `kBytes` bytes along K (32, or 64 for the B of a sparse
/// instruction). Element (row, k) of an operand with e-byte elements is the
/// e bytes from byte (row, k * e).
struct OperandShape {
  unsigned rows = 0;
  unsigned kBytes = 0;
};

/// Checks that the model covers `desc` for this operand shape.
[[nodiscard]] Status checkOperand(uint64_t desc, Major major,
                                  OperandShape shape);

/// The shared-memory byte address byte `kByte` of row `row` is read from.
/// K-major: with swizzling, swizzleAddress(start + (row % 8) * span +
/// (row / 8) * SBO + kByte); without, start + (row % 8) * 16 + (row / 8) *
/// SBO + (kByte / 16) * LBO + kByte % 16.
[[nodiscard]] Status operandAddress(uint64_t desc, Major major,
                                    OperandShape shape, unsigned row,
                                    unsigned kByte, uint32_t &address);

/// operandAddress for element (row, k) of `elementBytes`-byte elements:
/// the address of its first byte (an element never straddles a 16-byte
/// chunk, so its other bytes follow it).
[[nodiscard]] Status elementAddress(uint64_t desc, Major major,
                                    OperandShape shape, unsigned elementBytes,
                                    unsigned row, unsigned k,
                                    uint32_t &address);

/// The usual K-major descriptor of a tile whose rows hold `kBytes` bytes of
/// K from `start`: swizzled, rows of one swizzle span, 8-row groups
/// 8 * span apart (SBO; LBO 16, "assumed 1"); unswizzled, core matrices
/// with the K columns adjacent (LBO 128) and 8-row groups kBytes * 8 apart
/// (SBO). Encode with encodeDescriptor.
Descriptor canonicalKMajor(Swizzle swizzle, uint32_t start, unsigned kBytes);

/// Reads the operand out of shared memory (`smem[a]` is the byte at shared
/// address a) into a rows x kBytes row-major matrix. This is what the
/// instruction sees.
[[nodiscard]] Status loadOperand(uint64_t desc, Major major, OperandShape shape,
                                 const uint8_t *smem, size_t smemBytes,
                                 uint8_t *matrix);
/// The inverse: writes a rows x kBytes row-major matrix where the
/// instruction will read it (what a correct producer leaves in memory).
[[nodiscard]] Status storeOperand(uint64_t desc, Major major,
                                  OperandShape shape, const uint8_t *matrix,
                                  uint8_t *smem, size_t smemBytes);

} // namespace sparq::numerics::wgmma

#endif // SPARQ_NUMERICS_WGMMADESCRIPTOR_H
