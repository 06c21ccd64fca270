//===- MetricSchedule.h - The metric-learning run plan (private) -*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_SEARCH_METRICSCHEDULE_H
#define SPARQ_LIB_SEARCH_METRICSCHEDULE_H

#include "sparq/Search/MetricLearning.h"

#include <chrono>

namespace sparq::search::detail {

/// The temperatures and stages of one learnMetric run.
struct MetricRunPlan {
  /// Resolved start and end temperatures of the whole run.
  double t0 = 0, t1 = 0;
  /// Planned sweeps over all stages (infinite: the budget decides).
  double sweeps = 0;
  int stages = 1;
  /// Proposals between clock reads.
  unsigned chunk = 256;
};

/// Resolves automatic temperatures from random moves of `problem` drawn
/// from `seeder` (within a tenth of the budget counted from `start`), and
/// chooses the run length, the number of stages and the chunk.
MetricRunPlan planMetricRun(MetricLearningProblem &problem,
                            const MetricLearningOptions &options, Rng &seeder,
                            std::chrono::steady_clock::time_point start);

/// The anneal() options of stage `stage`: its share of the sweeps and the
/// stage's slice of the whole run's schedule. `secondsLeft` <= 0: no budget.
AnnealOptions stageOptions(const MetricRunPlan &plan,
                           const MetricLearningOptions &options, int stage,
                           uint64_t seed, double secondsLeft);

/// Moves the stretch and perturbation scales towards the target acceptance
/// rate, never above their initial values (see MetricLearningOptions).
void adaptScales(MetricLearningProblem &problem,
                 const MetricLearningOptions &options);

} // namespace sparq::search::detail

#endif // SPARQ_LIB_SEARCH_METRICSCHEDULE_H
