//===- WgmmaSimulationTest.cpp - the sm_90a kernels on the CPU models -----===//
//
// Runs the warp-specialized Hopper kernel of WgmmaKernel.cpp on the numerics
// library's models of TMA, mbarrier and wgmma (numerics/Tma.h, MBarrier.h,
// Wgmma.h), with every address, coordinate, parity and ownership taken from
// WgmmaIndexing.h instantiated on integers -- the code the emitter
// instantiates on MLIR values:
//  * the producer waits on `empty`, announces a stage's bytes on `full` and
//    issues its two TMA copies, which a separate "TMA unit" completes later
//    in a random order (each copies a box with swizzle and zero fill into
//    the simulated shared memory, then completes its bytes on `full`);
//  * each consumer warpgroup waits on `full`, issues the step's wgmmas as a
//    group, and at `wait_group 1` executes every group but the newest --
//    reading shared memory as late as the hardware may -- then each of its
//    four warps arrives on the previous stage's `empty`;
//  * the threads interleave at random (numerics/Interleave.h): a stage
//    rewritten while a group still reads it, a wait on the wrong phase, a
//    deadlock or a wrong result fails.
// The result, gathered through the accumulator ownership of
// WgmmaIndexing::accumulator, must equal a plain matmul bit for bit (the
// values are small integers, so every partial sum is exact).
//
// Seeded mistakes -- a wrong swizzle, stride byte offset, metadata half,
// parity, early release -- are applied to the simulation and must fail.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/WgmmaIndexing.h"

#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/Interleave.h"
#include "sparq/Numerics/MBarrier.h"
#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Tma.h"
#include "sparq/Numerics/Wgmma.h"

#include "IntOps.h"

#include "gtest/gtest.h"

#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

using namespace sparq::nvvm;
using namespace sparq::numerics;
namespace wg = sparq::nvvm::wgmma;
namespace model = sparq::numerics::wgmma;

