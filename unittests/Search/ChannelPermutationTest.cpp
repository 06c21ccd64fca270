//===- ChannelPermutationTest.cpp - N:M channel permutation search --------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/ChannelPermutation.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <vector>

using namespace sparq::search;

namespace {

/// Heavy-tailed (Laplace-like, with occasional large outliers) weights from
/// our own Rng, so the tests see the same matrices everywhere.
std::vector<float> randomWeights(int64_t rows, int64_t cols, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(size_t(rows * cols));
  for (float &x : w) {
    double u = rng.uniform() - 0.5;
    double v = -std::copysign(1.0, u) * std::log(1 - 2 * std::fabs(u));
    if (rng.below(16) == 0)
      v *= 8;
    x = float(v);
  }
  return w;
}

std::vector<int32_t> identity(int64_t n) {
  std::vector<int32_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), 0);
  return p;
}

std::vector<int32_t> randomPermutation(int64_t n, Rng &rng) {
  std::vector<int32_t> p = identity(n);
  for (size_t i = p.size(); i > 1; --i)
    std::swap(p[i - 1], p[rng.below(i)]);
  return p;
}

/// Best kept magnitude over every partition of the channels into groups of
/// m, by enumeration (only the partition matters): the group holding the
/// lowest unassigned channel takes it plus any m-1 of the rest.
double bruteForceBestKept(const std::vector<float> &w, int64_t rows,
                          int64_t cols, SparsityPattern pat,
                          std::vector<int32_t> &bestPerm) {
  double best = -1;
  std::vector<int32_t> perm;
  std::vector<bool> used(size_t(cols), false);
  std::function<void()> rec = [&] {
    if (int64_t(perm.size()) == cols) {
      double k = keptMagnitude(w.data(), rows, cols, perm, pat);
      if (k > best) {
        best = k;
        bestPerm = perm;
      }
      return;
    }
    int64_t first = 0;
    while (used[size_t(first)])
      ++first;
    used[size_t(first)] = true;
    perm.push_back(int32_t(first));
    std::function<void(int64_t, unsigned)> pick = [&](int64_t from,
                                                      unsigned left) {
      if (left == 0) {
        rec();
        return;
      }
      for (int64_t c = from; c < cols; ++c) {
        if (used[size_t(c)])
          continue;
        used[size_t(c)] = true;
        perm.push_back(int32_t(c));
        pick(c + 1, left - 1);
        perm.pop_back();
        used[size_t(c)] = false;
      }
    };
    pick(first + 1, pat.m - 1);
    perm.pop_back();
    used[size_t(first)] = false;
  };
  rec();
  return best;
}

//===----------------------------------------------------------------------===//
// Scoring
//===----------------------------------------------------------------------===//

TEST(ChannelPermutationTest, KeptMagnitudeByHand) {
  // One row, 2:4: groups {4,-1,3,2} and {0,5,-6,1}.
  std::vector<float> w = {4, -1, 3, 2, 0, 5, -6, 1};
  EXPECT_DOUBLE_EQ(keptMagnitude(w.data(), 1, 8, {}), 7 + 11);
  // Permuted: groups {4,-1,0,5} and {3,2,-6,1}.
  std::vector<int32_t> perm = {0, 1, 4, 5, 2, 3, 6, 7};
  EXPECT_DOUBLE_EQ(keptMagnitude(w.data(), 1, 8, perm), 9 + 9);
  // Per-row unstructured 50%: the 4 largest of the row.
  EXPECT_DOUBLE_EQ(keptUnstructured(w.data(), 1, 8), 6 + 5 + 4 + 3);
  EXPECT_DOUBLE_EQ(totalMagnitude(w.data(), 1, 8), 22);
  // 1:4 keeps the largest per group; unstructured keeps 2 per row.
  EXPECT_DOUBLE_EQ(keptMagnitude(w.data(), 1, 8, {}, {1, 4}), 4 + 6);
  EXPECT_DOUBLE_EQ(keptUnstructured(w.data(), 1, 8, {1, 4}), 6 + 5);

  ChannelPermutationProblem p(w.data(), 1, 8);
  ASSERT_EQ(p.status(), PermutationStatus::Ok);
  EXPECT_DOUBLE_EQ(p.energy(), 22 - 18);
  EXPECT_DOUBLE_EQ(p.groupLoss(0), 3);
  EXPECT_DOUBLE_EQ(p.groupLoss(1), 1);
}

