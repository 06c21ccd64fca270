//===- MetricLearningTest.cpp - NCA metric learning by annealing ----------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Search/MetricLearning.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace sparq::search;

namespace {

using Kind = MetricLearningProblem::MoveKind;

/// Gaussian-ish blobs (sums of uniforms, from our own Rng so every platform
/// sees the same data): `classes` centres, features on different scales so
/// standardisation matters.
struct Data {
  int64_t n, d;
  std::vector<double> x;
  std::vector<int32_t> y;
};

Data blobs(int64_t n, int64_t d, int classes, uint64_t seed,
           double spread = 1.0) {
  Rng rng(seed);
  Data data{n, d, std::vector<double>(size_t(n * d)),
            std::vector<int32_t>(size_t(n))};
  std::vector<double> centres(size_t(classes * d));
  for (double &c : centres)
    c = 4 * rng.uniform() - 2;
  for (int64_t i = 0; i < n; ++i) {
    const int32_t c = int32_t(i % classes);
    data.y[size_t(i)] = 10 * c - 3; // arbitrary label values
    for (int64_t l = 0; l < d; ++l) {
      double g = rng.uniform() + rng.uniform() + rng.uniform() - 1.5;
      data.x[size_t(i * d + l)] =
          (centres[size_t(c * d + l)] + spread * g) * double(1 + 3 * l);
    }
  }
  return data;
}

/// The projected points Z = standardised(X) A^T, row-major n x d'.
std::vector<double> projected(const MetricLearningProblem &p) {
  const std::vector<double> xs = p.standardizedFeatures();
  const std::vector<double> &a = p.transform();
  const int64_t n = p.numPoints(), d = p.inputDim(), k = p.outputDim();
  std::vector<double> z(size_t(n * k), 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t r = 0; r < k; ++r)
      for (int64_t l = 0; l < d; ++l)
        z[size_t(i * k + r)] += a[size_t(r * d + l)] * xs[size_t(i * d + l)];
  return z;
}

double reference(const MetricLearningProblem &p, const Data &data,
                 NcaForm form = NcaForm::Linear) {
  std::vector<double> z = projected(p);
  return ncaEnergyReference(z.data(), data.y.data(), p.numPoints(),
                            p.outputDim(), form);
}

//===----------------------------------------------------------------------===//
// Energy and incremental updates
//===----------------------------------------------------------------------===//

TEST(MetricLearningTest, StandardisesFeatures) {
  Data data = blobs(30, 4, 3, 1);
  for (int64_t i = 0; i < data.n; ++i)
    data.x[size_t(i * data.d + 2)] = 7.5; // a constant feature
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d);
  ASSERT_EQ(p.status(), MetricStatus::Ok);
  EXPECT_EQ(p.scale()[2], 1.0);
  EXPECT_EQ(p.mean()[2], 7.5);
  std::vector<double> xs = p.standardizedFeatures();
  for (int64_t l = 0; l < data.d; ++l) {
    double s = 0, ss = 0;
    for (int64_t i = 0; i < data.n; ++i) {
      s += xs[size_t(i * data.d + l)];
      ss += xs[size_t(i * data.d + l)] * xs[size_t(i * data.d + l)];
    }
    EXPECT_NEAR(s / double(data.n), 0.0, 1e-12);
    EXPECT_NEAR(ss / double(data.n), l == 2 ? 0.0 : 1.0, 1e-12);
  }
}

TEST(MetricLearningTest, EnergyMatchesDirectComputation) {
  Data data = blobs(40, 5, 3, 2);
  for (NcaForm form : {NcaForm::Linear, NcaForm::Log}) {
    MetricProblemOptions o;
    o.form = form;
    o.neighbours = data.n; // all pairs
    MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
    ASSERT_EQ(p.status(), MetricStatus::Ok);
    const double ref = reference(p, data, form);
    EXPECT_NEAR(p.energy(), ref, 1e-10 * std::fabs(ref));
    EXPECT_NEAR(p.exactEnergy(), ref, 1e-10 * std::fabs(ref));
    EXPECT_NEAR(p.recomputeEnergy(), ref, 1e-10 * std::fabs(ref));
    EXPECT_NEAR(p.lastRefreshEnergy(), ref, 1e-10 * std::fabs(ref));
  }
}

