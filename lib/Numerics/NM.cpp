//===- NM.cpp - N:M structured sparsity -----------------------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// All operations walk groups (o, g, i): outer row o, group g of m axis
// coordinates, inner index i. Tasks own whole rows, or, for long rows,
// ranges of groups whose size is a multiple of 16 so that every metadata
// word belongs to exactly one task (16 groups always fill whole words).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/NM.h"
#include "ElementTraits.h"

#include <algorithm>
#include <climits>
#include <cstring>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::kernels;

namespace {

constexpr unsigned kMaxM = 16;

struct Layout {
  AxisView view;
  unsigned n, m, bits;
  int64_t groups; ///< groups per line
  int64_t kept;   ///< kept elements per line (values axis extent)
  int64_t words;  ///< metadata words per line
  int64_t rowsPerTask, groupsPerTask, rowTasks, groupTasks;

  Layout(AxisView view, NMPattern pattern)
      : view(view), n(pattern.n), m(pattern.m), bits(pattern.indexBits()) {
    groups = view.axis / m;
    kept = groups * n;
    words = nmMetadataWordsPerLine(view.axis, pattern);
    const int64_t rowElements = std::max<int64_t>(1, view.axis * view.inner);
    rowsPerTask = std::max<int64_t>(1, kElementsPerTask / rowElements);
    groupsPerTask = groups;
    if (rowElements > kElementsPerTask) {
      const int64_t groupElements = std::max<int64_t>(1, m * view.inner);
      groupsPerTask =
          std::max<int64_t>(16, kElementsPerTask / groupElements / 16 * 16);
    }
    rowTasks = (view.outer + rowsPerTask - 1) / rowsPerTask;
    groupTasks = std::max<int64_t>(1, (groups + groupsPerTask - 1) /
                                          std::max<int64_t>(1, groupsPerTask));
  }
  size_t numTasks() const { return size_t(rowTasks * groupTasks); }

