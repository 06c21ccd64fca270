/*===- SparqRuntime.h - C ABI of the sparq CPU runtime ------------*- C -*-===*\
|*                                                                            *|
|* What --convert-sparq-to-llvm lowers every sparq op to: plain C functions   *|
|* over contiguous row-major buffers, each a thin shim over the numerics      *|
|* library, so compiled programs compute bit for bit what the folders do.     *|
|* Buffers are passed as raw pointers; shapes as an [outer][axis][inner] view *|
|* (see numerics/AxisView.h). Enumerations are those of sparq::numerics:      *|
|*   element kind: 0 f32, 1 f16, 2 bf16, 3 f8E4M3FN, 4 f8E5M2                 *|
|*   FP8 format:   0 E4M3, 1 E5M2                                             *|
|*   saturation:   0 none, 1 satfinite                                        *|
|*   rounding:     0 nearest-even, 1 stochastic                               *|
|* Buffer lengths are the caller's to check (the lowering does, see          *|
|* RuntimeChecks.h). Invalid codes, sizes or metadata are reported on stderr; *|
|* float outputs are then filled with NaN where their size is known, mask     *|
|* outputs with zeros; compress and scale leave their outputs unwritten.      *|
\*===----------------------------------------------------------------------===*/
#ifndef SPARQ_RUNTIME_SPARQRUNTIME_H
#define SPARQ_RUNTIME_SPARQRUNTIME_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SPARQ_RT_EXPORT __attribute__((visibility("default")))

/* out = fp8(in * scale[axis index or 0]). */
SPARQ_RT_EXPORT void sparq_rt_quantize(const void *in, int32_t inKind,
                                       const float *scales, int64_t numScales,
                                       uint8_t *out, int64_t outer,
                                       int64_t axis, int64_t inner,
                                       int32_t format, int32_t saturation,
                                       int32_t rounding, int64_t seed);

/* out = decode(in) / scale[axis index or 0], rounded to outKind. */
SPARQ_RT_EXPORT void sparq_rt_dequantize(const uint8_t *in, int32_t format,
                                         const float *scales,
                                         int64_t numScales, void *out,
                                         int32_t outKind, int64_t outer,
                                         int64_t axis, int64_t inner);

/* max |in| over everything (perAxis == 0, one output) or per axis index. */
SPARQ_RT_EXPORT void sparq_rt_amax(const void *in, int32_t kind,
                                   int64_t outer, int64_t axis, int64_t inner,
                                   int32_t perAxis, float *out);

/* out[i] = FP8 scale for amax[i] (numerics/Scale.h). */
SPARQ_RT_EXPORT void sparq_rt_scale(const float *amax, int64_t count,
                                    int32_t format, int32_t margin,
                                    float *out);

/* N:M along axis: pruned copy, keep-mask bytes (0/1), compressed storage,
 * and back. rule: 0 magnitude, 1 transposable (2:4 in 4x4 blocks of a
 * matrix, which is [outer][axis] when inner is 1, else [axis][inner]). */
SPARQ_RT_EXPORT void sparq_rt_prune(const void *in, int32_t kind,
                                    int64_t outer, int64_t axis, int64_t inner,
                                    int32_t n, int32_t m, int32_t rule,
                                    void *out);
SPARQ_RT_EXPORT void sparq_rt_mask(const void *in, int32_t kind, int64_t outer,
                                   int64_t axis, int64_t inner, int32_t n,
                                   int32_t m, int32_t rule, uint8_t *out);
SPARQ_RT_EXPORT void sparq_rt_compress(const void *in, int32_t kind,
                                       int64_t outer, int64_t axis,
                                       int64_t inner, int32_t n, int32_t m,
                                       void *values, uint16_t *metadata);
SPARQ_RT_EXPORT void sparq_rt_decompress(const void *values,
                                         const uint16_t *metadata,
                                         int32_t kind, int64_t outer,
                                         int64_t axis, int64_t inner,
                                         int32_t n, int32_t m, void *out);

/* sparq.matmul: lhs [batch][m][k], rhs [batch][k][n], out [batch][m][n].
 * A non-null metadata pointer makes that operand compressed N:M along K
 * (its data pointer then holds the values). Null scales and bias are absent;
 * numLhsScales is 1 or m, numRhsScales 1 or n. */
SPARQ_RT_EXPORT void
sparq_rt_matmul(int64_t batch, int64_t m, int64_t n, int64_t k,
                const void *lhs, int32_t lhsKind, const uint16_t *lhsMetadata,
                int32_t lhsN, int32_t lhsM, const void *rhs, int32_t rhsKind,
                const uint16_t *rhsMetadata, int32_t rhsN, int32_t rhsM,
                const float *lhsScale, int64_t numLhsScales,
                const float *rhsScale, int64_t numRhsScales,
                const float *outScale, const float *bias, void *out,
                int32_t outKind, int32_t saturation);

/* A size relation of a sparq op failed at run time (a dynamic size that the
 * verifier could not check; see RuntimeChecks.h): prints
 *   "<where> expects <what> (<size>) to equal <otherWhat> (<otherSize>)"
 * on stderr and ends the program with exit status 1, never computing a
 * result from mismatched buffers. */
SPARQ_RT_EXPORT __attribute__((noreturn)) void
sparq_rt_size_mismatch(const char *where, const char *what, int64_t size,
                       const char *otherWhat, int64_t otherSize);

#ifdef __cplusplus
}
#endif

#endif /* SPARQ_RUNTIME_SPARQRUNTIME_H */
