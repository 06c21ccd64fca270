//===- Float16.h - IEEE half and bfloat16 conversions -----------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// 16-bit floats travel as raw uint16_t bits so that no compiler extension
// (_Float16, __bf16) is needed. Widening to f32 is exact; narrowing rounds to
// nearest, ties to even, overflows to +-inf, and turns any NaN into the quiet
// NaN of the same sign (0x7E00/0xFE00 for f16, 0x7FC0/0xFFC0 for bf16).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_FLOAT16_H
#define SPARQ_NUMERICS_FLOAT16_H

#include <cstdint>

namespace sparq::numerics {

/// Exact f16 -> f32 (subnormals, +-inf and NaN payloads preserved).
float f16ToF32(uint16_t bits);
/// Exact bf16 -> f32.
float bf16ToF32(uint16_t bits);
/// f32 -> f16, round to nearest even; |x| >= 65520 becomes +-inf.
uint16_t f32ToF16(float value);
/// f32 -> bf16, round to nearest even; overflow becomes +-inf.
uint16_t f32ToBF16(float value);

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_FLOAT16_H