/// Random moves: every delta() against a full recompute after applying the
/// move, the cached energy against a recompute after each step.
void checkIncremental(const MetricProblemOptions &o, uint64_t seed) {
  Data data = blobs(48, 6, 3, seed);
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
  ASSERT_EQ(p.status(), MetricStatus::Ok);
  p.setScales(0.4, 0.3, 0.5);
  Rng rng(seed);
  int checkedMoves = 0;
  for (int step = 0; step < 300; ++step) {
    const double before = p.energy();
    MetricLearningProblem::Move mv = p.propose(rng);
    const double dE = p.delta(mv);
    if (rng.below(2)) {
      p.reject(mv);
      ASSERT_EQ(p.energy(), before);
      continue;
    }
    p.apply(mv);
    ++checkedMoves;
    const double full = p.recomputeEnergy();
    ASSERT_NEAR(p.energy(), before + dE, 1e-9 * std::fabs(before));
    ASSERT_NEAR(p.energy(), full, 1e-9 * std::fabs(full))
        << "step " << step << " kind " << int(mv.kind);
  }
  EXPECT_GT(checkedMoves, 100);
  // With every candidate, the incremental energy is NCA's exactly.
  if (p.neighbours() == data.n - 1) {
    EXPECT_NEAR(p.energy(), reference(p, data, o.form),
                1e-9 * std::fabs(p.energy()));
  }
}

TEST(MetricLearningTest, IncrementalDeltaMatchesRecomputeAllPairs) {
  MetricProblemOptions o;
  o.neighbours = 1000;
  o.fixedNorm = false;
  checkIncremental(o, 3);
}

TEST(MetricLearningTest, IncrementalDeltaMatchesRecomputeCandidates) {
  MetricProblemOptions o;
  o.neighbours = 7;
  checkIncremental(o, 4);
}

TEST(MetricLearningTest, IncrementalDeltaMatchesRecomputeLogFixedNorm) {
  MetricProblemOptions o;
  o.form = NcaForm::Log;
  o.fixedNorm = true;
  o.neighbours = 12;
  o.outputDim = 3;
  checkIncremental(o, 5);
}

TEST(MetricLearningTest, FixedNormKeepsTheNorm) {
  Data data = blobs(30, 4, 2, 6);
  MetricProblemOptions o;
  o.fixedNorm = true;
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
  Rng rng(6);
  for (int step = 0; step < 200; ++step) {
    MetricLearningProblem::Move mv = p.propose(rng);
    p.delta(mv);
    p.apply(mv);
  }
  double norm2 = 0;
  for (double v : p.transform())
    norm2 += v * v;
  EXPECT_NEAR(norm2, 4.0, 1e-9);
}

TEST(MetricLearningTest, RotationsAreNeutral) {
  Data data = blobs(30, 4, 3, 7);
  MetricProblemOptions o;
  o.rotateWeight = 1;
  o.stretchWeight = o.perturbWeight = 0;
  o.rotateScale = 1.0;
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
  const double e0 = p.exactEnergy();
  Rng rng(7);
  for (int step = 0; step < 50; ++step) {
    MetricLearningProblem::Move mv = p.propose(rng);
    ASSERT_EQ(mv.kind, Kind::Rotate);
    ASSERT_NE(mv.row, mv.other);
    ASSERT_EQ(p.delta(mv), 0.0);
    p.apply(mv);
  }
  EXPECT_NEAR(p.exactEnergy(), e0, 1e-9 * std::fabs(e0));
  // The frame has turned: A is no longer the identity.
  EXPECT_GT(std::fabs(p.transform()[1]), 1e-3);
}

TEST(MetricLearningTest, CandidatesAreTheNearest) {
  Data data = blobs(25, 3, 2, 8);
  MetricProblemOptions o;
  o.neighbours = 5;
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
  std::vector<double> z = projected(p);
  auto dist = [&](int64_t i, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < 3; ++k)
      s += (z[size_t(i * 3 + k)] - z[size_t(j * 3 + k)]) *
           (z[size_t(i * 3 + k)] - z[size_t(j * 3 + k)]);
    return s;
  };
  for (int64_t i = 0; i < data.n; ++i) {
    const int32_t *nb = p.candidates(i);
    double farthest = 0;
    for (int t = 0; t < 5; ++t) {
      ASSERT_NE(nb[t], i);
      farthest = std::max(farthest, dist(i, nb[t]));
      EXPECT_EQ(p.classes()[size_t(nb[t])] == p.classes()[size_t(i)],
                t < p.sameClassCandidates(i));
    }
    int closer = 0;
    for (int64_t j = 0; j < data.n; ++j)
      closer += j != i && dist(i, j) < farthest;
    EXPECT_LE(closer, 5);
  }
}

