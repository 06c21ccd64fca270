//===- Transposable.h - 2:4 masks valid along rows and columns --*- C++ -*-===//
//
// A weight used in both the forward (X W) and the backward (dY W^T) product of
// a training step must be 2:4-sparse along both of its dimensions to run
// sparse both times. Like Apex ASP's m4n2_2d rule, each 4x4 block keeps the
// pattern with exactly two elements per row and per column (90 candidates)
// that keeps the most magnitude.
//
// Magnitude order, as for the 1-D rule: NaN above every number, then inf;
// among blocks the key is (NaNs kept, infinities kept, sum of finite
// magnitudes), compared lexicographically, so no NaN is dropped while a
// pattern keeping it exists. Ties go to the first pattern in the order of
// transposablePatterns().
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_NUMERICS_TRANSPOSABLE_H
#define SPARQ_NUMERICS_TRANSPOSABLE_H

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/Parallel.h"

#include <array>
#include <cstdint>

namespace sparq::numerics {

/// The 90 4x4 keep-patterns with two ones per row and per column, as 16-bit
/// masks (bit 4r+c is row r, column c), in increasing numeric order.
const std::array<uint16_t, 90> &transposablePatterns();

/// Keep-mask (one byte, 0 or 1, per element) of the row-major rows x cols
/// matrix `input`. Returns false unless rows and cols are multiples of 4.
bool selectTransposableMask(const void *input, ElementKind kind, int64_t rows,
                            int64_t cols, uint8_t *mask,
                            const ParallelFor &parallel = {});

/// `input` with the elements outside the transposable mask set to +0.
bool pruneTransposable(const void *input, ElementKind kind, int64_t rows,
                       int64_t cols, void *output,
                       const ParallelFor &parallel = {});

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_TRANSPOSABLE_H
