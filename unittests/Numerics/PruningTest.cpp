//===- PruningTest.cpp - Wanda and SparseGPT N:M pruning ------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Exact tests: Wanda against a direct sort-based computation; SparseGPT
// against an independent reimplementation that never forms a Cholesky factor
// (OBS updates as conditional least-squares solves on explicit submatrices);
// SparseGPT against the least-squares optimum for its own mask, with
// equality exactly when every pruned column of a row precedes its kept ones.
// Heuristic, averaged over seeds: SparseGPT's output error below magnitude's
// and Wanda's on correlated inputs (what the method is for, not a theorem).
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/SparseGPT.h"
#include "sparq/Numerics/Wanda.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

using namespace sparq::numerics;

namespace {

using Vec = std::vector<double>;

/// x [tokens][k] with correlated channels: x = z A, z and A Gaussian.
Vec correlatedInputs(std::mt19937 &rng, int64_t tokens, int64_t k) {
  std::normal_distribution<double> g;
  Vec a(size_t(k * k)), x(size_t(tokens * k), 0.0);
  for (double &v : a)
    v = g(rng);
  for (int64_t t = 0; t < tokens; ++t) {
    Vec z(static_cast<size_t>(k));
    for (double &v : z)
      v = g(rng);
    for (int64_t p = 0; p < k; ++p)
      for (int64_t j = 0; j < k; ++j)
        x[size_t(t * k + j)] += z[size_t(p)] * a[size_t(p * k + j)];
  }
  return x;
}

Vec gram(const Vec &x, int64_t tokens, int64_t k) {
  Vec h(size_t(k * k), 0.0);
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = 0; j < k; ++j)
        h[size_t(i * k + j)] += x[size_t(t * k + i)] * x[size_t(t * k + j)];
  return h;
}

std::vector<float> randomWeight(std::mt19937 &rng, int64_t rows, int64_t k) {
  std::normal_distribution<float> g;
  std::vector<float> w(size_t(rows * k));
  for (float &v : w)
    v = g(rng);
  return w;
}

/// Solves a x = b (a n x n) by Gaussian elimination with partial pivoting.
Vec solve(Vec a, Vec b, size_t n) {
  for (size_t c = 0; c < n; ++c) {
    size_t p = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::fabs(a[r * n + c]) > std::fabs(a[p * n + c]))
        p = r;
    for (size_t j = 0; j < n; ++j)
      std::swap(a[c * n + j], a[p * n + j]);
    std::swap(b[c], b[p]);
    for (size_t r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (size_t j = c; j < n; ++j)
        a[r * n + j] -= f * a[c * n + j];
      b[r] -= f * b[c];
    }
  }
  Vec x(n);
  for (size_t i = n; i-- > 0;) {
    double s = b[i];
    for (size_t j = i + 1; j < n; ++j)
      s -= a[i * n + j] * x[j];
    x[i] = s / a[i * n + i];
  }
  return x;
}

Vec sub(const Vec &h, int64_t k, const std::vector<int64_t> &rows,
        const std::vector<int64_t> &cols) {
  Vec s;
  for (int64_t r : rows)
    for (int64_t c : cols)
      s.push_back(h[size_t(r * k + c)]);
  return s;
}

std::vector<int64_t> range(int64_t a, int64_t b) {
  std::vector<int64_t> v(size_t(std::max<int64_t>(0, b - a)));
  std::iota(v.begin(), v.end(), a);
  return v;
}

/// SparseGPT without Cholesky factors, one row at a time (h already damped).
/// [U_cc]^2 = [(H_FF)^-1]_cc for F = {c..k-1}; after column j changes by
/// delta, the later columns move to their least-squares optimum given
/// columns <= j: delta_F = -H_FF^-1 H_Fj delta, F = {j+1..k-1}.
void referenceSparseGPT(const std::vector<float> &weight, int64_t rows,
                        int64_t k, const Vec &h, NMPattern pattern,
                        std::vector<double> &out, std::vector<uint8_t> &mask) {
  out.assign(size_t(rows * k), 0);
  mask.assign(size_t(rows * k), 0);
  for (int64_t r = 0; r < rows; ++r) {
    Vec w(weight.begin() + r * k, weight.begin() + (r + 1) * k);
    for (int64_t j = 0; j < k; ++j) {
      if (j % pattern.m == 0) {
        std::vector<std::pair<double, int64_t>> order;
        for (int64_t c = j; c < j + pattern.m; ++c) {
          auto f = range(c, k);
          Vec e(f.size(), 0.0);
          e[0] = 1;
          const double d = solve(sub(h, k, f, f), e, f.size())[0];
          order.push_back({-(w[size_t(c)] * w[size_t(c)] / d), c});
        }
        std::sort(order.begin(), order.end()); // largest score, lowest index
        for (unsigned i = 0; i < pattern.n; ++i)
          mask[size_t(r * k + order[i].second)] = 1;
      }
      const double delta = mask[size_t(r * k + j)] ? 0.0 : -w[size_t(j)];
      w[size_t(j)] += delta;
      auto f = range(j + 1, k);
      if (f.empty() || delta == 0)
        continue;
      Vec rhs = sub(h, k, f, {j});
      Vec move = solve(sub(h, k, f, f), rhs, f.size());
      for (size_t i = 0; i < f.size(); ++i)
        w[size_t(f[i])] -= move[i] * delta;
    }
    std::copy(w.begin(), w.end(), out.begin() + r * k);
  }
}

