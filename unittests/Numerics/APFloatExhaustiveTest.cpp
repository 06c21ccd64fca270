//===- APFloatExhaustiveTest.cpp - All 2^32 f32 inputs vs llvm::APFloat ---===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Opt-in (ctest label exhaustive-apfloat; about 30 CPU-minutes):
// every f32 bit pattern, both formats, both saturation modes, against
// APFloat. The default suite already checks every input against the
// independent reference in FP8ExhaustiveTest.cpp.
//
//===----------------------------------------------------------------------===//

#include "APFloatReference.h"
#include "sparq/Numerics/FP8.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::testing;

TEST(APFloatExhaustive, AllF32Inputs) {
  const unsigned numThreads =
      std::max(2u, std::min(8u, std::thread::hardware_concurrency()));
  std::vector<uint64_t> failures(numThreads, 0);
  std::vector<std::string> first(numThreads);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < numThreads; ++t) {
    threads.emplace_back([&, t] {
      const uint64_t begin = (uint64_t(1) << 32) * t / numThreads;
      const uint64_t end = (uint64_t(1) << 32) * (t + 1) / numThreads;
      for (uint64_t b = begin; b < end; ++b) {
        const uint32_t bits = uint32_t(b);
        float x;
        std::memcpy(&x, &bits, 4);
        const llvm::APFloat in(x);
        for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2}) {
          const std::string err = checkFp8AgainstAPFloat(
              in, format, encodeFp8(x, format, Saturation::None),
              encodeFp8(x, format, Saturation::SatFinite));
          if (!err.empty() && failures[t]++ == 0)
            first[t] = err;
        }
      }
    });
  }
  for (std::thread &thread : threads)
    thread.join();
  for (unsigned t = 0; t < numThreads; ++t)
    EXPECT_EQ(failures[t], 0u) << first[t];
}