TEST(ChannelPermutationTest, EnergyMatchesReferenceForAllPatterns) {
  const SparsityPattern patterns[] = {{2, 4}, {1, 4}, {3, 4}, {1, 2},
                                      {2, 8}, {4, 8}, {1, 3}, {5, 16}};
  Rng rng(1);
  for (SparsityPattern pat : patterns) {
    const int64_t rows = 37, cols = 48; // rows not a multiple of the lanes
    std::vector<float> w = randomWeights(rows, cols, 100 + pat.n * 17 + pat.m);
    std::vector<int32_t> perm = randomPermutation(cols, rng);
    ChannelPermutationProblem p(w.data(), rows, cols, pat, perm);
    ASSERT_EQ(p.status(), PermutationStatus::Ok);
    double ref = totalMagnitude(w.data(), rows, cols) -
                 keptMagnitude(w.data(), rows, cols, perm, pat);
    EXPECT_NEAR(p.energy(), ref, 1e-6 * p.totalMagnitude())
        << pat.n << ":" << pat.m;
    EXPECT_EQ(p.energy(), p.recomputeEnergy());
  }
}

TEST(ChannelPermutationTest, IncrementalDeltaMatchesFullEnergies) {
  const SparsityPattern patterns[] = {{2, 4}, {1, 4}, {3, 4}, {1, 2}, {4, 8}};
  for (SparsityPattern pat : patterns) {
    const int64_t rows = 300, cols = 64; // rows > one kernel chunk
    std::vector<float> w = randomWeights(rows, cols, 7 + pat.m + pat.n);
    ChannelPermutationProblem p(w.data(), rows, cols, pat);
    Rng rng(pat.n * 31 + pat.m);
    const double tol = 1e-6 * p.totalMagnitude();
    for (int it = 0; it < 200; ++it) {
      ChannelPermutationProblem::Move m = p.propose(rng);
      ASSERT_NE(m.posA / pat.m, m.posB / pat.m);
      double before = p.recomputeEnergy();
      double dE = p.delta(m);
      EXPECT_NEAR(dE, p.swapDelta(m.posA, m.posB), 0);
      p.apply(m);
      double after = p.recomputeEnergy();
      ASSERT_NEAR(dE, after - before, tol) << pat.n << ":" << pat.m;
      // Cached group losses are recomputed exactly on apply.
      ASSERT_EQ(p.energy(), after);
    }
    // And against the independent double-precision reference.
    double ref = totalMagnitude(w.data(), rows, cols) -
                 keptMagnitude(w.data(), rows, cols, p.permutation(), pat);
    EXPECT_NEAR(p.energy(), ref, tol);
  }
}

TEST(ChannelPermutationTest, PairDeltasCoverAllSwaps) {
  const int64_t rows = 20, cols = 16;
  std::vector<float> w = randomWeights(rows, cols, 3);
  ChannelPermutationProblem p(w.data(), rows, cols);
  double d[16];
  p.pairDeltas(1, 3, d);
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j)
      EXPECT_EQ(d[i * 4 + j], p.swapDelta(4 + i, 12 + j));
}

TEST(ChannelPermutationTest, OrderWithinAndAmongGroupsDoesNotMatter) {
  const int64_t rows = 9, cols = 12;
  std::vector<float> w = randomWeights(rows, cols, 5);
  std::vector<int32_t> a = {3, 7, 1, 10, 0, 2, 4, 5, 6, 8, 9, 11};
  std::vector<int32_t> b = {5, 4, 2, 0, 10, 1, 7, 3, 11, 9, 6, 8};
  ChannelPermutationProblem pa(w.data(), rows, cols, {}, a);
  ChannelPermutationProblem pb(w.data(), rows, cols, {}, b);
  EXPECT_EQ(pa.energy(), pb.energy());
}

