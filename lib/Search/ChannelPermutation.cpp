//===- ChannelPermutation.cpp - Channel permutations for N:M --------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/ChannelPermutation.h"

#include "Multiversion.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

namespace sparq::search {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Rows are processed in blocks of this many lanes. Columns are padded with
/// zeros to a multiple of it (zeros lose nothing), so kernels have no tail.
constexpr int64_t kLanes = 16;

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

double lossOfColumns(const float *const *c, int64_t rows, SparsityPattern p) {
  if (p.m == 4 && p.n == 2)
    return loss2of4(c, rows);
  return lossGeneric(c, rows, p.n, p.m);
}

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

void ChannelPermutationProblem::setBlocking(int64_t blockGroups,
                                            int64_t movesPerBlock) {
  if (blockGroups < 2 || blockGroups >= groups) {
    blockSize = 0;
    block.clear();
    return;
  }
  blockSize = blockGroups;
  blockMoves = std::max<int64_t>(1, movesPerBlock);
  blockLeft = 0;
  block.resize(size_t(groups));
  std::iota(block.begin(), block.end(), 0);
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
  loss[size_t(g)] = pat.m == 4 && pat.n == 2
                        ? update2of4(cols, t, stride, b)
                        : updateGeneric(cols, t, stride, pat.n, pat.m, b);
}

void ChannelPermutationProblem::drawPair(Rng &rng, int64_t &ga, int64_t &gb) {
  if (blockSize) {
    if (blockLeft <= 0) {
      // Partial Fisher-Yates: the first blockSize entries become a uniform
      // random subset (the array stays a permutation of the groups).
      for (int64_t i = 0; i < blockSize; ++i)
        std::swap(block[size_t(i)],
                  block[size_t(i) + rng.below(uint64_t(groups - i))]);
      blockLeft = blockMoves;
    }
    --blockLeft;
    int64_t i = int64_t(rng.below(uint64_t(blockSize)));
    int64_t j = int64_t(rng.below(uint64_t(blockSize - 1)));
    if (j >= i)
      ++j;
    ga = block[size_t(i)];
    gb = block[size_t(j)];
    return;
  }
  ga = int64_t(rng.below(uint64_t(groups)));
  gb = int64_t(rng.below(uint64_t(groups - 1)));
  if (gb >= ga)
    ++gb;
}

ChannelPermutationProblem::Move ChannelPermutationProblem::propose(Rng &rng) {
  const int64_t m = pat.m;
  int64_t ga, gb;
  drawPair(rng, ga, gb);
  Move move;
  move.posA = int32_t(ga * m + int64_t(rng.below(uint64_t(m))));
  move.posB = int32_t(gb * m + int64_t(rng.below(uint64_t(m))));
  return move;
}

void ChannelPermutationProblem::pairDeltas(int64_t ga, int64_t gb,
                                           double *out) const {
  const int64_t m = pat.m;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      out[i * m + j] = swapDelta(ga * m + i, gb * m + j);
}

double ChannelPermutationProblem::swapDelta(int64_t a, int64_t b) const {
  const double sum = swapSum(thresholds(a), thresholds(b),
                             column(perm[size_t(a)]), column(perm[size_t(b)]),
                             stride);
  return sum - (base[size_t(a)] + base[size_t(b)]);
}

double ChannelPermutationProblem::delta(Move &move) const {
  return swapDelta(move.posA, move.posB);
}

void ChannelPermutationProblem::apply(const Move &move) {
  const int64_t m = pat.m;
  std::swap(perm[size_t(move.posA)], perm[size_t(move.posB)]);
  updateGroup(move.posA / m);
  updateGroup(move.posB / m);
}

double ChannelPermutationProblem::energy() const {
  double s = 0;
  for (double l : loss)
    s += l;
  return s;
}

void ChannelPermutationProblem::saveState(State &out) const {
  out = perm;
}

void ChannelPermutationProblem::restoreState(const State &in) {
  perm = in;
  // Thresholds are not part of the state (copying them would cost as much
  // as recomputing); refresh every group.
  for (int64_t g = 0; g < groups; ++g)
    updateGroup(g);
}

double ChannelPermutationProblem::recomputeEnergy() const {
  double s = 0;
  for (int64_t g = 0; g < groups; ++g)
    s += lossOfChannels(perm.data() + g * pat.m);
  return s;
}

void ChannelPermutationProblem::swap(int64_t a, int64_t b) {
  Move move;
  move.posA = int32_t(a);
  move.posB = int32_t(b);
  apply(move);
}

//===----------------------------------------------------------------------===//
// Searches
//===----------------------------------------------------------------------===//

TemperatureSchedule PermutationSearchOptions::defaultSchedule() {
  TemperatureSchedule s;
  s.kind = TemperatureSchedule::Kind::Geometric;
  s.autoStartQuantile = 0.1;
  s.autoStartAcceptance = 1e-2;
  s.autoEndQuantile = 0.1;
  s.autoEndAcceptance = 1e-8;
  return s;
}

namespace {
PermutationResult startResult(const ChannelPermutationProblem &problem) {
  PermutationResult result;
  result.status = problem.status();
  result.badRow = problem.weightCheck().badRow;
  result.badColumn = problem.weightCheck().badColumn;
  if (result.status == PermutationStatus::Ok) {
    result.permutation = problem.permutation();
    result.totalMagnitude = problem.totalMagnitude();
    result.keptInitial = result.totalMagnitude - problem.energy();
    result.kept = result.keptInitial;
  }
  return result;
}
} // namespace

PermutationResult
annealChannelPermutation(const float *w, int64_t rows, int64_t cols,
                         const PermutationSearchOptions &options) {
  const Clock::time_point start = Clock::now();
  ChannelPermutationProblem problem(w, rows, cols, options.pattern,
                                    options.initialPermutation);
  PermutationResult result = startResult(problem);
  if (result.status != PermutationStatus::Ok || problem.size() == 0) {
    result.seconds = secondsSince(start);
    return result;
  }
  int64_t blockGroups =
      options.blockGroups
          ? options.blockGroups
          : std::max<int64_t>(8, problem.blockGroupsForBytes(options.blockBytes));
  problem.setBlocking(blockGroups, options.movesPerBlock
                                       ? options.movesPerBlock
                                       : options.movesPerGroup * blockGroups);

  AnnealOptions annealOptions;
  annealOptions.seed = options.seed;
  annealOptions.sweeps = options.sweeps;
  annealOptions.schedule = options.schedule;
  TemperatureSchedule &schedule = annealOptions.schedule;
  if (!(schedule.start > 0) || !(schedule.end > 0)) {
    // Resolve automatic temperatures here (the engine then samples
    // nothing), with a separate random stream, to apply the start policy.
    Rng sampler(options.seed ^ 0x6a09e667f3bcc909ull);
    const Clock::time_point t = Clock::now();
    std::vector<double> samples =
        sampleAbsDeltas(problem, sampler, schedule.autoSamples);
    const double perMove =
        secondsSince(t) / double(std::max<size_t>(1, samples.size()));
    double t0 = schedule.start, t1 = schedule.end;
    detail::resolveTemperatures(schedule, samples, t0, t1);
    if (options.hotStartWhenAffordable && !(schedule.start > 0)) {
      const double k = double(cols), m = double(options.pattern.m);
      double proposals = std::max(0.0, options.sweeps) * k;
      if (options.progressByTime && options.timeBudgetSeconds > 0 &&
          perMove > 0)
        proposals = std::min(
            proposals,
            (options.timeBudgetSeconds - secondsSince(start)) / perMove);
      const double perSwap = proposals / (k * (k - m) / 2);
      const double lambda =
          std::min(1.0, std::max(0.0, std::log2(perSwap / 4) / 2));
      if (lambda > 0) {
        double hot = temperatureFromSamples(samples, options.hotStartQuantile,
                                            options.hotStartAcceptance);
        if (hot > t0)
          t0 = std::exp((1 - lambda) * std::log(t0) + lambda * std::log(hot));
      }
    }
    schedule.start = t0;
    schedule.end = t1;
  }
  annealOptions.progressByTime = options.progressByTime;
  if (options.timeBudgetSeconds > 0)
    // The budget covers the setup above too.
    annealOptions.timeBudgetSeconds =
        std::max(1e-9, options.timeBudgetSeconds - secondsSince(start));
  result.anneal = anneal(problem, annealOptions);
  result.permutation = problem.permutation();
  result.kept = result.totalMagnitude - result.anneal.bestEnergy;
  result.seconds = secondsSince(start);
  return result;
}

PermutationResult greedyChannelPermutation(const float *w, int64_t rows,
                                           int64_t cols,
                                           const GreedyOptions &options) {
  const Clock::time_point start = Clock::now();
  ChannelPermutationProblem problem(w, rows, cols, options.pattern,
                                    options.initialPermutation);
  PermutationResult result = startResult(problem);
  const int64_t groups = problem.numGroups();
  if (result.status != PermutationStatus::Ok || groups < 2) {
    result.greedy.converged = result.status == PermutationStatus::Ok;
    result.seconds = secondsSince(start);
    return result;
  }

  const int64_t m = options.pattern.m;
  const double budget = options.timeBudgetSeconds;
  GreedyStats &stats = result.greedy;
  Rng rng(options.seed);
  // Offsets d in [1, G/2]: pairs (g, g + d mod G) over all g cover every
  // unordered pair once, except d = G/2 for even G, where g < G/2 suffices.
  std::vector<double> deltas(size_t(m * m));
  std::vector<int64_t> offsets(size_t(groups / 2));
  std::iota(offsets.begin(), offsets.end(), 1);

  bool outOfTime = false;
  while (!outOfTime && (options.maxPasses == 0 ||
                        stats.passes < options.maxPasses)) {
    // Fisher-Yates with our Rng, so the order is the same everywhere.
    for (size_t i = offsets.size(); i > 1; --i)
      std::swap(offsets[i - 1], offsets[rng.below(i)]);
    uint64_t appliedThisPass = 0;
    for (int64_t d : offsets) {
      const int64_t gEnd = (2 * d == groups) ? groups / 2 : groups;
      for (int64_t ga = 0; ga < gEnd; ++ga) {
        // One clock read per group pair is negligible next to its M*M swap
        // evaluations over all rows.
        if (budget > 0 && secondsSince(start) >= budget) {
          outOfTime = true;
          break;
        }
        const int64_t gb = (ga + d) % groups;
        problem.pairDeltas(ga, gb, deltas.data());
        ++stats.pairsEvaluated;
        size_t best = 0;
        for (size_t k = 1; k < deltas.size(); ++k)
          if (deltas[k] < deltas[best])
            best = k;
        if (!(deltas[best] < 0))
          continue;
        // The estimate comes from float sums and may be off by rounding;
        // keep the swap only if the exactly recomputed losses of the two
        // groups drop. Loss is then strictly decreasing, so passes end.
        const double before = problem.groupLoss(ga) + problem.groupLoss(gb);
        const int64_t pa = ga * m + int64_t(best) / m;
        const int64_t pb = gb * m + int64_t(best) % m;
        problem.swap(pa, pb);
        if (problem.groupLoss(ga) + problem.groupLoss(gb) < before)
          ++appliedThisPass;
        else
          problem.swap(pa, pb);
      }
      if (outOfTime)
        break;
    }
    stats.swapsApplied += appliedThisPass;
    if (outOfTime)
      break;
    ++stats.passes;
    if (appliedThisPass == 0) {
      stats.converged = true;
      break;
    }
  }
  stats.stoppedByTime = outOfTime;
  result.permutation = problem.permutation();
  result.kept = result.totalMagnitude - problem.energy();
  result.seconds = secondsSince(start);
  return result;
}

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

double totalMagnitude(const float *w, int64_t rows, int64_t cols) {
  double s = 0;
  for (int64_t i = 0, e = rows * cols; i < e; ++i)
    s += std::fabs(double(w[i]));
  return s;
}

double keptMagnitude(const float *w, int64_t rows, int64_t cols,
                     const std::vector<int32_t> &perm,
                     SparsityPattern pattern) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (checkWeights(w, rows, cols, pattern).status != PermutationStatus::Ok)
    return nan;
  if (!perm.empty() && !isPermutation(perm, cols))
    return nan;
  double kept = 0;
  double v[16];
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = w + r * cols;
    for (int64_t g = 0; g < cols / pattern.m; ++g) {
      for (unsigned i = 0; i < pattern.m; ++i) {
        int64_t j = g * pattern.m + i;
        v[i] = std::fabs(double(row[perm.empty() ? j : perm[size_t(j)]]));
      }
      std::sort(v, v + pattern.m, std::greater<double>());
      for (unsigned i = 0; i < pattern.n; ++i)
        kept += v[i];
    }
  }
  return kept;
}

