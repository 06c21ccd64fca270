//===- MatmulReferenceTest.cpp - matmul, scale, transposable vs float64 ---===//
//
// numerics::matmul is the reference that the folds, the CPU runtime, the GPU
// checks and the kernel simulations compare against, so it is checked here
// against a computation written separately from docs/Semantics.md, in
// float64: its own element decoders and rounding, its own N:M metadata
// encoder, and every f32 operation done in double and rounded once to float
// (exact for +, -, *, / since 53 >= 2 * 24 + 2: double rounding is innocuous).
// computeFp8Scale and the transposable 2:4 rule get the same treatment.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Matmul.h"
#include "sparq/Numerics/Scale.h"
#include "sparq/Numerics/Transposable.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

using namespace sparq::numerics;

namespace {

constexpr ElementKind kKinds[] = {ElementKind::F32, ElementKind::F16,
                                  ElementKind::BF16, ElementKind::E4M3,
                                  ElementKind::E5M2};
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

//===----------------------------------------------------------------------===//
// Elements, from the format tables of docs/Semantics.md
//===----------------------------------------------------------------------===//

/// Mantissa bits, smallest normal exponent, largest finite value.
struct Grid {
  int mantissa;
  int minExp;
  double max;
};

Grid gridOf(ElementKind kind) {
  switch (kind) {
  case ElementKind::F32:
    return {23, -126, FLT_MAX};
  case ElementKind::F16:
    return {10, -14, 65504};
  case ElementKind::BF16:
    return {7, -126, std::ldexp(255.0, 120)};
  case ElementKind::E4M3:
    return {3, -6, 448};
  case ElementKind::E5M2:
    return {2, -14, 57344};
  }
  return {};
}

/// The value of raw element bits, decoded field by field.
double decode(ElementKind kind, uint32_t bits) {
  auto value = [](uint32_t sign, int exponentField, uint32_t mantissaField,
                  int mantissaBits, int bias) {
    double magnitude =
        exponentField == 0
            ? std::ldexp(double(mantissaField), 1 - bias - mantissaBits)
            : std::ldexp(double(mantissaField + (1u << mantissaBits)),
                         exponentField - bias - mantissaBits);
    return sign ? -magnitude : magnitude;
  };
  switch (kind) {
  case ElementKind::F32: {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  case ElementKind::BF16:
  case ElementKind::F16: {
    bool bf = kind == ElementKind::BF16;
    int mantissaBits = bf ? 7 : 10, exponentBits = bf ? 8 : 5;
    uint32_t sign = bits >> 15 & 1;
    int e = int(bits >> mantissaBits) & ((1 << exponentBits) - 1);
    uint32_t m = bits & ((1u << mantissaBits) - 1);
    if (e == (1 << exponentBits) - 1)
      return m ? kNaN : (sign ? -kInf : kInf);
    return value(sign, e, m, mantissaBits, (1 << (exponentBits - 1)) - 1);
  }
  case ElementKind::E4M3: {
    uint32_t sign = bits >> 7 & 1, m = bits & 7;
    int e = int(bits >> 3) & 15;
    if (e == 15 && m == 7)
      return kNaN;
    return value(sign, e, m, 3, 7);
  }
  case ElementKind::E5M2: {
    uint32_t sign = bits >> 7 & 1, m = bits & 3;
    int e = int(bits >> 2) & 31;
    if (e == 31)
      return m ? kNaN : (sign ? -kInf : kInf);
    return value(sign, e, m, 2, 15);
  }
  }
  return kNaN;
}

/// `x` (an f32 value) rounded to nearest even onto `kind`'s grid, with the
/// overflow rule of docs/Semantics.md: overflow is decided after rounding on
/// a grid that continues past the largest finite value.
double roundTo(ElementKind kind, double x, bool satfinite) {
  if (kind == ElementKind::F32 || std::isnan(x))
    return x;
  Grid grid = gridOf(kind);
  bool fp8 = isFp8(kind);
  double overflow = fp8 && satfinite          ? grid.max
                    : kind == ElementKind::E4M3 ? kNaN
                                                : kInf;
  if (std::isinf(x))
    return std::copysign(overflow, x);
  double magnitude = std::fabs(x);
  int e = magnitude == 0 ? grid.minExp
                         : std::max(std::ilogb(magnitude), grid.minExp);
  double ulp = std::ldexp(1.0, e - grid.mantissa);
  double rounded = std::nearbyint(magnitude / ulp) * ulp;
  if (rounded > grid.max)
    rounded = overflow;
  return std::copysign(rounded, x);
}

uint32_t loadBits(ElementKind kind, const std::vector<uint8_t> &data,
                  int64_t index) {
  uint32_t bits = 0;
  size_t size = elementByteSize(kind);
  std::memcpy(&bits, data.data() + index * size, size);
  return bits;
}

/// Equal values with equal signs (zeros included), or both NaN.
bool sameValue(double want, double got) {
  return (std::isnan(want) && std::isnan(got)) ||
         (want == got && std::signbit(want) == std::signbit(got));
}
::testing::AssertionResult same(double want, double got) {
  if (sameValue(want, got))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "want " << want << " (" << std::hexfloat << want
         << std::defaultfloat << "), got " << got << " (" << std::hexfloat
         << got << ")";
}

//===----------------------------------------------------------------------===//
// Random operands
//===----------------------------------------------------------------------===//

/// The raw bits of `v`, a value on `kind`'s grid (any NaN for NaN).
uint32_t bitsOf(ElementKind kind, double v) {
  if (isFp8(kind)) {
    for (uint32_t code = 0; code < 256; ++code)
      if (sameValue(v, decode(kind, code)))
        return code;
    ADD_FAILURE() << v << " is not an " << elementKindName(kind) << " value";
    return 0;
  }
  float f = float(v);
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  if (kind == ElementKind::F32)
    return bits;
  if (kind == ElementKind::BF16)
    return bits >> 16; // on the bf16 grid: the low half is zero
  // f16, field by field.
  uint32_t sign = std::signbit(v) ? 0x8000 : 0;
  double magnitude = std::fabs(v);
  if (std::isnan(v))
    return 0x7E00;
  if (std::isinf(v))
    return sign | 0x7C00;
  if (magnitude < std::ldexp(1.0, -14))
    return sign | uint32_t(magnitude / std::ldexp(1.0, -24));
  int e = std::ilogb(magnitude);
  return sign | uint32_t(e + 15) << 10 |
         uint32_t((magnitude / std::ldexp(1.0, e) - 1) * 1024);
}

/// Raw bits of a random element: mostly finite values over a range of
/// exponents, sometimes zeros, subnormals, infinities and NaNs.
uint32_t randomBits(ElementKind kind, std::mt19937_64 &rng, bool specials) {
  std::uniform_int_distribution<int> pick(0, 99);
  int r = pick(rng);
  if (isFp8(kind)) {
    uint32_t code = rng() & 0xFF;
    // 2% any code (NaN and infinity included); else finite.
    while (!specials || r >= 2) {
      if (std::isfinite(decode(kind, code)))
        break;
      code = rng() & 0xFF;
    }
    return code;
  }
  double sign = rng() & 1 ? -1.0 : 1.0;
  double v;
  if (specials && r == 0)
    v = sign * kInf;
  else if (specials && r == 1)
    v = kNaN;
  else if (r < 5)
    v = sign * 0.0;
  else if (r < 8)
    v = sign * std::ldexp(double(rng() & 0x3F), gridOf(kind).minExp - 10);
  else
    v = sign * std::ldexp(1.0 + double(rng() % 4096) / 4096,
                          int(rng() % 17) - 8);
  return bitsOf(kind, roundTo(kind, v, false));
}

std::vector<uint8_t> randomElements(ElementKind kind, int64_t count,
                                    std::mt19937_64 &rng, bool specials) {
  // One spare byte: an empty operand still has an address.
  std::vector<uint8_t> data(count * elementByteSize(kind) + 1);
  for (int64_t i = 0; i < count; ++i) {
    uint32_t bits = randomBits(kind, rng, specials);
    std::memcpy(data.data() + i * elementByteSize(kind), &bits,
                elementByteSize(kind));
  }
  return data;
}

/// A compressed N:M operand built from the storage layout of
/// docs/Semantics.md: [outer][axis][inner] with `n` of every `m` positions
/// along axis kept (chosen at random, ascending), their values, and the
/// metadata bit stream of each line.
struct Sparse {
  std::vector<uint8_t> values;
  std::vector<uint16_t> metadata;
  /// kept[(o * axis + a) * inner + i]: whether dense position a is stored,
  /// and at which index of the values line.
  std::vector<int64_t> slot;
};

Sparse randomSparse(ElementKind kind, int64_t outer, int64_t axis,
                    int64_t inner, NMPattern pattern, std::mt19937_64 &rng,
                    bool specials) {
  int64_t groups = axis / pattern.m, kept = groups * pattern.n;
  unsigned bitsPerIndex = 0;
  while ((1u << bitsPerIndex) < pattern.m)
    ++bitsPerIndex;
  int64_t words = (groups * pattern.n * bitsPerIndex + 15) / 16;
  Sparse s;
  s.values = randomElements(kind, outer * kept * inner, rng, specials);
  s.metadata.assign(outer * words * inner + 1, 0);
  s.slot.assign(outer * axis * inner, -1);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t bit = 0, stored = 0;
      for (int64_t g = 0; g < groups; ++g) {
        std::vector<unsigned> index(pattern.m);
        for (unsigned t = 0; t < pattern.m; ++t)
          index[t] = t;
        std::shuffle(index.begin(), index.end(), rng);
        index.resize(pattern.n);
        std::sort(index.begin(), index.end());
        for (unsigned t : index) {
          for (unsigned b = 0; b < bitsPerIndex; ++b, ++bit)
            if (t >> b & 1)
              s.metadata[(o * words + bit / 16) * inner + i] |=
                  uint16_t(1u << (bit % 16));
          s.slot[(o * axis + g * pattern.m + t) * inner + i] = stored++;
        }
      }
    }
  return s;
}

//===----------------------------------------------------------------------===//
// The float64 reference of sparq.matmul (docs/Semantics.md)
//===----------------------------------------------------------------------===//

struct Problem {
  int64_t batch, m, n, k;
  ElementKind lhsKind, rhsKind, outKind;
  bool satfinite;
  // Dense operands (when not sparse) and compressed ones.
  std::vector<uint8_t> lhs, rhs;
  bool lhsSparse = false, rhsSparse = false;
  NMPattern pattern;
  Sparse sparse;
  std::vector<float> lhsScale, rhsScale, bias;
  std::vector<float> outScale;
};

/// lhs[b][i][kk] or null when the position is not stored.
std::optional<double> lhsAt(const Problem &p, int64_t b, int64_t i,
                            int64_t kk) {
  int64_t row = b * p.m + i;
  if (!p.lhsSparse)
    return decode(p.lhsKind, loadBits(p.lhsKind, p.lhs, row * p.k + kk));
  int64_t slot = p.sparse.slot[row * p.k + kk];
  if (slot < 0)
    return std::nullopt;
  int64_t kept = p.k / p.pattern.m * p.pattern.n;
  return decode(p.lhsKind, loadBits(p.lhsKind, p.sparse.values,
                                    row * kept + slot));
}

std::optional<double> rhsAt(const Problem &p, int64_t b, int64_t kk,
                            int64_t j) {
  if (!p.rhsSparse)
    return decode(p.rhsKind,
                  loadBits(p.rhsKind, p.rhs, (b * p.k + kk) * p.n + j));
  int64_t slot = p.sparse.slot[(b * p.k + kk) * p.n + j];
  if (slot < 0)
    return std::nullopt;
  int64_t kept = p.k / p.pattern.m * p.pattern.n;
  return decode(p.rhsKind, loadBits(p.rhsKind, p.sparse.values,
                                    (b * kept + slot) * p.n + j));
}

/// The f32 accumulator of one output element, and sum |a * b| over the
/// stored positions (for the error bound).
std::pair<double, double> accumulate(const Problem &p, int64_t b, int64_t i,
                                     int64_t j) {
  float acc = 0.0f;
  double magnitude = 0;
  for (int64_t kk = 0; kk < p.k; ++kk) {
    std::optional<double> a = lhsAt(p, b, i, kk), w = rhsAt(p, b, kk, j);
    if (!a || !w)
      continue; // a pruned position is absent, not a zero
    float product = float(*a * *w); // exact in double, rounded once
    acc = float(double(acc) + double(product));
    magnitude += std::fabs(*a * *w);
  }
  return {acc, magnitude};
}

double expected(const Problem &p, int64_t b, int64_t i, int64_t j) {
  float d = float(accumulate(p, b, i, j).first);
  float ls = p.lhsScale.empty() ? 1.0f
             : p.lhsScale.size() == 1 ? p.lhsScale[0]
                                      : p.lhsScale[i];
  float rs = p.rhsScale.empty() ? 1.0f
             : p.rhsScale.size() == 1 ? p.rhsScale[0]
                                      : p.rhsScale[j];
  float scale = float(double(ls) * double(rs));
  d = float(double(d) / double(scale));
  if (!p.bias.empty())
    d = float(double(d) + double(p.bias[j]));
  if (!p.outScale.empty())
    d = float(double(d) * double(p.outScale[0]));
  return roundTo(p.outKind, d, p.satfinite);
}

std::vector<uint8_t> run(const Problem &p) {
  MatmulShape shape{p.batch, p.m, p.n, p.k};
  MatmulOperand lhs{p.lhsKind, p.lhs.data(), nullptr, {}};
  MatmulOperand rhs{p.rhsKind, p.rhs.data(), nullptr, {}};
  if (p.lhsSparse)
    lhs = {p.lhsKind, p.sparse.values.data(), p.sparse.metadata.data(),
           p.pattern};
  if (p.rhsSparse)
    rhs = {p.rhsKind, p.sparse.values.data(), p.sparse.metadata.data(),
           p.pattern};
  MatmulEpilogue epilogue;
  if (!p.lhsScale.empty()) {
    epilogue.lhsScale = p.lhsScale.data();
    epilogue.numLhsScales = int64_t(p.lhsScale.size());
  }
  if (!p.rhsScale.empty()) {
    epilogue.rhsScale = p.rhsScale.data();
    epilogue.numRhsScales = int64_t(p.rhsScale.size());
  }
  if (!p.bias.empty())
    epilogue.bias = p.bias.data();
  if (!p.outScale.empty())
    epilogue.outScale = p.outScale.data();
  epilogue.saturation = p.satfinite ? Saturation::SatFinite : Saturation::None;
  std::vector<uint8_t> out(p.batch * p.m * p.n * elementByteSize(p.outKind) +
                           1);
  EXPECT_TRUE(matmul(shape, lhs, rhs, epilogue, out.data(), p.outKind));
  return out;
}

float randomScale(std::mt19937_64 &rng) {
  return std::ldexp(1.0f + float(rng() % 256) / 256, int(rng() % 9) - 4);
}

Problem randomProblem(std::mt19937_64 &rng, bool specials) {
  Problem p;
  std::uniform_int_distribution<int> coin(0, 1), size(0, 9);
  // Operand kinds: equal, or two FP8 formats in either order.
  p.lhsKind = kKinds[rng() % 5];
  p.rhsKind = isFp8(p.lhsKind) ? kKinds[3 + rng() % 2] : p.lhsKind;
  p.outKind = kKinds[rng() % 5];
  p.satfinite = coin(rng);
  p.batch = 1 + int64_t(rng() % 3);
  p.m = size(rng);
  p.n = size(rng);
  int sparse = int(rng() % 3); // dense, sparse lhs, sparse rhs
  const NMPattern patterns[] = {{2, 4}, {1, 2}, {2, 8}, {3, 8}, {1, 4}};
  p.pattern = patterns[rng() % 5];
  p.k = sparse ? int64_t(p.pattern.m) * (rng() % 6) : int64_t(rng() % 40);
  p.lhsSparse = sparse == 1;
  p.rhsSparse = sparse == 2;
  if (p.lhsSparse)
    p.sparse = randomSparse(p.lhsKind, p.batch * p.m, p.k, 1, p.pattern, rng,
                            specials);
  else
    p.lhs = randomElements(p.lhsKind, p.batch * p.m * p.k, rng, specials);
  if (p.rhsSparse)
    p.sparse = randomSparse(p.rhsKind, p.batch, p.k, p.n, p.pattern, rng,
                            specials);
  else
    p.rhs = randomElements(p.rhsKind, p.batch * p.k * p.n, rng, specials);
  // Scales: absent, per tensor, or per row / column.
  auto scales = [&](int64_t count) {
    std::vector<float> s;
    int64_t len = std::vector<int64_t>{0, 1, count}[rng() % 3];
    for (int64_t t = 0; t < len; ++t)
      s.push_back(randomScale(rng));
    return s;
  };
  p.lhsScale = scales(p.m);
  p.rhsScale = scales(p.n);
  if (coin(rng))
    for (int64_t j = 0; j < p.n; ++j)
      p.bias.push_back((rng() & 1 ? -1.0f : 1.0f) * randomScale(rng));
  if (coin(rng))
    p.outScale.push_back(randomScale(rng));
  return p;
}

//===----------------------------------------------------------------------===//
// Tests
//===----------------------------------------------------------------------===//

// Every output equals the rule of docs/Semantics.md, bit for bit (NaNs as
// NaNs), over random problems of every operand kind, output kind, scale
// layout and sparsity, with specials in the operands.
TEST(MatmulReference, EqualsFloat64Rule) {
  std::mt19937_64 rng(18);
  int64_t checked = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    Problem p = randomProblem(rng, /*specials=*/true);
    std::vector<uint8_t> out = run(p);
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j, ++checked) {
          int64_t index = (b * p.m + i) * p.n + j;
          ASSERT_TRUE(same(expected(p, b, i, j),
                           decode(p.outKind, loadBits(p.outKind, out, index))))
              << "trial " << trial << " " << elementKindName(p.lhsKind)
              << " x " << elementKindName(p.rhsKind) << " -> "
              << elementKindName(p.outKind) << " [" << b << "," << i << ","
              << j << "] of " << p.batch << "x" << p.m << "x" << p.n
              << "x" << p.k << (p.lhsSparse   ? " sparse lhs"
                                : p.rhsSparse ? " sparse rhs"
                                              : "");
        }
  }
  EXPECT_GT(checked, 50000);
}

