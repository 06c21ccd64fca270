//===- Quantize.cpp - Bulk FP8 quantize / dequantize / amax ---------------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Every loop body here is a kernel from Kernels.h, so bulk results equal the
// scalar functions by construction. Work is split into tasks of whole
// element ranges; each element's result depends only on its own value,
// scale and linear index, so any schedule gives identical bits.
//
//===----------------------------------------------------------------------===//

#include "sparq/Numerics/Quantize.h"
#include "ElementTraits.h"
#include "Kernels.h"
#include "sparq/Numerics/Stochastic.h"

#include <algorithm>
#include <cstring>
#include <vector>

using namespace sparq::numerics;
using namespace sparq::numerics::kernels;

namespace {

/// Bulk loops run over blocks of kBlock elements copied to and from local
/// arrays: a fixed trip count is what GCC's -O2 vectoriser (cost model "very
/// cheap") accepts, and locals cannot alias, so no runtime alias checks are
/// needed (the uint8_t output would otherwise alias everything).
constexpr int64_t kBlock = 64;

/// out[j] = fn(in[j], j) for j in [0, n).
template <typename In, typename Out, typename Fn>
inline void mapBlocks(const In *in, Out *out, int64_t n, Fn fn) {
  In src[kBlock];
  Out dst[kBlock];
  int64_t j = 0;
  for (; j + kBlock <= n; j += kBlock) {
    std::memcpy(src, in + j, sizeof(src));
    for (int64_t k = 0; k < kBlock; ++k)
      dst[k] = fn(src[k], j + k);
    std::memcpy(out + j, dst, sizeof(dst));
  }
  for (; j < n; ++j)
    out[j] = fn(in[j], j);
}

template <Fp8Format F>
using FormatConstant = std::integral_constant<Fp8Format, F>;
template <Saturation S>
using SatConstant = std::integral_constant<Saturation, S>;

template <typename Fn>
inline void dispatchFormatSat(Fp8Format format, Saturation saturation,
                              Fn &&fn) {
  const bool sat = saturation == Saturation::SatFinite;
  if (format == Fp8Format::E4M3) {
    if (sat)
      return fn(FormatConstant<Fp8Format::E4M3>{},
                SatConstant<Saturation::SatFinite>{});
    return fn(FormatConstant<Fp8Format::E4M3>{},
              SatConstant<Saturation::None>{});
  }
  if (sat)
    return fn(FormatConstant<Fp8Format::E5M2>{},
              SatConstant<Saturation::SatFinite>{});
  return fn(FormatConstant<Fp8Format::E5M2>{}, SatConstant<Saturation::None>{});
}

bool isWideFloat(ElementKind kind) {
  return kind == ElementKind::F32 || kind == ElementKind::F16 ||
         kind == ElementKind::BF16;
}

/// Task count for an element-wise pass over `n` elements.
size_t numElementTasks(int64_t n) {
  return size_t((n + kElementsPerTask - 1) / kElementsPerTask);
}

/// Runs fn(begin, end) over [0, n) in kElementsPerTask pieces.
template <typename Fn>
void forEachElementTask(int64_t n, const ParallelFor &parallel, Fn fn) {
  runTasks(parallel, numElementTasks(n), [&](size_t task) {
    const int64_t begin = int64_t(task) * kElementsPerTask;
    fn(begin, std::min(n, begin + kElementsPerTask));
  });
}

/// Splits [begin, end) into runs with one scale, uniform(L, len, &scale), or,
/// for per-axis scales on the innermost dimension, runs whose scales are
/// consecutive, perElement(L, len, scalesOfRun).
template <typename UniformFn, typename PerElementFn>
void forEachScaleRun(const AxisView &view, const float *scales, bool perAxis,
                     int64_t begin, int64_t end, UniformFn uniform,
                     PerElementFn perElement) {
  if (!perAxis) {
    uniform(begin, end - begin, scales);
    return;
  }
  if (view.inner == 1) {
    for (int64_t l = begin; l < end;) {
      const int64_t a = l % view.axis;
      const int64_t len = std::min(view.axis - a, end - l);
      perElement(l, len, scales + a);
      l += len;
    }
    return;
  }
  for (int64_t l = begin; l < end;) {
    const int64_t a = (l / view.inner) % view.axis;
    const int64_t len = std::min(view.inner - l % view.inner, end - l);
    uniform(l, len, scales + a);
    l += len;
  }
}

/// Checks the scale arguments; sets `perAxis`.
bool checkScales(const AxisView &view, const float *scales, int64_t numScales,
                 bool &perAxis) {
  if (!view.isValid() || !scales)
    return false;
  perAxis = numScales != 1;
  return !perAxis || numScales == view.axis;
}

//===----------------------------------------------------------------------===//
// Quantize
//===----------------------------------------------------------------------===//

template <ElementKind K, Fp8Format F, Saturation S, bool PerElementScale>
void quantizeRunNearest(const typename ElementTraits<K>::Storage *in,
                        uint8_t *out, int64_t n, const float *scale) {
  using T = ElementTraits<K>;
  using Storage = typename T::Storage;
  if constexpr (PerElementScale) {
    float scales[kBlock];
    for (int64_t j = 0; j < n; j += kBlock) {
      const int64_t len = std::min(kBlock, n - j);
      std::memcpy(scales, scale + j, size_t(len) * sizeof(float));
      mapBlocks(in + j, out + j, len, [&](Storage v, int64_t k) {
        const float x = bitsToFloat(T::toF32Bits(v)) * scales[k];
        return encodeFp8NearestEven<F, S>(floatToBits(x));
      });
    }
  } else {
    const float s = *scale;
    mapBlocks(in, out, n, [s](Storage v, int64_t) {
      const float x = bitsToFloat(T::toF32Bits(v)) * s;
      return encodeFp8NearestEven<F, S>(floatToBits(x));
    });
  }
}

template <ElementKind K, Fp8Format F, Saturation S, bool PerElementScale>
void quantizeRunStochastic(const typename ElementTraits<K>::Storage *in,
                           uint8_t *out, int64_t n, const float *scale,
                           uint64_t seed, uint64_t firstIndex) {
  using T = ElementTraits<K>;
  const float s = *scale;
  for (int64_t j = 0; j < n; ++j) {
    const float x =
        bitsToFloat(T::toF32Bits(in[j])) * (PerElementScale ? scale[j] : s);
    out[j] = encodeFp8Stochastic<F, S>(
        floatToBits(x), stochasticBits(seed, firstIndex + uint64_t(j)));
  }
}

template <ElementKind K, Fp8Format F, Saturation S>
void quantizeImpl(const void *input, uint8_t *output, const AxisView &view,
                  const float *scales, bool perAxis, Rounding rounding,
                  uint64_t seed, const ParallelFor &parallel) {
  using Storage = typename ElementTraits<K>::Storage;
  const auto *in = static_cast<const Storage *>(input);
  forEachElementTask(
      view.numElements(), parallel, [&](int64_t begin, int64_t end) {
        if (rounding == Rounding::NearestEven) {
          forEachScaleRun(
              view, scales, perAxis, begin, end,
              [&](int64_t l, int64_t len, const float *s) {
                quantizeRunNearest<K, F, S, false>(in + l, output + l, len, s);
              },
              [&](int64_t l, int64_t len, const float *s) {
                quantizeRunNearest<K, F, S, true>(in + l, output + l, len, s);
              });
          return;
        }
        forEachScaleRun(
            view, scales, perAxis, begin, end,
            [&](int64_t l, int64_t len, const float *s) {
              quantizeRunStochastic<K, F, S, false>(in + l, output + l, len, s,
                                                    seed, uint64_t(l));
            },
            [&](int64_t l, int64_t len, const float *s) {
              quantizeRunStochastic<K, F, S, true>(in + l, output + l, len, s,
                                                   seed, uint64_t(l));
            });
      });
}

//===----------------------------------------------------------------------===//
// Dequantize and convert
//===----------------------------------------------------------------------===//

/// Above this run length a 256-entry table of finished results is cheaper
/// than a division per element (and gives the same bits).
constexpr int64_t kDequantTableMinRun = 1024;

template <Fp8Format F, ElementKind Out>
void dequantizeImpl(const uint8_t *input, void *output, const AxisView &view,
                    const float *scales, bool perAxis,
                    const ParallelFor &parallel) {
  using OutT = ElementTraits<Out>;
  using OutStorage = typename OutT::Storage;
  auto *out = static_cast<OutStorage *>(output);
  const auto &decode = fp8DecodeTableBits(F);
  auto convert = [&](uint8_t code, float scale) {
    const float x = bitsToFloat(decode[code]) / scale;
    return OutT::template fromF32Bits<Saturation::None>(floatToBits(x));
  };
  forEachElementTask(view.numElements(), parallel,
                     [&](int64_t begin, int64_t end) {
                       forEachScaleRun(
                           view, scales, perAxis, begin, end,
                           [&](int64_t l, int64_t len, const float *s) {
                             if (len < kDequantTableMinRun) {
                               for (int64_t j = 0; j < len; ++j)
                                 out[l + j] = convert(input[l + j], *s);
                               return;
                             }
                             OutStorage table[256];
                             for (unsigned c = 0; c < 256; ++c)
                               table[c] = convert(uint8_t(c), *s);
                             for (int64_t j = 0; j < len; ++j)
                               out[l + j] = table[input[l + j]];
                           },
                           [&](int64_t l, int64_t len, const float *s) {
                             for (int64_t j = 0; j < len; ++j)
                               out[l + j] = convert(input[l + j], s[j]);
                           });
                     });
}

template <ElementKind In, ElementKind Out, Saturation S>
void convertRun(const typename ElementTraits<In>::Storage *in,
                typename ElementTraits<Out>::Storage *out, int64_t n) {
  mapBlocks(in, out, n, [](typename ElementTraits<In>::Storage v, int64_t) {
    return ElementTraits<Out>::template fromF32Bits<S>(
        ElementTraits<In>::toF32Bits(v));
  });
}

//===----------------------------------------------------------------------===//
// amax
//===----------------------------------------------------------------------===//

/// Max of the sign-cleared bits: monotone in magnitude, NaN above inf.
template <ElementKind K>
uint32_t maxAbsBits(const typename ElementTraits<K>::Storage *in, int64_t n) {
  uint32_t best = 0;
  int64_t j = 0;
  for (; j + kBlock <= n; j += kBlock)
    for (int64_t k = 0; k < kBlock; ++k) {
      const uint32_t abs = in[j + k] & ElementTraits<K>::kAbsMask;
      best = abs > best ? abs : best;
    }
  for (; j < n; ++j) {
    const uint32_t abs = in[j] & ElementTraits<K>::kAbsMask;
    best = abs > best ? abs : best;
  }
  return best;
}

template <ElementKind K> float absBitsToFloat(uint32_t abs) {
  using T = ElementTraits<K>;
  if (abs >= T::kNaNKey)
    return bitsToFloat(kF32QuietNaNBits);
  return bitsToFloat(T::toF32Bits(typename T::Storage(abs)));
}

} // namespace

