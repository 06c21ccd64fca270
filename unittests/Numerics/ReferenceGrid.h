//===- ReferenceGrid.h - A deliberately simple rounding reference -*- C++ -*-=//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// An independent model of binary floating-point formats for the tests: it
// shares no code with the library. A format is the sorted list of its
// positive finite values, computed from the definition with std::ldexp in
// double, plus one more grid point past the largest (max + spacing of the top
// binade), which stands for "overflow". Rounding is done against midpoints in
// double arithmetic, which is exact for every format involved.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_UNITTESTS_NUMERICS_REFERENCEGRID_H
#define SPARQ_UNITTESTS_NUMERICS_REFERENCEGRID_H

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace sparq::numerics::testing {

class ReferenceGrid {
public:
  /// Result marker for "the rounded magnitude is past the largest value".
  static constexpr uint32_t kOverflow = 0xFFFFFFFFu;

  /// expBits/mantBits/bias describe the encoding; `maxCode` is the largest
  /// finite positive code (e.g. 0x7E for E4M3FN, whose all-ones code is NaN).
  ReferenceGrid(int expBits, int mantBits, int bias, uint32_t maxCode)
      : mantBits(mantBits), bias(bias), maxCode(maxCode) {
    (void)expBits;
    std::vector<std::pair<double, uint32_t>> entries;
    for (uint32_t code = 0; code <= maxCode; ++code)
      entries.push_back({valueOf(code), code});
    std::sort(entries.begin(), entries.end());
    for (auto &entry : entries) {
      values.push_back(entry.first);
      codes.push_back(entry.second);
    }
    // One step past the max; its parity is that of the next code.
    const int topExp = int(maxCode >> mantBits) - bias;
    values.push_back(values.back() + std::ldexp(1.0, topExp - mantBits));
    codes.push_back(maxCode + 1);
    overflowIndex = values.size() - 1;
    values.push_back(std::numeric_limits<double>::infinity());
    codes.push_back(kOverflow);
  }

  /// The value of positive code `code` from the definition.
  double valueOf(uint32_t code) const {
    const uint32_t exp = code >> mantBits;
    const uint32_t mant = code & ((1u << mantBits) - 1);
    if (exp == 0)
      return std::ldexp(double(mant), 1 - bias - mantBits);
    return std::ldexp(1.0 + std::ldexp(double(mant), -mantBits),
                      int(exp) - bias);
  }

  double maxValue() const { return values[overflowIndex - 1]; }

  /// Index k with values[k] <= v < values[k + 1], by binary search.
  size_t floorIndex(double v) const {
    return size_t(std::upper_bound(values.begin(), values.end(), v) -
                  values.begin()) -
           1;
  }
  /// Moves k forward for a v not smaller than the last one.
  void advance(size_t &k, double v) const {
    while (v >= values[k + 1])
      ++k;
  }

  /// Round-to-nearest-even of v >= 0 given its floor index: a positive code
  /// or kOverflow.
  uint32_t roundNearest(double v, size_t k) const {
    if (k >= overflowIndex)
      return kOverflow;
    const double lo = values[k], hi = values[k + 1];
    const double mid = lo + (hi - lo) / 2;
    size_t pick = v < mid   ? k
                  : v > mid ? k + 1
                            : (codes[k] % 2 == 0 ? k : k + 1);
    return pick >= overflowIndex ? kOverflow : codes[pick];
  }
  uint32_t roundNearest(double v) const {
    return roundNearest(v, floorIndex(v));
  }

  /// Stochastic rounding of v >= 0 with random bits r, straight from the
  /// specification: frac = (v - t) / ulp, round up iff double(r) < frac*2^32.
  uint32_t roundStochastic(double v, size_t k, uint32_t r) const {
    if (k >= overflowIndex)
      return kOverflow;
    const double t = values[k], next = values[k + 1];
    const double frac = (v - t) / (next - t);
    // (Written branch-free: the comparison is a coin flip, and a
    // mispredicted branch per input would dominate the exhaustive test.)
    const size_t pick = k + size_t(double(r) < frac * 4294967296.0);
    return pick >= overflowIndex ? kOverflow : codes[pick];
  }
  uint32_t roundStochastic(double v, uint32_t r) const {
    return roundStochastic(v, floorIndex(v), r);
  }

private:
  int mantBits, bias;
  uint32_t maxCode;
  std::vector<double> values;
  std::vector<uint32_t> codes;
  size_t overflowIndex;
};

/// The formats, from their definitions.
inline const ReferenceGrid &referenceE4M3() {
  static const ReferenceGrid grid(4, 3, 7, 0x7E);
  return grid;
}
inline const ReferenceGrid &referenceE5M2() {
  static const ReferenceGrid grid(5, 2, 15, 0x7B);
  return grid;
}
inline const ReferenceGrid &referenceF16() {
  static const ReferenceGrid grid(5, 10, 15, 0x7BFF);
  return grid;
}
inline const ReferenceGrid &referenceBF16() {
  static const ReferenceGrid grid(8, 7, 127, 0x7F7F);
  return grid;
}

/// f32 / f16 / bf16 bit patterns to double, from the definitions.
inline double decodeBinary(uint32_t bits, int expBits, int mantBits) {
  const int bias = (1 << (expBits - 1)) - 1;
  const bool negative = (bits >> (expBits + mantBits)) & 1;
  const uint32_t exp = (bits >> mantBits) & ((1u << expBits) - 1);
  const uint32_t mant = bits & ((1u << mantBits) - 1);
  double magnitude;
  if (exp == (1u << expBits) - 1)
    magnitude = mant ? std::numeric_limits<double>::quiet_NaN()
                     : std::numeric_limits<double>::infinity();
  else if (exp == 0)
    magnitude = std::ldexp(double(mant), 1 - bias - mantBits);
  else
    magnitude =
        std::ldexp(1.0 + std::ldexp(double(mant), -mantBits), int(exp) - bias);
  return negative ? -magnitude : magnitude;
}
inline double decodeF32Bits(uint32_t bits) { return decodeBinary(bits, 8, 23); }
inline double decodeF16Bits(uint32_t bits) { return decodeBinary(bits, 5, 10); }
inline double decodeBF16Bits(uint32_t bits) { return decodeBinary(bits, 8, 7); }

/// What the specification says an FP8 encode produces, given the reference
/// rounding of the magnitude (`magnitude` is a code or kOverflow).
inline uint8_t expectedFp8(uint32_t magnitude, bool negative, bool isE4M3,
                           bool saturate) {
  const uint32_t sign = negative ? 0x80 : 0;
  if (magnitude == ReferenceGrid::kOverflow)
    magnitude = saturate ? (isE4M3 ? 0x7E : 0x7B) : (isE4M3 ? 0x7F : 0x7C);
  return uint8_t(magnitude | sign);
}

} // namespace sparq::numerics::testing

#endif // SPARQ_UNITTESTS_NUMERICS_REFERENCEGRID_H
