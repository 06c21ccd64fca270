//===- MetricLearningDriver.cpp - learnMetric ------------------------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The driver of metric learning: validation, calibration of |A|, then the
// run in stages (MetricLearningSchedule.cpp) with a refresh of the
// candidate neighbours and an exact energy between stages, keeping the best
// A by exact energy.
//
//===----------------------------------------------------------------------===//

#include "MetricSchedule.h"

#include <chrono>
#include <cmath>

namespace sparq::search {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

} // namespace

MetricLearningResult learnMetric(const double *x, const int32_t *labels,
                                 int64_t n, int64_t d,
                                 const MetricLearningOptions &options) {
  const Clock::time_point start = Clock::now();
  MetricLearningResult result;
  auto finish = [&] {
    result.seconds = secondsSince(start);
    return result;
  };
  MetricLearningProblem problem(x, labels, n, d, options.problem);
  const MetricDataCheck &check = problem.dataCheck();
  result.status = check.status;
  result.message = check.message;
  result.badRow = check.badRow;
  result.badColumn = check.badColumn;
  if (check.status != MetricStatus::Ok)
    return finish();
  if (!std::isfinite(options.sweeps) && !(options.timeBudgetSeconds > 0)) {
    result.status = MetricStatus::BadArguments;
    result.message = "unbounded run: infinite sweeps and no time budget";
    return finish();
  }

  result.inputDim = d;
  result.outputDim = problem.outputDim();
  result.mean = problem.mean();
  result.scale = problem.scale();
  result.neighbours = problem.neighbours();
  if (options.perplexity > 0)
    problem.calibrateScale(options.perplexity);
  std::vector<double> best = problem.transform();
  double bestExact = problem.lastRefreshEnergy();
  result.initialEnergy = bestExact;

  const double budget = options.timeBudgetSeconds;
  Rng seeder(options.seed);
  const detail::MetricRunPlan plan =
      detail::planMetricRun(problem, options, seeder, start);
  const int stages = plan.stages;
  result.stages = 0;
  AnnealStats &total = result.anneal;
  total.startTemperature = plan.t0;
  total.endTemperature = plan.t1;
  total.initialEnergy = bestExact;
  for (int s = 0; s < stages; ++s) {
    // The first stage runs even when setting up took the whole budget
    // (a loaded machine, a sanitizer build): its first chunk of moves is
    // made regardless, so the result always reflects some search.
    double left = 0;
    if (budget > 0) {
      left = budget - secondsSince(start);
      if (left <= 0 && s > 0) {
        total.stoppedByTime = true;
        break;
      }
      left = std::max(1e-9, left);
    }
    AnnealOptions ao =
        detail::stageOptions(plan, options, s, seeder.next(), left);
    AnnealStats st = anneal(problem, ao);
    ++result.stages;
    total.proposed += st.proposed;
    total.accepted += st.accepted;
    total.acceptedUphill += st.acceptedUphill;
    total.improvements += st.improvements;
    total.sweeps += st.sweeps;
    total.lastTemperature = st.lastTemperature;
    total.finalEnergy = st.finalEnergy;
    total.stoppedByTime |= st.stoppedByTime && !options.progressByTime;

    detail::adaptScales(problem, options);
    problem.resetCounts();
    const double exact = problem.refreshNeighbours();
    if (exact < bestExact) {
      bestExact = exact;
      best = problem.transform();
    }
    if (st.stoppedByTime && !options.progressByTime)
      break;
  }

  result.transform = best;
  result.energy = bestExact;
  total.bestEnergy = bestExact;
  result.rotateScale = problem.rotateScale();
  result.stretchScale = problem.stretchScale();
  result.perturbScale = problem.perturbScale();
  total.seconds = secondsSince(start);
  return finish();
}

MetricLearningResult learnMetric(const std::vector<double> &x,
                                 const std::vector<int32_t> &labels, int64_t n,
                                 int64_t d,
                                 const MetricLearningOptions &options) {
  if (n < 0 || d < 0 || x.size() != size_t(n) * size_t(d) ||
      labels.size() != size_t(n)) {
    MetricLearningResult result;
    result.status = MetricStatus::BadArguments;
    result.message = "expected " + std::to_string(n) + " x " +
                     std::to_string(d) + " features and " + std::to_string(n) +
                     " labels, got " + std::to_string(x.size()) +
                     " features and " + std::to_string(labels.size()) +
                     " labels";
    return result;
  }
  return learnMetric(x.data(), labels.data(), n, d, options);
}
} // namespace sparq::search
