//===- Scale.h - FP8 scale from amax ----------------------------*- C++ -*-===//
//
// The scaling recipe of the FP8 paper (and of Transformer Engine): map the
// largest magnitude seen onto the largest finite FP8 value, backed off by a
// margin of 2^margin. One definition, used by the sparq.scale folder, the CPU
// runtime and the GPU epilogue.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_NUMERICS_SCALE_H
#define SPARQ_NUMERICS_SCALE_H

#include "sparq/Numerics/FP8.h"

#include <cfloat>
#include <cmath>

namespace sparq::numerics {

/// ldexp(maxFinite(format) / amax, -margin) in f32, clamped to the normal f32
/// range [FLT_MIN, FLT_MAX]. An amax that is zero, negative, NaN or infinite
/// carries no usable range and gives 1.
inline float computeFp8Scale(float amax, Fp8Format format, int margin) {
  if (!(amax > 0.0f) || std::isinf(amax))
    return 1.0f;
  float scale = std::ldexp(maxFinite(format) / amax, -margin);
  // Denormal scales would be flushed by FTZ hardware; inf/0 scales destroy
  // every value. Both ends clamp to the representable normal range.
  return std::fmin(std::fmax(scale, FLT_MIN), FLT_MAX);
}

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_SCALE_H