TEST(MetricLearningTest, CalibratedPerplexity) {
  Data data = blobs(60, 5, 3, 9);
  MetricProblemOptions o;
  o.neighbours = data.n;
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d, o);
  const double c = p.calibrateScale(6.0);
  EXPECT_GT(c, 0.0);
  // Geometric mean perplexity of the stochastic neighbours, directly.
  std::vector<double> z = projected(p);
  const int64_t k = p.outputDim();
  double h = 0;
  for (int64_t i = 0; i < data.n; ++i) {
    std::vector<double> w;
    double s = 0;
    for (int64_t j = 0; j < data.n; ++j) {
      if (j == i)
        continue;
      double dd = 0;
      for (int64_t r = 0; r < k; ++r)
        dd += (z[size_t(i * k + r)] - z[size_t(j * k + r)]) *
              (z[size_t(i * k + r)] - z[size_t(j * k + r)]);
      w.push_back(std::exp(-dd));
      s += w.back();
    }
    for (double v : w)
      if (v > 0)
        h -= v / s * std::log(v / s);
  }
  EXPECT_NEAR(std::exp(h / double(data.n)), 6.0, 1e-6);
  EXPECT_NEAR(p.energy(), reference(p, data), 1e-9 * data.n);
}

TEST(MetricLearningTest, WorksWithTheGenericEngine) {
  Data data = blobs(60, 5, 3, 15, 1.5);
  MetricLearningProblem p(data.x.data(), data.y.data(), data.n, data.d);
  AnnealOptions o;
  o.seed = 3;
  o.sweeps = 40;
  AnnealStats s = anneal(p, o);
  EXPECT_EQ(s.proposed, 40u * 25u);
  EXPECT_LT(s.bestEnergy, s.initialEnergy);
  // The engine's running energy (initial + sum of accepted dE) and the
  // returned best state's cached energy both agree with a recompute.
  EXPECT_EQ(s.bestEnergy, p.energy());
  EXPECT_NEAR(p.energy(), p.recomputeEnergy(), 1e-9 * data.n);
}

//===----------------------------------------------------------------------===//
// The driver
//===----------------------------------------------------------------------===//

TEST(MetricLearningTest, DefaultRunLength) {
  // 8 proposals per point within [1000, 4000]; n / 8 candidates within
  // [16, 32].
  const std::pair<int64_t, double> cases[] = {
      {50, 1000}, {300, 2400}, {700, 4000}};
  for (auto [n, proposals] : cases) {
    Data data = blobs(n, 3, 2, 16);
    MetricLearningResult r = learnMetric(data.x, data.y, data.n, data.d);
    ASSERT_EQ(r.status, MetricStatus::Ok);
    EXPECT_NEAR(double(r.anneal.proposed), proposals, 8.0) << n;
    EXPECT_EQ(r.neighbours, std::min<int64_t>(32, std::max<int64_t>(16, n / 8)))
        << n;
    EXPECT_LE(r.energy, r.initialEnergy);
  }
}

TEST(MetricLearningTest, ReproducibleFromTheSeed) {
  Data data = blobs(60, 5, 3, 10, 1.5);
  MetricLearningOptions o;
  o.seed = 42;
  o.sweeps = 20;
  o.problem.neighbours = 16;
  MetricLearningResult a = learnMetric(data.x, data.y, data.n, data.d, o);
  MetricLearningResult b = learnMetric(data.x, data.y, data.n, data.d, o);
  ASSERT_EQ(a.status, MetricStatus::Ok);
  EXPECT_EQ(a.transform, b.transform);
  EXPECT_EQ(a.energy, b.energy);
  EXPECT_EQ(a.anneal.accepted, b.anneal.accepted);
  o.seed = 43;
  MetricLearningResult c = learnMetric(data.x, data.y, data.n, data.d, o);
  EXPECT_NE(a.transform, c.transform);
}

