//===- KernelSimulationTest.cpp - the GPU kernels' data movement on the CPU ===//
//
// Runs every thread of sparq's Tensor Core kernels on the CPU: the index
// arithmetic is the emitter's own (KernelIndexing.h instantiated on
// integers) -- each K step's global-to-shared copies by all threads of a
// block, then each warp's ldmatrix fragment loads and every lane's metadata
// loads from shared memory --, metadata filling is as MmaKernel.cpp emits
// it, and each warp-level instruction (ldmatrix, mma) is the numerics
// library's exact model (numerics/MMA.h). The result must equal a plain reference
// matmul of the logical (uncompressed) operands, for every instruction
// family, both orientations (sparse lhs, sparse rhs), and sizes that are not
// multiples of any tile. Values are small integers, so every partial sum is
// exact and equality is bit for bit.
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/KernelIndexing.h"

#include "sparq/Numerics/FP8.h"
#include "sparq/Numerics/Float16.h"
#include "sparq/Numerics/MMA.h"
#include "sparq/Numerics/NM.h"

#include "IntOps.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

using namespace sparq::nvvm;
using namespace sparq::numerics;
namespace mma = sparq::numerics::mma;

namespace {

using test::IntOps;
using Indexing = KernelIndexing<IntOps>;

/// A [lines][columns] buffer of raw element bits, as a kernel argument.
struct Buffer {
  int64_t lines = 0, columns = 0;
  unsigned bytes = 1;
  std::vector<uint8_t> data;

  Buffer(int64_t lines, int64_t columns, unsigned bytes)
      : lines(lines), columns(columns), bytes(bytes),
        data(size_t(lines * columns) * bytes) {}

