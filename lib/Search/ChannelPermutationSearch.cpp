//===- ChannelPermutationSearch.cpp - Annealer and greedy drivers ---------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The drivers of the channel-permutation searches: the annealer (one or
// more independent replicas of the Metropolis chain on the caller's
// executor, the best one kept) and the greedy baseline.
//
//===----------------------------------------------------------------------===//

#include "PermutationSchedule.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace sparq::search {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

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

/// Replica 0 runs on the caller's seed (one replica is the plain chain);
/// the others on seeds hashed from it and their index.
uint64_t replicaSeed(uint64_t seed, int replica) {
  if (replica == 0)
    return seed;
  uint64_t x = seed ^ (0x9e3779b97f4a7c15ull * uint64_t(replica));
  return splitmix64(x);
}

} // namespace

PermutationResult
annealChannelPermutation(const float *w, int64_t rows, int64_t cols,
                         const PermutationSearchOptions &options) {
  const Clock::time_point start = Clock::now();
  const double budgetStart = clockSeconds(options.budgetClock);
  ChannelPermutationProblem problem(w, rows, cols, options.pattern,
                                    options.initialPermutation);
  PermutationResult result = startResult(problem);
  const bool hasBudget = options.timeBudgetSeconds > 0;
  // An unbounded run would never return.
  if (result.status == PermutationStatus::Ok &&
      (!(options.sweeps >= 0) || (std::isinf(options.sweeps) && !hasBudget))) {
    result = PermutationResult();
    result.status = PermutationStatus::BadArguments;
  }
  if (result.status != PermutationStatus::Ok || problem.size() == 0) {
    result.seconds = secondsSince(start);
    return result;
  }
  const int64_t blockGroups =
      options.blockGroups
          ? options.blockGroups
          : std::max<int64_t>(8, problem.blockGroupsForBytes(options.blockBytes));
  problem.setBlocking(blockGroups, options.movesPerBlock
                                       ? options.movesPerBlock
                                       : options.movesPerGroup * blockGroups);

  // On the wall clock the budget covers the whole call, setup included; on
  // a thread's CPU clock each replica gets it for its own chain.
  auto secondsLeft = [&] {
    if (!hasBudget)
      return 0.0;
    if (options.budgetClock == BudgetClock::ThreadCpu)
      return options.timeBudgetSeconds;
    return std::max(1e-9, options.timeBudgetSeconds -
                              (clockSeconds(options.budgetClock) - budgetStart));
  };
  AnnealOptions annealOptions;
  annealOptions.sweeps = options.sweeps;
  annealOptions.clock = options.budgetClock;
  annealOptions.progressByTime = options.progressByTime;
  annealOptions.schedule = detail::planSchedule(problem, options, secondsLeft());

  const int replicas = std::max(1, options.replicas);
  std::vector<ChannelPermutationProblem> chains;
  chains.reserve(size_t(replicas));
  for (int r = 1; r < replicas; ++r)
    chains.push_back(problem);
  chains.insert(chains.begin(), std::move(problem));
  std::vector<AnnealStats> stats(static_cast<size_t>(replicas));
  numerics::runTasks(options.parallel, size_t(replicas), [&](size_t r) {
    AnnealOptions o = annealOptions;
    o.seed = replicaSeed(options.seed, int(r));
    o.timeBudgetSeconds = secondsLeft();
    stats[r] = anneal(chains[r], o);
  });

  // The best replica; ties go to the lowest index, so the choice does not
  // depend on which finished first.
  size_t best = 0;
  for (size_t r = 1; r < stats.size(); ++r)
    if (stats[r].bestEnergy < stats[best].bestEnergy)
      best = r;
  result.anneal = stats[best];
  result.replicaKept.resize(stats.size());
  for (size_t r = 0; r < stats.size(); ++r)
    result.replicaKept[r] = result.totalMagnitude - stats[r].bestEnergy;
  result.permutation = chains[best].permutation();
  result.kept = result.totalMagnitude - result.anneal.bestEnergy;
  result.seconds = secondsSince(start);
  return result;
}

PermutationResult greedyChannelPermutation(const float *w, int64_t rows,
                                           int64_t cols,
                                           const GreedyOptions &options) {
  const Clock::time_point start = Clock::now();
  const double budgetStart = clockSeconds(options.budgetClock);
  auto used = [&] { return clockSeconds(options.budgetClock) - budgetStart; };
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
        if (budget > 0 && used() >= budget) {
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
  stats.seconds = used();
  result.permutation = problem.permutation();
  result.kept = result.totalMagnitude - problem.energy();
  result.seconds = secondsSince(start);
  return result;
}
} // namespace sparq::search