namespace {

using test::IntOps;
using Indexing = wg::WgmmaIndexing<IntOps>;

/// What the simulation gets wrong on purpose (None: the kernel as emitted).
enum class Mistake {
  None,
  /// Descriptors name a 64B swizzle where TMA wrote 128B (or the reverse).
  Swizzle,
  /// The stride byte offset of 8 rows of 64 bytes for rows of 128.
  StrideByteOffset,
  /// The metadata register's halves swapped.
  MetadataHalves,
  /// Consumers wait on the other phase parity of `full`.
  FullParity,
  /// Consumers release a step's stage before its group completed.
  EarlyRelease,
};

struct Case {
  MmaFamily family;
  ElementKind lhs, rhs;
  bool sparseRhs;
  int64_t m, n, k;
};

std::string describe(const Case &c) {
  return std::string(familyName(c.family)) + " " + elementKindName(c.lhs) +
         " x " + elementKindName(c.rhs) + (c.sparseRhs ? " (sparse rhs)" : "") +
         " M=" + std::to_string(c.m) + " N=" + std::to_string(c.n) +
         " K=" + std::to_string(c.k);
}

uint32_t bitsOf(ElementKind kind, float v) {
  if (kind == ElementKind::F16)
    return f32ToF16(v);
  if (kind == ElementKind::BF16)
    return f32ToBF16(v);
  return encodeFp8(v, toFp8Format(kind), Saturation::SatFinite);
}

/// A [lines][k] matrix as the kernel's global memory holds it: raw element
/// bits, K contiguous.
struct KMajor {
  int64_t lines = 0, inner = 0;
  unsigned bytes = 1;
  std::vector<uint8_t> data;
};

/// `logical` ([lines][k], 2:4 along k when `sparse`) in the instruction's
/// K-major storage: dense bits, or compressNM's values and metadata.
void store(const std::vector<float> &logical, int64_t lines, int64_t k,
           ElementKind kind, bool sparse, KMajor &values,
           std::vector<uint16_t> &metadata) {
  unsigned bytes = unsigned(elementByteSize(kind));
  std::vector<uint8_t> dense(size_t(lines * k) * bytes);
  for (int64_t i = 0; i < lines * k; ++i) {
    uint32_t b = bitsOf(kind, logical[size_t(i)]);
    std::memcpy(&dense[size_t(i) * bytes], &b, bytes);
  }
  values = {lines, sparse ? k / 2 : k, bytes, {}};
  if (!sparse) {
    values.data = std::move(dense);
    return;
  }
  values.data.resize(size_t(lines * (k / 2)) * bytes);
  NMPattern pattern{2, 4};
  AxisView view{lines, k, 1};
  metadata.resize(size_t(lines * nmMetadataWordsPerLine(k, pattern)));
  ASSERT_EQ(compressNM(dense.data(), kind, view, pattern, values.data.data(),
                       metadata.data()),
            NMStatus::Ok);
}

/// The tensor map the launch function builds: [1][lines][inner], box
/// boxRows x rowBytes, swizzled by rowBytes.
tma::TensorMap tensorMap(const KMajor &t, int64_t rowBytes, int64_t boxRows) {
  tma::TensorMap map;
  map.rank = 3;
  map.elementBytes = t.bytes;
  map.globalDim = {uint64_t(t.inner), uint64_t(t.lines), 1, 1, 1};
  map.globalStrides = {uint64_t(t.inner) * t.bytes,
                       uint64_t(t.inner * t.lines) * t.bytes, 0, 0};
  map.boxDim = {uint32_t(rowBytes / t.bytes), uint32_t(boxRows), 1, 1, 1};
  map.swizzle = rowBytes == 128 ? tma::Swizzle::B128 : tma::Swizzle::B64;
  return map;
}

model::Shape shapeOf(MmaFamily family) {
  switch (family) {
  case MmaFamily::DenseFp8:
    return model::Shape::K32;
  case MmaFamily::SparseFp8:
    return model::Shape::SpK64;
  default:
    return model::Shape::SpK32;
  }
}

/// The outcome of one simulated grid.
struct Outcome {
  interleave::Outcome run = interleave::Outcome::Finished;
  std::string error;
  bool wrongResult = false;
};

/// Runs every block of `c` under the interleaving of `seed`.
Outcome simulate(const Case &c, uint64_t seed, Mistake mistake = Mistake::None) {
  std::mt19937 rng{unsigned(seed)};
  wg::Config config = wg::getConfig(c.family);
  bool sparse = config.sparse;
  // Logical operands of small integers; the sparse one 2:4 along K.
  std::uniform_int_distribution<int> value(-7, 7);
  auto matrix = [&](int64_t lines, int64_t k, bool twoOfFour) {
    std::vector<float> x(size_t(lines * k));
    for (float &v : x)
      v = float(value(rng));
    if (twoOfFour)
      for (int64_t i = 0; i < lines * k; i += 4) {
        int drop = int(rng() % 4), other = int((drop + 1 + rng() % 3) % 4);
        x[size_t(i + drop)] = x[size_t(i + other)] = 0.0f;
      }
    return x;
  };
  // The instruction's A is [rows][k], B is [cols][k] (both K-major).
  int64_t rows = c.sparseRhs ? c.n : c.m, cols = c.sparseRhs ? c.m : c.n;
  ElementKind aKind = c.sparseRhs ? c.rhs : c.lhs;
  ElementKind bKind = c.sparseRhs ? c.lhs : c.rhs;
  std::vector<float> a = matrix(rows, c.k, sparse);
  std::vector<float> b = matrix(cols, c.k, false);
  KMajor aStored, bStored;
  std::vector<uint16_t> metadata, unused;
  store(a, rows, c.k, aKind, sparse, aStored, metadata);
  store(b, cols, c.k, bKind, false, bStored, unused);
  int64_t words = (c.k + 15) / 16;

  tma::TensorMap aMap = tensorMap(aStored, config.aRowBytes(), wg::kBlockRows);
  tma::TensorMap bMap = tensorMap(bStored, config.bRowBytes(), wg::kBlockCols);
  EXPECT_EQ(tma::validate(aMap), tma::Status::Ok);
  EXPECT_EQ(tma::validate(bMap), tma::Status::Ok);
  model::Instruction instr{shapeOf(c.family), unsigned(wg::kBlockCols), aKind,
                           bKind};

  std::vector<float> out(size_t(rows * cols), 0.0f);
  std::vector<int> writes(size_t(rows * cols), 0);
  Outcome outcome;
  IntOps ops;
  for (int64_t by = 0; by * wg::kBlockRows < rows; ++by)
    for (int64_t bx = 0; bx * wg::kBlockCols < cols; ++bx) {
      Indexing indexing(ops, config, rows, cols, c.k, bx, by);
      std::vector<uint8_t> smem(size_t(config.sharedBytes()), 0xA5);
      std::vector<mbarrier::MBarrier> full(size_t(config.stages)),
          empty(size_t(config.stages));
      for (int64_t s = 0; s < config.stages; ++s) {
        EXPECT_EQ(full[size_t(s)].init(1), mbarrier::Status::Ok);
        EXPECT_EQ(empty[size_t(s)].init(uint32_t(config.emptyArrivals())),
                  mbarrier::Status::Ok);
      }
      int64_t steps = indexing.steps();
      // In-flight wgmma groups (K steps) reading each stage.
      std::vector<int> readers(size_t(config.stages), 0);
      struct Copy {
        const tma::TensorMap *map;
        const KMajor *tensor;
        int32_t inner, outer;
        int64_t destination, stage;
      };
      std::deque<Copy> copies;
      bool producerDone = false;
      std::string error;
      auto fail = [&](std::string what) {
        error = std::move(what);
        return interleave::Step::Error;
      };

      // Producer: one thread of warpgroup 0.
      int64_t pStep = 0;
      interleave::Thread producer{"producer", [&](std::mt19937_64 &) {
        if (pStep == steps) {
          producerDone = true;
          return interleave::Step::Done;
        }
        int64_t stage = indexing.stage(pStep);
        if (!empty[size_t(stage)].testWaitParity(unsigned(indexing.parity(pStep) ^ 1)))
          return interleave::Step::Blocked;
        if (full[size_t(stage)].arrive(1, uint32_t(config.stageBytes())) !=
            mbarrier::Status::Ok)
          return fail("arrive.expect_tx on full");
        auto [aInner, aOuter] = indexing.aBox(pStep);
        auto [bInner, bOuter] = indexing.bBox(pStep);
        copies.push_back({&aMap, &aStored, int32_t(aInner), int32_t(aOuter),
                          indexing.aTile(stage), stage});
        copies.push_back({&bMap, &bStored, int32_t(bInner), int32_t(bOuter),
                          indexing.bTile(stage), stage});
        ++pStep;
        return interleave::Step::Progress;
      }};
      // The TMA unit: completes one pending copy, in any order.
      interleave::Thread unit{"tma", [&](std::mt19937_64 &g) {
        if (copies.empty())
          return producerDone ? interleave::Step::Done
                              : interleave::Step::Blocked;
        size_t pick = size_t(g() % copies.size());
        Copy copy = copies[pick];
        copies.erase(copies.begin() + long(pick));
        if (readers[size_t(copy.stage)] != 0)
          return fail("stage " + std::to_string(copy.stage) +
                      " rewritten while a wgmma group reads it");
        uint32_t bytes = 0;
        tma::Status status = tma::copyBox(
            *copy.map, copy.tensor->data.data(), copy.tensor->data.size(),
            {copy.inner, copy.outer, 0, 0, 0}, smem.data(), smem.size(),
            uint32_t(copy.destination), bytes);
        if (status != tma::Status::Ok)
          return fail(std::string("TMA: ") + tma::statusName(status));
        if (full[size_t(copy.stage)].completeTx(bytes) != mbarrier::Status::Ok)
          return fail("complete_tx on full");
        return interleave::Step::Progress;
      }};

      // Consumers: one thread each of warpgroups 1 and 2, which issue and
      // retire wgmma groups warpgroup-wide.
      struct Group {
        int64_t step, stage;
      };
      std::vector<model::Accumulators> acc(wg::kConsumerWarpgroups,
                                           model::Accumulators(instr.n));
      auto execute = [&](int64_t consumer, const Group &group) -> bool {
        for (int64_t j = 0; j < config.instructionsPerStage(); ++j) {
          int64_t aRowBytes = config.aRowBytes(), bRowBytes = config.bRowBytes();
          wg::Swizzle aSwizzle = config.aSwizzle(), bSwizzle = config.bSwizzle();
          if (mistake == Mistake::Swizzle)
            bSwizzle = bSwizzle == wg::Swizzle::B128 ? wg::Swizzle::B64
                                                     : wg::Swizzle::B128;
          if (mistake == Mistake::StrideByteOffset)
            bRowBytes /= 2;
          model::Operands operands;
          operands.smem = smem.data();
          operands.smemBytes = smem.size();
          operands.aDesc =
              wg::descriptorBase(aRowBytes, aSwizzle) |
              (uint64_t(indexing.aAddress(group.stage, consumer, j)) >> 4);
          operands.bDesc = wg::descriptorBase(bRowBytes, bSwizzle) |
                           (uint64_t(indexing.bAddress(group.stage, j)) >> 4);
          operands.scaleD = !(group.step == 0 && j == 0);
          model::MetadataRegisters registers{};
          if (sparse) {
            for (int64_t t = 0; t < wg::kWarpgroupThreads; ++t)
              for (unsigned half = 0; half < 2; ++half) {
                auto [row, word] =
                    indexing.metadataWord(group.step, j, consumer, t, half);
                uint32_t w = row < rows && word < words
                                 ? metadata[size_t(row * words + word)]
                                 : uint32_t(wg::kPaddingMetadataWord);
                unsigned at = mistake == Mistake::MetadataHalves ? 1 - half : half;
                registers[size_t(t)] |= w << (16 * at);
              }
            operands.metadata = &registers;
          }
          model::MetadataError where;
          model::Status status =
              model::execute(instr, operands, acc[size_t(consumer)], &where);
          if (status != model::Status::Ok) {
            error = std::string("wgmma: ") + model::statusName(status) +
                    " at row " + std::to_string(where.row) + " chunk " +
                    std::to_string(where.chunk);
            return false;
          }
        }
        return true;
      };
      std::vector<interleave::Thread> threads = {producer, unit};
      std::vector<int64_t> cStep(wg::kConsumerWarpgroups, 0);
      std::vector<std::deque<Group>> inFlight(wg::kConsumerWarpgroups);
      for (int64_t consumer = 0; consumer < wg::kConsumerWarpgroups; ++consumer)
        threads.push_back({"consumer " + std::to_string(consumer),
                           [&, consumer](std::mt19937_64 &) {
          int64_t &step = cStep[size_t(consumer)];
          std::deque<Group> &groups = inFlight[size_t(consumer)];
          auto retire = [&](size_t keep) {
            while (groups.size() > keep) {
              Group group = groups.front();
              groups.pop_front();
              if (!execute(consumer, group))
                return false;
              --readers[size_t(group.stage)];
              // wgmma.wait_group done: each warp's lane 0 releases it.
              if (mistake != Mistake::EarlyRelease)
                for (int w = 0; w < 4; ++w)
                  if (empty[size_t(group.stage)].arrive() != mbarrier::Status::Ok)
                    return false;
            }
            return true;
          };
          if (step == steps) {
            // wgmma.wait_group 0; the last stage needs no release, but
            // releasing it is harmless to nobody: the producer is done.
            if (!retire(0))
              return fail("retiring the last groups");
            return interleave::Step::Done;
          }
          int64_t stage = indexing.stage(step);
          unsigned parity = unsigned(indexing.parity(step));
          if (mistake == Mistake::FullParity)
            parity ^= 1;
          if (!full[size_t(stage)].testWaitParity(parity))
            return interleave::Step::Blocked;
          ++readers[size_t(stage)];
          groups.push_back({step, stage});
          if (mistake == Mistake::EarlyRelease) {
            // Released at issue, before the group has read the stage.
            for (int w = 0; w < 4; ++w)
              if (empty[size_t(stage)].arrive() != mbarrier::Status::Ok)
                return fail("arrive on empty");
          }
          // commit_group; wait_group 1.
          if (!retire(1))
            return fail(error.empty() ? "arrive on empty" : error);
          ++step;
          return interleave::Step::Progress;
        }});
      interleave::Result result = interleave::run(threads, seed);
      if (result.outcome != interleave::Outcome::Finished) {
        outcome.run = result.outcome;
        outcome.error = error;
        return outcome;
      }
      // The epilogue: each consumer thread's accumulators, where
      // WgmmaIndexing says they go.
      for (int64_t consumer = 0; consumer < wg::kConsumerWarpgroups; ++consumer)
        for (int64_t t = 0; t < wg::kWarpgroupThreads; ++t)
          for (int64_t i = 0; i < wg::kAccumulators; ++i) {
            auto [row, col] = indexing.accumulator(consumer, t, i);
            if (row >= rows || col >= cols)
              continue;
            out[size_t(row * cols + col)] =
                acc[size_t(consumer)].at(unsigned(t), unsigned(i));
            ++writes[size_t(row * cols + col)];
          }
    }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t col = 0; col < cols; ++col) {
      double ref = 0;
      for (int64_t kk = 0; kk < c.k; ++kk)
        ref += double(a[size_t(r * c.k + kk)]) * b[size_t(col * c.k + kk)];
      if (writes[size_t(r * cols + col)] != 1 ||
          out[size_t(r * cols + col)] != float(ref)) {
        outcome.wrongResult = true;
        outcome.error = "D[" + std::to_string(r) + "][" + std::to_string(col) +
                        "] = " + std::to_string(out[size_t(r * cols + col)]) +
                        " written " + std::to_string(writes[size_t(r * cols + col)]) +
                        " times, expected " + std::to_string(ref);
        return outcome;
      }
    }
  return outcome;
}