TEST(MetricLearningTest, LearnsTheInformativeFeatureOnSeparableData) {
  // Two classes separated along feature 0 only; features 1..9 are noise of
  // the same spread, which hides the classes from the Euclidean metric.
  Rng rng(11);
  const int64_t n = 80, d = 10;
  std::vector<double> x(static_cast<size_t>(n * d));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    y[size_t(i)] = int32_t(i % 2);
    x[size_t(i * d)] = (i % 2 ? 1.0 : -1.0) + 0.4 * (rng.uniform() - 0.5);
    for (int64_t l = 1; l < d; ++l)
      x[size_t(i * d + l)] = 4 * (rng.uniform() - 0.5);
  }
  MetricLearningOptions o;
  o.seed = 1;
  o.sweeps = 100;
  MetricLearningResult r = learnMetric(x, y, n, d, o);
  ASSERT_EQ(r.status, MetricStatus::Ok) << r.message;
  EXPECT_LT(r.energy, r.initialEnergy - 5);
  EXPECT_LT(r.energy, -0.95 * double(n)); // nearly every point correct
  // The metric weighs feature 0 above each noise feature.
  auto weight = [&](int64_t l) {
    double s = 0;
    for (int64_t k = 0; k < r.outputDim; ++k)
      s += r.transform[size_t(k * d + l)] * r.transform[size_t(k * d + l)];
    return s;
  };
  for (int64_t l = 1; l < d; ++l)
    EXPECT_GT(weight(0), 2 * weight(l));
  EXPECT_GT(r.anneal.proposed, 0u);
  EXPECT_EQ(r.stages, 8);
}

TEST(MetricLearningTest, TimeBudgetStopsTheRun) {
  Data data = blobs(200, 8, 4, 12);
  MetricLearningOptions o;
  o.problem.neighbours = 16;
  o.sweeps = 1e9;
  o.timeBudgetSeconds = 0.05;
  // 1e9 sweeps would not end: the budget is what stops the run.
  MetricLearningResult r = learnMetric(data.x, data.y, data.n, data.d, o);
  ASSERT_EQ(r.status, MetricStatus::Ok);
  EXPECT_TRUE(r.anneal.stoppedByTime);
  EXPECT_LE(r.energy, r.initialEnergy);

  o.progressByTime = true; // the whole budget, the whole schedule
  r = learnMetric(data.x, data.y, data.n, data.d, o);
  ASSERT_EQ(r.status, MetricStatus::Ok);
  EXPECT_GE(r.stages, 1);
  EXPECT_GT(r.anneal.proposed, 0u);
  EXPECT_LE(r.energy, r.initialEnergy);

  // A budget already spent by the set-up (as on a loaded machine or under
  // a sanitizer) still gets one stage of one chunk of moves, either way.
  for (bool byTime : {false, true}) {
    o.progressByTime = byTime;
    o.timeBudgetSeconds = 1e-9;
    r = learnMetric(data.x, data.y, data.n, data.d, o);
    ASSERT_EQ(r.status, MetricStatus::Ok);
    EXPECT_EQ(r.stages, 1);
    EXPECT_GT(r.anneal.proposed, 0u);
    EXPECT_TRUE(r.anneal.stoppedByTime);
    EXPECT_LE(r.energy, r.initialEnergy);
  }
}

TEST(MetricLearningTest, ReducedOutputDimensionAndInitialTransform) {
  Data data = blobs(50, 6, 3, 13);
  MetricLearningOptions o;
  o.sweeps = 10;
  o.problem.outputDim = 2;
  MetricLearningResult r = learnMetric(data.x, data.y, data.n, data.d, o);
  ASSERT_EQ(r.status, MetricStatus::Ok);
  EXPECT_EQ(r.outputDim, 2);
  EXPECT_EQ(r.transform.size(), 12u);
  EXPECT_LE(r.energy, r.initialEnergy);

  o.problem.initial = r.transform;
  o.sweeps = 1e-9;  // no proposal
  o.perplexity = 0; // and no rescaling
  MetricLearningResult same = learnMetric(data.x, data.y, data.n, data.d, o);
  ASSERT_EQ(same.status, MetricStatus::Ok);
  EXPECT_EQ(same.transform, r.transform);
  EXPECT_NEAR(same.initialEnergy, r.energy, 1e-9 * data.n);
}