/// The least-squares optimum with the support of `mask`: v_S = w_S +
/// H_SS^-1 H_SP w_P, v_P = 0.
std::vector<float> leastSquaresForMask(const std::vector<float> &weight,
                                       int64_t rows, int64_t k, const Vec &h,
                                       const std::vector<uint8_t> &mask) {
  std::vector<float> v(size_t(rows * k), 0.0f);
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<int64_t> kept, gone;
    for (int64_t j = 0; j < k; ++j)
      (mask[size_t(r * k + j)] ? kept : gone).push_back(j);
    Vec hsp = sub(h, k, kept, gone), rhs(kept.size(), 0.0);
    for (size_t i = 0; i < kept.size(); ++i)
      for (size_t p = 0; p < gone.size(); ++p)
        rhs[i] += hsp[i * gone.size() + p] * weight[size_t(r * k + gone[p])];
    Vec x = solve(sub(h, k, kept, kept), rhs, kept.size());
    for (size_t i = 0; i < kept.size(); ++i)
      v[size_t(r * k + kept[i])] =
          float(weight[size_t(r * k + kept[i])] + x[i]);
  }
  return v;
}

Vec damped(Vec h, int64_t k, double damp) {
  double trace = 0;
  for (int64_t j = 0; j < k; ++j)
    trace += h[size_t(j * k + j)];
  for (int64_t j = 0; j < k; ++j)
    h[size_t(j * k + j)] += damp * trace / double(k);
  return h;
}

struct Pruned {
  std::vector<float> w;
  std::vector<uint8_t> mask;
  SparseGPTResult result;
};

Pruned runSparseGPT(const std::vector<float> &w, int64_t rows, int64_t k,
                    const Vec &h, SparseGPTOptions options) {
  Pruned p;
  p.w.resize(w.size());
  p.mask.resize(w.size());
  p.result =
      sparseGPTPrune(w.data(), rows, k, h.data(), options, p.w.data(),
                     p.mask.data());
  return p;
}

//===----------------------------------------------------------------------===//
// Wanda
//===----------------------------------------------------------------------===//

TEST(Wanda, MatchesDirectComputation) {
  std::mt19937 rng(1);
  for (NMPattern pattern : {NMPattern{2, 4}, NMPattern{1, 4}, NMPattern{4, 8},
                            NMPattern{1, 2}}) {
    const int64_t rows = 7, k = 4 * pattern.m;
    auto w = randomWeight(rng, rows, k);
    w[3] = 0; // a zero weight and a zero-norm channel still rank correctly
    Vec sumsq(static_cast<size_t>(k));
    std::uniform_real_distribution<double> u(0, 10);
    for (double &s : sumsq)
      s = u(rng);
    sumsq[1] = 0;
    std::vector<uint8_t> mask(w.size());
    std::vector<float> pruned(w.size());
    ASSERT_EQ(wandaPrune(w.data(), rows, k, sumsq.data(), pattern, mask.data(),
                         pruned.data()),
              PruneStatus::Ok);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t g = 0; g < k; g += pattern.m) {
        std::vector<std::pair<double, int64_t>> order;
        for (int64_t c = g; c < g + pattern.m; ++c)
          order.push_back(
              {-std::fabs(double(w[size_t(r * k + c)])) * std::sqrt(sumsq[c]),
               c});
        std::sort(order.begin(), order.end());
        for (unsigned i = 0; i < pattern.m; ++i) {
          const size_t at = size_t(r * k + order[i].second);
          EXPECT_EQ(mask[at], i < pattern.n ? 1 : 0) << r << " " << g;
          EXPECT_EQ(pruned[at], i < pattern.n ? w[at] : 0.0f);
        }
      }
  }
}