void expectCorrect(const Case &c, uint64_t seed) {
  SCOPED_TRACE(describe(c) + " seed " + std::to_string(seed));
  Outcome o = simulate(c, seed);
  EXPECT_EQ(o.run, interleave::Outcome::Finished)
      << interleave::outcomeName(o.run) << ": " << o.error;
  EXPECT_FALSE(o.wrongResult) << o.error;
}

/// Sizes: ragged in every direction, several blocks and K steps, K below
/// one stage; K keeps TMA rows 16-byte aligned (what the lowering requires).
struct Size {
  int64_t m, n, k;
};
const Size kSizes[] = {{128, 256, 256}, {130, 300, 160}, {37, 21, 64},
                       {200, 40, 704}};

TEST(WgmmaSimulation, DenseFp8) {
  uint64_t seed = 1;
  for (ElementKind a : {ElementKind::E4M3, ElementKind::E5M2})
    for (ElementKind b : {ElementKind::E4M3, ElementKind::E5M2})
      for (const Size &s : kSizes)
        expectCorrect({MmaFamily::DenseFp8, a, b, false, s.m, s.n, s.k}, seed++);
}

TEST(WgmmaSimulation, SparseFp8) {
  uint64_t seed = 100;
  for (ElementKind a : {ElementKind::E4M3, ElementKind::E5M2})
    for (bool sparseRhs : {false, true})
      for (const Size &s : kSizes)
        expectCorrect({MmaFamily::SparseFp8, a, ElementKind::E4M3, sparseRhs,
                       s.m, s.n, s.k},
                      seed++);
}

