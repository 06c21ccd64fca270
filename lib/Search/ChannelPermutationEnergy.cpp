//===- ChannelPermutationEnergy.cpp - Magnitude lost to N:M pruning -------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The energy of ChannelPermutationProblem: the float kernels that score a
// group and a swap, input validation, and the problem's per-group caches
// (thresholds, bases, losses). Moves are in ChannelPermutationMoves.cpp.
//
//===----------------------------------------------------------------------===//

#include "PermutationKernels.h"

#include "Multiversion.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sparq::search {
namespace detail {
namespace {

// Hot kernels carry SPARQ_SEARCH_MULTIVERSION (an AVX2 clone, bit-identical:
// see Multiversion.h).

// Kernels. Rows go in chunks of kChunk; within a chunk kLanes float lanes
// accumulate in a fixed order (vectorisable without reassociation flags, and
// deterministic), and each chunk's lanes are added into a double. The float
// sums thus stay short whatever the number of rows.
constexpr int64_t kChunk = 256;
static_assert(kChunk % kLanes == 0, "");

/// Group loss for 2:4 over all rows given the group's 4 columns: the two
/// smallest of four via a min/max network. A symmetric function of the
/// columns, so a group's loss depends only on which channels it holds.
SPARQ_SEARCH_MULTIVERSION
double loss2of4(const float *const *c, int64_t rows) {
  const float *c0 = c[0], *c1 = c[1], *c2 = c[2], *c3 = c[3];
  double s = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t r1 = std::min(rows, r0 + kChunk);
    float acc[kLanes] = {};
    for (int64_t r = r0; r < r1; r += kLanes) {
      for (int64_t l = 0; l < kLanes; ++l) {
        float a = c0[r + l], b = c1[r + l], x = c2[r + l], y = c3[r + l];
        float lo1 = std::min(a, b), hi1 = std::max(a, b);
        float lo2 = std::min(x, y), hi2 = std::max(x, y);
        acc[l] += std::min(lo1, lo2) +
                  std::min(std::max(lo1, lo2), std::min(hi1, hi2));
      }
    }
    for (float v : acc)
      s += v;
  }
  return s;
}

/// Group loss for any n:m: sort each row's m values and add the m - n
/// smallest in ascending order (again symmetric in the columns).
double lossGeneric(const float *const *c, int64_t rows, unsigned n,
                   unsigned m) {
  double s = 0;
  float v[16];
  for (int64_t r = 0; r < rows; ++r) {
    for (unsigned i = 0; i < m; ++i)
      v[i] = c[i][r];
    std::sort(v, v + m);
    float rowLoss = 0;
    for (unsigned i = 0; i < m - n; ++i)
      rowLoss += v[i];
    s += rowLoss;
  }
  return s;
}

/// 2:4 group refresh: the loss (exactly as loss2of4 computes it) and, for
/// each member v, its threshold t, the 2nd smallest of the other three (s3
/// when v is among the two smallest, s1 <= s2 <= s3 <= s4, else s2), and
/// base = sum over rows of min(t, v).
SPARQ_SEARCH_MULTIVERSION
double update2of4(const float *const *c, float *const *t, int64_t rows,
                  double *base) {
  const float *c0 = c[0], *c1 = c[1], *c2 = c[2], *c3 = c[3];
  float *t0 = t[0], *t1 = t[1], *t2 = t[2], *t3 = t[3];
  double s = 0, s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t r1 = std::min(rows, r0 + kChunk);
    float acc[kLanes] = {}, b0[kLanes] = {}, b1[kLanes] = {},
          b2[kLanes] = {}, b3[kLanes] = {};
    for (int64_t r = r0; r < r1; r += kLanes) {
      for (int64_t l = 0; l < kLanes; ++l) {
        float a = c0[r + l], b = c1[r + l], x = c2[r + l], y = c3[r + l];
        float lo1 = std::min(a, b), hi1 = std::max(a, b);
        float lo2 = std::min(x, y), hi2 = std::max(x, y);
        float mid1 = std::max(lo1, lo2), mid2 = std::min(hi1, hi2);
        float m1 = std::min(lo1, lo2);
        float m2 = std::min(mid1, mid2), m3 = std::max(mid1, mid2);
        acc[l] += m1 + m2;
        float ta = a <= m2 ? m3 : m2, tb = b <= m2 ? m3 : m2;
        float tx = x <= m2 ? m3 : m2, ty = y <= m2 ? m3 : m2;
        t0[r + l] = ta;
        t1[r + l] = tb;
        t2[r + l] = tx;
        t3[r + l] = ty;
        b0[l] += std::min(ta, a);
        b1[l] += std::min(tb, b);
        b2[l] += std::min(tx, x);
        b3[l] += std::min(ty, y);
      }
    }
    for (int64_t l = 0; l < kLanes; ++l) {
      s += acc[l];
      s0 += b0[l];
      s1 += b1[l];
      s2 += b2[l];
      s3 += b3[l];
    }
  }
  base[0] = s0;
  base[1] = s1;
  base[2] = s2;
  base[3] = s3;
  return s;
}