TEST(Wanda, ActivationsChangeTheMaskAndTiesGoLow) {
  // Magnitude keeps columns 0 and 1; channel norms make 2 and 3 win.
  std::vector<float> w = {4, 3, 2, 1};
  Vec sumsq = {1, 1, 16, 100};
  std::vector<uint8_t> mask(4);
  ASSERT_EQ(wandaPrune(w.data(), 1, 4, sumsq.data(), {2, 4}, mask.data()),
            PruneStatus::Ok);
  EXPECT_EQ(mask, (std::vector<uint8_t>{0, 0, 1, 1}));
  Vec equal = {1, 1, 1, 1};
  std::vector<float> same = {1, 1, 1, 1};
  ASSERT_EQ(wandaPrune(same.data(), 1, 4, equal.data(), {2, 4}, mask.data()),
            PruneStatus::Ok);
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 1, 0, 0}));
}

TEST(Wanda, RejectsBadInput) {
  std::vector<float> w(8, 1.0f);
  std::vector<uint8_t> mask(8);
  Vec ok(4, 1.0);
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, ok.data(), {2, 3}, mask.data()),
            PruneStatus::BadArguments); // 4 % 3
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, ok.data(), {4, 4}, mask.data()),
            PruneStatus::BadArguments);
  Vec neg = {1, -1e-300, 1, 1};
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, neg.data(), {2, 4}, mask.data()),
            PruneStatus::NegativeStatistic);
  Vec nan = {1, 1, NAN, 1};
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, nan.data(), {2, 4}, mask.data()),
            PruneStatus::NonFinite);
  Vec inf = {1, 1, INFINITY, 1};
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, inf.data(), {2, 4}, mask.data()),
            PruneStatus::NonFinite);
  w[5] = NAN;
  EXPECT_EQ(wandaPrune(w.data(), 2, 4, ok.data(), {2, 4}, mask.data()),
            PruneStatus::NonFinite);
}

//===----------------------------------------------------------------------===//
// SparseGPT: exact properties
//===----------------------------------------------------------------------===//

struct Shape {
  int64_t rows, k;
  NMPattern pattern;
  int64_t block;
  double damp;
};

TEST(SparseGPT, MatchesIndependentReference) {
  std::mt19937 rng(2);
  for (Shape s : {Shape{4, 8, {2, 4}, 128, 0.0}, Shape{3, 16, {2, 4}, 4, 0.01},
                  Shape{5, 16, {2, 4}, 8, 0.1}, Shape{2, 16, {1, 4}, 16, 0.01},
                  Shape{3, 16, {4, 8}, 8, 0.0}}) {
    for (int seed = 0; seed < 5; ++seed) {
      const int64_t tokens = 3 * s.k;
      Vec h = gram(correlatedInputs(rng, tokens, s.k), tokens, s.k);
      auto w = randomWeight(rng, s.rows, s.k);
      Pruned p = runSparseGPT(w, s.rows, s.k, h, {s.pattern, s.block, s.damp});
      ASSERT_EQ(p.result.status, PruneStatus::Ok);
      EXPECT_FALSE(p.result.neededDamping);
      std::vector<double> ref;
      std::vector<uint8_t> refMask;
      referenceSparseGPT(w, s.rows, s.k, damped(h, s.k, s.damp), s.pattern,
                         ref, refMask);
      ASSERT_EQ(p.mask, refMask) << s.k << " seed " << seed;
      for (size_t i = 0; i < ref.size(); ++i) {
        if (!p.mask[i]) {
          EXPECT_EQ(p.w[i], 0.0f);
        }
        EXPECT_NEAR(p.w[i], ref[i], 1e-4 * (1 + std::fabs(ref[i]))) << i;
      }
    }
  }
}

TEST(SparseGPT, BlockSizeChangesOnlyRounding) {
  std::mt19937 rng(3);
  const int64_t rows = 6, k = 32;
  Vec h = gram(correlatedInputs(rng, 100, k), 100, k);
  auto w = randomWeight(rng, rows, k);
  Pruned whole = runSparseGPT(w, rows, k, h, {{2, 4}, 128, 0.01});
  for (int64_t block : {int64_t(4), int64_t(8), int64_t(12), int64_t(32),
                        int64_t(1) << 40}) { // buffers sized by min(block, K)
    Pruned p = runSparseGPT(w, rows, k, h, {{2, 4}, block, 0.01});
    ASSERT_EQ(p.result.status, PruneStatus::Ok);
    EXPECT_EQ(p.mask, whole.mask) << block;
    for (size_t i = 0; i < w.size(); ++i)
      EXPECT_NEAR(p.w[i], whole.w[i], 1e-5 * (1 + std::fabs(whole.w[i])));
  }
}

