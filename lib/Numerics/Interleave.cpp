//===- Interleave.cpp - Seeded interleavings of resumable threads --------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Interleave.h"

using namespace sparq::numerics;
using namespace sparq::numerics::interleave;

const char *interleave::outcomeName(Outcome outcome) {
  switch (outcome) {
  case Outcome::Finished:
    return "finished";
  case Outcome::Deadlock:
    return "deadlock";
  case Outcome::Error:
    return "error";
  case Outcome::StepLimit:
    return "step limit";
  }
  return "?";
}

Result interleave::run(std::vector<Thread> &threads, uint64_t seed,
                       uint64_t maxSteps) {
  std::mt19937_64 rng(seed);
  const size_t count = threads.size();
  std::vector<bool> done(count, false);
  // Threads that reported Blocked since anyone last made progress: calling
  // them again cannot help until someone else moves.
  std::vector<bool> stuck(count, false);
  size_t unfinished = count, stuckCount = 0;
  Result result;
  std::vector<size_t> candidates;
  candidates.reserve(count);
  while (unfinished != 0) {
    if (result.steps == maxSteps) {
      result.outcome = Outcome::StepLimit;
      return result;
    }
    candidates.clear();
    for (size_t i = 0; i < count; ++i)
      if (!done[i] && !stuck[i])
        candidates.push_back(i);
    if (candidates.empty()) {
      result.outcome = Outcome::Deadlock;
      for (size_t i = 0; i < count; ++i)
        if (!done[i])
          result.blockedThreads.push_back(int(i));
      return result;
    }
    const size_t pick = candidates[rng() % candidates.size()];
    ++result.steps;
    switch (threads[pick].step(rng)) {
    case Step::Blocked:
      stuck[pick] = true;
      ++stuckCount;
      break;
    case Step::Done:
      done[pick] = true;
      --unfinished;
      [[fallthrough]];
    case Step::Progress:
      if (stuckCount != 0) {
        stuck.assign(count, false);
        stuckCount = 0;
      }
      break;
    case Step::Error:
      result.outcome = Outcome::Error;
      result.errorThread = int(pick);
      return result;
    }
  }
  return result;
}
