//===- SparqRuntime.cpp - the sparq CPU runtime ---------------------------===//
//
// C shims over sparq::numerics. The runtime sees raw pointers, so it cannot
// check that buffers are as long as the sizes say: the compiled code does
// that before each call (RuntimeChecks.h). What it can see -- element kinds,
// negative sizes, N:M patterns, metadata -- it checks: a bad call reports
// itself on stderr and fills the output with all-one bytes (NaN in every
// float format) where the output is floating point and its size is known;
// mask writes all-false, compress and scale write nothing.
//
//===----------------------------------------------------------------------===//
#include "sparq/Runtime/SparqRuntime.h"

#include "sparq/Numerics/Matmul.h"
#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Scale.h"
#include "sparq/Numerics/Transposable.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace sparq::numerics;

namespace {
const ParallelFor &threads() {
  static const ParallelFor parallel =
      makeThreadParallelFor(std::max(1u, std::thread::hardware_concurrency()));
  return parallel;
}

bool validKind(int32_t kind) { return kind >= 0 && kind <= 4; }
ElementKind toKind(int32_t kind) { return static_cast<ElementKind>(kind); }
Fp8Format toFormat(int32_t format) {
  return format == 1 ? Fp8Format::E5M2 : Fp8Format::E4M3;
}
Saturation toSaturation(int32_t saturation) {
  return saturation == 0 ? Saturation::None : Saturation::SatFinite;
}
AxisView view(int64_t outer, int64_t axis, int64_t inner) {
  return AxisView{outer, axis, inner};
}
bool validView(int64_t outer, int64_t axis, int64_t inner) {
  return outer >= 0 && axis >= 0 && inner >= 0;
}

/// Reports a failed call and fills `out` with all-one bytes, which is NaN in
/// every float format sparq knows.
void fail(const char *op, const char *why, void *out, size_t bytes) {
  std::fprintf(stderr, "sparq runtime: %s: %s\n", op, why);
  if (out)
    std::memset(out, 0xFF, bytes);
}
} // namespace

extern "C" void sparq_rt_quantize(const void *in, int32_t inKind,
                                  const float *scales, int64_t numScales,
                                  uint8_t *out, int64_t outer, int64_t axis,
                                  int64_t inner, int32_t format,
                                  int32_t saturation, int32_t rounding,
                                  int64_t seed) {
  size_t count = validView(outer, axis, inner) ? outer * axis * inner : 0;
  QuantizeOptions options;
  options.format = toFormat(format);
  options.saturation = toSaturation(saturation);
  options.rounding =
      rounding == 1 ? Rounding::Stochastic : Rounding::NearestEven;
  options.seed = static_cast<uint64_t>(seed);
  if (!validKind(inKind) || isFp8(toKind(inKind)) ||
      !quantize(in, toKind(inKind), out, view(outer, axis, inner), scales,
                numScales, options, threads()))
    fail("quantize", "invalid arguments", out, count);
}

extern "C" void sparq_rt_dequantize(const uint8_t *in, int32_t format,
                                    const float *scales, int64_t numScales,
                                    void *out, int32_t outKind, int64_t outer,
                                    int64_t axis, int64_t inner) {
  size_t count = validView(outer, axis, inner) ? outer * axis * inner : 0;
  if (!validKind(outKind) || isFp8(toKind(outKind)) ||
      !dequantize(in, toFormat(format), out, toKind(outKind),
                  view(outer, axis, inner), scales, numScales, threads()))
    fail("dequantize", "invalid arguments", out,
         count * (validKind(outKind) ? elementByteSize(toKind(outKind)) : 0));
}

extern "C" void sparq_rt_amax(const void *in, int32_t kind, int64_t outer,
                              int64_t axis, int64_t inner, int32_t perAxis,
                              float *out) {
  if (!validKind(kind) || !validView(outer, axis, inner))
    return fail("amax", "invalid arguments", out,
                perAxis && axis > 0 ? axis * sizeof(float) : sizeof(float));
  if (!perAxis) {
    *out = amax(in, toKind(kind), outer * axis * inner, threads());
    return;
  }
  if (!amaxPerAxis(in, toKind(kind), view(outer, axis, inner), out, threads()))
    fail("amax", "invalid arguments", out, axis * sizeof(float));
}

extern "C" void sparq_rt_scale(const float *amax, int64_t count,
                               int32_t format, int32_t margin, float *out) {
  for (int64_t i = 0; i < count; ++i)
    out[i] = computeFp8Scale(amax[i], toFormat(format), margin);
}

/// The matrix a transposable rule works on, from the view along either of
/// its dimensions.
static std::pair<int64_t, int64_t> matrixOf(int64_t outer, int64_t axis,
                                            int64_t inner) {
  return inner == 1 ? std::make_pair(outer, axis) : std::make_pair(axis, inner);
}