TEST(SparseGPT, NoBetterThanLeastSquaresForItsMask) {
  // Columns are decided left to right and a kept column is frozen once
  // passed, so it never compensates for a later pruned one: the result is
  // at best the least-squares optimum on the same support.
  std::mt19937 rng(4);
  for (int seed = 0; seed < 10; ++seed) {
    const int64_t rows = 3, k = 16;
    Vec h = gram(correlatedInputs(rng, 40, k), 40, k);
    auto w = randomWeight(rng, rows, k);
    Pruned p = runSparseGPT(w, rows, k, h, {{2, 4}, 128, 0.0});
    ASSERT_EQ(p.result.status, PruneStatus::Ok);
    auto opt = leastSquaresForMask(w, rows, k, h, p.mask);
    const double eGpt = reconstructionError(w.data(), p.w.data(), rows, k,
                                            h.data());
    const double eOpt = reconstructionError(w.data(), opt.data(), rows, k,
                                            h.data());
    EXPECT_GE(eGpt, eOpt * (1 - 1e-6));
    EXPECT_GT(eGpt, eOpt * (1 + 1e-6)) << "16 columns, 4 groups: kept "
                                          "columns precede pruned ones";
  }
}

TEST(SparseGPT, OptimalWhenPrunedColumnsComeFirst) {
  // One group, pruned columns 0 and 1 (tiny weights), kept 2 and 3: after
  // the last pruned column the kept ones sit at their least-squares optimum
  // given the pruned zeros -- exactly the optimum for the mask. Reversed
  // (kept 0, 1; pruned 2, 3) the kept columns are never updated.
  std::mt19937 rng(5);
  for (int seed = 0; seed < 10; ++seed) {
    const int64_t k = 4;
    Vec h = gram(correlatedInputs(rng, 12, k), 12, k);
    std::vector<float> w = {0.01f, -0.02f, 1.5f, -2.0f};
    Pruned p = runSparseGPT(w, 1, k, h, {{2, 4}, 4, 0.0});
    ASSERT_EQ(p.result.status, PruneStatus::Ok);
    ASSERT_EQ(p.mask, (std::vector<uint8_t>{0, 0, 1, 1}));
    auto opt = leastSquaresForMask(w, 1, k, h, p.mask);
    for (int64_t j = 0; j < k; ++j)
      EXPECT_NEAR(p.w[j], opt[j], 1e-5 * (1 + std::fabs(opt[j])));

    std::vector<float> rev = {1.5f, -2.0f, 0.01f, -0.02f};
    Pruned q = runSparseGPT(rev, 1, k, h, {{2, 4}, 4, 0.0});
    ASSERT_EQ(q.mask, (std::vector<uint8_t>{1, 1, 0, 0}));
    EXPECT_EQ(q.w[0], rev[0]);
    EXPECT_EQ(q.w[1], rev[1]);
  }
}

//===----------------------------------------------------------------------===//
// SparseGPT: heuristic comparison (averages, not a per-instance guarantee)
//===----------------------------------------------------------------------===//

TEST(SparseGPT, BeatsMagnitudeAndWandaOnCorrelatedInputsOnAverage) {
  std::mt19937 rng(6);
  const int64_t rows = 8, k = 32, tokens = 128;
  double eMag = 0, eWanda = 0, eGpt = 0;
  int gptWins = 0;
  const int seeds = 20;
  for (int seed = 0; seed < seeds; ++seed) {
    Vec h = gram(correlatedInputs(rng, tokens, k), tokens, k);
    auto w = randomWeight(rng, rows, k);
    std::vector<float> mag(w.size()), wanda(w.size());
    ASSERT_EQ(pruneNM(w.data(), ElementKind::F32, {rows, k, 1}, {2, 4},
                      mag.data()),
              NMStatus::Ok);
    Vec sumsq(static_cast<size_t>(k));
    for (int64_t j = 0; j < k; ++j)
      sumsq[size_t(j)] = h[size_t(j * k + j)];
    std::vector<uint8_t> mask(w.size());
    ASSERT_EQ(wandaPrune(w.data(), rows, k, sumsq.data(), {2, 4}, mask.data(),
                         wanda.data()),
              PruneStatus::Ok);
    Pruned p = runSparseGPT(w, rows, k, h, {{2, 4}, 128, 0.01});
    ASSERT_EQ(p.result.status, PruneStatus::Ok);
    const double m = reconstructionError(w.data(), mag.data(), rows, k,
                                         h.data());
    const double g = reconstructionError(w.data(), p.w.data(), rows, k,
                                         h.data());
    eMag += m;
    eWanda += reconstructionError(w.data(), wanda.data(), rows, k, h.data());
    eGpt += g;
    gptWins += g < m;
  }
  EXPECT_LT(eGpt, 0.8 * eMag);
  EXPECT_LT(eGpt, 0.8 * eWanda);
  EXPECT_GE(gptWins, seeds * 3 / 4);
}

