//===- Annealer.h - Generic Metropolis Monte Carlo annealer -----*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// A problem-agnostic simulated annealer in the statistical-physics form of
// Stosic et al. 2021: a state, random moves, the energy change of a move, a
// temperature schedule, and Metropolis acceptance min(1, exp(-dE / T)).
//
// A Problem type supplies (checked at compile time by use, not by a base
// class, so the inner loop inlines):
//
//   using Move  = ...;  // one proposed change; delta() may cache in it
//   using State = ...;  // enough to restore a configuration
//   size_t size() const;                    // N: a sweep is N proposals
//   Move   propose(Rng &rng);               // a random move; the proposal
//                                           // must be symmetric (q(a->b) ==
//                                           // q(b->a)) for detailed balance
//   double delta(Move &m);                  // E(after) - E(before), computed
//                                           // incrementally; no state change
//   void   apply(const Move &m);            // commit the move
//   void   reject(const Move &m);           // drop it (usually a no-op)
//   double energy() const;                  // current energy (may use the
//                                           // problem's incremental caches)
//   void   saveState(State &out) const;     // copy the configuration
//   void   restoreState(const State &in);   // and restore it
//
// Every random number comes from Rng (xoshiro256** seeded by splitmix64,
// below), so a run is a pure function of (problem, options, seed) unless a
// time budget cuts it short or drives the schedule. (Temperatures and
// acceptance go through std::pow / std::exp, so bit-identical runs across
// platforms also assume a correctly rounded or identical libm.)
//
// Typical use:
//   MyProblem p(...);
//   AnnealOptions o;
//   o.seed = 1;
//   o.sweeps = 200;                // or o.timeBudgetSeconds = 0.5
//   AnnealStats s = anneal(p, o);  // p now holds the best state found
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_SEARCH_ANNEALER_H
#define SPARQ_SEARCH_ANNEALER_H

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace sparq::search {

//===----------------------------------------------------------------------===//
// Random numbers
//===----------------------------------------------------------------------===//

/// splitmix64 (Steele, Lea, Flood 2014): expands a 64-bit seed into the
/// xoshiro state; also a decent generator for hashing seeds.
inline uint64_t splitmix64(uint64_t &x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// xoshiro256** 1.0 (Blackman & Vigna 2018). Written out here, together with
/// the integer and real mappings, because <random> distributions differ
/// between standard libraries and results must not.
class Rng {
public:
  explicit Rng(uint64_t seed = 0) { reseed(seed); }

  void reseed(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t &w : s)
      w = splitmix64(x);
  }

  uint64_t next() {
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
  }

  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

  /// Uniform in [0, n) for n > 0, exactly (Lemire 2019, multiply-shift with
  /// rejection of the biased low products).
  uint64_t below(uint64_t n) {
    unsigned __int128 m = (unsigned __int128)next() * n;
    uint64_t low = uint64_t(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = (unsigned __int128)next() * n;
        low = uint64_t(m);
      }
    }
    return uint64_t(m >> 64);
  }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s[4];
};

//===----------------------------------------------------------------------===//
// Options and statistics
//===----------------------------------------------------------------------===//

/// Temperature as a function of progress p in [0, 1] (fraction of the planned
/// proposals, or of the time budget when AnnealOptions::progressByTime).
struct TemperatureSchedule {
  enum class Kind : uint8_t {
    Geometric, ///< T = start * (end / start)^p
    Linear,    ///< T = start + (end - start) * p
    Custom,    ///< T = custom(p, start, end)
  };
  Kind kind = Kind::Geometric;
  /// Temperatures at p = 0 and p = 1. A value <= 0 (or NaN) means "choose
  /// automatically" from the |dE| of random moves sampled at the start
  /// (proposed and rejected, never applied): T = |dE|_q / ln(1 / p), where
  /// |dE|_q is the q-quantile of the sampled non-zero |dE|, i.e. an uphill
  /// move of that size is accepted with probability p.
  double start = 0;
  double end = 0;
  unsigned autoSamples = 512;
  double autoStartQuantile = 0.5; ///< q for the start (0.5: the median)
  double autoStartAcceptance = 0.5; ///< p for the start
  double autoEndQuantile = 0.5;
  double autoEndAcceptance = 1e-3;
  /// For Kind::Custom; receives the resolved start and end temperatures.
  std::function<double(double progress, double start, double end)> custom;