  struct Range {
    int64_t o0, o1, g0, g1;
  };
  Range range(size_t task) const {
    const int64_t rt = int64_t(task) / groupTasks;
    const int64_t gt = int64_t(task) % groupTasks;
    return {rt * rowsPerTask, std::min(view.outer, (rt + 1) * rowsPerTask),
            gt * groupsPerTask, std::min(groups, (gt + 1) * groupsPerTask)};
  }
  /// Linear index of dense element (o, a, i).
  int64_t dense(int64_t o, int64_t a, int64_t i) const {
    return (o * view.axis + a) * view.inner + i;
  }
};

bool isValidLayout(const AxisView &view, const NMPattern &pattern) {
  return pattern.isValid() && view.isValid() && view.axis % pattern.m == 0;
}

/// Index of the lowest set bit of x != 0 (portable; de Bruijn sequence).
inline unsigned lowestBit(uint32_t x) {
  static constexpr uint8_t kTable[32] = {
      0,  1,  28, 2,  29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4,  8,
      31, 27, 13, 23, 21, 19, 16, 7, 26, 12, 18, 6,  11, 5,  10, 9};
  return kTable[((x & (0u - x)) * 0x077CB531u) >> 27];
}

/// Bit j set iff element j of the group is kept: rank(j) < n where rank
/// counts elements ordered before j (larger key, or equal key and lower
/// index). Keys are magnitudeKey()s, so NaN beats inf and NaNs tie. M is
/// the group size when known at compile time (fully unrolled), else 0.
template <unsigned M>
inline uint32_t selectKept(const uint32_t *key, unsigned n, unsigned m) {
  if constexpr (M == 2) {
    // n == 1: the second wins only if strictly larger.
    return key[1] > key[0] ? 2u : 1u;
  } else if constexpr (M == 4) {
    // Spelled out so the keys stay in registers (a generic loop here gets
    // SLP-vectorised into a store-forwarding stall).
    const uint32_t k0 = key[0], k1 = key[1], k2 = key[2], k3 = key[3];
    const unsigned r0 = (k1 > k0) + (k2 > k0) + (k3 > k0);
    const unsigned r1 = (k0 >= k1) + (k2 > k1) + (k3 > k1);
    const unsigned r2 = (k0 >= k2) + (k1 >= k2) + (k3 > k2);
    const unsigned r3 = (k0 >= k3) + (k1 >= k3) + (k2 >= k3);
    return uint32_t(r0 < n) | uint32_t(r1 < n) << 1 | uint32_t(r2 < n) << 2 |
           uint32_t(r3 < n) << 3;
  }
  const unsigned size = M ? M : m;
  uint32_t keep = 0;
  for (unsigned j = 0; j < size; ++j) {
    unsigned rank = 0;
    for (unsigned l = 0; l < size; ++l)
      rank += l < j ? key[l] >= key[j] : key[l] > key[j];
    keep |= uint32_t(rank < n) << j;
  }
  return keep;
}

template <ElementKind K, unsigned M, typename Fn>
void forEachSelectedGroupOfSize(const Layout &layout, const void *input,
                                const Layout::Range &r, Fn &fn) {
  using Storage = typename ElementTraits<K>::Storage;
  const auto *in = static_cast<const Storage *>(input);
  const unsigned m = M ? M : layout.m, n = layout.n;
  const int64_t inner = layout.view.inner;
  Storage values[M ? M : kMaxM];
  uint32_t keys[M ? M : kMaxM];
  if (inner == 1) {
    // Contiguous groups: the common case (sparsity along the last axis).
    for (int64_t o = r.o0; o < r.o1; ++o) {
      const Storage *group = in + layout.dense(o, r.g0 * m, 0);
      for (int64_t g = r.g0; g < r.g1; ++g, group += m) {
#pragma GCC unroll 16
        for (unsigned j = 0; j < m; ++j) {
          values[j] = group[j];
          keys[j] = magnitudeKey<K>(values[j]);
        }
        fn(o, g, int64_t(0), values, selectKept<M>(keys, n, m));
      }
    }
    return;
  }
  for (int64_t o = r.o0; o < r.o1; ++o) {
    for (int64_t g = r.g0; g < r.g1; ++g) {
      const Storage *group = in + layout.dense(o, g * m, 0);
      for (int64_t i = 0; i < inner; ++i) {
#pragma GCC unroll 16
        for (unsigned j = 0; j < m; ++j) {
          values[j] = group[j * inner + i];
          keys[j] = magnitudeKey<K>(values[j]);
        }
        fn(o, g, i, values, selectKept<M>(keys, n, m));
      }
    }
  }
}

/// Calls fn(o, g, i, values, keep) for every group of the task, where
/// values[j] is the raw element (o, g * m + j, i) and bit j of keep says
/// whether it is selected. Common group sizes get unrolled instances.
template <ElementKind K, typename Fn>
void forEachSelectedGroup(const Layout &layout, const void *input,
                          const Layout::Range &r, Fn fn) {
  switch (layout.m) {
  case 2:
    return forEachSelectedGroupOfSize<K, 2>(layout, input, r, fn);
  case 4:
    return forEachSelectedGroupOfSize<K, 4>(layout, input, r, fn);
  case 8:
    return forEachSelectedGroupOfSize<K, 8>(layout, input, r, fn);
  case 16:
    return forEachSelectedGroupOfSize<K, 16>(layout, input, r, fn);
  default:
    return forEachSelectedGroupOfSize<K, 0>(layout, input, r, fn);
  }
}

/// ORs the low `count` bits of `code` into a line's bit stream at `pos`
/// (consecutive words of the line are `stride` apart).
inline void orBits(uint16_t *line, int64_t stride, uint64_t pos, uint64_t code,
                   unsigned count) {
  while (count != 0) {
    const unsigned off = unsigned(pos & 15);
    const unsigned take = std::min(16 - off, count);
    line[int64_t(pos >> 4) * stride] |=
        uint16_t((code & ((1u << take) - 1)) << off);
    code >>= take;
    pos += take;
    count -= take;
  }
}

/// Reads `count` (<= 64) bits of a line's bit stream at `pos`.
inline uint64_t readBits(const uint16_t *line, int64_t stride, uint64_t pos,
                         unsigned count) {
  uint64_t code = 0;
  unsigned done = 0;
  while (done < count) {
    const unsigned off = unsigned(pos & 15);
    const unsigned take = std::min(16 - off, count - done);
    code |=
        uint64_t((line[int64_t(pos >> 4) * stride] >> off) & ((1u << take) - 1))
        << done;
    pos += take;
    done += take;
  }
  return code;
}

/// Calls fn(KindConstant) for the kind; false if the layout is invalid.
template <typename Fn>
NMStatus withValidLayout(ElementKind kind, const AxisView &view,
                         const NMPattern &pattern, Fn &&fn) {
  if (!isValidLayout(view, pattern))
    return NMStatus::BadArguments;
  if (view.numElements() == 0)
    return NMStatus::Ok;
  dispatchKind(kind, fn);
  return NMStatus::Ok;
}

} // namespace