/// Any n:m group refresh, with q = m - n: the loss (as lossGeneric) and,
/// per member v, the q-th smallest of the others (s[q] if v <= s[q-1],
/// 0-based sorted s, else s[q-1]) and base = sum of min(t, v).
double updateGeneric(const float *const *c, float *const *t, int64_t rows,
                     unsigned n, unsigned m, double *base) {
  const unsigned q = m - n;
  double s = 0;
  float v[16];
  for (unsigned i = 0; i < m; ++i)
    base[i] = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (unsigned i = 0; i < m; ++i)
      v[i] = c[i][r];
    std::sort(v, v + m);
    float rowLoss = 0;
    for (unsigned i = 0; i < q; ++i)
      rowLoss += v[i];
    s += rowLoss;
    for (unsigned i = 0; i < m; ++i) {
      float x = c[i][r];
      float th = x <= v[q - 1] ? v[q] : v[q - 1];
      t[i][r] = th;
      base[i] += std::min(th, x);
    }
  }
  return s;
}

} // namespace

/// Swap kernel: for member a (thresholds tA) of one group and member b
/// (thresholds tB) of another, the sum over rows of min(tA, b) + min(tB, a).
SPARQ_SEARCH_MULTIVERSION
double swapSum(const float *tA, const float *tB, const float *a,
               const float *b, int64_t rows) {
  double s = 0;
  for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
    const int64_t r1 = std::min(rows, r0 + kChunk);
    float acc[kLanes] = {};
    for (int64_t r = r0; r < r1; r += kLanes)
      for (int64_t l = 0; l < kLanes; ++l)
        acc[l] += std::min(tA[r + l], b[r + l]) + std::min(tB[r + l], a[r + l]);
    for (float v : acc)
      s += v;
  }
  return s;
}

double lossOfColumns(const float *const *c, int64_t rows, SparsityPattern p) {
  if (p.m == 4 && p.n == 2)
    return loss2of4(c, rows);
  return lossGeneric(c, rows, p.n, p.m);
}

double updateGroupColumns(const float *const *c, float *const *t,
                          int64_t rows, SparsityPattern p, double *base) {
  return p.m == 4 && p.n == 2 ? update2of4(c, t, rows, base)
                              : updateGeneric(c, t, rows, p.n, p.m, base);
}

} // namespace detail

using namespace detail;

namespace {

bool shapeValid(const float *w, int64_t rows, int64_t cols,
                SparsityPattern pattern) {
  if (!pattern.isValid() || rows < 0 || cols < 0 || cols % pattern.m != 0)
    return false;
  if (cols > int64_t(std::numeric_limits<int32_t>::max()))
    return false;
  return w || rows == 0 || cols == 0;
}

} // namespace

WeightCheck checkWeights(const float *w, int64_t rows, int64_t cols,
                         SparsityPattern pattern) {
  WeightCheck result;
  if (!shapeValid(w, rows, cols, pattern)) {
    result.status = PermutationStatus::BadArguments;
    return result;
  }
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = w + r * cols;
    for (int64_t c = 0; c < cols; ++c) {
      if (!std::isfinite(row[c])) {
        result.status = PermutationStatus::NonFiniteWeight;
        result.badRow = r;
        result.badColumn = c;
        return result;
      }
    }
  }
  return result;
}

