//===- ElementTraits.h - Compile-time element kinds (private) ---*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Bulk loops are instantiated per element kind so that loads, stores and
// magnitude comparisons are straight-line integer code.
//
// Magnitude keys: for every kind the sign-cleared bit pattern orders
// magnitudes (+0 == -0 == 0, inf above every finite value, NaN patterns above
// inf). magnitudeKey() additionally folds all NaNs onto one key so that NaNs
// tie with each other.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_LIB_NUMERICS_ELEMENTTRAITS_H
#define SPARQ_LIB_NUMERICS_ELEMENTTRAITS_H

#include "Kernels.h"
#include "sparq/Numerics/Element.h"

#include <cstring>
#include <type_traits>

/// Per-element callbacks of the bulk loops must be inlined: out of line,
/// every captured value is reloaded after each (aliasing) byte store.
#if defined(__GNUC__) || defined(__clang__)
#define SPARQ_ALWAYS_INLINE __attribute__((always_inline))
#else
#define SPARQ_ALWAYS_INLINE
#endif

namespace sparq::numerics::kernels {

template <ElementKind K> struct ElementTraits;

template <> struct ElementTraits<ElementKind::F32> {
  using Storage = uint32_t;
  static constexpr uint32_t kAbsMask = 0x7FFFFFFFu;
  static constexpr uint32_t kNaNKey = 0x7F800001u;
  static uint32_t toF32Bits(Storage s) { return s; }
  template <Saturation S> static Storage fromF32Bits(uint32_t bits) {
    return bits;
  }
};
template <> struct ElementTraits<ElementKind::F16> {
  using Storage = uint16_t;
  static constexpr uint32_t kAbsMask = 0x7FFFu;
  static constexpr uint32_t kNaNKey = 0x7C01u;
  static uint32_t toF32Bits(Storage s) { return f16ToF32Bits(s); }
  template <Saturation S> static Storage fromF32Bits(uint32_t bits) {
    return f32BitsToF16(bits);
  }
};
template <> struct ElementTraits<ElementKind::BF16> {
  using Storage = uint16_t;
  static constexpr uint32_t kAbsMask = 0x7FFFu;
  static constexpr uint32_t kNaNKey = 0x7F81u;
  static uint32_t toF32Bits(Storage s) { return bf16ToF32Bits(s); }
  template <Saturation S> static Storage fromF32Bits(uint32_t bits) {
    return f32BitsToBF16(bits);
  }
};
template <> struct ElementTraits<ElementKind::E4M3> {
  using Storage = uint8_t;
  static constexpr uint32_t kAbsMask = 0x7Fu;
  static constexpr uint32_t kNaNKey = 0x7Fu;
  static uint32_t toF32Bits(Storage s) { return detail::kE4M3DecodeBits[s]; }
  template <Saturation S> static Storage fromF32Bits(uint32_t bits) {
    return encodeFp8NearestEven<Fp8Format::E4M3, S>(bits);
  }
};
template <> struct ElementTraits<ElementKind::E5M2> {
  using Storage = uint8_t;
  static constexpr uint32_t kAbsMask = 0x7Fu;
  static constexpr uint32_t kNaNKey = 0x7Du;
  static uint32_t toF32Bits(Storage s) { return detail::kE5M2DecodeBits[s]; }
  template <Saturation S> static Storage fromF32Bits(uint32_t bits) {
    return encodeFp8NearestEven<Fp8Format::E5M2, S>(bits);
  }
};

/// Sign-cleared bits, NaNs folded onto kNaNKey (the smallest NaN pattern).
template <ElementKind K>
inline uint32_t magnitudeKey(typename ElementTraits<K>::Storage s) {
  using T = ElementTraits<K>;
  const uint32_t abs = s & T::kAbsMask;
  return abs > T::kNaNKey ? T::kNaNKey : abs;
}

template <ElementKind K>
using KindConstant = std::integral_constant<ElementKind, K>;

/// Calls fn(KindConstant<kind>{}) so generic lambdas can instantiate bulk
/// loops for each runtime kind.
template <typename Fn> inline void dispatchKind(ElementKind kind, Fn &&fn) {
  switch (kind) {
  case ElementKind::F32:
    return fn(KindConstant<ElementKind::F32>{});
  case ElementKind::F16:
    return fn(KindConstant<ElementKind::F16>{});
  case ElementKind::BF16:
    return fn(KindConstant<ElementKind::BF16>{});
  case ElementKind::E4M3:
    return fn(KindConstant<ElementKind::E4M3>{});
  case ElementKind::E5M2:
    return fn(KindConstant<ElementKind::E5M2>{});
  }
}

template <typename T> inline T loadElement(const void *base, int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(base) + index * sizeof(T),
              sizeof(T));
  return value;
}

} // namespace sparq::numerics::kernels

#endif // SPARQ_LIB_NUMERICS_ELEMENTTRAITS_H