TEST(WgmmaSimulation, SparseF16AndBF16) {
  uint64_t seed = 200;
  for (auto [family, kind] :
       {std::pair{MmaFamily::SparseF16, ElementKind::F16},
        std::pair{MmaFamily::SparseBF16, ElementKind::BF16}})
    for (bool sparseRhs : {false, true})
      for (const Size &s : kSizes)
        expectCorrect({family, kind, kind, sparseRhs, s.m, s.n, s.k}, seed++);
}

/// Many interleavings of one multi-round problem (K steps > stages).
TEST(WgmmaSimulation, Interleavings) {
  for (uint64_t seed = 0; seed < 12; ++seed)
    expectCorrect({MmaFamily::SparseFp8, ElementKind::E4M3, ElementKind::E5M2,
                   false, 130, 260, 1024},
                  1000 + seed);
}

/// Each seeded mistake fails: by a wrong result, a hazard, a deadlock or an
/// invalid instruction, on at least one of a few interleavings.
TEST(WgmmaSimulation, SeededMistakesFail) {
  Case dense{MmaFamily::DenseFp8, ElementKind::E4M3, ElementKind::E4M3, false,
             128, 256, 1024};
  Case sparse{MmaFamily::SparseFp8, ElementKind::E4M3, ElementKind::E4M3,
              false, 128, 256, 1024};
  for (auto [mistake, c] : {std::pair{Mistake::Swizzle, dense},
                            std::pair{Mistake::StrideByteOffset, dense},
                            std::pair{Mistake::MetadataHalves, sparse},
                            std::pair{Mistake::FullParity, dense},
                            std::pair{Mistake::EarlyRelease, dense}}) {
    bool caught = false;
    for (uint64_t seed = 0; seed < 8 && !caught; ++seed) {
      Outcome o = simulate(c, 7 + seed, mistake);
      caught = o.wrongResult || o.run != interleave::Outcome::Finished;
    }
    EXPECT_TRUE(caught) << "mistake " << int(mistake) << " went unnoticed";
  }
}

} // namespace
