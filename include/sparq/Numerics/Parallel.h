//===- Parallel.h - Optional executor for bulk operations -------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The library has no threading dependency of its own: bulk operations take a
// ParallelFor that the caller backs with its thread pool (MLIR's, in the
// compiler). Work is cut into large tasks whose results never depend on how
// they are scheduled, so serial and parallel runs are bit-identical.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_NUMERICS_PARALLEL_H
#define SPARQ_NUMERICS_PARALLEL_H

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace sparq::numerics {

/// Must call task(t) exactly once for every t in [0, numTasks), in any order
/// and possibly concurrently, and return after all calls have returned.
/// An empty ParallelFor means "run serially on the calling thread".
using ParallelFor = std::function<void(
    size_t numTasks, const std::function<void(size_t task)> &task)>;

/// Elements per task for element-wise bulk work: big enough to amortise
/// scheduling, small enough to balance 16M-element tensors on many cores.
constexpr int64_t kElementsPerTask = int64_t(1) << 16;

/// Runs `task` for [0, numTasks) through `parallel`, or serially.
inline void runTasks(const ParallelFor &parallel, size_t numTasks,
                     const std::function<void(size_t)> &task) {
  if (numTasks == 0)
    return;
  if (!parallel || numTasks == 1) {
    for (size_t t = 0; t < numTasks; ++t)
      task(t);
    return;
  }
  parallel(numTasks, task);
}

/// A simple executor over `numThreads` std::threads (spawned per call), for
/// tools and tests that have no thread pool of their own.
inline ParallelFor makeThreadParallelFor(unsigned numThreads) {
  return
      [numThreads](size_t numTasks, const std::function<void(size_t)> &task) {
        std::atomic<size_t> next{0};
        auto worker = [&] {
          for (size_t t = next++; t < numTasks; t = next++)
            task(t);
        };
        size_t extra = std::min<size_t>(numThreads, numTasks);
        extra = extra > 0 ? extra - 1 : 0;
        std::vector<std::thread> threads;
        threads.reserve(extra);
        for (size_t i = 0; i < extra; ++i)
          threads.emplace_back(worker);
        worker();
        for (std::thread &thread : threads)
          thread.join();
      };
}

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_PARALLEL_H