// Against the exact dot product: the f32 accumulation of finite products is
// within the classic bound gamma_k * sum |a b| (u = 2^-24), where no
// product or partial sum overflows.
TEST(MatmulReference, AccumulatorWithinErrorBound) {
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 1000; ++trial) {
    Problem p = randomProblem(rng, /*specials=*/false);
    p.outKind = ElementKind::F32;
    p.lhsScale.clear();
    p.rhsScale.clear();
    p.bias.clear();
    p.outScale.clear();
    std::vector<uint8_t> out = run(p);
    for (int64_t b = 0; b < p.batch; ++b)
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j) {
          long double exact = 0;
          for (int64_t kk = 0; kk < p.k; ++kk) {
            std::optional<double> a = lhsAt(p, b, i, kk),
                                  w = rhsAt(p, b, kk, j);
            if (a && w)
              exact += (long double)*a * *w;
          }
          double magnitude = accumulate(p, b, i, j).second;
          double u = std::ldexp(1.0, -24), ku = double(p.k) * u;
          // Plus what rounding can lose below the normal range: half the
          // smallest subnormal per product and per sum.
          double bound = ku / (1 - ku) * magnitude +
                         double(2 * p.k) * std::ldexp(1.0, -150);
          double got = decode(ElementKind::F32,
                              loadBits(ElementKind::F32, out,
                                       (b * p.m + i) * p.n + j));
          ASSERT_LE(std::fabs((long double)got - exact), bound)
              << "trial " << trial;
        }
  }
}