  /// The guarded load the kernel emits: the clamped address must be in the
  /// buffer whatever the condition, and out-of-bounds elements read 0.
  uint32_t load(const Indexing::Access &at, bool &outOfBuffer) const {
    if (at.line < 0 || at.line >= lines || at.column < 0 ||
        at.column >= columns) {
      outOfBuffer = true;
      return 0;
    }
    uint32_t bits = 0;
    std::memcpy(&bits, &data[size_t(at.line * columns + at.column) * bytes],
                bytes);
    return at.inBounds ? bits : 0;
  }
};

/// One shared-memory tile of a K step: raw element bits, and how often
/// each element was written. `stride` (elements) and `bytes` place it in
/// memory as the kernel declares it, for ldmatrix's alignment rule.
struct SharedTile {
  int64_t rows, cols, stride;
  unsigned bytes;
  std::vector<uint32_t> bits;
  std::vector<int> writes;
  SharedTile(int64_t rows, int64_t cols, int64_t stride, unsigned bytes)
      : rows(rows), cols(cols), stride(stride), bytes(bytes),
        bits(size_t(rows * cols)), writes(size_t(rows * cols)) {}
  size_t at(int64_t r, int64_t c) const {
    EXPECT_TRUE(r >= 0 && r < rows && c >= 0 && c < cols)
        << "shared [" << r << "][" << c << "] outside " << rows << " x " << cols;
    return size_t(std::clamp<int64_t>(r, 0, rows - 1) * cols +
                  std::clamp<int64_t>(c, 0, cols - 1));
  }
  void store(const Indexing::Copy &copy, uint32_t value) {
    size_t i = at(copy.sharedRow, copy.sharedCol);
    bits[i] = value;
    ++writes[i];
  }
  uint32_t load(const Indexing::SharedAt &p) const { return bits[at(p.row, p.col)]; }
  /// The 16 bytes an ldmatrix lane addressing `p` supplies: whole elements
  /// of one row, never its padding, from a 16-byte aligned address.
  mma::MatrixRow matrixRow(const Indexing::SharedAt &p) const {
    EXPECT_EQ((p.row * stride + p.col) * int64_t(bytes) % kMatrixRowBytes, 0)
        << "ldmatrix row [" << p.row << "][" << p.col << "] misaligned";
    mma::MatrixRow row{};
    for (unsigned e = 0; e < kMatrixRowBytes / bytes; ++e) {
      uint32_t v = bits[at(p.row, p.col + e)];
      std::memcpy(&row[e * bytes], &v, bytes);
    }
    return row;
  }
  bool complete() const {
    return std::all_of(writes.begin(), writes.end(), [](int w) { return w == 1; });
  }
};

struct Case {
  MmaFamily family;
  /// sparq.matmul's operand element types.
  ElementKind lhs, rhs;
  /// The sparse operand is the rhs (2:4 along K, dim 0).
  bool sparseRhs;
  int64_t m, n, k;
};

std::string describe(const Case &c) {
  return std::string(familyName(c.family)) + " " + elementKindName(c.lhs) +
         " x " + elementKindName(c.rhs) + (c.sparseRhs ? " (sparse rhs)" : "") +
         " M=" + std::to_string(c.m) + " N=" + std::to_string(c.n) +
         " K=" + std::to_string(c.k);
}

uint32_t encode(ElementKind kind, float v) {
  switch (kind) {
  case ElementKind::F16:
    return f32ToF16(v);
  case ElementKind::BF16:
    return f32ToBF16(v);
  default:
    return encodeFp8(v, toFp8Format(kind), Saturation::SatFinite);
  }
}

mma::Shape shapeOf(MmaFamily family) {
  switch (family) {
  case MmaFamily::DenseFp8:
    return mma::Shape::M16N8K32;
  case MmaFamily::SparseFp8:
    return mma::Shape::SpM16N8K64;
  default:
    return mma::Shape::SpM16N8K32;
  }
}

/// A logical [lines][cols] matrix of small integers (exact in every element
/// type here); when `sparseAxisIsLine` / `sparseAxisIsColumn`, 2:4 along that
/// axis with random kept positions.
std::vector<float> randomMatrix(std::mt19937 &rng, int64_t lines, int64_t cols,
                                int sparseAxis) {
  std::uniform_int_distribution<int> value(-7, 7);
  std::vector<float> x(size_t(lines * cols));
  for (float &v : x)
    v = float(value(rng));
  if (sparseAxis < 0)
    return x;
  // Zero two random positions of every group of four along the axis.
  int64_t groups = (sparseAxis == 0 ? lines : cols) / 4;
  int64_t others = sparseAxis == 0 ? cols : lines;
  for (int64_t o = 0; o < others; ++o)
    for (int64_t g = 0; g < groups; ++g) {
      int drop1 = int(rng() % 4), drop2 = int((drop1 + 1 + rng() % 3) % 4);
      for (int d : {drop1, drop2}) {
        int64_t along = 4 * g + d;
        int64_t at = sparseAxis == 0 ? along * cols + o : o * cols + along;
        x[size_t(at)] = 0.0f;
      }
    }
  return x;
}

Buffer encodeMatrix(const std::vector<float> &x, int64_t lines, int64_t cols,
                    ElementKind kind) {
  Buffer buffer(lines, cols, unsigned(elementByteSize(kind)));
  for (int64_t i = 0; i < lines * cols; ++i) {
    uint32_t bits = encode(kind, x[size_t(i)]);
    std::memcpy(&buffer.data[size_t(i) * buffer.bytes], &bits, buffer.bytes);
  }
  return buffer;
}

/// The compressed form sparq.values / sparq.metadata give the kernel.
void compress(const Buffer &dense, ElementKind kind, AxisView view,
              Buffer &values, Buffer &metadata) {
  NMPattern pattern{2, 4};
  AxisView valuesView = nmValuesView(view, pattern);
  AxisView metadataView = nmMetadataView(view, pattern);
  // Along a matrix's columns (inner == 1) or its lines (outer == 1).
  auto shaped = [](AxisView v, unsigned bytes) {
    return v.inner == 1 ? Buffer(v.outer, v.axis, bytes)
                        : Buffer(v.axis, v.inner, bytes);
  };
  values = shaped(valuesView, dense.bytes);
  metadata = shaped(metadataView, 2);
  ASSERT_EQ(compressNM(dense.data.data(), kind, view, pattern,
                       values.data.data(),
                       reinterpret_cast<uint16_t *>(metadata.data.data())),
            NMStatus::Ok);
}

/// Runs the kernel grid of `c` on the CPU model; returns D as sparq.matmul
/// defines it, [M][N], and checks every output element is written once.
void simulate(const Case &c, unsigned seed) {
  SCOPED_TRACE(describe(c));
  std::mt19937 rng(seed);
  bool sparse = isSparse(c.family);
  std::vector<float> lhs =
      randomMatrix(rng, c.m, c.k, sparse && !c.sparseRhs ? 1 : -1);
  std::vector<float> rhs =
      randomMatrix(rng, c.k, c.n, sparse && c.sparseRhs ? 0 : -1);

  // The kernel's arguments: the sparse operand compressed.
  Buffer lhsArg = encodeMatrix(lhs, c.m, c.k, c.lhs);
  Buffer rhsArg = encodeMatrix(rhs, c.k, c.n, c.rhs);
  Buffer meta(0, 0, 2);
  if (sparse && !c.sparseRhs) {
    Buffer values(0, 0, 1);
    compress(lhsArg, c.lhs, AxisView{c.m, c.k, 1}, values, meta);
    lhsArg = values;
  } else if (sparse) {
    Buffer values(0, 0, 1);
    compress(rhsArg, c.rhs, AxisView{1, c.k, c.n}, values, meta);
    rhsArg = values;
  }
  const Buffer &aSource = c.sparseRhs ? rhsArg : lhsArg;
  const Buffer &bSource = c.sparseRhs ? lhsArg : rhsArg;
  mma::Instruction instr{shapeOf(c.family), c.sparseRhs ? c.rhs : c.lhs,
                         c.sparseRhs ? c.lhs : c.rhs};
  ASSERT_TRUE(mma::isValid(instr));

  int64_t rows = c.sparseRhs ? c.n : c.m, cols = c.sparseRhs ? c.m : c.n;
  const FragmentLayout &layout = getFragmentLayout(c.family);
  std::vector<float> out(size_t(c.m * c.n), 0.0f);
  std::vector<int> writes(size_t(c.m * c.n), 0);
  bool outOfBuffer = false;
  IntOps ops;
  constexpr int64_t kTiles = kFragsM * kFragsN;

  for (int64_t by = 0; by * kBlockRows < rows; ++by)
    for (int64_t bx = 0; bx * kBlockCols < cols; ++bx) {
      std::vector<Indexing> threads;
      for (int64_t t = 0; t < kThreadsPerBlock; ++t)
        threads.emplace_back(ops, c.family, c.sparseRhs, rows, cols, c.k, bx,
                             by, t);
      const SharedTiles &tiles = threads[0].getTiles();
      std::vector<std::vector<mma::Fragment>> acc(
          kWarpsPerBlock, std::vector<mma::Fragment>(kTiles, mma::Fragment{}));
      for (int64_t k0 = 0; k0 < c.k; k0 += layout.k) {
        // Every thread's copies to shared memory; each element of each tile
        // must be written exactly once.
        unsigned bytes = unsigned(tiles.elementBytes);
        SharedTile sharedA(tiles.aRows, tiles.aCols, tiles.aStride, bytes),
            sharedB(tiles.bRows, tiles.bCols, tiles.bStride, bytes),
            sharedMeta(tiles.metaRows, tiles.metaCols, tiles.metaCols, 2);
        for (Indexing &t : threads) {
          for (int64_t j = 0; j < tiles.aCopies(); ++j) {
            Indexing::Copy copy = t.copyA(k0, j);
            sharedA.store(copy, aSource.load(copy.global, outOfBuffer));
          }
          for (int64_t j = 0; j < tiles.bCopies(); ++j) {
            Indexing::Copy copy = t.copyB(k0, j);
            sharedB.store(copy, bSource.load(copy.global, outOfBuffer));
          }
          if (sparse)
            for (int64_t j = 0; j < tiles.metaCopies(); ++j) {
              Indexing::MetadataCopy m = t.copyMetadata(k0, j);
              sharedMeta.store(m.copy, meta.load(m.copy.global, outOfBuffer) |
                                           uint32_t(m.fill));
            }
        }
        ASSERT_TRUE(sharedA.complete() && sharedB.complete() &&
                    (!sparse || sharedMeta.complete()))
            << "a shared tile element written other than once, k0 " << k0;

        // Each warp: registers from shared memory, then its instructions.
        for (int64_t warp = 0; warp < kWarpsPerBlock; ++warp) {
          Indexing *lanes = &threads[size_t(32 * warp)];
          std::vector<mma::WarpState> aState(kFragsM), bState(kFragsN);
          std::array<mma::MatrixRow, 32> rows;
          for (int64_t fm = 0; fm < kFragsM; ++fm) {
            for (int64_t l = 0; l < 32; ++l) {
              rows[size_t(l)] = sharedA.matrixRow(lanes[l].ldmatrixA(fm));
              for (unsigned h = 0; h < layout.metadata.size(); ++h)
                aState[fm].metadata[l] |=
                    sharedMeta.load(lanes[l].metadata(fm, h)) << (16 * h);
            }
            mma::loadMatrices(unsigned(tiles.aMatrices), rows, aState[fm].a);
          }
          for (int64_t fn = 0; fn < kFragsN; ++fn) {
            for (int64_t l = 0; l < 32; ++l)
              rows[size_t(l)] = sharedB.matrixRow(lanes[l].ldmatrixB(fn));
            mma::loadMatrices(unsigned(tiles.bMatrices), rows, bState[fn].b);
          }

          for (int64_t t = 0; t < kTiles; ++t) {
            mma::WarpState state = aState[t / kFragsN];
            state.b = bState[t % kFragsN].b;
            state.c = acc[warp][t];
            state.selector = layout.selector;
            mma::MetadataError error;
            mma::Status status = mma::execute(instr, state, acc[warp][t], &error);
            ASSERT_EQ(status, mma::Status::Ok)
                << mma::statusName(status) << " at A row " << error.row
                << " chunk " << error.chunk << ", k0 " << k0 << " lane "
                << error.lane << " bit " << error.bit << " nibble "
                << int(error.nibble);
          }
        }
      }
      for (int64_t warp = 0; warp < kWarpsPerBlock; ++warp)
        for (int64_t t = 0; t < kTiles; ++t)
          for (int64_t l = 0; l < 32; ++l)
            for (unsigned i = 0; i < 4; ++i) {
              Indexing::OutputAccess at =
                  threads[size_t(32 * warp + l)].output(t / kFragsN, t % kFragsN, i);
              if (!at.inBounds)
                continue;
              ASSERT_TRUE(at.m >= 0 && at.m < c.m && at.n >= 0 && at.n < c.n);
              out[size_t(at.m * c.n + at.n)] = acc[warp][t][l][i];
              ++writes[size_t(at.m * c.n + at.n)];
            }
    }
  EXPECT_FALSE(outOfBuffer) << "a clamped load left its buffer";

  for (int64_t i = 0; i < c.m; ++i)
    for (int64_t j = 0; j < c.n; ++j) {
      double ref = 0;
      for (int64_t kk = 0; kk < c.k; ++kk)
        ref += double(lhs[size_t(i * c.k + kk)]) * rhs[size_t(kk * c.n + j)];
      ASSERT_EQ(writes[size_t(i * c.n + j)], 1) << "D[" << i << "][" << j << "]";
      ASSERT_EQ(out[size_t(i * c.n + j)], float(ref))
          << "D[" << i << "][" << j << "]";
    }
}

/// Sizes: exact tiles, ragged everywhere, K below one instruction, several
/// blocks in both directions.
struct Size {
  int64_t m, n, k;
};
const Size kSizes[] = {{64, 64, 128}, {37, 21, 68}, {5, 3, 12}, {150, 90, 200}};

TEST(KernelSimulation, DenseFp8) {
  for (ElementKind a : {ElementKind::E4M3, ElementKind::E5M2})
    for (ElementKind b : {ElementKind::E4M3, ElementKind::E5M2})
      for (const Size &s : kSizes)
        simulate({MmaFamily::DenseFp8, a, b, false, s.m, s.n, s.k + 1}, 1);
}

TEST(KernelSimulation, SparseFp8) {
  for (ElementKind a : {ElementKind::E4M3, ElementKind::E5M2})
    for (ElementKind b : {ElementKind::E4M3, ElementKind::E5M2})
      for (bool sparseRhs : {false, true})
        for (const Size &s : kSizes)
          simulate({MmaFamily::SparseFp8, a, b, sparseRhs, s.m, s.n, s.k}, 2);
}

TEST(KernelSimulation, SparseF16AndBF16) {
  for (auto [family, kind] :
       {std::pair{MmaFamily::SparseF16, ElementKind::F16},
        std::pair{MmaFamily::SparseBF16, ElementKind::BF16}})
    for (bool sparseRhs : {false, true})
      for (const Size &s : kSizes)
        simulate({family, kind, kind, sparseRhs, s.m, s.n, s.k}, 3);
}

/// The padding metadata the kernel ORs in is what lets ragged K run: a row
/// of padding must decode as "indices 0 and 1" in every nibble.
TEST(KernelSimulation, PaddingMetadataIsValid) {
  for (int nibble = 0; nibble < 4; ++nibble)
    EXPECT_EQ((kPaddingMetadataWord >> (4 * nibble)) & 0xF, 0x4);
}

} // namespace
