//===- Quantize.h - Bulk FP8 quantize / dequantize / amax -------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// One pass over row-major buffers, bit-identical to the scalar functions in
// FP8.h / Float16.h and independent of the ParallelFor used. Scales are
// per-tensor (numScales == 1) or per-axis (numScales == view.axis, scale
// index = axis coordinate). Functions return false, writing nothing, when
// the arguments are inconsistent (kinds, scale count, negative extents).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_QUANTIZE_H
#define SPARQ_NUMERICS_QUANTIZE_H

#include "sparq/Numerics/AxisView.h"
#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Parallel.h"

#include <cstdint>

namespace sparq::numerics {

struct QuantizeOptions {
  Fp8Format format = Fp8Format::E4M3;
  Saturation saturation = Saturation::SatFinite;
  Rounding rounding = Rounding::NearestEven;
  /// Stochastic rounding of element i uses stochasticBits(seed, i), i the
  /// row-major linear index in the whole buffer.
  uint64_t seed = 0;
};

/// output[i] = encodeFp8(load(input, i) * scale[a(i)]) for an input of kind
/// F32, F16 or BF16 (f32 product, rounded to nearest).
bool quantize(const void *input, ElementKind inputKind, uint8_t *output,
              AxisView view, const float *scales, int64_t numScales,
              const QuantizeOptions &options, const ParallelFor &parallel = {});

/// output[i] = convert(decodeFp8(input[i]) / scale[a(i)]) for an output of
/// kind F32, F16 or BF16 (f32 quotient, then round to nearest even).
bool dequantize(const uint8_t *input, Fp8Format format, void *output,
                ElementKind outputKind, AxisView view, const float *scales,
                int64_t numScales, const ParallelFor &parallel = {});

/// Element-wise conversion between any two kinds: exact widening to f32,
/// then storeFromF32 rounding (nearest even, `saturation` for FP8 outputs).
bool convertElements(const void *input, ElementKind inputKind, void *output,
                     ElementKind outputKind, int64_t numElements,
                     Saturation saturation, const ParallelFor &parallel = {});

/// max |x| over the buffer (0 when empty); quiet NaN if any element is NaN.
float amax(const void *input, ElementKind kind, int64_t numElements,
           const ParallelFor &parallel = {});

/// out[a] = max |x| over all elements with axis coordinate a (view.axis
/// floats); quiet NaN for a slot with any NaN, 0 for an empty slot.
bool amaxPerAxis(const void *input, ElementKind kind, AxisView view, float *out,
                 const ParallelFor &parallel = {});

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_QUANTIZE_H