//===----------------------------------------------------------------------===//
// Searches
//===----------------------------------------------------------------------===//

TEST(ChannelPermutationTest, AnnealerFindsExactOptimum) {
  struct Case {
    int64_t rows, cols;
    SparsityPattern pat;
  };
  const Case cases[] = {{3, 8, {2, 4}},  {6, 8, {2, 4}}, {4, 12, {2, 4}},
                        {8, 12, {2, 4}}, {5, 12, {1, 4}}, {5, 8, {1, 2}},
                        {4, 12, {2, 6}}};
  uint64_t seed = 0;
  for (const Case &c : cases) {
    for (int instance = 0; instance < 3; ++instance) {
      ++seed;
      std::vector<float> w = randomWeights(c.rows, c.cols, 1000 + seed);
      std::vector<int32_t> bestPerm;
      double best = bruteForceBestKept(w, c.rows, c.cols, c.pat, bestPerm);
      PermutationSearchOptions o;
      o.pattern = c.pat;
      o.seed = seed;
      o.sweeps = 400;
      PermutationResult r = annealChannelPermutation(w.data(), c.rows, c.cols, o);
      ASSERT_EQ(r.status, PermutationStatus::Ok);
      ASSERT_TRUE(isPermutation(r.permutation, c.cols));
      double kept =
          keptMagnitude(w.data(), c.rows, c.cols, r.permutation, c.pat);
      EXPECT_NEAR(kept, best, 1e-5 * best)
          << c.rows << "x" << c.cols << " " << c.pat.n << ":" << c.pat.m
          << " instance " << instance;
      EXPECT_NEAR(r.kept, kept, 1e-5 * best);
      EXPECT_GE(r.kept, r.keptInitial);
    }
  }
}

TEST(ChannelPermutationTest, GreedyReachesLocalOptimum) {
  const int64_t rows = 16, cols = 32;
  std::vector<float> w = randomWeights(rows, cols, 77);
  GreedyOptions o;
  o.timeBudgetSeconds = 0;
  PermutationResult r = greedyChannelPermutation(w.data(), rows, cols, o);
  ASSERT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_TRUE(r.greedy.converged);
  EXPECT_FALSE(r.greedy.stoppedByTime);
  EXPECT_GT(r.greedy.swapsApplied, 0u);
  EXPECT_GT(r.kept, r.keptInitial);
  // No single swap improves the result by more than rounding.
  double kept = keptMagnitude(w.data(), rows, cols, r.permutation);
  EXPECT_NEAR(r.kept, kept, 1e-6 * kept);
  for (int64_t a = 0; a < cols; ++a) {
    for (int64_t b = (a / 4 + 1) * 4; b < cols; ++b) {
      std::vector<int32_t> q = r.permutation;
      std::swap(q[size_t(a)], q[size_t(b)]);
      ASSERT_LE(keptMagnitude(w.data(), rows, cols, q), kept * (1 + 1e-6));
    }
  }
}

TEST(ChannelPermutationTest, GreedyMaxPassesAndTimeBudget) {
  std::vector<float> w = randomWeights(64, 256, 8);
  GreedyOptions o;
  o.timeBudgetSeconds = 0;
  o.maxPasses = 1;
  PermutationResult r = greedyChannelPermutation(w.data(), 64, 256, o);
  EXPECT_EQ(r.greedy.passes, 1u);
  EXPECT_EQ(r.greedy.pairsEvaluated, 64u * 63u / 2u);

  std::vector<float> big = randomWeights(1024, 1024, 9);
  o.maxPasses = 0;
  o.timeBudgetSeconds = 0.05;
  r = greedyChannelPermutation(big.data(), 1024, 1024, o);
  EXPECT_TRUE(r.greedy.stoppedByTime);
  EXPECT_FALSE(r.greedy.converged);
  // Cut short by the budget (generous bound: a loaded machine stalls).
  EXPECT_LT(r.seconds, 2.0);
  EXPECT_GE(r.kept, r.keptInitial);
}