extern "C" void sparq_rt_prune(const void *in, int32_t kind, int64_t outer,
                               int64_t axis, int64_t inner, int32_t n,
                               int32_t m, int32_t rule, void *out) {
  if (rule == 1 && validKind(kind) && validView(outer, axis, inner)) {
    auto [rows, cols] = matrixOf(outer, axis, inner);
    if (!pruneTransposable(in, toKind(kind), rows, cols, out, threads()))
      fail("prune", "invalid arguments", out,
           outer * axis * inner * elementByteSize(toKind(kind)));
    return;
  }
  if (!validKind(kind) || !validView(outer, axis, inner) || rule != 0 ||
      pruneNM(in, toKind(kind), view(outer, axis, inner),
              NMPattern{unsigned(n), unsigned(m)}, out,
              threads()) != NMStatus::Ok)
    fail("prune", "invalid arguments", out,
         validKind(kind) && validView(outer, axis, inner)
             ? outer * axis * inner * elementByteSize(toKind(kind))
             : 0);
}

extern "C" void sparq_rt_mask(const void *in, int32_t kind, int64_t outer,
                              int64_t axis, int64_t inner, int32_t n,
                              int32_t m, int32_t rule, uint8_t *out) {
  bool ok = validKind(kind) && validView(outer, axis, inner);
  if (ok && rule == 1) {
    auto [rows, cols] = matrixOf(outer, axis, inner);
    ok = selectTransposableMask(in, toKind(kind), rows, cols, out, threads());
  } else {
    ok = ok && rule == 0 &&
         selectNMMask(in, toKind(kind), view(outer, axis, inner),
                      NMPattern{unsigned(n), unsigned(m)}, out,
                      threads()) == NMStatus::Ok;
  }
  if (!ok) {
    fail("mask", "invalid arguments", nullptr, 0);
    if (validView(outer, axis, inner))
      std::memset(out, 0, outer * axis * inner);
  }
}

extern "C" void sparq_rt_compress(const void *in, int32_t kind, int64_t outer,
                                  int64_t axis, int64_t inner, int32_t n,
                                  int32_t m, void *values,
                                  uint16_t *metadata) {
  if (!validKind(kind) || !validView(outer, axis, inner) ||
      compressNM(in, toKind(kind), view(outer, axis, inner),
                 NMPattern{unsigned(n), unsigned(m)}, values, metadata,
                 threads()) != NMStatus::Ok)
    fail("compress", "invalid arguments", nullptr, 0);
}

extern "C" void sparq_rt_decompress(const void *values,
                                    const uint16_t *metadata, int32_t kind,
                                    int64_t outer, int64_t axis, int64_t inner,
                                    int32_t n, int32_t m, void *out) {
  bool ok = validKind(kind) && validView(outer, axis, inner);
  if (ok && decompressNM(values, metadata, toKind(kind),
                         view(outer, axis, inner),
                         NMPattern{unsigned(n), unsigned(m)}, out, nullptr,
                         threads()) == NMStatus::Ok)
    return;
  fail("decompress", ok ? "metadata is not valid N:M storage" : "invalid arguments",
       out, ok ? outer * axis * inner * elementByteSize(toKind(kind)) : 0);
}

extern "C" void
sparq_rt_matmul(int64_t batch, int64_t m, int64_t n, int64_t k,
                const void *lhs, int32_t lhsKind, const uint16_t *lhsMetadata,
                int32_t lhsN, int32_t lhsM, const void *rhs, int32_t rhsKind,
                const uint16_t *rhsMetadata, int32_t rhsN, int32_t rhsM,
                const float *lhsScale, int64_t numLhsScales,
                const float *rhsScale, int64_t numRhsScales,
                const float *outScale, const float *bias, void *out,
                int32_t outKind, int32_t saturation) {
  bool ok = validKind(lhsKind) && validKind(rhsKind) && validKind(outKind) &&
            batch >= 0 && m >= 0 && n >= 0 && k >= 0;
  MatmulShape shape{batch, m, n, k};
  MatmulOperand a{toKind(lhsKind), lhs, lhsMetadata,
                  NMPattern{unsigned(lhsN), unsigned(lhsM)}};
  MatmulOperand b{toKind(rhsKind), rhs, rhsMetadata,
                  NMPattern{unsigned(rhsN), unsigned(rhsM)}};
  MatmulEpilogue epilogue;
  epilogue.lhsScale = lhsScale;
  epilogue.numLhsScales = numLhsScales;
  epilogue.rhsScale = rhsScale;
  epilogue.numRhsScales = numRhsScales;
  epilogue.outScale = outScale;
  epilogue.bias = bias;
  epilogue.saturation = toSaturation(saturation);
  if (ok && matmul(shape, a, b, epilogue, out, toKind(outKind), threads()))
    return;
  fail("matmul", "invalid arguments or N:M metadata", out,
       ok ? batch * m * n * elementByteSize(toKind(outKind)) : 0);
}

extern "C" void sparq_rt_size_mismatch(const char *where, const char *what,
                                       int64_t size, const char *otherWhat,
                                       int64_t otherSize) {
  std::fprintf(stderr, "%s expects %s (%lld) to equal %s (%lld)\n", where,
               what, static_cast<long long>(size), otherWhat,
               static_cast<long long>(otherSize));
  // Keep what the program printed so far; then stop without running exit
  // handlers: the program's live buffers are not leaks to report.
  std::fflush(nullptr);
  std::_Exit(1);
}
