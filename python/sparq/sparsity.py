"""N:M structured sparsity on numpy arrays: masks, pruning and the compressed
storage (values and PTX mma.sp metadata) of the #sparq.nm encoding.

Arrays may be float32 or float16; FP8 codes (uint8) and bf16 bit patterns
(uint16) need an explicit kind ("e4m3", "e5m2", "bf16")."""
import numpy as np

from . import _sparq
from .fp8 import _kind


def _prepare(x, kind):
    x = np.asarray(x)
    return x, _kind(x, kind)


def mask(x, n=2, m=4, axis=-1, *, rule="magnitude", kind=None):
    """The boolean keep-mask of N:M magnitude pruning along `axis` (ties to
    the lowest index, NaN largest); rule="transposable" gives 2:4 along both
    dimensions of a matrix."""
    x, kind = _prepare(x, kind)
    return _sparq.nm_mask(x, kind, n, m, axis, rule)


def prune(x, n=2, m=4, axis=-1, *, rule="magnitude", kind=None):
    """x with the elements outside mask() set to +0."""
    x, kind = _prepare(x, kind)
    return _sparq.nm_prune(x, kind, n, m, axis, rule)


def compress(x, n=2, m=4, axis=-1, *, kind=None):
    """(values, metadata): the kept values along `axis` (N of every M) and
    their indices packed as uint16 words, as sparq.values / sparq.metadata."""
    x, kind = _prepare(x, kind)
    return _sparq.nm_compress(x, kind, n, m, axis)


def decompress(values, metadata, n=2, m=4, axis=-1, *, kind=None):
    """The dense array that compress() stored."""
    values, kind = _prepare(values, kind)
    return _sparq.nm_decompress(values, np.asarray(metadata, np.uint16), kind,
                                n, m, axis)
