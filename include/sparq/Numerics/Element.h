//===- Element.h - Element kinds of tensor buffers --------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The element types bulk operations accept, addressed as raw little-endian
// buffers (the layout of MLIR dense element attributes and memrefs).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_ELEMENT_H
#define SPARQ_NUMERICS_ELEMENT_H

#include "sparq/Numerics/FP8.h"

#include <cstddef>
#include <cstdint>

namespace sparq::numerics {

enum class ElementKind : uint8_t { F32, F16, BF16, E4M3, E5M2 };

/// "f32", "f16", "bf16", "f8E4M3FN", "f8E5M2" (the MLIR type spelling).
const char *elementKindName(ElementKind kind);
/// "f32", "f16", "bf16", "e4m3", "e5m2" (the PTX type spelling).
const char *ptxTypeName(ElementKind kind);

constexpr size_t elementByteSize(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return 4;
  case ElementKind::F16:
  case ElementKind::BF16:
    return 2;
  case ElementKind::E4M3:
  case ElementKind::E5M2:
    return 1;
  }
  return 0;
}

constexpr bool isFp8(ElementKind kind) {
  return kind == ElementKind::E4M3 || kind == ElementKind::E5M2;
}
/// Requires isFp8(kind).
constexpr Fp8Format toFp8Format(ElementKind kind) {
  return kind == ElementKind::E5M2 ? Fp8Format::E5M2 : Fp8Format::E4M3;
}
constexpr ElementKind toElementKind(Fp8Format format) {
  return format == Fp8Format::E5M2 ? ElementKind::E5M2 : ElementKind::E4M3;
}

/// The element whose raw bits are the low elementByteSize(kind) bytes of
/// `bits`, widened exactly to f32 (FP8 NaN codes give the signed quiet NaN,
/// see decodeFp8).
float decodeElementBits(ElementKind kind, uint32_t bits);

/// Element `index` of `data`, widened exactly to f32 (decodeElementBits).
float loadAsF32(ElementKind kind, const void *data, int64_t index);

/// Stores `value` as element `index` of `data`, rounding to nearest even.
/// `saturation` applies to FP8 kinds only.
void storeFromF32(ElementKind kind, void *data, int64_t index, float value,
                  Saturation saturation);

/// True for +0 and -0 (all magnitude bits zero); NaN is non-zero.
bool isZeroElement(ElementKind kind, const void *data, int64_t index);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_ELEMENT_H
