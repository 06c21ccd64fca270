//===- PipelineSimulationTest.cpp - the multistage warp-level kernels on the CPU ===//
//
// Runs every thread of the sm_80 / sm_89 multistage kernel of
// PipelineKernel.cpp on the numerics library's models of cp.async groups
// (numerics/CpAsync.h), the swizzled layout's banks (Swizzle.h), ldmatrix
// and mma (MMA.h), with every address, src-size, stage and wait count taken
// from PipelineIndexing.h instantiated on integers -- the code the emitter
// instantiates on MLIR values. The program is the kernel's, in lock step:
// the prologue's groups, then per K step wait_group, bar.sync, the next
// copies + commit, and each warp's ldmatrix + mma on the step's stage.
// A shared byte read before the copy group that writes it completed (in
// the reading thread, or in another with no barrier since) fails; so do
// bank conflicts of a copy or ldmatrix phase, and any difference from a
// plain matmul (values are small integers: every partial sum is exact, so
// equality is bit for bit).
//
// Seeded mistakes -- the reads unswizzled, one wait_group too lax, the
// compute on the wrong stage, the prefetch into the wrong stage -- must fail.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/PipelineIndexing.h"

#include "sparq/Numerics/CpAsync.h"
#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/MMA.h"
#include "sparq/Numerics/Swizzle.h"

#include "IntOps.h"

#include "gtest/gtest.h"

#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

using namespace sparq::nvvm;
using namespace sparq::numerics;
namespace pl = sparq::nvvm::pipeline;
namespace mma = sparq::numerics::mma;

