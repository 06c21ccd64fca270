//===- Transposable.cpp - 2:4 masks valid along rows and columns ----------===//
#include "sparq/Numerics/Transposable.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>
#include <vector>

using namespace sparq::numerics;

const std::array<uint16_t, 90> &sparq::numerics::transposablePatterns() {
  static const std::array<uint16_t, 90> patterns = [] {
    std::array<uint16_t, 90> out{};
    size_t count = 0;
    for (unsigned bits = 0; bits < (1u << 16); ++bits) {
      bool ok = true;
      for (unsigned r = 0; r < 4 && ok; ++r)
        ok = __builtin_popcount((bits >> (4 * r)) & 0xF) == 2;
      for (unsigned c = 0; c < 4 && ok; ++c)
        ok = __builtin_popcount(bits & (0x1111u << c)) == 2;
      if (ok)
        out[count++] = uint16_t(bits);
    }
    return out;
  }();
  return patterns;
}

namespace {
/// (NaNs, infinities, finite magnitude) kept by a pattern.
struct Key {
  int nans = 0, infs = 0;
  double finite = 0;
  bool operator>(const Key &o) const {
    return std::tie(nans, infs, finite) > std::tie(o.nans, o.infs, o.finite);
  }
};

/// Selects the mask of the 4x4 block at (r0, c0) and writes it to `mask`.
void selectBlock(const void *input, ElementKind kind, int64_t cols, int64_t r0,
                 int64_t c0, uint8_t *mask) {
  float magnitude[16];
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      magnitude[4 * r + c] =
          std::fabs(loadAsF32(kind, input, (r0 + r) * cols + c0 + c));
  uint16_t best = 0;
  Key bestKey;
  bool first = true;
  for (uint16_t pattern : transposablePatterns()) {
    Key key;
    for (int e = 0; e < 16; ++e) {
      if (!(pattern >> e & 1))
        continue;
      if (std::isnan(magnitude[e]))
        ++key.nans;
      else if (std::isinf(magnitude[e]))
        ++key.infs;
      else
        key.finite += magnitude[e];
    }
    if (first || key > bestKey) {
      best = pattern;
      bestKey = key;
      first = false;
    }
  }
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c)
      mask[(r0 + r) * cols + c0 + c] = (best >> (4 * r + c)) & 1;
}
} // namespace

bool sparq::numerics::selectTransposableMask(const void *input,
                                             ElementKind kind, int64_t rows,
                                             int64_t cols, uint8_t *mask,
                                             const ParallelFor &parallel) {
  if (rows < 0 || cols < 0 || rows % 4 || cols % 4)
    return false;
  // One task per band of four rows: blocks never straddle tasks.
  runTasks(parallel, size_t(rows / 4), [&](size_t band) {
    for (int64_t c0 = 0; c0 < cols; c0 += 4)
      selectBlock(input, kind, cols, int64_t(band) * 4, c0, mask);
  });
  return true;
}

bool sparq::numerics::pruneTransposable(const void *input, ElementKind kind,
                                        int64_t rows, int64_t cols,
                                        void *output,
                                        const ParallelFor &parallel) {
  std::vector<uint8_t> mask(size_t(std::max<int64_t>(rows * cols, 0)));
  if (!selectTransposableMask(input, kind, rows, cols, mask.data(), parallel))
    return false;
  size_t bytes = elementByteSize(kind);
  const char *in = static_cast<const char *>(input);
  char *out = static_cast<char *>(output);
  for (int64_t i = 0; i < rows * cols; ++i) {
    if (mask[i])
      std::memmove(out + i * bytes, in + i * bytes, bytes);
    else
      std::memset(out + i * bytes, 0, bytes);
  }
  return true;
}