TEST(ChannelPermutationTest, AnnealerTimeBudget) {
  std::vector<float> w = randomWeights(1024, 1024, 10);
  PermutationSearchOptions o;
  o.sweeps = 1e6;
  o.timeBudgetSeconds = 0.1;
  PermutationResult r = annealChannelPermutation(w.data(), 1024, 1024, o);
  ASSERT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_TRUE(r.anneal.stoppedByTime);
  EXPECT_LT(r.seconds, 0.1 + 0.25);
  EXPECT_GT(r.kept, r.keptInitial);
  EXPECT_NEAR(r.kept,
              keptMagnitude(w.data(), 1024, 1024, r.permutation),
              1e-6 * r.totalMagnitude);
}

TEST(ChannelPermutationTest, BudgetedRunCools) {
  // sweeps far beyond the budget: with the schedule on the clock the run
  // cools to its end temperature within the budget; on proposals alone it
  // would be cut off at the start temperature. Measured on the thread's
  // CPU clock, so that a loaded machine cannot stall the last chunk.
  std::vector<float> w = randomWeights(256, 512, 30);
  PermutationSearchOptions o;
  o.sweeps = HUGE_VAL;
  o.timeBudgetSeconds = 0.2;
  o.budgetClock = BudgetClock::ThreadCpu;
  PermutationResult r = annealChannelPermutation(w.data(), 256, 512, o);
  ASSERT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_TRUE(r.anneal.stoppedByTime);
  const double t0 = r.anneal.startTemperature, t1 = r.anneal.endTemperature;
  ASSERT_GT(t0, t1);
  // Progress >= 0.95 at the last chunk (a chunk is 256 proposals, about a
  // millisecond here).
  EXPECT_LE(r.anneal.lastTemperature, t0 * std::pow(t1 / t0, 0.95));
  EXPECT_GE(r.anneal.lastTemperature, t1);

  o.sweeps = 1e9;
  o.progressByTime = false;
  PermutationResult cut = annealChannelPermutation(w.data(), 256, 512, o);
  EXPECT_TRUE(cut.anneal.stoppedByTime);
  EXPECT_GT(cut.anneal.lastTemperature, 0.99 * cut.anneal.startTemperature);
}

TEST(ChannelPermutationTest, SweepsMustBound) {
  std::vector<float> w = randomWeights(8, 16, 31);
  PermutationSearchOptions o;
  for (double sweeps : {-1.0, double(NAN), double(HUGE_VAL)}) {
    o.sweeps = sweeps;
    PermutationResult r = annealChannelPermutation(w.data(), 8, 16, o);
    EXPECT_EQ(r.status, PermutationStatus::BadArguments) << sweeps;
    EXPECT_TRUE(r.permutation.empty());
  }
  // Infinite sweeps are fine under a budget; zero sweeps do nothing.
  o.sweeps = HUGE_VAL;
  o.timeBudgetSeconds = 0.01;
  EXPECT_EQ(annealChannelPermutation(w.data(), 8, 16, o).status,
            PermutationStatus::Ok);
  o.sweeps = 0;
  o.timeBudgetSeconds = 0;
  PermutationResult r = annealChannelPermutation(w.data(), 8, 16, o);
  EXPECT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_EQ(r.anneal.proposed, 0u);
  EXPECT_EQ(r.kept, r.keptInitial);
}