namespace {

using test::IntOps;
using Indexing = pl::PipelineIndexing<IntOps>;

enum class Mistake {
  None,
  /// The copies swizzle, the ldmatrix addresses do not.
  Swizzle,
  /// cp.async.wait_group stages - 1: the current step's group may pend.
  WaitGroup,
  /// The math reads stage (step + 1) % stages.
  ComputeStage,
  /// The prefetch writes the stage the math reads next.
  PrefetchStage,
};

struct Case {
  ElementKind a, b;
  int64_t batch, m, n, k;
};

std::string describe(const Case &c) {
  return std::string(elementKindName(c.a)) + " x " + elementKindName(c.b) +
         " B=" + std::to_string(c.batch) + " M=" + std::to_string(c.m) +
         " N=" + std::to_string(c.n) + " K=" + std::to_string(c.k);
}

struct Outcome {
  /// The first failure, empty when the result matched.
  std::string failure;
  int64_t copies = 0, ldmatrixPhases = 0, conflictedPhases = 0;
};

/// Runs the dense FP8 kernel on `c` (lhs [B][M][K] and the K-major copy of
/// rhs, [B][N][K], as the launch function passes them).
Outcome simulate(const Case &c, unsigned seed, Mistake mistake = Mistake::None) {
  Outcome out;
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> value(-7, 7);
  std::vector<float> lhs(size_t(c.batch * c.m * c.k)), rhsT(size_t(c.batch * c.n * c.k));
  for (float &v : lhs)
    v = float(value(rng));
  for (float &v : rhsT)
    v = float(value(rng));
  auto encode = [](const std::vector<float> &x, ElementKind kind) {
    std::vector<uint8_t> bits(x.size());
    for (size_t i = 0; i < x.size(); ++i)
      bits[i] = uint8_t(encodeFp8(x[i], toFp8Format(kind), Saturation::SatFinite));
    return bits;
  };
  std::vector<uint8_t> aGlobal = encode(lhs, c.a), bGlobal = encode(rhsT, c.b);

  pl::Config config = pl::getConfig(MmaFamily::DenseFp8);
  pl::Config readConfig = config;
  if (mistake == Mistake::Swizzle)
    readConfig.swizzle = false;
  mma::Instruction instr{mma::Shape::M16N8K32, c.a, c.b};
  std::vector<float> result(size_t(c.batch * c.m * c.n), NAN);
  std::vector<int> writes(result.size(), 0);
  IntOps ops;
  auto fail = [&](const std::string &what) {
    if (out.failure.empty())
      out.failure = what;
  };

  for (int64_t bz = 0; bz < c.batch; ++bz)
    for (int64_t by = 0; by * pl::kBlockRows < c.m; ++by)
      for (int64_t bx = 0; bx * pl::kBlockCols < c.n; ++bx) {
        std::vector<Indexing> threads, readers;
        for (int64_t t = 0; t < pl::kThreads; ++t) {
          threads.emplace_back(ops, config, c.m, c.n, c.k, bz, bx, by, t);
          readers.emplace_back(ops, readConfig, c.m, c.n, c.k, bz, bx, by, t);
        }
        cpasync::SharedMemory shared(size_t(config.sharedBytes()),
                                     unsigned(pl::kThreads));
        auto issue = [&](int64_t step, int64_t stage) {
          for (int64_t t = 0; t < pl::kThreads; ++t) {
            Indexing &ix = threads[size_t(t)];
            auto one = [&](const Indexing::Copy &cp,
                           const std::vector<uint8_t> &g) {
              cpasync::Status s = shared.copy(
                  unsigned(t), uint64_t(cp.shared), g.data(), g.size(),
                  uint64_t(cp.global), 16, unsigned(cp.srcBytes), true);
              if (s != cpasync::Status::Ok)
                fail(std::string("cp.async: ") + cpasync::statusName(s));
            };
            for (int64_t j = 0; j < config.aCopies(); ++j)
              one(ix.copyA(step, stage, j), aGlobal);
            for (int64_t j = 0; j < config.bCopies(); ++j)
              one(ix.copyB(step, stage, j), bGlobal);
            shared.commit(unsigned(t));
          }
          // Bank conflicts of the copies: copy j of 8 consecutive threads.
          for (int64_t j = 0; j < config.aCopies() + config.bCopies(); ++j)
            for (int64_t t0 = 0; t0 < pl::kThreads; t0 += 8) {
              std::array<uint64_t, 8> addresses{};
              for (int64_t i = 0; i < 8; ++i) {
                Indexing &ix = threads[size_t(t0 + i)];
                addresses[size_t(i)] = uint64_t(
                    j < config.aCopies()
                        ? ix.copyA(step, stage, j).shared
                        : ix.copyB(step, stage, j - config.aCopies()).shared);
              }
              ++out.copies;
              if (swizzle::phaseWavefronts(addresses) != 1)
                fail("bank conflict in a cp.async phase");
            }
        };
        Indexing &t0 = threads[0];
        int64_t steps = t0.steps();
        for (int64_t s = 0; s < config.stages - 1; ++s)
          issue(s, t0.stage(s));

        std::vector<std::vector<mma::Fragment>> acc(
            pl::kWarps,
            std::vector<mma::Fragment>(pl::kFragsM * pl::kFragsN, mma::Fragment{}));
        // The stages the kernel carries through its loop.
        int64_t readStage = 0, writeStage = t0.stage(config.stages - 1);
        for (int64_t s = 0; s < steps && out.failure.empty(); ++s) {
          if (readStage != t0.stage(s) ||
              writeStage != t0.stage(t0.prefetchStep(s)))
            fail("the carried stages drifted from step % stages");
          int64_t wait = config.waitGroups() + (mistake == Mistake::WaitGroup);
          for (int64_t t = 0; t < pl::kThreads; ++t)
            shared.wait(unsigned(t), unsigned(wait));
          shared.barrier();
          issue(t0.prefetchStep(s), mistake == Mistake::PrefetchStage
                                        ? t0.nextStage(readStage)
                                        : writeStage);
          int64_t stage = mistake == Mistake::ComputeStage
                              ? t0.nextStage(readStage)
                              : readStage;
          readStage = t0.nextStage(readStage);
          writeStage = t0.nextStage(writeStage);

          for (int64_t w = 0; w < pl::kWarps; ++w) {
            Indexing *lanes = &readers[size_t(32 * w)];
            // ldmatrix.x4: lane l supplies row l % 8 of matrix l / 8.
            auto ldmatrix = [&](auto address,
                                std::array<std::array<uint32_t, 4>, 32> &regs) {
              std::array<mma::MatrixRow, 32> rows{};
              for (int64_t l = 0; l < 32; ++l) {
                int64_t at = address(lanes[l]);
                if (at % 16)
                  fail("ldmatrix row misaligned");
                cpasync::Status st = shared.read(unsigned(32 * w + l),
                                                 uint64_t(at), 16, rows[size_t(l)].data());
                if (st != cpasync::Status::Ok)
                  fail(std::string("ldmatrix: ") + cpasync::statusName(st));
              }
              for (int64_t j = 0; j < 4; ++j) {
                std::array<uint64_t, 8> phase{};
                for (int64_t r = 0; r < 8; ++r)
                  phase[size_t(r)] = uint64_t(address(lanes[8 * j + r]));
                ++out.ldmatrixPhases;
                if (swizzle::phaseWavefronts(phase) != 1)
                  ++out.conflictedPhases;
              }
              mma::loadMatrices(4, rows, regs);
            };
            for (int64_t i = 0; i < config.instructionsPerStep(); ++i) {
              std::vector<mma::WarpState> aState(pl::kFragsM), bState(pl::kFragsN);
              for (int64_t fm = 0; fm < pl::kFragsM; ++fm)
                ldmatrix([&](Indexing &ix) { return ix.ldmatrixA(stage, fm, i); },
                         aState[size_t(fm)].a);
              for (int64_t load = 0; load * config.bFragsPerLoad() < pl::kFragsN;
                   ++load) {
                std::array<std::array<uint32_t, 4>, 32> regs{};
                ldmatrix([&](Indexing &ix) { return ix.ldmatrixB(stage, load, i); },
                         regs);
                int64_t chunks = config.bInstructionChunks();
                for (int64_t f = 0; f < config.bFragsPerLoad(); ++f)
                  for (int64_t l = 0; l < 32; ++l)
                    for (int64_t r = 0; r < chunks; ++r)
                      bState[size_t(load * config.bFragsPerLoad() + f)]
                          .b[size_t(l)][size_t(r)] = regs[size_t(l)][size_t(f * chunks + r)];
              }
              for (int64_t fm = 0; fm < pl::kFragsM; ++fm)
                for (int64_t fn = 0; fn < pl::kFragsN; ++fn) {
                  mma::WarpState state = aState[size_t(fm)];
                  state.b = bState[size_t(fn)].b;
                  mma::Fragment &d = acc[size_t(w)][size_t(fm * pl::kFragsN + fn)];
                  state.c = d;
                  if (mma::execute(instr, state, d) != mma::Status::Ok)
                    fail("mma rejected its operands");
                }
            }
          }
        }
        if (!out.failure.empty())
          return out;
        for (int64_t w = 0; w < pl::kWarps; ++w)
          for (int64_t tile = 0; tile < pl::kFragsM * pl::kFragsN; ++tile)
            for (int64_t l = 0; l < 32; ++l)
              for (unsigned e = 0; e < 4; ++e) {
                Indexing::OutputAccess at = threads[size_t(32 * w + l)].output(
                    tile / pl::kFragsN, tile % pl::kFragsN, e);
                if (!at.inBounds)
                  continue;
                size_t i = size_t((bz * c.m + at.m) * c.n + at.n);
                result[i] = acc[size_t(w)][size_t(tile)][size_t(l)][e];
                ++writes[i];
              }
      }

  for (int64_t bz = 0; bz < c.batch; ++bz)
    for (int64_t i = 0; i < c.m; ++i)
      for (int64_t j = 0; j < c.n; ++j) {
        double ref = 0;
        for (int64_t kk = 0; kk < c.k; ++kk)
          ref += double(lhs[size_t((bz * c.m + i) * c.k + kk)]) *
                 rhsT[size_t((bz * c.n + j) * c.k + kk)];
        size_t at = size_t((bz * c.m + i) * c.n + j);
        if (writes[at] != 1 || result[at] != float(ref)) {
          fail("D[" + std::to_string(bz) + "][" + std::to_string(i) + "][" +
               std::to_string(j) + "] = " + std::to_string(result[at]) +
               " (written " + std::to_string(writes[at]) + "x), expected " +
               std::to_string(ref));
          return out;
        }
      }
  return out;
}

/// Exact tiles, ragged M and N, K a multiple of 16 but not of a step, K
/// below one step, several blocks and steps in every direction.
const Case kSizes[] = {{ElementKind::E4M3, ElementKind::E4M3, 1, 128, 128, 256},
                       {ElementKind::E4M3, ElementKind::E5M2, 2, 37, 21, 48},
                       {ElementKind::E5M2, ElementKind::E4M3, 1, 5, 3, 16},
                       {ElementKind::E5M2, ElementKind::E5M2, 1, 150, 260, 208}};

TEST(PipelineSimulation, DenseFp8) {
  unsigned seed = 1;
  for (const Case &c : kSizes) {
    Outcome o = simulate(c, seed++);
    EXPECT_EQ(o.failure, "") << describe(c);
    EXPECT_GT(o.copies, 0);
    EXPECT_EQ(o.conflictedPhases, 0) << describe(c) << " of " << o.ldmatrixPhases;
  }
}

TEST(PipelineSimulation, ConfigFitsStaticSharedMemory) {
  for (MmaFamily f : {MmaFamily::DenseFp8, MmaFamily::SparseFp8,
                      MmaFamily::SparseF16, MmaFamily::SparseBF16}) {
    pl::Config config = pl::getConfig(f);
    EXPECT_LE(config.sharedBytes(), pl::kMaxStaticSharedBytes);
    EXPECT_GE(config.stages, 3);
    EXPECT_EQ(config.aTileBytes() % (16 * pl::kThreads), 0);
    EXPECT_EQ(config.bTileBytes() % (16 * pl::kThreads), 0);
    EXPECT_TRUE(swizzle::isValidRowChunks(config.aRowChunks()));
    EXPECT_TRUE(swizzle::isValidRowChunks(config.bRowChunks()));
  }
}

/// The epilogue stores elements (2i, 2i + 1) of a fragment as one vector:
/// they must be columns n, n + 1 of one row, n even.
TEST(PipelineSimulation, OutputPairsAreAdjacent) {
  IntOps ops;
  for (int64_t t = 0; t < pl::kThreads; ++t) {
    Indexing ix(ops, pl::getConfig(MmaFamily::DenseFp8), 1000, 1000, 64, 0, 1,
                2, t);
    for (int64_t fm = 0; fm < pl::kFragsM; ++fm)
      for (int64_t fn = 0; fn < pl::kFragsN; ++fn)
        for (unsigned e = 0; e < 4; e += 2) {
          Indexing::OutputAccess a = ix.output(fm, fn, e),
                                 b = ix.output(fm, fn, e + 1);
          ASSERT_TRUE(a.inBounds && b.inBounds);
          EXPECT_EQ(a.m, b.m);
          EXPECT_EQ(a.n + 1, b.n);
          EXPECT_EQ(a.n % 2, 0);
        }
  }
}

/// Each seeded mistake fails, with the reason the model gives.
TEST(PipelineSimulation, SeededMistakesFail) {
  Case c{ElementKind::E4M3, ElementKind::E4M3, 1, 130, 70, 320};
  for (Mistake m : {Mistake::Swizzle, Mistake::WaitGroup, Mistake::ComputeStage,
                    Mistake::PrefetchStage}) {
    Outcome o = simulate(c, 5, m);
    EXPECT_NE(o.failure, "") << "mistake " << int(m) << " went unnoticed";
    std::cout << "mistake " << int(m) << ": " << o.failure << "\n";
  }
  // Unswizzled reads also conflict: 64-byte rows put two of every eight
  // ldmatrix rows in each bank group.
  EXPECT_GT(simulate(c, 5, Mistake::Swizzle).conflictedPhases, 0);
}

} // namespace
