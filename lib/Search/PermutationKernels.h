//===- PermutationKernels.h - Channel-permutation kernels (private) -*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The float kernels behind ChannelPermutationProblem's energy, shared by its
// energy (ChannelPermutationEnergy.cpp) and moves
// (ChannelPermutationMoves.cpp). Columns hold |w| of one channel (or the
// thresholds of one position) over all rows, zero padded to a multiple of
// kLanes floats; zeros lose nothing, so kernels have no tail.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_SEARCH_PERMUTATIONKERNELS_H
#define SPARQ_LIB_SEARCH_PERMUTATIONKERNELS_H

#include "sparq/Search/ChannelPermutation.h"

#include <cstdint>

namespace sparq::search::detail {

/// Rows are processed in blocks of this many lanes.
constexpr int64_t kLanes = 16;

/// Loss (sum over rows of the m - n smallest values) of the group whose m
/// columns are c[0..m). A symmetric function of the columns.
double lossOfColumns(const float *const *c, int64_t rows, SparsityPattern p);

/// For member a (thresholds tA) of one group and member b (thresholds tB)
/// of another, the sum over rows of min(tA, b) + min(tB, a).
double swapSum(const float *tA, const float *tB, const float *a,
               const float *b, int64_t rows);

/// Group refresh: returns the loss (as lossOfColumns) and writes, per
/// member, its thresholds t[i][row] and base[i] = sum over rows of
/// min(t, v) (see ChannelPermutationProblem).
double updateGroupColumns(const float *const *c, float *const *t,
                          int64_t rows, SparsityPattern p, double *base);

} // namespace sparq::search::detail

#endif // SPARQ_LIB_SEARCH_PERMUTATIONKERNELS_H