TEST(ChannelPermutationTest, ReplicasAreReproducibleAndTheBestIsKept) {
  std::vector<float> w = randomWeights(32, 256, 32);
  PermutationSearchOptions o;
  o.sweeps = 30;
  o.seed = 4;
  PermutationResult one = annealChannelPermutation(w.data(), 32, 256, o);
  o.replicas = 4;
  PermutationResult serial = annealChannelPermutation(w.data(), 32, 256, o);
  o.parallel = sparq::numerics::makeThreadParallelFor(3);
  PermutationResult parallel = annealChannelPermutation(w.data(), 32, 256, o);
  // However the replicas were scheduled, the same chains and the same pick.
  EXPECT_EQ(serial.permutation, parallel.permutation);
  EXPECT_EQ(serial.replicaKept, parallel.replicaKept);
  ASSERT_EQ(serial.replicaKept.size(), 4u);
  // Replica 0 is the single chain; the result is the best replica.
  EXPECT_EQ(serial.replicaKept[0], one.kept);
  for (double kept : serial.replicaKept)
    EXPECT_LE(kept, serial.kept);
  EXPECT_NE(serial.replicaKept[0], serial.replicaKept[1]);
  EXPECT_NEAR(serial.kept,
              keptMagnitude(w.data(), 32, 256, serial.permutation),
              1e-6 * serial.totalMagnitude);
}

TEST(ChannelPermutationTest, Reproducible) {
  std::vector<float> w = randomWeights(48, 256, 12);
  PermutationSearchOptions o;
  o.sweeps = 20;
  o.seed = 5;
  PermutationResult a = annealChannelPermutation(w.data(), 48, 256, o);
  PermutationResult b = annealChannelPermutation(w.data(), 48, 256, o);
  EXPECT_EQ(a.permutation, b.permutation);
  EXPECT_EQ(a.kept, b.kept);
  EXPECT_EQ(a.anneal.accepted, b.anneal.accepted);
  o.seed = 6;
  PermutationResult c = annealChannelPermutation(w.data(), 48, 256, o);
  EXPECT_NE(a.permutation, c.permutation);

  GreedyOptions g;
  g.seed = 3;
  g.timeBudgetSeconds = 0;
  EXPECT_EQ(greedyChannelPermutation(w.data(), 48, 256, g).permutation,
            greedyChannelPermutation(w.data(), 48, 256, g).permutation);
}

TEST(ChannelPermutationTest, BlockingOnAndOff) {
  std::vector<float> w = randomWeights(32, 512, 13);
  for (int64_t blockGroups : {1, 2, 8, 1000}) {
    PermutationSearchOptions o;
    o.sweeps = 10;
    o.blockGroups = blockGroups;
    PermutationResult r = annealChannelPermutation(w.data(), 32, 512, o);
    ASSERT_EQ(r.status, PermutationStatus::Ok);
    EXPECT_TRUE(isPermutation(r.permutation, 512));
    EXPECT_GT(r.kept, r.keptInitial) << blockGroups;
  }
}

TEST(ChannelPermutationTest, HotStartOnlyWhenAffordable) {
  auto startT = [](int64_t rows, int64_t cols, double sweeps, bool policy) {
    std::vector<float> w = randomWeights(rows, cols, 20);
    PermutationSearchOptions o;
    o.sweeps = sweeps;
    o.hotStartWhenAffordable = policy;
    PermutationResult r = annealChannelPermutation(w.data(), rows, cols, o);
    EXPECT_GT(r.anneal.startTemperature, r.anneal.endTemperature);
    return r.anneal.startTemperature;
  };
  // 1000 sweeps of 16 channels: ~170 proposals per distinct swap.
  EXPECT_GT(startT(16, 16, 1000, true), 2 * startT(16, 16, 1000, false));
  // 10 sweeps of 512 channels: far below one proposal per distinct swap.
  EXPECT_EQ(startT(32, 512, 10, true), startT(32, 512, 10, false));
  // An explicit start temperature is kept.
  std::vector<float> w = randomWeights(16, 16, 20);
  PermutationSearchOptions o;
  o.sweeps = 1000;
  o.schedule.start = 0.125;
  EXPECT_EQ(annealChannelPermutation(w.data(), 16, 16, o)
                .anneal.startTemperature,
            0.125);
}