//===----------------------------------------------------------------------===//
// Bad input
//===----------------------------------------------------------------------===//

TEST(MetricLearningTest, BadInputIsReportedNotSearched) {
  Data data = blobs(20, 3, 2, 14);
  MetricLearningOptions o;
  o.sweeps = 5;

  Data nan = data;
  nan.x[size_t(7 * 3 + 1)] = std::numeric_limits<double>::quiet_NaN();
  MetricLearningResult r = learnMetric(nan.x, nan.y, nan.n, nan.d, o);
  EXPECT_EQ(r.status, MetricStatus::NonFiniteFeature);
  EXPECT_EQ(r.badRow, 7);
  EXPECT_EQ(r.badColumn, 1);
  EXPECT_TRUE(r.transform.empty());
  nan.x[size_t(7 * 3 + 1)] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(learnMetric(nan.x, nan.y, nan.n, nan.d, o).status,
            MetricStatus::NonFiniteFeature);

  std::vector<int32_t> shortLabels(data.y.begin(), data.y.end() - 1);
  r = learnMetric(data.x, shortLabels, data.n, data.d, o);
  EXPECT_EQ(r.status, MetricStatus::BadArguments);
  EXPECT_NE(r.message.find("labels"), std::string::npos);
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d + 1, o).status,
            MetricStatus::BadArguments);

  // Fewer than two points, no features, null data.
  EXPECT_EQ(learnMetric(std::vector<double>{1, 2, 3}, {0}, 1, 3, o).status,
            MetricStatus::BadArguments);
  EXPECT_EQ(learnMetric(std::vector<double>{}, {}, 0, 3, o).status,
            MetricStatus::BadArguments);
  EXPECT_EQ(learnMetric(std::vector<double>{}, {0, 1}, 2, 0, o).status,
            MetricStatus::BadArguments);
  EXPECT_EQ(learnMetric(nullptr, nullptr, 5, 2, o).status,
            MetricStatus::BadArguments);

  MetricLearningOptions bad = o;
  bad.problem.outputDim = 4;
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);
  bad = o;
  bad.problem.initial = {1, 0, 0};
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);
  bad.problem.initial.assign(9, 0.0);
  bad.problem.initial[4] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);
  bad = o;
  bad.problem.neighbours = -1;
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);
  bad = o;
  bad.problem.perturbScale = -0.1;
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);
  bad = o;
  bad.sweeps = std::numeric_limits<double>::infinity();
  EXPECT_EQ(learnMetric(data.x, data.y, data.n, data.d, bad).status,
            MetricStatus::BadArguments);

  // A problem built on bad data is empty and says so.
  MetricLearningProblem p(nan.x.data(), nan.y.data(), nan.n, nan.d);
  EXPECT_EQ(p.status(), MetricStatus::NonFiniteFeature);
  EXPECT_EQ(p.size(), 0u);
}

TEST(MetricLearningTest, DegenerateButValidInputs) {
  // Two points; a single class; every feature constant; one feature.
  MetricLearningOptions o;
  o.sweeps = 3;
  MetricLearningResult r =
      learnMetric(std::vector<double>{0, 1, 2, 3}, {0, 1}, 2, 2, o);
  EXPECT_EQ(r.status, MetricStatus::Ok);
  EXPECT_EQ(r.energy, 0.0); // nobody has a same-class neighbour
  r = learnMetric(std::vector<double>{0, 1, 2, 3, 4, 5}, {5, 5, 5}, 3, 2, o);
  EXPECT_EQ(r.status, MetricStatus::Ok);
  EXPECT_NEAR(r.energy, -3.0, 1e-12);
  r = learnMetric(std::vector<double>(12, 2.5), {0, 1, 0, 1}, 4, 3, o);
  EXPECT_EQ(r.status, MetricStatus::Ok);
  EXPECT_NEAR(r.energy, -4.0 / 3.0, 1e-12); // all points coincide
  r = learnMetric(std::vector<double>{0, 1, 5, 6}, {0, 0, 1, 1}, 4, 1, o);
  EXPECT_EQ(r.status, MetricStatus::Ok);
  EXPECT_EQ(r.transform.size(), 1u);
}

} // namespace
