//===- MetricLearningSchedule.cpp - Temperatures, stages, proposal scales -===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The schedule of learnMetric: automatic temperatures from sampled moves,
// the run's length (4000 proposals by default: an early stop), its cut into
// stages between which the candidates are refreshed, each stage's slice of
// the schedule, and the adaptation of the proposal scales between stages.
//
//===----------------------------------------------------------------------===//

#include "MetricKernels.h"
#include "MetricSchedule.h"

#include <algorithm>
#include <cmath>

namespace sparq::search::detail {

MetricRunPlan planMetricRun(MetricLearningProblem &problem,
                            const MetricLearningOptions &options, Rng &seeder,
                            std::chrono::steady_clock::time_point start) {
  auto secondsSince = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start)
        .count();
  };
  MetricRunPlan plan;
  const double budget = options.timeBudgetSeconds;
  const TemperatureSchedule &schedule = options.schedule;
  plan.t0 = schedule.start;
  plan.t1 = schedule.end;
  if (!(plan.t0 > 0) || !(plan.t1 > 0)) {
    // Sampled in batches so that a budget also bounds the sampling (to a
    // tenth of it; moves on large data sets take a while).
    std::vector<double> samples;
    while (samples.size() < schedule.autoSamples) {
      std::vector<double> batch =
          sampleAbsDeltas(problem, seeder,
                          unsigned(std::min<size_t>(16, schedule.autoSamples -
                                                            samples.size())));
      samples.insert(samples.end(), batch.begin(), batch.end());
      if (budget > 0 && secondsSince() > 0.1 * budget)
        break;
    }
    resolveTemperatures(schedule, samples, plan.t0, plan.t1);
  }
  problem.resetCounts();

  const double perSweep = double(problem.size());
  plan.sweeps = options.sweeps > 0 ? options.sweeps : autoProposals(problem.numPoints()) / perSweep;
  // Refreshes (O(n^2 d') each) kept to about a quarter of the run: a
  // refresh costs about n (d' + 32) / (24 m) moves (a move is ~24 flops per
  // candidate pair, mostly the exp; a refresh ~d' + 32 per pair of points).
  plan.stages = options.stages;
  if (plan.stages <= 0) {
    const double n = double(problem.numPoints());
    const double refreshInMoves = n * double(problem.outputDim() + 32) /
                                  (24.0 * double(problem.neighbours()));
    plan.stages = std::isfinite(plan.sweeps)
                      ? int(std::min(8.0, std::max(1.0, plan.sweeps * perSweep /
                                                            (4 * refreshInMoves))))
                      : 8;
  }
  // Clock reads every ~2^18 pair updates: cheap, and fine enough for a
  // budget even on large problems.
  const double pairs =
      double(problem.numPoints()) * double(problem.neighbours());
  plan.chunk =
      unsigned(std::min(256.0, std::max(1.0, double(1 << 18) / pairs)));
  return plan;
}

AnnealOptions stageOptions(const MetricRunPlan &plan,
                           const MetricLearningOptions &options, int stage,
                           uint64_t seed, double secondsLeft) {
  AnnealOptions ao;
  ao.seed = seed;
  const int stages = plan.stages;
  ao.sweeps = std::isfinite(plan.sweeps) ? plan.sweeps / stages : 1e18;
  ao.chunk = plan.chunk;
  ao.schedule.kind = TemperatureSchedule::Kind::Custom;
  ao.schedule.start = plan.t0;
  ao.schedule.end = plan.t1;
  const TemperatureSchedule &schedule = options.schedule;
  ao.schedule.custom = [&schedule, stage, stages](double progress, double a,
                                                  double b) {
    return schedule.at((stage + progress) / stages, a, b);
  };
  if (secondsLeft > 0) {
    ao.progressByTime = options.progressByTime;
    ao.timeBudgetSeconds =
        std::max(1e-9, options.progressByTime
                           ? secondsLeft / double(stages - stage)
                           : secondsLeft);
  }
  return ao;
}

void adaptScales(MetricLearningProblem &problem,
                 const MetricLearningOptions &options) {
  if (!(options.targetAcceptance > 0))
    return;
  // Scales shrink towards the target acceptance as the chain settles
  // into a minimum, and grow back up to their initial values, never
  // beyond: on the plateaus of a well-fitted NCA energy nearly every
  // move is accepted, and growing steps there only wander away from the
  // metrics that generalise. Rotations are neutral, their scale stays.
  auto adapt = [&](MetricLearningProblem::MoveKind k, double scale,
                   double initial) {
    const uint64_t tried = problem.proposedOf(k);
    if (tried < 20)
      return scale;
    const double rate = double(problem.acceptedOf(k)) / double(tried);
    const double f =
        std::min(2.0, std::max(0.5, rate / options.targetAcceptance));
    return std::min(initial, scale * f);
  };
  problem.setScales(
      problem.rotateScale(),
      adapt(MetricLearningProblem::MoveKind::Stretch,
            problem.stretchScale(), options.problem.stretchScale),
      adapt(MetricLearningProblem::MoveKind::Perturb,
            problem.perturbScale(), options.problem.perturbScale));
}

} // namespace sparq::search::detail
