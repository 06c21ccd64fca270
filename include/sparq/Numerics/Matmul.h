//===- Matmul.h - the reference scaled matmul -------------------*- C++ -*-===//
//
// The exact semantics of sparq.matmul, shared by its folder and the CPU
// runtime:
//   acc[i,j] = sum over kept k, in increasing k, of lhs[i,k] * rhs[k,j]
//   d        = acc / (lhsScale[i] * rhsScale[j]) (+ bias[j])
//   out      = convert(d * outScale)
// All arithmetic is f32 with round-to-nearest-even and no fused
// multiply-add. Products of FP8 and f16 values are exact in f32; products of
// bf16 values are too unless they leave f32's normal range (bf16 shares its
// exponents), where they round or overflow as f32 does. The
// accumulator starts at +0. For an N:M-compressed operand only the kept
// positions named by its metadata take part, as in PTX mma.sp: a pruned
// position is absent, not a zero (0 * inf would otherwise give NaN).
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_NUMERICS_MATMUL_H
#define SPARQ_NUMERICS_MATMUL_H

#include "sparq/Numerics/Element.h"
#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Parallel.h"

#include <cstdint>

namespace sparq::numerics {

/// One matmul operand: a dense row-major tensor, or the values and metadata
/// of one compressed N:M along K.
struct MatmulOperand {
  ElementKind kind = ElementKind::F32;
  const void *data = nullptr;
  /// Non-null for a compressed operand (data then holds its values).
  const uint16_t *metadata = nullptr;
  NMPattern pattern;
};

struct MatmulEpilogue {
  /// 1 scale, or one per row (lhs, M) / per column (rhs, N); null means 1.
  const float *lhsScale = nullptr;
  int64_t numLhsScales = 0;
  const float *rhsScale = nullptr;
  int64_t numRhsScales = 0;
  const float *outScale = nullptr;
  /// N values, or null.
  const float *bias = nullptr;
  Saturation saturation = Saturation::SatFinite;
};

struct MatmulShape {
  int64_t batch = 1, m = 0, n = 0, k = 0;
};

/// out[b] = epilogue(lhs[b] x rhs[b]) for lhs [batch][m][k], rhs [batch][k][n]
/// and out [batch][m][n]. Returns false on inconsistent arguments or bad
/// metadata, leaving `out` unspecified.
bool matmul(const MatmulShape &shape, const MatmulOperand &lhs,
            const MatmulOperand &rhs, const MatmulEpilogue &epilogue,
            void *out, ElementKind outKind, const ParallelFor &parallel = {});

} // namespace sparq::numerics

#endif // SPARQ_NUMERICS_MATMUL_H
