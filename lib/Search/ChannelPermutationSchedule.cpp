//===- ChannelPermutationSchedule.cpp - Temperatures of the search ---------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The temperature schedule of the channel-permutation annealer: its default
// shape, the automatic temperatures from sampled swaps, and the start
// temperature policy that weighs how many proposals the run can afford
// (planned sweeps, or what the time budget buys at the measured cost of a
// move).
//
//===----------------------------------------------------------------------===//

#include "PermutationSchedule.h"

#include <algorithm>
#include <cmath>

namespace sparq::search {

TemperatureSchedule PermutationSearchOptions::defaultSchedule() {
  TemperatureSchedule s;
  s.kind = TemperatureSchedule::Kind::Geometric;
  s.autoStartQuantile = 0.1;
  s.autoStartAcceptance = 1e-2;
  s.autoEndQuantile = 0.1;
  s.autoEndAcceptance = 1e-8;
  return s;
}

namespace detail {

TemperatureSchedule planSchedule(ChannelPermutationProblem &problem,
                                 const PermutationSearchOptions &options,
                                 double secondsLeft) {
  TemperatureSchedule schedule = options.schedule;
  if (schedule.start > 0 && schedule.end > 0)
    return schedule;
  // Sampled here (the engine then samples nothing) with a stream of its
  // own, so that the replicas' chains do not depend on it.
  Rng sampler(options.seed ^ 0x6a09e667f3bcc909ull);
  const double t = clockSeconds(options.budgetClock);
  std::vector<double> samples =
      sampleAbsDeltas(problem, sampler, schedule.autoSamples);
  const double perMove = (clockSeconds(options.budgetClock) - t) /
                         double(std::max<size_t>(1, samples.size()));
  double t0 = schedule.start, t1 = schedule.end;
  resolveTemperatures(schedule, samples, t0, t1);
  if (options.hotStartWhenAffordable && !(schedule.start > 0)) {
    const double k = double(problem.cols()), m = double(problem.pattern().m);
    double proposals = std::max(0.0, options.sweeps) * k;
    if (options.progressByTime && secondsLeft > 0 && perMove > 0)
      proposals = std::min(proposals, secondsLeft / perMove);
    const double perSwap = proposals / (k * (k - m) / 2);
    const double lambda =
        std::min(1.0, std::max(0.0, std::log2(perSwap / 4) / 2));
    if (lambda > 0) {
      const bool small = problem.cols() <= options.hotStartMaxChannels;
      const double hot = temperatureFromSamples(
          samples, small ? 0.5 : 0.1,
          small ? options.hotStartAcceptance : options.largeStartAcceptance);
      if (hot > t0)
        t0 = std::exp((1 - lambda) * std::log(t0) + lambda * std::log(hot));
    }
  }
  schedule.start = t0;
  schedule.end = t1;
  return schedule;
}

} // namespace detail
} // namespace sparq::search