  /// Constant temperature t (useful for sampling at equilibrium).
  static TemperatureSchedule constant(double t) {
    TemperatureSchedule s;
    s.kind = Kind::Linear;
    s.start = s.end = t;
    return s;
  }

  /// Temperature at progress p given resolved start/end temperatures.
  double at(double progress, double t0, double t1) const;
};

/// What a time budget counts.
enum class BudgetClock : uint8_t {
  /// Elapsed (steady) time: what a caller waits.
  Wall,
  /// CPU time of the calling thread: what the search itself consumed,
  /// independent of other load on the machine (for benchmarks on shared
  /// machines; a budget then bounds the work, not the wait).
  ThreadCpu,
};

/// Seconds on `clock` since an arbitrary fixed origin.
inline double clockSeconds(BudgetClock clock) {
#if defined(CLOCK_THREAD_CPUTIME_ID)
  if (clock == BudgetClock::ThreadCpu) {
    timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
      return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
#else
  (void)clock;
#endif
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct AnnealOptions {
  uint64_t seed = 0;
  /// Planned length in sweeps (a sweep is problem.size() proposals).
  /// Fractional values are allowed.
  double sweeps = 100;
  TemperatureSchedule schedule;
  /// Budget in seconds (on `clock`) for the whole run, including choosing
  /// the temperatures; <= 0 means none. The run stops when it runs out and
  /// keeps the best state; the first `chunk` proposals are made even when
  /// the budget is already gone.
  double timeBudgetSeconds = 0;
  BudgetClock clock = BudgetClock::Wall;
  /// With a budget: progress (for the schedule) is the larger of elapsed
  /// time / budget and proposals / planned proposals, so the schedule
  /// reaches its end temperature whichever runs out first (a budget-bound
  /// run cools; one that finishes its sweeps early is the fixed-sweep run).
  /// Not reproducible across machines when the budget binds. false: the
  /// schedule follows proposals only and a budget merely cuts the run
  /// short, possibly while still hot.
  bool progressByTime = false;
  /// Proposals between temperature updates and clock reads (>= 1).
  unsigned chunk = 256;
};

struct AnnealStats {
  uint64_t proposed = 0;
  uint64_t accepted = 0;
  /// Accepted moves with dE > 0.
  uint64_t acceptedUphill = 0;
  /// New best states found (not counting the initial state).
  uint64_t improvements = 0;
  /// proposed / problem.size().
  double sweeps = 0;
  /// Resolved schedule end points.
  double startTemperature = 0;
  double endTemperature = 0;
  /// Temperature at the last proposal.
  double lastTemperature = 0;
  double initialEnergy = 0;
  /// problem.energy() of the returned (best) state.
  double bestEnergy = 0;
  /// Energy of the chain's last state (incrementally tracked).
  double finalEnergy = 0;
  double seconds = 0;
  bool stoppedByTime = false;
};

//===----------------------------------------------------------------------===//
// Engine
//===----------------------------------------------------------------------===//

/// The temperature at which an uphill move of size |dE|_q (the q-quantile,
/// nearest rank, of the non-zero finite values in absDeltas) is accepted
/// with probability p: |dE|_q / ln(1 / p). Uses a scale of 1 when no value
/// is non-zero (a flat landscape, where every temperature is the same).
/// Reorders absDeltas and drops its zeros.
double temperatureFromSamples(std::vector<double> &absDeltas, double q,
                              double p);

namespace detail {
/// Resolves automatic (<= 0) start/end temperatures from sampled |dE|.
void resolveTemperatures(const TemperatureSchedule &schedule,
                         std::vector<double> &absDeltas, double &t0,
                         double &t1);
} // namespace detail

/// Metropolis acceptance of a move with energy change dE at temperature t:
/// downhill and neutral moves always, uphill with probability exp(-dE / t)
/// (never at t <= 0). Draws a random number only for uphill moves at t > 0.
inline bool metropolisAccept(double dE, double t, Rng &rng) {
  if (dE <= 0)
    return true;
  if (!(t > 0))
    return false;
  return rng.uniform() < std::exp(-dE / t);
}

/// Samples `count` random moves (proposed, evaluated, rejected) and returns
/// their |dE|.
template <typename Problem>
std::vector<double> sampleAbsDeltas(Problem &problem, Rng &rng,
                                    unsigned count) {
  std::vector<double> deltas;
  deltas.reserve(count);
  for (unsigned i = 0; i < count; ++i) {
    typename Problem::Move move = problem.propose(rng);
    deltas.push_back(std::fabs(problem.delta(move)));
    problem.reject(move);
  }
  return deltas;
}

/// Anneals `problem` from its current state. On return the problem holds the
/// best state seen (lowest energy; the initial state counts), whose energy is
/// stats.bestEnergy.
template <typename Problem>
AnnealStats anneal(Problem &problem, const AnnealOptions &options) {
  const BudgetClock clock = options.clock;
  const double startTime = clockSeconds(clock);
  auto elapsed = [&] { return clockSeconds(clock) - startTime; };
  const double budget = options.timeBudgetSeconds;
  const bool hasBudget = budget > 0;

  AnnealStats stats;
  Rng rng(options.seed);
  const size_t n = problem.size();

  double t0 = options.schedule.start, t1 = options.schedule.end;
  const bool needAuto = !(t0 > 0) || !(t1 > 0);
  std::vector<double> samples;
  if (needAuto && n > 0)
    samples = sampleAbsDeltas(problem, rng, options.schedule.autoSamples);
  detail::resolveTemperatures(options.schedule, samples, t0, t1);
  stats.startTemperature = t0;
  stats.endTemperature = t1;

  double energy = problem.energy();
  stats.initialEnergy = energy;
  double bestEnergy = energy;
  // The best state is copied lazily: while the chain sits on its best state
  // (bestIsCurrent), a copy is taken only before an uphill step leaves it.
  // Early in a run nearly every downhill step is a new best, and copying
  // the state on each would cost more than the moves.
  typename Problem::State best;
  bool bestIsCurrent = true;

  // Capped so that the conversion is defined for absurd sweep counts.
  const double plannedD =
      options.sweeps > 0 ? std::min(options.sweeps * double(n), 1e19) : 0;
  const uint64_t planned = uint64_t(plannedD);
  const unsigned chunk = options.chunk ? options.chunk : 1;
  double t = t0;

  while (stats.proposed < planned) {
    // Temperature and clock are refreshed once per chunk: cheap relative to
    // the moves, and fine-grained enough for smooth schedules.
    double progress;
    // A budgeted run always makes its first chunk of proposals, however
    // slow the set-up was: a result never reflects no search at all.
    if (options.progressByTime && hasBudget) {
      double now = elapsed();
      if (stats.proposed > 0 && now >= budget) {
        stats.stoppedByTime = true;
        break;
      }
      progress = std::min(
          1.0, std::max(now / budget, double(stats.proposed) / plannedD));
    } else {
      if (hasBudget && stats.proposed > 0 && elapsed() >= budget) {
        stats.stoppedByTime = true;
        break;
      }
      progress = double(stats.proposed) / plannedD;
    }
    t = options.schedule.at(progress, t0, t1);

    uint64_t end = stats.proposed + chunk;
    if (end > planned)
      end = planned;
    for (; stats.proposed < end; ++stats.proposed) {
      typename Problem::Move move = problem.propose(rng);
      const double dE = problem.delta(move);
      if (!metropolisAccept(dE, t, rng)) {
        problem.reject(move);
        continue;
      }
      if (dE > 0) {
        ++stats.acceptedUphill;
        if (bestIsCurrent) {
          problem.saveState(best);
          bestIsCurrent = false;
        }
      }
      problem.apply(move);
      ++stats.accepted;
      energy += dE;
      if (energy < bestEnergy) {
        bestEnergy = energy;
        bestIsCurrent = true;
        ++stats.improvements;
      }
    }
  }

  stats.lastTemperature = t;
  stats.sweeps = n ? double(stats.proposed) / double(n) : 0;
  stats.finalEnergy = energy;
  if (!bestIsCurrent)
    problem.restoreState(best);
  stats.bestEnergy = problem.energy();
  stats.seconds = elapsed();
  return stats;
}

} // namespace sparq::search

#endif // SPARQ_SEARCH_ANNEALER_H