bool sparq::numerics::quantize(const void *input, ElementKind inputKind,
                               uint8_t *output, AxisView view,
                               const float *scales, int64_t numScales,
                               const QuantizeOptions &options,
                               const ParallelFor &parallel) {
  bool perAxis;
  if (!isWideFloat(inputKind) || !checkScales(view, scales, numScales, perAxis))
    return false;
  if (view.numElements() == 0)
    return true;
  dispatchKind(inputKind, [&](auto kind) {
    constexpr ElementKind K = decltype(kind)::value;
    if constexpr (K == ElementKind::F32 || K == ElementKind::F16 ||
                  K == ElementKind::BF16) {
      dispatchFormatSat(
          options.format, options.saturation, [&](auto format, auto sat) {
            quantizeImpl<K, decltype(format)::value, decltype(sat)::value>(
                input, output, view, scales, perAxis, options.rounding,
                options.seed, parallel);
          });
    }
  });
  return true;
}

bool sparq::numerics::dequantize(const uint8_t *input, Fp8Format format,
                                 void *output, ElementKind outputKind,
                                 AxisView view, const float *scales,
                                 int64_t numScales,
                                 const ParallelFor &parallel) {
  bool perAxis;
  if (!isWideFloat(outputKind) ||
      !checkScales(view, scales, numScales, perAxis))
    return false;
  if (view.numElements() == 0)
    return true;
  dispatchKind(outputKind, [&](auto kind) {
    constexpr ElementKind Out = decltype(kind)::value;
    if constexpr (Out == ElementKind::F32 || Out == ElementKind::F16 ||
                  Out == ElementKind::BF16) {
      if (format == Fp8Format::E4M3)
        dequantizeImpl<Fp8Format::E4M3, Out>(input, output, view, scales,
                                             perAxis, parallel);
      else
        dequantizeImpl<Fp8Format::E5M2, Out>(input, output, view, scales,
                                             perAxis, parallel);
    }
  });
  return true;
}

