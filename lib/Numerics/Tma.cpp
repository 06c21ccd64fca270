//===- Tma.cpp - CPU model of tiled TMA box copies -----------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Sources: see Tma.h (PTX ISA "Tensors" and "cp.async.bulk.tensor", CUDA
// Driver API cuTensorMapEncodeTiled).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Tma.h"

#include <cstring>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::tma;

const char *tma::statusName(Status status) {
  switch (status) {
  case Status::Ok:
    return "ok";
  case Status::InvalidRank:
    return "invalid tensor rank";
  case Status::InvalidElementSize:
    return "invalid element size";
  case Status::MisalignedGlobalAddress:
    return "global address not 16-byte aligned";
  case Status::InvalidGlobalDim:
    return "invalid global dimension";
  case Status::InvalidGlobalStride:
    return "invalid global stride";
  case Status::InvalidBoxDim:
    return "invalid box dimension";
  case Status::InvalidInnerBoxBytes:
    return "inner box bytes not a multiple of 16";
  case Status::InvalidElementStride:
    return "invalid element stride";
  case Status::SwizzleSpanExceeded:
    return "inner box bytes exceed the swizzle span";
  case Status::MisalignedShared:
    return "shared destination not 128-byte aligned";
  case Status::OutOfBounds:
    return "buffer too small";
  case Status::NotModelled:
    return "not modelled";
  }
  return "?";
}

Status tma::validate(const TensorMap &map) {
  // cuTensorMapEncodeTiled, rule by rule.
  if (map.rank < 1 || map.rank > kMaxRank)
    return Status::InvalidRank;
  if (map.elementBytes != 1 && map.elementBytes != 2 && map.elementBytes != 4 &&
      map.elementBytes != 8)
    return Status::InvalidElementSize;
  // "globalAddress ... must be 16 byte aligned" (32 with interleave, which
  // is not modelled).
  if (map.globalAddress % 16 != 0)
    return Status::MisalignedGlobalAddress;
  for (unsigned i = 0; i < map.rank; ++i)
    // "globalDim ... must be non-zero and less than or equal to 2^32".
    if (map.globalDim[i] == 0 || map.globalDim[i] > (uint64_t(1) << 32))
      return Status::InvalidGlobalDim;
  for (unsigned i = 0; i + 1 < map.rank; ++i)
    // "globalStrides ... must be a multiple of 16 and less than 2^40".
    if (map.globalStrides[i] % 16 != 0 ||
        map.globalStrides[i] >= (uint64_t(1) << 40))
      return Status::InvalidGlobalStride;
  for (unsigned i = 0; i < map.rank; ++i)
    // "boxDim ... must be non-zero and less than or equal to 256".
    if (map.boxDim[i] == 0 || map.boxDim[i] > 256)
      return Status::InvalidBoxDim;
  const uint32_t innerBytes = map.boxDim[0] * map.elementBytes;
  // With interleave NONE, "boxDim[0] * elementSizeInBytes(tensorDataType)
  // must be a multiple of 16 bytes".
  if (innerBytes % 16 != 0)
    return Status::InvalidInnerBoxBytes;
  for (unsigned i = 0; i < map.rank; ++i)
    // "elementStrides ... must be non-zero and less than or equal to 8".
    if (map.elementStrides[i] == 0 || map.elementStrides[i] > 8)
      return Status::InvalidElementStride;
  // With interleave NONE and a swizzle, "the bounding box inner dimension
  // ... must be less than or equal to the swizzle size".
  if (map.swizzle != Swizzle::None &&
      innerBytes > swizzleSpanBytes(map.swizzle))
    return Status::SwizzleSpanExceeded;
  return Status::Ok;
}

uint32_t tma::boxBytes(const TensorMap &map) {
  uint32_t bytes = map.elementBytes;
  for (unsigned i = 0; i < map.rank && i < kMaxRank; ++i)
    bytes *= map.boxDim[i];
  return bytes;
}

/// What validate() accepts but the model does not cover.
static bool isModelled(const TensorMap &map) {
  for (unsigned i = 0; i < map.rank; ++i)
    if (map.elementStrides[i] != 1)
      return false;
  return map.swizzle == Swizzle::None ||
         map.boxDim[0] * map.elementBytes == swizzleSpanBytes(map.swizzle);
}

uint32_t tma::boxStoreOffset(const TensorMap &map, uint32_t linear) {
  const unsigned span = swizzleSpanBytes(map.swizzle);
  if (span == 0)
    return linear;
  // "Tensor swizzling modes": within each span-byte row r, 16-byte chunk c
  // goes to chunk c ^ ((r / (128 / span)) % (span / 16)).
  const uint32_t row = linear / span, chunk = (linear % span) / 16;
  const uint32_t pattern = (row / (128 / span)) % (span / 16);
  return row * span + 16 * (chunk ^ pattern) + linear % 16;
}

Status tma::copyBox(const TensorMap &map, const uint8_t *tensor,
                    size_t tensorBytes,
                    const std::array<int32_t, kMaxRank> &coords, uint8_t *smem,
                    size_t smemBytes, uint32_t dst, uint32_t &completeTxBytes) {
  if (Status s = validate(map); s != Status::Ok)
    return s;
  if (!isModelled(map))
    return Status::NotModelled;
  if (dst % 128 != 0)
    return Status::MisalignedShared;
  const unsigned span = swizzleSpanBytes(map.swizzle);
  if (span != 0 && dst % (8 * span) != 0)
    return Status::NotModelled; // pattern not aligned to its repeat
  const uint32_t bytes = boxBytes(map);
  if (uint64_t(dst) + bytes > smemBytes)
    return Status::OutOfBounds;

  // Global byte offset of each box element, or -1 out of bounds; checked
  // in full before anything is written.
  const uint32_t elements = bytes / map.elementBytes;
  std::vector<int64_t> source(elements);
  for (uint32_t e = 0; e < elements; ++e) {
    uint32_t rest = e;
    int64_t offset = 0;
    bool inBounds = true;
    for (unsigned i = 0; i < map.rank; ++i) {
      const int64_t c = int64_t(coords[i]) + rest % map.boxDim[i];
      rest /= map.boxDim[i];
      if (c < 0 || uint64_t(c) >= map.globalDim[i]) {
        inBounds = false;
        break;
      }
      offset +=
          i == 0 ? c * map.elementBytes : c * int64_t(map.globalStrides[i - 1]);
    }
    if (inBounds && uint64_t(offset) + map.elementBytes > tensorBytes)
      return Status::OutOfBounds;
    source[e] = inBounds ? offset : -1;
  }

  for (uint32_t e = 0; e < elements; ++e)
    for (unsigned b = 0; b < map.elementBytes; ++b) {
      const uint32_t linear = e * map.elementBytes + b;
      // Out-of-bound elements are written too: zeros.
      smem[dst + boxStoreOffset(map, linear)] =
          source[e] < 0 ? 0 : tensor[source[e] + b];
    }
  completeTxBytes = bytes;
  return Status::Ok;
}
