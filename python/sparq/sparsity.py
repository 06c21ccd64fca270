"""N:M structured sparsity on numpy arrays: masks, pruning and the compressed
storage (values and PTX mma.sp metadata) of the #sparq.nm encoding, and
activation-aware pruning from calibration statistics (wanda, sparsegpt).

Arrays may be float32 or float16; FP8 codes (uint8) and bf16 bit patterns
(uint16) need an explicit kind ("e4m3", "e5m2", "bf16")."""
import warnings

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


def _weight_matrix(weight):
    w = np.asarray(weight)
    if w.ndim != 2:
        raise ValueError(f"weight must be a matrix [out, K], got shape {w.shape}")
    if not np.issubdtype(w.dtype, np.floating) and not np.issubdtype(
            w.dtype, np.integer):
        raise ValueError(f"weight must be numeric, got dtype {w.dtype}")
    return np.ascontiguousarray(w, dtype=np.float32)


def _pattern(n, m):
    if not all(isinstance(v, (int, np.integer)) for v in (n, m)) or \
            not 0 < n < m <= 16:
        raise ValueError(f"N:M needs integers 0 < n < m <= 16, got {n}:{m}")
    return int(n), int(m)


def wanda(weight, input_sumsq, n=2, m=4):
    """Wanda N:M pruning (Sun et al. 2023) of a weight [out, K] (K = input
    channels, the contraction dimension, along which groups of m run): keeps
    in each group the n largest |W[o, j]| * sqrt(input_sumsq[j]), ties to the
    lowest index. `input_sumsq[j]` is the sum of squares of input channel j
    over the calibration tokens. Returns (pruned weight float32, bool mask)."""
    w = _weight_matrix(weight)
    s = np.ascontiguousarray(input_sumsq, dtype=np.float64)
    if s.shape != (w.shape[1],):
        raise ValueError(f"input_sumsq must have shape ({w.shape[1]},), one "
                         f"entry per input channel; got {s.shape}")
    return _sparq.wanda_prune(w, s, *_pattern(n, m))


def sparsegpt(weight, hessian, n=2, m=4, block=128, damp=0.01):
    """SparseGPT N:M pruning (Frantar & Alistarh 2023, Algorithm 1) of a
    weight [out, K] given hessian = X^T X [K, K] of calibration inputs
    X [tokens, K]: damp * mean(diag H) is added to the diagonal; columns are
    pruned left to right (mask by w^2 / [H^-1]_jj^2 per group of m) and the
    later weights of each row updated to compensate, in blocks of `block`
    columns. Returns (reconstructed pruned weight float32, bool mask).
    Warns (RuntimeWarning) when H alone was singular and the dampening made
    it usable; raises ValueError when even the damped H is not positive
    definite."""
    w = _weight_matrix(weight)
    h = np.ascontiguousarray(hessian, dtype=np.float64)
    k = w.shape[1]
    if h.shape != (k, k):
        raise ValueError(f"hessian must have shape ({k}, {k}); got {h.shape}")
    n, m = _pattern(n, m)
    if not isinstance(block, (int, np.integer)) or block <= 0 or block % m:
        raise ValueError(f"block must be a positive multiple of m={m}, "
                         f"got {block}")
    pruned, mask, lam, needed = _sparq.sparsegpt_prune(w, h, n, m, int(block),
                                                       float(damp))
    if needed:
        warnings.warn(
            f"sparsegpt: the Hessian is singular; dampened by {lam:g} "
            f"(damp={damp:g} times its mean diagonal)", RuntimeWarning,
            stacklevel=2)
    return pruned, mask


def output_error(weight, approx, hessian):
    """sum over rows of (w - v)^T H (w - v): ||X W^T - X V^T||_F^2 for
    H = X^T X, the layer's output error on the calibration set."""
    w = _weight_matrix(weight)
    v = _weight_matrix(approx)
    h = np.ascontiguousarray(hessian, dtype=np.float64)
    return _sparq.reconstruction_error(w, v, h)