bool sparq::numerics::convertElements(const void *input, ElementKind inputKind,
                                      void *output, ElementKind outputKind,
                                      int64_t numElements,
                                      Saturation saturation,
                                      const ParallelFor &parallel) {
  if (numElements < 0)
    return false;
  dispatchKind(inputKind, [&](auto inKind) {
    dispatchKind(outputKind, [&](auto outKind) {
      constexpr ElementKind In = decltype(inKind)::value;
      constexpr ElementKind Out = decltype(outKind)::value;
      const auto *in =
          static_cast<const typename ElementTraits<In>::Storage *>(input);
      auto *out = static_cast<typename ElementTraits<Out>::Storage *>(output);
      forEachElementTask(numElements, parallel, [&](int64_t b, int64_t e) {
        if (saturation == Saturation::SatFinite)
          convertRun<In, Out, Saturation::SatFinite>(in + b, out + b, e - b);
        else
          convertRun<In, Out, Saturation::None>(in + b, out + b, e - b);
      });
    });
  });
  return true;
}

float sparq::numerics::amax(const void *input, ElementKind kind,
                            int64_t numElements, const ParallelFor &parallel) {
  float result = 0.0f;
  if (numElements <= 0)
    return result;
  dispatchKind(kind, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    const auto *in =
        static_cast<const typename ElementTraits<K>::Storage *>(input);
    std::vector<uint32_t> partial(numElementTasks(numElements), 0);
    runTasks(parallel, partial.size(), [&](size_t task) {
      const int64_t begin = int64_t(task) * kElementsPerTask;
      const int64_t end = std::min(numElements, begin + kElementsPerTask);
      partial[task] = maxAbsBits<K>(in + begin, end - begin);
    });
    result =
        absBitsToFloat<K>(*std::max_element(partial.begin(), partial.end()));
  });
  return result;
}

