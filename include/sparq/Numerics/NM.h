//===- NM.h - N:M structured sparsity ---------------------------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// N:M sparsity keeps at most n of every m consecutive elements along one
// axis (see docs/Semantics.md, "N:M masks and compressed storage"). Groups
// are m consecutive axis coordinates of one line (fixed outer and inner
// index); view.axis must be a multiple of m.
//
// Selection keeps the n elements of largest magnitude in each group; ties go
// to the lowest index; NaN ranks above every number (so it is never silently
// dropped) and NaNs tie among themselves; -0 and +0 are equal.
//
// Compressed storage of a dense [outer][axis][inner] tensor:
//  * values:   [outer][axis / m * n][inner], the kept elements of each group
//              in ascending index order, raw bits copied;
//  * metadata: [outer][words][inner] uint16_t. Each line's kept indices form
//              a bit stream, LSB first, ceil(log2 m) bits per index, n per
//              group in order; word w holds stream bits [16w, 16w + 16);
//              unused high bits are zero. For 2:4 this is the PTX mma.sp
//              metadata (a nibble per group, first index in the low 2 bits).
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_NM_H
#define SPARQ_NUMERICS_NM_H

#include "sparq/Numerics/AxisView.h"
#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/Parallel.h"

#include <cstdint>
#include <optional>

namespace sparq::numerics {

/// Keep n of every m; valid when 0 < n < m <= 16.
struct NMPattern {
  unsigned n = 2;
  unsigned m = 4;

  bool isValid() const { return n > 0 && n < m && m <= 16; }
  /// ceil(log2 m): bits per stored index.
  unsigned indexBits() const {
    unsigned bits = 0;
    while ((1u << bits) < m)
      ++bits;
    return bits;
  }
};

enum class NMStatus : uint8_t {
  Ok,
  /// Invalid pattern or view, or view.axis not a multiple of m.
  BadArguments,
  /// decompressNM only: metadata violates the format.
  BadMetadata,
};

/// A group with more than n non-zero elements.
struct NMViolation {
  int64_t outer = 0, group = 0, inner = 0;
  /// Number of non-zero (not +-0; NaN counts) elements in the group.
  unsigned count = 0;
};

/// Where and why decompressNM rejected metadata.
struct NMMetadataError {
  enum class Reason : uint8_t {
    IndexOutOfRange, ///< an index >= m
    NotIncreasing,   ///< indices of a group not strictly increasing
    NonZeroPadding,  ///< unused high bits of a line's last word set
  };
  Reason reason = Reason::IndexOutOfRange;
  /// For NonZeroPadding, group is the number of groups per line.
  int64_t outer = 0, group = 0, inner = 0;
};

/// Number of uint16_t metadata words per line.
int64_t nmMetadataWordsPerLine(int64_t axis, NMPattern pattern);
/// The view of the values buffer: {outer, axis / m * n, inner}.
AxisView nmValuesView(AxisView dense, NMPattern pattern);
/// The view of the metadata buffer: {outer, words per line, inner}.
AxisView nmMetadataView(AxisView dense, NMPattern pattern);

/// mask[i] = 1 if element i is kept, else 0 (one byte per element).
NMStatus selectNMMask(const void *input, ElementKind kind, AxisView view,
                      NMPattern pattern, uint8_t *mask,
                      const ParallelFor &parallel = {});

/// A copy of the input with the elements not selected set to all-zero bits.
/// `output` may equal `input` (in place); other overlap is not allowed.
NMStatus pruneNM(const void *input, ElementKind kind, AxisView view,
                 NMPattern pattern, void *output,
                 const ParallelFor &parallel = {});

/// Finds the first group, in row-major (outer, group, inner) order, with more
/// than n non-zero elements; `violation` is reset when all groups are valid.
NMStatus findNMViolation(const void *input, ElementKind kind, AxisView view,
                         NMPattern pattern,
                         std::optional<NMViolation> &violation,
                         const ParallelFor &parallel = {});

/// Writes the compressed form of the selection (so compress(x) ==
/// compress(prune(x)) for any x, valid or not).
NMStatus compressNM(const void *input, ElementKind kind, AxisView view,
                    NMPattern pattern, void *values, uint16_t *metadata,
                    const ParallelFor &parallel = {});

/// Rebuilds the dense [outer][axis][inner] tensor, all-zero bits at positions
/// not stored. On BadMetadata, `error` (if given) holds the first problem in
/// (outer, group, inner) order and `output` is unspecified.
NMStatus decompressNM(const void *values, const uint16_t *metadata,
                      ElementKind kind, AxisView view, NMPattern pattern,
                      void *output, NMMetadataError *error = nullptr,
                      const ParallelFor &parallel = {});

/// For each stored value (the values view [outer][axis / m * n][inner]), its
/// axis coordinate in the dense tensor, read from `metadata` with the same
/// validation as decompressNM.
NMStatus nmKeptPositions(const uint16_t *metadata, AxisView view,
                         NMPattern pattern, int32_t *positions,
                         NMMetadataError *error = nullptr,
                         const ParallelFor &parallel = {});

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_NM_H
