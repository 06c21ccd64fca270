//===- PipelineTest.cpp - A TMA/mbarrier stage ring under interleavings --===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// A toy producer/consumer ring of S stages guarded by full/empty mbarriers,
// as warp-specialized Hopper kernels use it: the producer waits for a stage
// to be empty, arrives on its full barrier with expect_tx and issues a TMA
// copy; the asynchronous copy engine lands copies in any order and
// complete_tx's them; each consumer waits for the stage to be full, reads
// it, and arrives on its empty barrier. Ground truth kept beside the
// barriers flags a consumer reading a stage whose copy has not landed and a
// producer issuing into a stage its consumers have not released; the
// scheduler flags deadlock. The correct ring passes every seed; each seeded
// mistake is caught by some seed.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Interleave.h"
#include "sparq/Numerics/MBarrier.h"

#include "gtest/gtest.h"

#include <memory>
#include <string>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::interleave;
using mbarrier::MBarrier;

namespace {

struct Mistakes {
  bool consumerFlipsParity = false;
  bool producerFlipsParity = false;
  bool consumerSkipsFullWait = false;
  bool producerSkipsEmptyWait = false;
  /// Added to the empty barriers' arrival count (the right one is the
  /// number of consumers).
  int emptyCountDelta = 0;
};

constexpr uint32_t kStageBytes = 4096;

struct Ring {
  unsigned stages, consumers, iterations;
  Mistakes mistakes;
  std::vector<MBarrier> full, empty;
  struct Stage {
    int iteration = -1; ///< whose data the stage holds
    bool inFlight = false;
    unsigned released = 0; ///< consumers done with `iteration`
  };
  std::vector<Stage> stage;
  /// Issued copies that have not landed: (stage, iteration).
  std::vector<std::pair<unsigned, int>> copies;
  bool producerDone = false;
  std::vector<unsigned> consumed;
  std::string violation;

  Ring(unsigned stages, unsigned consumers, unsigned iterations, Mistakes m)
      : stages(stages), consumers(consumers), iterations(iterations),
        mistakes(m), full(stages), empty(stages), stage(stages),
        consumed(consumers, 0) {
    for (unsigned s = 0; s < stages; ++s) {
      EXPECT_EQ(full[s].init(1), mbarrier::Status::Ok);
      EXPECT_EQ(empty[s].init(unsigned(int(consumers) + m.emptyCountDelta)),
                mbarrier::Status::Ok);
    }
  }

  Step fail(std::string what) {
    violation = std::move(what);
    return Step::Error;
  }

  /// The producer: per iteration, wait empty, then arrive.expect_tx and
  /// issue the copy.
  Thread producer() {
    auto it = std::make_shared<unsigned>(0);
    auto waited = std::make_shared<bool>(false);
    return {"producer", [this, it, waited](std::mt19937_64 &) {
              if (*it == iterations) {
                producerDone = true;
                return Step::Done;
              }
              const unsigned s = *it % stages, round = *it / stages;
              if (!*waited) {
                // Phase `round` of empty[s] is "released after round - 1";
                // a fresh barrier passes parity 1, so the producer waits on
                // the opposite parity of its round.
                const unsigned parity =
                    (round & 1) ^ 1 ^ unsigned(mistakes.producerFlipsParity);
                if (!mistakes.producerSkipsEmptyWait &&
                    !empty[s].testWaitParity(parity))
                  return Step::Blocked;
                *waited = true;
                return Step::Progress;
              }
              Stage &st = stage[s];
              if (*it >= stages &&
                  (st.inFlight || st.iteration != int(*it - stages) ||
                   st.released != consumers))
                return fail("producer issued into stage " + std::to_string(s) +
                            " before its consumers released it");
              if (full[s].arrive(1, kStageBytes) != mbarrier::Status::Ok)
                return fail("full barrier arrive failed");
              st.inFlight = true;
              copies.push_back({s, int(*it)});
              *waited = false;
              ++*it;
              return Step::Progress;
            }};
  }

  /// The copy engine: lands any in-flight copy, then complete_tx.
  Thread engine() {
    return {"tma", [this](std::mt19937_64 &rng) {
              if (copies.empty())
                return producerDone ? Step::Done : Step::Blocked;
              const size_t pick = rng() % copies.size();
              const auto [s, iteration] = copies[pick];
              copies.erase(copies.begin() + pick);
              stage[s] = {iteration, false, 0};
              if (full[s].completeTx(kStageBytes) != mbarrier::Status::Ok)
                return fail("complete_tx failed");
              return Step::Progress;
            }};
  }