// bf16 products near the ends of the f32 range are not exact in f32: they
// round (or overflow) as one f32 multiplication, as the reference does.
TEST(MatmulReference, BF16ProductsRoundInF32) {
  auto bf16 = [](double v) {
    float f = float(v);
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    return uint16_t(bits >> 16);
  };
  double big = std::ldexp(1 + 1.0 / 128, 100), tiny = std::ldexp(1 + 1.0 / 128, -100);
  double wide = std::ldexp(1 + 1.0 / 128, 28), narrow = std::ldexp(1 + 1.0 / 128, -40);
  std::vector<uint16_t> lhs = {bf16(big), bf16(tiny)};
  std::vector<uint16_t> rhs = {bf16(wide), bf16(narrow)};
  Problem p;
  p.batch = 1;
  p.m = 2;
  p.n = 2;
  p.k = 1;
  p.lhsKind = p.rhsKind = ElementKind::BF16;
  p.outKind = ElementKind::F32;
  p.satfinite = true;
  p.lhs.assign(reinterpret_cast<uint8_t *>(lhs.data()),
               reinterpret_cast<uint8_t *>(lhs.data() + lhs.size()));
  p.rhs.assign(reinterpret_cast<uint8_t *>(rhs.data()),
               reinterpret_cast<uint8_t *>(rhs.data() + rhs.size()));
  std::vector<uint8_t> out = run(p);
  auto got = [&](int64_t index) {
    return decode(ElementKind::F32, loadBits(ElementKind::F32, out, index));
  };
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      EXPECT_TRUE(same(expected(p, 0, i, j), got(i * 2 + j)));
  // 2^128 (1 + 2^-6 + 2^-14) overflows; 2^-140 (1 + 2^-6 + 2^-14) needs bits
  // below f32's smallest subnormal, 2^-149.
  EXPECT_TRUE(std::isinf(got(0)));
  EXPECT_NE(got(3), tiny * narrow);
  EXPECT_EQ(got(1), big * narrow); // in range: exact
}

