//===- Element.cpp - Element kinds of tensor buffers ----------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Element.h"
#include "Kernels.h"

#include <cstring>

using namespace sparq::numerics;

const char *sparq::numerics::elementKindName(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return "f32";
  case ElementKind::F16:
    return "f16";
  case ElementKind::BF16:
    return "bf16";
  case ElementKind::E4M3:
    return "f8E4M3FN";
  case ElementKind::E5M2:
    return "f8E5M2";
  }
  return "?";
}

const char *sparq::numerics::ptxTypeName(ElementKind kind) {
  switch (kind) {
  case ElementKind::E4M3:
    return "e4m3";
  case ElementKind::E5M2:
    return "e5m2";
  default:
    return elementKindName(kind);
  }
}

template <typename T> static T loadRaw(const void *data, int64_t index) {
  T value;
  std::memcpy(&value, static_cast<const char *>(data) + index * sizeof(T),
              sizeof(T));
  return value;
}

template <typename T> static void storeRaw(void *data, int64_t index, T value) {
  std::memcpy(static_cast<char *>(data) + index * sizeof(T), &value, sizeof(T));
}

float sparq::numerics::decodeElementBits(ElementKind kind, uint32_t bits) {
  switch (kind) {
  case ElementKind::F32:
    return bitsToFloat(bits);
  case ElementKind::F16:
    return bitsToFloat(kernels::f16ToF32Bits(uint16_t(bits)));
  case ElementKind::BF16:
    return bitsToFloat(kernels::bf16ToF32Bits(uint16_t(bits)));
  case ElementKind::E4M3:
  case ElementKind::E5M2:
    return decodeFp8(uint8_t(bits), toFp8Format(kind));
  }
  return 0.0f;
}

float sparq::numerics::loadAsF32(ElementKind kind, const void *data,
                                 int64_t index) {
  switch (elementByteSize(kind)) {
  case 4:
    return loadRaw<float>(data, index);
  case 2:
    return decodeElementBits(kind, loadRaw<uint16_t>(data, index));
  default:
    return decodeElementBits(kind, loadRaw<uint8_t>(data, index));
  }
}

void sparq::numerics::storeFromF32(ElementKind kind, void *data, int64_t index,
                                   float value, Saturation saturation) {
  switch (kind) {
  case ElementKind::F32:
    return storeRaw<float>(data, index, value);
  case ElementKind::F16:
    return storeRaw<uint16_t>(data, index,
                              kernels::f32BitsToF16(floatToBits(value)));
  case ElementKind::BF16:
    return storeRaw<uint16_t>(data, index,
                              kernels::f32BitsToBF16(floatToBits(value)));
  case ElementKind::E4M3:
  case ElementKind::E5M2:
    return storeRaw<uint8_t>(data, index,
                             encodeFp8(value, toFp8Format(kind), saturation));
  }
}

bool sparq::numerics::isZeroElement(ElementKind kind, const void *data,
                                    int64_t index) {
  switch (kind) {
  case ElementKind::F32:
    return (loadRaw<uint32_t>(data, index) & 0x7FFFFFFFu) == 0;
  case ElementKind::F16:
  case ElementKind::BF16:
    return (loadRaw<uint16_t>(data, index) & 0x7FFFu) == 0;
  case ElementKind::E4M3:
  case ElementKind::E5M2:
    return (loadRaw<uint8_t>(data, index) & 0x7Fu) == 0;
  }
  return false;
}