bool sparq::numerics::amaxPerAxis(const void *input, ElementKind kind,
                                  AxisView view, float *out,
                                  const ParallelFor &parallel) {
  if (!view.isValid() || (view.axis > 0 && !out))
    return false;
  if (view.axis == 0)
    return true;
  dispatchKind(kind, [&](auto kindConstant) {
    constexpr ElementKind K = decltype(kindConstant)::value;
    using T = ElementTraits<K>;
    const auto *in = static_cast<const typename T::Storage *>(input);
    const int64_t n = view.numElements();
    // Tasks tile (outer rows) x (axis slots); each writes its own slice of
    // `partial`, which is then max-reduced (max is exact, so the tiling
    // cannot change the result).
    const int64_t desiredTasks =
        std::max<int64_t>(1, (n + kElementsPerTask - 1) / kElementsPerTask);
    const int64_t slotsPerTask = std::max<int64_t>(
        1, kElementsPerTask / std::max<int64_t>(1, view.inner));
    const int64_t axisTasks = (view.axis + slotsPerTask - 1) / slotsPerTask;
    const int64_t outerTasks = std::max<int64_t>(
        1, std::min<int64_t>({desiredTasks / axisTasks, view.outer, 64}));
    const int64_t rowsPerTask = (view.outer + outerTasks - 1) / outerTasks;
    std::vector<uint32_t> partial(size_t(outerTasks * view.axis), 0);
    runTasks(parallel, size_t(outerTasks * axisTasks), [&](size_t task) {
      const int64_t ot = int64_t(task) / axisTasks;
      const int64_t at = int64_t(task) % axisTasks;
      const int64_t o0 = ot * rowsPerTask;
      const int64_t o1 = std::min(view.outer, o0 + rowsPerTask);
      const int64_t a0 = at * slotsPerTask;
      const int64_t a1 = std::min(view.axis, a0 + slotsPerTask);
      uint32_t *best = partial.data() + ot * view.axis;
      for (int64_t o = o0; o < o1; ++o) {
        const auto *row = in + o * view.axis * view.inner;
        if (view.inner == 1) {
          for (int64_t a = a0; a < a1; ++a) {
            const uint32_t abs = row[a] & T::kAbsMask;
            best[a] = abs > best[a] ? abs : best[a];
          }
          continue;
        }
        for (int64_t a = a0; a < a1; ++a)
          best[a] = std::max(best[a],
                             maxAbsBits<K>(row + a * view.inner, view.inner));
      }
    });
    for (int64_t a = 0; a < view.axis; ++a) {
      uint32_t abs = 0;
      for (int64_t ot = 0; ot < outerTasks; ++ot)
        abs = std::max(abs, partial[size_t(ot * view.axis + a)]);
      out[a] = absBitsToFloat<K>(abs);
    }
  });
  return true;
}