  /// Consumer c: wait full, read, release.
  Thread consumer(unsigned c) {
    auto it = std::make_shared<unsigned>(0);
    auto state = std::make_shared<int>(0); // 0 wait, 1 read, 2 release
    return {"consumer " + std::to_string(c),
            [this, c, it, state](std::mt19937_64 &) {
              if (*it == iterations)
                return Step::Done;
              const unsigned s = *it % stages, round = *it / stages;
              if (*state == 0) {
                const unsigned parity =
                    (round & 1) ^ unsigned(mistakes.consumerFlipsParity);
                if (!mistakes.consumerSkipsFullWait &&
                    !full[s].testWaitParity(parity))
                  return Step::Blocked;
                *state = 1;
                return Step::Progress;
              }
              if (*state == 1) {
                if (stage[s].inFlight || stage[s].iteration != int(*it))
                  return fail("consumer " + std::to_string(c) + " read stage " +
                              std::to_string(s) +
                              " before its copy of iteration " +
                              std::to_string(*it) + " landed");
                ++consumed[c];
                *state = 2;
                return Step::Progress;
              }
              if (empty[s].arrive() != mbarrier::Status::Ok)
                return fail("empty barrier: more arrivals than expected");
              ++stage[s].released;
              *state = 0;
              ++*it;
              return Step::Progress;
            }};
  }
};

struct Tally {
  unsigned finished = 0, errors = 0, deadlocks = 0;
  std::string firstViolation;
};

Tally runSeeds(Mistakes m, unsigned seeds, unsigned stages = 4,
               unsigned consumers = 2, unsigned iterations = 24) {
  Tally tally;
  for (unsigned seed = 0; seed < seeds; ++seed) {
    Ring ring(stages, consumers, iterations, m);
    std::vector<Thread> threads = {ring.producer(), ring.engine()};
    for (unsigned c = 0; c < consumers; ++c)
      threads.push_back(ring.consumer(c));
    const Result r = run(threads, seed);
    EXPECT_NE(r.outcome, Outcome::StepLimit);
    if (r.outcome == Outcome::Finished) {
      ++tally.finished;
      for (unsigned c = 0; c < consumers; ++c)
        EXPECT_EQ(ring.consumed[c], iterations);
    } else if (r.outcome == Outcome::Error) {
      ++tally.errors;
      if (tally.firstViolation.empty())
        tally.firstViolation = ring.violation;
    } else if (r.outcome == Outcome::Deadlock) {
      ++tally.deadlocks;
    }
  }
  return tally;
}

constexpr unsigned kSeeds = 300;

TEST(Pipeline, CorrectRingPassesEveryInterleaving) {
  for (unsigned stages : {1u, 2u, 4u})
    for (unsigned consumers : {1u, 2u, 3u}) {
      const Tally t = runSeeds({}, kSeeds, stages, consumers);
      EXPECT_EQ(t.finished, kSeeds)
          << stages << " stages, " << consumers << " consumers: " << t.errors
          << " errors (" << t.firstViolation << "), " << t.deadlocks
          << " deadlocks";
    }
}

TEST(Pipeline, ConsumerWrongParityIsCaught) {
  Mistakes m;
  m.consumerFlipsParity = true;
  const Tally t = runSeeds(m, kSeeds);
  EXPECT_EQ(t.finished, 0u); // an early read, or a wait that never passes
  EXPECT_GT(t.errors, 0u);
  EXPECT_NE(t.firstViolation.find("before its copy"), std::string::npos)
      << t.firstViolation;
}

TEST(Pipeline, ProducerWrongParityIsCaught) {
  Mistakes m;
  m.producerFlipsParity = true;
  const Tally t = runSeeds(m, kSeeds);
  // A fresh empty barrier blocks parity 0: the producer never starts.
  EXPECT_EQ(t.deadlocks, kSeeds);
}

TEST(Pipeline, MissingWaitsAreCaught) {
  Mistakes consumerSide;
  consumerSide.consumerSkipsFullWait = true;
  Tally t = runSeeds(consumerSide, kSeeds);
  EXPECT_GT(t.errors, kSeeds / 2); // the rare lucky run finishes
  EXPECT_NE(t.firstViolation.find("before its copy"), std::string::npos);
  Mistakes producerSide;
  producerSide.producerSkipsEmptyWait = true;
  t = runSeeds(producerSide, kSeeds);
  EXPECT_GT(t.errors, kSeeds / 2);
  EXPECT_NE(t.firstViolation.find("before its consumers released"),
            std::string::npos)
      << t.firstViolation;
}

TEST(Pipeline, WrongArrivalCountsAreCaught) {
  Mistakes tooMany;
  tooMany.emptyCountDelta = 1; // a release that never comes
  Tally t = runSeeds(tooMany, kSeeds);
  EXPECT_EQ(t.deadlocks, kSeeds);
  Mistakes tooFew;
  tooFew.emptyCountDelta = -1; // the stage reopens after one consumer
  t = runSeeds(tooFew, kSeeds);
  EXPECT_GT(t.errors, 0u);
  EXPECT_EQ(t.finished, 0u); // the barriers' phases drift apart
}

TEST(Pipeline, SameSeedSameInterleaving) {
  Mistakes m;
  m.consumerFlipsParity = true;
  for (uint64_t seed : {3u, 17u}) {
    uint64_t steps[2];
    for (int i = 0; i < 2; ++i) {
      Ring ring(4, 2, 24, m);
      std::vector<Thread> threads = {ring.producer(), ring.engine(),
                                     ring.consumer(0), ring.consumer(1)};
      steps[i] = run(threads, seed).steps;
    }
    EXPECT_EQ(steps[0], steps[1]);
  }
}

} // namespace