//===----------------------------------------------------------------------===//
// SparseGPT: dampening and bad input
//===----------------------------------------------------------------------===//

TEST(SparseGPT, DampsASingularHessian) {
  std::mt19937 rng(7);
  const int64_t rows = 3, k = 8, tokens = 32;
  Vec x = correlatedInputs(rng, tokens, k);
  for (int64_t t = 0; t < tokens; ++t) // column 5 duplicates column 2
    x[size_t(t * k + 5)] = x[size_t(t * k + 2)];
  Vec h = gram(x, tokens, k);
  auto w = randomWeight(rng, rows, k);
  Pruned none = runSparseGPT(w, rows, k, h, {{2, 4}, 128, 0.0});
  EXPECT_EQ(none.result.status, PruneStatus::NotPositiveDefinite);
  Pruned p = runSparseGPT(w, rows, k, h, {{2, 4}, 128, 0.01});
  ASSERT_EQ(p.result.status, PruneStatus::Ok);
  EXPECT_TRUE(p.result.neededDamping);
  double trace = 0;
  for (int64_t j = 0; j < k; ++j)
    trace += h[size_t(j * k + j)];
  EXPECT_DOUBLE_EQ(p.result.lambda, 0.01 * trace / k);
  std::vector<double> ref;
  std::vector<uint8_t> refMask;
  referenceSparseGPT(w, rows, k, damped(h, k, 0.01), {2, 4}, ref, refMask);
  EXPECT_EQ(p.mask, refMask);
  for (size_t i = 0; i < ref.size(); ++i)
    EXPECT_NEAR(p.w[i], ref[i], 1e-4 * (1 + std::fabs(ref[i])));
}

TEST(SparseGPT, RejectsBadInput) {
  const int64_t k = 4;
  std::vector<float> w(8, 1.0f), out(8);
  std::vector<uint8_t> mask(8);
  Vec id(16, 0.0);
  for (int64_t j = 0; j < k; ++j)
    id[size_t(j * k + j)] = 1;
  auto run = [&](const Vec &h, SparseGPTOptions o = {}) {
    return sparseGPTPrune(w.data(), 2, k, h.data(), o, out.data(),
                          mask.data())
        .status;
  };
  EXPECT_EQ(run(id), PruneStatus::Ok);
  EXPECT_EQ(run(id, {{2, 4}, 6, 0.01}), PruneStatus::BadArguments);
  EXPECT_EQ(run(id, {{2, 4}, 0, 0.01}), PruneStatus::BadArguments);
  EXPECT_EQ(run(id, {{2, 4}, 4, -1}), PruneStatus::BadArguments);
  EXPECT_EQ(run(id, {{2, 4}, 4, NAN}), PruneStatus::BadArguments);
  EXPECT_EQ(run(id, {{2, 3}, 3, 0.01}), PruneStatus::BadArguments);
  Vec zero(16, 0.0); // lambda = 0: nothing to damp with
  EXPECT_EQ(run(zero), PruneStatus::NotPositiveDefinite);
  Vec negative = id;
  negative[0] = -5; // mean diag still positive, but indefinite
  EXPECT_EQ(run(negative), PruneStatus::NotPositiveDefinite);
  Vec asym = id;
  asym[1] = 0.5;
  EXPECT_EQ(run(asym), PruneStatus::NotSymmetric);
  Vec nan = id;
  nan[6] = NAN;
  EXPECT_EQ(run(nan), PruneStatus::NonFinite);
  w[3] = INFINITY;
  EXPECT_EQ(run(id), PruneStatus::NonFinite);
}

} // namespace
