//===- Float16.cpp - IEEE half and bfloat16 conversions -------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Float16.h"
#include "Kernels.h"

using namespace sparq::numerics;

float sparq::numerics::f16ToF32(uint16_t bits) {
  return bitsToFloat(kernels::f16ToF32Bits(bits));
}

float sparq::numerics::bf16ToF32(uint16_t bits) {
  return bitsToFloat(kernels::bf16ToF32Bits(bits));
}

uint16_t sparq::numerics::f32ToF16(float value) {
  return kernels::f32BitsToF16(floatToBits(value));
}

uint16_t sparq::numerics::f32ToBF16(float value) {
  return kernels::f32BitsToBF16(floatToBits(value));
}
