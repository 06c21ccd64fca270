//===- HopperTestUtil.h - Helpers shared by the Hopper model tests -*- C++
//-*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_UNITTESTS_NUMERICS_HOPPERTESTUTIL_H
#define SPARQ_UNITTESTS_NUMERICS_HOPPERTESTUTIL_H

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"

#include <cstring>
#include <random>
#include <vector>

namespace sparq::hoppertest {

using namespace sparq::numerics;

inline uint32_t encodeValue(ElementKind kind, float value) {
  if (isFp8(kind))
    return encodeFp8(value, toFp8Format(kind), Saturation::None);
  return kind == ElementKind::F16 ? f32ToF16(value) : f32ToBF16(value);
}

/// Raw element bits, row-major.
struct RawMatrix {
  ElementKind kind;
  unsigned rows, cols;
  std::vector<uint8_t> bytes;
  RawMatrix(ElementKind kind, unsigned rows, unsigned cols)
      : kind(kind), rows(rows), cols(cols),
        bytes(size_t(rows) * cols * elementByteSize(kind)) {}
  void set(unsigned r, unsigned c, float v) {
    const uint32_t bits = encodeValue(kind, v);
    std::memcpy(&bytes[(size_t(r) * cols + c) * elementByteSize(kind)], &bits,
                elementByteSize(kind));
  }
  double get(unsigned r, unsigned c) const {
    uint32_t bits = 0;
    std::memcpy(&bits, &bytes[(size_t(r) * cols + c) * elementByteSize(kind)],
                elementByteSize(kind));
    return decodeElementBits(kind, bits);
  }
};

inline float smallValue(std::mt19937 &rng) {
  const int k = int(rng() % 12);
  const float magnitude = 0.5f * float(k % 6 + 1);
  return k < 6 ? magnitude : -magnitude;
}

} // namespace sparq::hoppertest

#endif // SPARQ_UNITTESTS_NUMERICS_HOPPERTESTUTIL_H