TEST(ChannelPermutationTest, StructuredChannelsAreFixed) {
  // Channels 0..31 are 10x larger than 32..63; identity groups the large
  // ones together, so 2:4 drops half of them. Pairing large with small
  // makes 2:4 nearly as good as unstructured 50%.
  const int64_t rows = 32, cols = 64;
  std::vector<float> w = randomWeights(rows, cols, 14);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < 32; ++c)
      w[size_t(r * cols + c)] = 10 * std::fabs(w[size_t(r * cols + c)]) + 1;
  PermutationSearchOptions o;
  o.sweeps = 200;
  PermutationResult r = annealChannelPermutation(w.data(), rows, cols, o);
  PermutationQuality q = evaluatePermutation(w.data(), rows, cols,
                                             r.permutation);
  EXPECT_GT(q.efficacy, 0.9);
  EXPECT_LE(q.kept, q.keptUnstructured);
}

TEST(ChannelPermutationTest, InitialPermutationIsAStartingPoint) {
  const int64_t rows = 16, cols = 64;
  std::vector<float> w = randomWeights(rows, cols, 15);
  GreedyOptions g;
  g.timeBudgetSeconds = 0;
  PermutationResult gr = greedyChannelPermutation(w.data(), rows, cols, g);
  PermutationSearchOptions o;
  o.sweeps = 50;
  o.initialPermutation = gr.permutation;
  PermutationResult r = annealChannelPermutation(w.data(), rows, cols, o);
  EXPECT_DOUBLE_EQ(r.keptInitial, gr.kept);
  EXPECT_GE(r.kept, gr.kept);
}

//===----------------------------------------------------------------------===//
// Efficacy and edge cases
//===----------------------------------------------------------------------===//

TEST(ChannelPermutationTest, Efficacy) {
  EXPECT_DOUBLE_EQ(efficacy(10, 10, 20), 0);
  EXPECT_DOUBLE_EQ(efficacy(15, 10, 20), 0.5);
  EXPECT_DOUBLE_EQ(efficacy(8, 10, 20), -0.2);
  EXPECT_TRUE(std::isnan(efficacy(10, 10, 10)));

  const int64_t rows = 12, cols = 32;
  std::vector<float> w = randomWeights(rows, cols, 16);
  PermutationQuality id = evaluatePermutation(w.data(), rows, cols, {});
  EXPECT_EQ(id.status, PermutationStatus::Ok);
  EXPECT_DOUBLE_EQ(id.efficacy, 0);
  Rng rng(2);
  for (int i = 0; i < 20; ++i) {
    PermutationQuality q = evaluatePermutation(
        w.data(), rows, cols, randomPermutation(cols, rng));
    EXPECT_LE(q.kept, q.keptUnstructured);
    EXPECT_LE(q.efficacy, 1.0);
  }
  // Equal magnitudes: nothing to gain, efficacy undefined.
  std::vector<float> flat(size_t(rows * cols), -2.0f);
  EXPECT_TRUE(
      std::isnan(evaluatePermutation(flat.data(), rows, cols, {}).efficacy));
}