double keptUnstructured(const float *w, int64_t rows, int64_t cols,
                        SparsityPattern pattern) {
  if (checkWeights(w, rows, cols, pattern).status != PermutationStatus::Ok)
    return std::numeric_limits<double>::quiet_NaN();
  const int64_t keep = cols / pattern.m * pattern.n;
  std::vector<double> v(static_cast<size_t>(cols));
  double kept = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c)
      v[size_t(c)] = std::fabs(double(w[r * cols + c]));
    if (keep < cols)
      std::nth_element(v.begin(), v.begin() + keep, v.end(),
                       std::greater<double>());
    for (int64_t c = 0; c < keep; ++c)
      kept += v[size_t(c)];
  }
  return kept;
}

double efficacy(double kept, double keptIdentity, double keptUnstructured) {
  const double gap = keptUnstructured - keptIdentity;
  if (!(gap > 0))
    return std::numeric_limits<double>::quiet_NaN();
  return (kept - keptIdentity) / gap;
}

PermutationQuality evaluatePermutation(const float *w, int64_t rows,
                                       int64_t cols,
                                       const std::vector<int32_t> &perm,
                                       SparsityPattern pattern) {
  PermutationQuality q;
  q.status = checkWeights(w, rows, cols, pattern).status;
  if (q.status == PermutationStatus::Ok && !perm.empty() &&
      !isPermutation(perm, cols))
    q.status = PermutationStatus::BadArguments;
  if (q.status != PermutationStatus::Ok) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    q.total = q.keptIdentity = q.kept = q.keptUnstructured = q.efficacy = nan;
    return q;
  }
  q.total = totalMagnitude(w, rows, cols);
  q.keptIdentity = keptMagnitude(w, rows, cols, {}, pattern);
  q.kept = keptMagnitude(w, rows, cols, perm, pattern);
  q.keptUnstructured = keptUnstructured(w, rows, cols, pattern);
  q.efficacy = efficacy(q.kept, q.keptIdentity, q.keptUnstructured);
  return q;
}

} // namespace sparq::search