int64_t sparq::numerics::nmMetadataWordsPerLine(int64_t axis,
                                                NMPattern pattern) {
  if (!pattern.isValid())
    return 0;
  const int64_t streamBits = axis / pattern.m * pattern.n * pattern.indexBits();
  return (streamBits + 15) / 16;
}

AxisView sparq::numerics::nmValuesView(AxisView dense, NMPattern pattern) {
  return {dense.outer,
          pattern.isValid() ? dense.axis / pattern.m * pattern.n : 0,
          dense.inner};
}

AxisView sparq::numerics::nmMetadataView(AxisView dense, NMPattern pattern) {
  return {dense.outer, nmMetadataWordsPerLine(dense.axis, pattern),
          dense.inner};
}

NMStatus sparq::numerics::selectNMMask(const void *input, ElementKind kind,
                                       AxisView view, NMPattern pattern,
                                       uint8_t *mask,
                                       const ParallelFor &parallel) {
  return withValidLayout(kind, view, pattern, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    const Layout layout(view, pattern);
    const int64_t axis = view.axis, inner = view.inner;
    const unsigned m = pattern.m;
    runTasks(parallel, layout.numTasks(), [&](size_t task) {
      forEachSelectedGroup<K>(layout, input, layout.range(task),
                              [=](int64_t o, int64_t g, int64_t i, const auto *,
                                  uint32_t keep) SPARQ_ALWAYS_INLINE {
                                // Locals, not layout fields: uint8_t stores
                                // alias everything.
                                uint8_t *out =
                                    mask + (o * axis + g * m) * inner + i;
                                for (unsigned j = 0; j < m; ++j)
                                  out[j * inner] = uint8_t((keep >> j) & 1);
                              });
    });
  });
}

NMStatus sparq::numerics::pruneNM(const void *input, ElementKind kind,
                                  AxisView view, NMPattern pattern,
                                  void *output, const ParallelFor &parallel) {
  return withValidLayout(kind, view, pattern, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    using Storage = typename ElementTraits<K>::Storage;
    const Layout layout(view, pattern);
    auto *out = static_cast<Storage *>(output);
    const int64_t axis = view.axis, inner = view.inner;
    const unsigned m = pattern.m;
    runTasks(parallel, layout.numTasks(), [&](size_t task) {
      // Each group is read completely before it is written: in place is safe.
      forEachSelectedGroup<K>(
          layout, input, layout.range(task),
          [=](int64_t o, int64_t g, int64_t i, const Storage *values,
              uint32_t keep) SPARQ_ALWAYS_INLINE {
            Storage *dst = out + (o * axis + g * m) * inner + i;
            for (unsigned j = 0; j < m; ++j) // branch-free select
              dst[j * inner] = Storage(values[j] & (0u - ((keep >> j) & 1u)));
          });
    });
  });
}