// computeFp8Scale against ldexp(max / amax, -margin) clamped to
// [FLT_MIN, FLT_MAX], computed in double, over a sweep of f32 amax values
// (one in 4096 bit patterns, both signs, specials) and margins.
TEST(ScaleReference, EqualsFloat64Rule) {
  const int margins[] = {-127, -64, -8, -1, 0, 1, 3, 8, 64, 127};
  for (Fp8Format format : {Fp8Format::E4M3, Fp8Format::E5M2}) {
    double max = format == Fp8Format::E4M3 ? 448 : 57344;
    for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 4093) {
      uint32_t b = uint32_t(bits);
      float amax;
      std::memcpy(&amax, &b, 4);
      for (int margin : margins) {
        double want = 1;
        if (amax > 0 && !std::isinf(amax)) {
          double quotient = float(max / double(amax)); // one f32 division
          double t = std::ldexp(quotient, -margin);    // exact in double
          want = t > FLT_MAX ? FLT_MAX : t < FLT_MIN ? FLT_MIN : t;
        }
        float got = computeFp8Scale(amax, format, margin);
        ASSERT_TRUE(same(float(want), got))
            << "amax " << std::hexfloat << amax << " margin " << margin;
      }
    }
  }
}

// The transposable 2:4 rule: of the 4x4 patterns with two per row and per
// column, the one with the largest (NaNs kept, infinities kept, sum of
// finite magnitudes), ties to the smallest 16-bit mask -- found here by
// enumerating all 2^16 masks.
TEST(TransposableReference, EqualsEnumeration) {
  std::vector<uint16_t> candidates;
  for (uint32_t mask = 0; mask < 0x10000; ++mask) {
    bool ok = true;
    for (int r = 0; r < 4 && ok; ++r)
      ok = __builtin_popcount(mask >> (4 * r) & 0xF) == 2;
    for (int c = 0; c < 4 && ok; ++c)
      ok = __builtin_popcount(mask & (0x1111u << c)) == 2;
    if (ok)
      candidates.push_back(uint16_t(mask));
  }
  ASSERT_EQ(candidates.size(), 90u);

  std::mt19937_64 rng(4);
  const double palette[] = {0, 1, 2, 3, 0.5, 1.5, -1, -2, -3, kInf, -kInf,
                            kNaN};
  for (int trial = 0; trial < 1000; ++trial) {
    ElementKind kind = kKinds[rng() % 5];
    const int64_t rows = 8, cols = 12;
    std::vector<uint8_t> input(rows * cols * elementByteSize(kind));
    bool ties = trial % 2 == 0;
    for (int64_t e = 0; e < rows * cols; ++e) {
      uint32_t bits;
      if (ties) {
        double v = palette[rng() % 12];
        if ((std::isinf(v) || std::isnan(v)) && rng() % 4)
          v = 1; // specials in a quarter of the draws
        if (kind == ElementKind::E4M3 && std::isinf(v))
          v = kNaN;
        bits = bitsOf(kind, v); // every palette value is on every grid
      } else {
        bits = randomBits(kind, rng, rng() % 8 == 0);
      }
      std::memcpy(input.data() + e * elementByteSize(kind), &bits,
                  elementByteSize(kind));
    }
    std::vector<uint8_t> mask(rows * cols), pruned(input.size());
    ASSERT_TRUE(selectTransposableMask(input.data(), kind, rows, cols,
                                       mask.data()));
    ASSERT_TRUE(pruneTransposable(input.data(), kind, rows, cols,
                                  pruned.data()));
    for (int64_t br = 0; br < rows; br += 4)
      for (int64_t bc = 0; bc < cols; bc += 4) {
        double block[16];
        for (int e = 0; e < 16; ++e)
          block[e] = decode(kind, loadBits(kind, input,
                                           (br + e / 4) * cols + bc + e % 4));
        uint16_t best = 0;
        double bestKey[3] = {-1, -1, -1};
        for (uint16_t candidate : candidates) {
          double key[3] = {0, 0, 0};
          for (int e = 0; e < 16; ++e)
            if (candidate >> e & 1) {
              double v = block[e];
              if (std::isnan(v))
                key[0] += 1;
              else if (std::isinf(v))
                key[1] += 1;
              else
                key[2] += std::fabs(v);
            }
          if (std::lexicographical_compare(bestKey, bestKey + 3, key,
                                           key + 3)) {
            std::copy(key, key + 3, bestKey);
            best = candidate;
          }
        }
        for (int e = 0; e < 16; ++e) {
          int64_t index = (br + e / 4) * cols + bc + e % 4;
          bool keep = best >> e & 1;
          ASSERT_EQ(mask[index], keep ? 1 : 0)
              << "trial " << trial << " " << elementKindName(kind)
              << " block (" << br << "," << bc << ") element " << e;
          uint32_t want = keep ? loadBits(kind, input, index) : 0;
          ASSERT_EQ(loadBits(kind, pruned, index), want);
        }
      }
  }
}

} // namespace
