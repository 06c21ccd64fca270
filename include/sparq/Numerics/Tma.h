//===- Tma.h - CPU model of tiled TMA box copies ----------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An exact CPU model of what
//
//   cp.async.bulk.tensor.{1..5}d.shared::cluster.global.tile
//       .mbarrier::complete_tx::bytes [dst], [tensorMap, {coords}], [mbar];
//
// writes into shared memory, for a tensor map built by
// cuTensorMapEncodeTiled with element strides 1, no interleave, OOB fill
// "none" (zeros), and the parameter checks that function makes (see
// docs/Semantics.md, "Hopper: wgmma, TMA, mbarrier").
//
// Sources:
//  * PTX ISA chapter 5.5 "Tensors": "Tensor Access Modes" (tiled mode: the
//    bounding box at the given coordinates, innermost dimension first),
//    "Out of Bound Access" (elements outside the tensor are filled with
//    zeros in tiled mode, and the box may start at negative coordinates),
//    "Tensor swizzling modes" (16-byte chunks within each swizzle-span row
//    are permuted; the pattern repeats every 1024 / 512 / 256 bytes for
//    128B / 64B / 32B; the swizzle span bounds the inner box bytes).
//  * PTX ISA "cp.async.bulk.tensor": shared::cluster destination aligned
//    to 128 bytes; the mbarrier's complete-tx is the size of the whole box
//    (out-of-bound elements included: they are written too, as zeros).
//  * CUDA Driver API "cuTensorMapEncodeTiled": the requirements checked by
//    validate() below.
//  * CUTLASS cute/arch/copy_sm90_desc.hpp and make_tma_copy, which pair each
//    TMA swizzle with the shared layout Swizzle<B,4,3> (B = 3 / 2 / 1): the
//    same permutation the wgmma descriptor reads (WgmmaDescriptor.h).
//
// The box lands row-major (innermost dimension contiguous) at dst. With a
// swizzle of span S bytes, row r of the box (S bytes) has its 16-byte chunk
// c stored at chunk c ^ ((r / (128 / S)) % (S / 16)): the chunk index XOR
// the 128-byte line's index within the pattern.
//
// Modelled: element strides 1; for swizzled modes, inner box bytes equal to
// the span and a destination aligned to the pattern's repeat (what CUTLASS
// requires; then the pattern is the same whether the hardware derives it
// from the absolute address or from the offset in the box). Other inputs
// the driver accepts return Status::NotModelled instead of a guess.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_TMA_H
#define SPARQ_NUMERICS_TMA_H

#include <array>
#include <cstddef>
#include <cstdint>

namespace sparq::numerics::tma {

constexpr unsigned kMaxRank = 5;

/// CUtensorMapSwizzle, same numbering.
enum class Swizzle : uint8_t { None = 0, B32 = 1, B64 = 2, B128 = 3 };

/// Bytes of one swizzled row: 32, 64, 128 (0 for None).
constexpr unsigned swizzleSpanBytes(Swizzle swizzle) {
  switch (swizzle) {
  case Swizzle::B32:
    return 32;
  case Swizzle::B64:
    return 64;
  case Swizzle::B128:
    return 128;
  case Swizzle::None:
    return 0;
  }
  return 0;
}

enum class Status : uint8_t {
  Ok,
  /// tensorRank outside 1..5.
  InvalidRank,
  /// Element size other than 1, 2, 4, 8 bytes.
  InvalidElementSize,
  /// globalAddress not 16-byte aligned.
  MisalignedGlobalAddress,
  /// A globalDim of 0 or above 2^32.
  InvalidGlobalDim,
  /// A globalStride not a multiple of 16 or not below 2^40.
  InvalidGlobalStride,
  /// A boxDim of 0 or above 256.
  InvalidBoxDim,
  /// boxDim[0] * elementSize not a multiple of 16 bytes.
  InvalidInnerBoxBytes,
  /// An elementStride of 0 or above 8.
  InvalidElementStride,
  /// boxDim[0] * elementSize above the swizzle span.
  SwizzleSpanExceeded,
  /// The shared destination is not 128-byte aligned.
  MisalignedShared,
  /// The box does not fit the shared-memory buffer given, or an in-bounds
  /// element lies outside the global buffer given.
  OutOfBounds,
  /// Accepted by the driver but outside the model (see the file comment).
  NotModelled,
};
const char *statusName(Status status);

/// What cuTensorMapEncodeTiled takes (dimensions innermost first).
struct TensorMap {
  unsigned rank = 2;
  unsigned elementBytes = 1;
  /// Global address of element (0, ..., 0); only its alignment matters.
  uint64_t globalAddress = 0;
  std::array<uint64_t, kMaxRank> globalDim{};
  /// Byte strides of dimensions 1 .. rank - 1 (dimension 0 is dense).
  std::array<uint64_t, kMaxRank - 1> globalStrides{};
  std::array<uint32_t, kMaxRank> boxDim{};
  std::array<uint32_t, kMaxRank> elementStrides{{1, 1, 1, 1, 1}};
  Swizzle swizzle = Swizzle::None;
};

/// cuTensorMapEncodeTiled's requirements on these parameters.
[[nodiscard]] Status validate(const TensorMap &map);

/// Bytes of the box: the product of boxDim times the element size. This is
/// what the copy's complete_tx signals on the mbarrier, whatever part of
/// the box lies outside the tensor.
uint32_t boxBytes(const TensorMap &map);

/// The byte offset from dst at which byte `linear` of the row-major box is
/// stored (the swizzle; the identity for None). Requires a modelled map.
uint32_t boxStoreOffset(const TensorMap &map, uint32_t linear);

/// The copy. `tensor` holds the global tensor from globalAddress on
/// (`tensorBytes` of it); element (c0, c1, ...) is at c0 * elementBytes +
/// sum c_i * globalStrides[i - 1]. `coords` are the box's starting
/// coordinates (int32, may be negative or past the end). `smem[a]` is the
/// byte at shared address a; the box goes to shared address `dst`.
/// `completeTxBytes` receives boxBytes(map). On failure nothing is written.
[[nodiscard]] Status copyBox(const TensorMap &map, const uint8_t *tensor,
                             size_t tensorBytes,
                             const std::array<int32_t, kMaxRank> &coords,
                             uint8_t *smem, size_t smemBytes, uint32_t dst,
                             uint32_t &completeTxBytes);

} // namespace sparq::numerics::tma

#endif // SPARQ_NUMERICS_TMA_H
