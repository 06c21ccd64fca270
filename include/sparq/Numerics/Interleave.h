//===- Interleave.h - Seeded interleavings of resumable threads -*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// A small deterministic scheduler for simulating GPU pipelines on the CPU:
// each "thread" (a warp role, a consumer warpgroup, the asynchronous TMA
// engine) is a resumable step function performing one atomic action per
// call; run() picks the next thread at random from a seed, so a test can
// try many interleavings and replay any of them. It detects deadlock (every
// unfinished thread blocked with nobody making progress) and stops at the
// first error a step reports.
//
// A step must not change shared state when it reports Blocked (a failed
// mbarrier try_wait): that is what makes deadlock detection exact.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_INTERLEAVE_H
#define SPARQ_NUMERICS_INTERLEAVE_H

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace sparq::numerics::interleave {

enum class Step : uint8_t {
  /// Did something; may be called again.
  Progress,
  /// Waiting; changed nothing.
  Blocked,
  /// Finished; never called again.
  Done,
  /// Observed a violation; the run stops.
  Error,
};

struct Thread {
  std::string name;
  /// One atomic action. The generator is the run's, for threads that make
  /// choices of their own (e.g. which in-flight copy completes first).
  std::function<Step(std::mt19937_64 &)> step;
};

enum class Outcome : uint8_t { Finished, Deadlock, Error, StepLimit };
const char *outcomeName(Outcome outcome);

struct Result {
  Outcome outcome = Outcome::Finished;
  uint64_t steps = 0;
  /// The thread that reported Error, or -1.
  int errorThread = -1;
  /// Deadlock: the unfinished threads, all blocked.
  std::vector<int> blockedThreads;
};

/// Runs `threads` until all are Done, one blocks forever with the rest
/// (Deadlock), one reports Error, or `maxSteps` steps were taken. The same
/// seed gives the same interleaving.
Result run(std::vector<Thread> &threads, uint64_t seed,
           uint64_t maxSteps = 1u << 24);

} // namespace sparq::numerics::interleave

#endif // SPARQ_NUMERICS_INTERLEAVE_H