bool isPermutation(const std::vector<int32_t> &perm, int64_t cols) {
  if (int64_t(perm.size()) != cols)
    return false;
  std::vector<bool> seen(size_t(cols), false);
  for (int32_t p : perm) {
    if (p < 0 || p >= cols || seen[size_t(p)])
      return false;
    seen[size_t(p)] = true;
  }
  return true;
}

//===----------------------------------------------------------------------===//
// ChannelPermutationProblem
//===----------------------------------------------------------------------===//

ChannelPermutationProblem::ChannelPermutationProblem(
    const float *w, int64_t rows, int64_t cols, SparsityPattern pattern,
    const std::vector<int32_t> &initial)
    : pat(pattern) {
  check = checkWeights(w, rows, cols, pattern);
  if (check.status == PermutationStatus::Ok && !initial.empty() &&
      !isPermutation(initial, cols))
    check.status = PermutationStatus::BadArguments;
  if (check.status != PermutationStatus::Ok)
    return;

  numRows = rows;
  numCols = cols;
  groups = cols / pattern.m;
  stride = (rows + kLanes - 1) / kLanes * kLanes;
  absT.assign(size_t(cols) * size_t(stride), 0.0f);
  thr.assign(size_t(cols) * size_t(stride), 0.0f);
  base.assign(size_t(cols), 0.0);
  // Transpose in tiles so that both the reads of W and the writes of absT
  // stay within a few cache lines per step.
  constexpr int64_t kTile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    int64_t r1 = std::min(rows, r0 + kTile);
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      int64_t c1 = std::min(cols, c0 + kTile);
      for (int64_t c = c0; c < c1; ++c) {
        float *dst = absT.data() + size_t(c) * size_t(stride);
        for (int64_t r = r0; r < r1; ++r)
          dst[r] = std::fabs(w[r * cols + c]);
      }
    }
  }
  total = 0;
  for (int64_t c = 0; c < cols; ++c) {
    const float *col = column(int32_t(c));
    double s = 0;
    for (int64_t r = 0; r < rows; ++r)
      s += col[r];
    total += s;
  }

  if (initial.empty()) {
    perm.resize(size_t(cols));
    std::iota(perm.begin(), perm.end(), 0);
  } else {
    perm = initial;
  }
  loss.resize(size_t(groups));
  for (int64_t g = 0; g < groups; ++g)
    updateGroup(g);
}

int64_t ChannelPermutationProblem::blockGroupsForBytes(int64_t bytes) const {
  // Per group: M columns of |W| and M of thresholds.
  int64_t perGroup = 2 * int64_t(pat.m) * stride * int64_t(sizeof(float));
  return std::max<int64_t>(2, bytes / std::max<int64_t>(1, perGroup));
}

double ChannelPermutationProblem::lossOfChannels(const int32_t *channels) const {
  const float *cols[16];
  for (unsigned i = 0; i < pat.m; ++i)
    cols[i] = column(channels[i]);
  return lossOfColumns(cols, stride, pat);
}

void ChannelPermutationProblem::updateGroup(int64_t g) {
  const float *cols[16];
  float *t[16];
  for (unsigned i = 0; i < pat.m; ++i) {
    int64_t pos = g * pat.m + i;
    cols[i] = column(perm[size_t(pos)]);
    t[i] = thr.data() + size_t(pos) * size_t(stride);
  }
  double *b = base.data() + g * pat.m;
  loss[size_t(g)] = updateGroupColumns(cols, t, stride, pat, b);
}

double ChannelPermutationProblem::energy() const {
  double s = 0;
  for (double l : loss)
    s += l;
  return s;
}

double ChannelPermutationProblem::recomputeEnergy() const {
  double s = 0;
  for (int64_t g = 0; g < groups; ++g)
    s += lossOfChannels(perm.data() + g * pat.m);
  return s;
}

} // namespace sparq::search