NMStatus sparq::numerics::findNMViolation(const void *input, ElementKind kind,
                                          AxisView view, NMPattern pattern,
                                          std::optional<NMViolation> &violation,
                                          const ParallelFor &parallel) {
  violation.reset();
  return withValidLayout(kind, view, pattern, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    using T = ElementTraits<K>;
    const auto *in = static_cast<const typename T::Storage *>(input);
    const Layout layout(view, pattern);
    std::vector<std::optional<NMViolation>> found(layout.numTasks());
    runTasks(parallel, layout.numTasks(), [&](size_t task) {
      const Layout::Range r = layout.range(task);
      for (int64_t o = r.o0; o < r.o1; ++o) {
        for (int64_t g = r.g0; g < r.g1; ++g) {
          const auto *group = in + layout.dense(o, g * layout.m, 0);
          for (int64_t i = 0; i < view.inner; ++i) {
            unsigned count = 0;
            for (unsigned j = 0; j < layout.m; ++j)
              count += (group[j * view.inner + i] & T::kAbsMask) != 0;
            if (count > layout.n) {
              found[task] = NMViolation{o, g, i, count};
              return;
            }
          }
        }
      }
    });
    // Tasks are numbered in row-major (outer, group) order.
    for (const std::optional<NMViolation> &v : found) {
      if (v) {
        violation = v;
        break;
      }
    }
  });
}

NMStatus sparq::numerics::compressNM(const void *input, ElementKind kind,
                                     AxisView view, NMPattern pattern,
                                     void *values, uint16_t *metadata,
                                     const ParallelFor &parallel) {
  return withValidLayout(kind, view, pattern, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    using Storage = typename ElementTraits<K>::Storage;
    const Layout layout(view, pattern);
    auto *vals = static_cast<Storage *>(values);
    const int64_t inner = view.inner, kept = layout.kept, words = layout.words;
    const unsigned n = pattern.n, m = pattern.m, bits = layout.bits,
                   groupBits = n * bits;
    runTasks(parallel, layout.numTasks(), [&](size_t task) {
      const Layout::Range r = layout.range(task);
      // This task owns metadata words [w0, w1) of each of its lines.
      const int64_t w0 = r.g0 * groupBits / 16;
      const int64_t w1 = (r.g1 * groupBits + 15) / 16;
      for (int64_t o = r.o0; o < r.o1; ++o)
        std::memset(metadata + (o * layout.words + w0) * inner, 0,
                    size_t((w1 - w0) * inner) * sizeof(uint16_t));
      forEachSelectedGroup<K>(
          layout, input, r,
          [=](int64_t o, int64_t g, int64_t i, const Storage *v, uint32_t keep)
              SPARQ_ALWAYS_INLINE {
                Storage *dst = vals + (o * kept + g * n) * inner + i;
                // Exactly n bits are set: a fixed-count loop, no data branches.
                uint64_t code = 0;
                if (m == 4) {
                  // Table: keep mask -> its set bit indices, 2 bits each.
                  static constexpr uint8_t kIndices4[16] = {
                      0x0, 0x0, 0x1, 0x4,  0x2, 0x8,  0x9,  0x24,
                      0x3, 0xC, 0xD, 0x34, 0xE, 0x38, 0x39, 0xE4};
                  code = kIndices4[keep];
                  for (unsigned t = 0; t < n; ++t)
                    dst[t * inner] = v[(code >> (2 * t)) & 3];
                } else {
                  for (unsigned t = 0; t < n; ++t) {
                    const unsigned j = lowestBit(keep);
                    keep &= keep - 1;
                    dst[t * inner] = v[j];
                    code |= uint64_t(j) << (t * bits);
                  }
                }
                orBits(metadata + o * words * inner + i, inner,
                       uint64_t(g) * groupBits, code, groupBits);
              });
    });
  });
}