TEST(ChannelPermutationTest, NonFiniteWeightsAreRejected) {
  const int64_t rows = 5, cols = 8;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> w = randomWeights(rows, cols, 17);
    w[size_t(3 * cols + 6)] = bad;
    w[size_t(4 * cols + 1)] = bad; // later in row-major order
    WeightCheck c = checkWeights(w.data(), rows, cols, {});
    EXPECT_EQ(c.status, PermutationStatus::NonFiniteWeight);
    EXPECT_EQ(c.badRow, 3);
    EXPECT_EQ(c.badColumn, 6);

    ChannelPermutationProblem p(w.data(), rows, cols);
    EXPECT_EQ(p.status(), PermutationStatus::NonFiniteWeight);
    EXPECT_EQ(p.size(), 0u);

    PermutationResult a = annealChannelPermutation(w.data(), rows, cols, {});
    EXPECT_EQ(a.status, PermutationStatus::NonFiniteWeight);
    EXPECT_EQ(a.badRow, 3);
    EXPECT_EQ(a.badColumn, 6);
    EXPECT_TRUE(a.permutation.empty());
    PermutationResult g = greedyChannelPermutation(w.data(), rows, cols, {});
    EXPECT_EQ(g.status, PermutationStatus::NonFiniteWeight);
    EXPECT_TRUE(g.permutation.empty());

    EXPECT_TRUE(std::isnan(keptMagnitude(w.data(), rows, cols, {})));
    EXPECT_TRUE(std::isnan(keptUnstructured(w.data(), rows, cols)));
    EXPECT_EQ(evaluatePermutation(w.data(), rows, cols, {}).status,
              PermutationStatus::NonFiniteWeight);
  }
  // Largest finite values and subnormals are fine.
  std::vector<float> w(40, std::numeric_limits<float>::max());
  w[3] = -std::numeric_limits<float>::denorm_min();
  EXPECT_EQ(checkWeights(w.data(), 5, 8, {}).status, PermutationStatus::Ok);
}

TEST(ChannelPermutationTest, BadArguments) {
  std::vector<float> w = randomWeights(4, 12, 18);
  auto status = [&](int64_t cols, SparsityPattern pat,
                    std::vector<int32_t> init = {}) {
    PermutationSearchOptions o;
    o.pattern = pat;
    o.initialPermutation = std::move(init);
    o.sweeps = 1;
    return annealChannelPermutation(w.data(), 4, cols, o).status;
  };
  EXPECT_EQ(status(12, {2, 4}), PermutationStatus::Ok);
  EXPECT_EQ(status(10, {2, 4}), PermutationStatus::BadArguments);
  EXPECT_EQ(status(12, {0, 4}), PermutationStatus::BadArguments);
  EXPECT_EQ(status(12, {4, 4}), PermutationStatus::BadArguments);
  EXPECT_EQ(status(-4, {2, 4}), PermutationStatus::BadArguments);
  std::vector<int32_t> dup = identity(12);
  dup[5] = 4;
  EXPECT_EQ(status(12, {2, 4}, dup), PermutationStatus::BadArguments);
  EXPECT_EQ(status(12, {2, 4}, identity(8)), PermutationStatus::BadArguments);
  EXPECT_EQ(annealChannelPermutation(nullptr, 4, 12, {}).status,
            PermutationStatus::BadArguments);
  EXPECT_EQ(checkWeights(w.data(), 4, 34, {2, 17}).status,
            PermutationStatus::BadArguments); // m > 16
  std::vector<int32_t> bad = identity(12);
  bad[0] = 12;
  EXPECT_TRUE(std::isnan(keptMagnitude(w.data(), 4, 12, bad)));
}

TEST(ChannelPermutationTest, DegenerateShapes) {
  std::vector<float> w = randomWeights(4, 4, 19);
  // One group: nothing to permute.
  PermutationResult r = annealChannelPermutation(w.data(), 4, 4, {});
  EXPECT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_EQ(r.permutation, identity(4));
  EXPECT_EQ(r.kept, r.keptInitial);
  EXPECT_EQ(r.anneal.proposed, 0u);
  PermutationResult g = greedyChannelPermutation(w.data(), 4, 4, {});
  EXPECT_TRUE(g.greedy.converged);
  // No rows: every permutation keeps nothing.
  r = annealChannelPermutation(nullptr, 0, 16, {});
  EXPECT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_EQ(r.kept, 0);
  EXPECT_TRUE(isPermutation(r.permutation, 16));
  // No columns.
  r = annealChannelPermutation(nullptr, 3, 0, {});
  EXPECT_EQ(r.status, PermutationStatus::Ok);
  EXPECT_TRUE(r.permutation.empty());
}

} // namespace
