"""FP8 (E4M3 = f8E4M3FN, E5M2 = f8E5M2) conversions on numpy arrays.

FP8 values are returned as their uint8 codes; bf16 values travel as uint16
bit patterns (numpy has no bfloat16) and are named with kind="bf16".
"""
import numpy as np

from . import _sparq

FORMATS = ("e4m3", "e5m2")
MAX_FINITE = {"e4m3": 448.0, "e5m2": 57344.0}


def _kind(array, kind):
    if kind is not None:
        return kind
    if array.dtype == np.float32:
        return "f32"
    if array.dtype == np.float16:
        return "f16"
    raise TypeError(f"cannot infer the element kind of {array.dtype}; pass "
                    "kind='f32', 'f16' or 'bf16' (uint16 bit patterns)")


def _scales(scale):
    return np.atleast_1d(np.asarray(scale, dtype=np.float32))


def encode(x, format="e4m3", *, rounding="rne", saturation="satfinite",
           scale=1.0, axis=None, seed=0, kind=None):
    """fp8(x * scale) as uint8 codes, exactly as sparq.quantize.

    scale: one value, or one per index of `axis`. rounding: "rne" or
    "stochastic" (bits from `seed` and each element's row-major index).
    saturation: "satfinite" or "none"."""
    x = np.asarray(x)
    if x.dtype == np.float64:
        raise TypeError("float64 input: convert to float32 first (sparq "
                        "quantizes f32, f16 and bf16)")
    return _sparq.encode(x, _kind(x, kind), format, rounding, saturation,
                         _scales(scale), axis, seed)


def decode(codes, format="e4m3", *, scale=1.0, axis=None, dtype="f32"):
    """decode(codes) / scale, as sparq.dequantize; dtype "f32", "f16" or
    "bf16" (uint16 bit patterns)."""
    codes = np.asarray(codes, dtype=np.uint8)
    return _sparq.decode(codes, format, dtype, _scales(scale), axis)


def amax(x, kind=None):
    """max |x| as float32 (NaN if any element is NaN)."""
    x = np.asarray(x)
    return _sparq.amax(x, _kind(x, kind))


def scale_for(amax_value, format="e4m3", margin=0):
    """The FP8 scale of an amax, as sparq.scale: max_finite / amax / 2^margin."""
    return _sparq.scale(float(amax_value), format, margin)