namespace {
/// Reads and validates the metadata of the task's groups, calling
/// fn(o, g, i, indices) with the n kept indices of each valid group, in
/// (o, g, i) order. Returns the first problem, which stops the walk.
template <typename Fn>
std::optional<NMMetadataError> walkMetadata(const Layout &layout,
                                            const uint16_t *metadata,
                                            const Layout::Range &r, Fn fn) {
  using Reason = NMMetadataError::Reason;
  const int64_t inner = layout.view.inner;
  const unsigned n = layout.n, m = layout.m, bits = layout.bits;
  const uint32_t indexMask = (1u << bits) - 1;
  const unsigned padBits =
      unsigned(layout.words * 16 - layout.groups * n * bits);
  const unsigned groupBits = n * bits;
  unsigned indices[kMaxM];
  for (int64_t o = r.o0; o < r.o1; ++o) {
    const uint16_t *lines = metadata + o * layout.words * inner;
    for (int64_t g = r.g0; g < r.g1; ++g) {
      for (int64_t i = 0; i < inner; ++i) {
        const uint64_t code =
            readBits(lines + i, inner, uint64_t(g) * groupBits, groupBits);
        bool bad = false;
        for (unsigned t = 0; t < n; ++t) {
          indices[t] = unsigned(code >> (t * bits)) & indexMask;
          bad |= indices[t] >= m || (t > 0 && indices[t] <= indices[t - 1]);
        }
        if (bad) {
          for (unsigned t = 0; t < n; ++t) {
            if (indices[t] >= m)
              return NMMetadataError{Reason::IndexOutOfRange, o, g, i};
            if (t > 0 && indices[t] <= indices[t - 1])
              return NMMetadataError{Reason::NotIncreasing, o, g, i};
          }
        }
        fn(o, g, i, indices);
      }
    }
    if (r.g1 == layout.groups && padBits != 0) {
      // Canonical form: the unused high bits of each line's last word are 0.
      const uint16_t *last = lines + (layout.words - 1) * inner;
      for (int64_t i = 0; i < inner; ++i)
        if (last[i] >> (16 - padBits))
          return NMMetadataError{Reason::NonZeroPadding, o, layout.groups, i};
    }
  }
  return std::nullopt;
}

/// Runs walkMetadata over all tasks; the first error in task order (which
/// is row-major (outer, group) order) wins.
template <typename Fn>
NMStatus walkAllMetadata(const Layout &layout, const uint16_t *metadata,
                         NMMetadataError *error, const ParallelFor &parallel,
                         Fn fn) {
  std::vector<std::optional<NMMetadataError>> found(layout.numTasks());
  runTasks(parallel, layout.numTasks(), [&](size_t task) {
    found[task] = walkMetadata(layout, metadata, layout.range(task), fn);
  });
  for (const std::optional<NMMetadataError> &e : found) {
    if (e) {
      if (error)
        *error = *e;
      return NMStatus::BadMetadata;
    }
  }
  return NMStatus::Ok;
}
} // namespace

NMStatus sparq::numerics::decompressNM(const void *values,
                                       const uint16_t *metadata,
                                       ElementKind kind, AxisView view,
                                       NMPattern pattern, void *output,
                                       NMMetadataError *error,
                                       const ParallelFor &parallel) {
  if (!isValidLayout(view, pattern))
    return NMStatus::BadArguments;
  if (view.numElements() == 0)
    return NMStatus::Ok;
  NMStatus status = NMStatus::Ok;
  dispatchKind(kind, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    using Storage = typename ElementTraits<K>::Storage;
    const Layout layout(view, pattern);
    const auto *vals = static_cast<const Storage *>(values);
    auto *out = static_cast<Storage *>(output);
    const int64_t inner = view.inner;
    status = walkAllMetadata(
        layout, metadata, error, parallel,
        [&](int64_t o, int64_t g, int64_t i, const unsigned *indices) {
          Storage *dst = out + layout.dense(o, g * layout.m, i);
          const Storage *src =
              vals + (o * layout.kept + g * layout.n) * inner + i;
          for (unsigned j = 0; j < layout.m; ++j)
            dst[j * inner] = Storage(0);
          for (unsigned t = 0; t < layout.n; ++t)
            dst[indices[t] * inner] = src[t * inner];
        });
  });
  return status;
}

NMStatus sparq::numerics::nmKeptPositions(const uint16_t *metadata,
                                          AxisView view, NMPattern pattern,
                                          int32_t *positions,
                                          NMMetadataError *error,
                                          const ParallelFor &parallel) {
  if (!isValidLayout(view, pattern) || view.axis > INT32_MAX)
    return NMStatus::BadArguments;
  if (view.numElements() == 0)
    return NMStatus::Ok;
  const Layout layout(view, pattern);
  const int64_t inner = view.inner;
  return walkAllMetadata(
      layout, metadata, error, parallel,
      [&](int64_t o, int64_t g, int64_t i, const unsigned *indices) {
        int32_t *dst = positions + (o * layout.kept + g * layout.n) * inner + i;
        for (unsigned t = 0; t < layout.n; ++t)
          dst[t * inner] = int32_t(g * layout.m + indices[t]);
      });
}
