//===- APFloatReference.h - llvm::APFloat as an FP8 oracle ------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The library must agree with MLIR's own constant folding, which uses
// llvm::APFloat. Non-saturating encoding is APFloat::convert with
// round-to-nearest-even; saturating encoding is the same plus the clamp rule
// (a non-NaN input that became inf or NaN gives +-max). APFloat keeps NaN
// signs and payloads where the library canonicalises, so NaN results are
// compared by class, and the library's exact NaN codes are checked against
// the specification instead.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_UNITTESTS_NUMERICS_APFLOATREFERENCE_H
#define SPARQ_UNITTESTS_NUMERICS_APFLOATREFERENCE_H

#include "sparq/Numerics/FP8.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/SmallString.h"

#include <cstdint>
#include <sstream>
#include <string>

namespace sparq::numerics::testing {

inline const llvm::fltSemantics &semanticsOf(Fp8Format format) {
  return format == Fp8Format::E4M3 ? llvm::APFloat::Float8E4M3FN()
                                   : llvm::APFloat::Float8E5M2();
}

/// Checks the library's codes for one input (given as an APFloat of any
/// semantics) in both saturation modes. Returns "" or a description.
inline std::string checkFp8AgainstAPFloat(const llvm::APFloat &input,
                                          Fp8Format format, uint8_t gotNone,
                                          uint8_t gotSat) {
  const uint8_t sign = input.isNegative() ? 0x80 : 0x00;
  const uint8_t maxCode = fp8MaxFiniteCode(format);
  std::ostringstream err;
  auto fail = [&](const char *what, unsigned got, const char *want) {
    llvm::SmallString<32> text;
    input.toString(text);
    err << fp8FormatName(format) << " input " << text.c_str() << ": " << what
        << " got 0x" << std::hex << got << ", want " << want;
    return err.str();
  };
  if (input.isNaN()) {
    if (gotNone != kFp8CanonicalNaN || gotSat != kFp8CanonicalNaN)
      return fail("NaN input", gotNone == kFp8CanonicalNaN ? gotSat : gotNone,
                  "0x7f");
    return "";
  }
  llvm::APFloat converted = input;
  bool losesInfo;
  converted.convert(semanticsOf(format), llvm::APFloat::rmNearestTiesToEven,
                    &losesInfo);
  const uint8_t bits = uint8_t(converted.bitcastToAPInt().getZExtValue());
  // Non-saturating: exactly APFloat's bits; a NaN (overflow in E4M3FN) by
  // class, with the input's sign kept.
  if (converted.isNaN()) {
    if (!isFp8NaN(gotNone, format) || (gotNone & 0x80) != sign)
      return fail("non-saturating overflow", gotNone, "signed NaN");
  } else if (gotNone != bits) {
    return fail("non-saturating", gotNone, "APFloat bits");
  }
  // Saturating: APFloat plus the clamp rule.
  const uint8_t wantSat = converted.isNaN() || converted.isInfinity()
                              ? uint8_t(maxCode | sign)
                              : bits;
  if (gotSat != wantSat)
    return fail("saturating", gotSat, "clamped APFloat bits");
  return "";
}

} // namespace sparq::numerics::testing

#endif // SPARQ_UNITTESTS_NUMERICS_APFLOATREFERENCE_H
