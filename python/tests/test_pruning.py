"""sparq.sparsity.wanda and sparsegpt against numpy reimplementations, their
output error against magnitude pruning, and bad input."""
import warnings

import numpy as np
import pytest

import sparq

sp = sparq.sparsity


def correlated(rng, tokens, k):
    return rng.standard_normal((tokens, k)) @ rng.standard_normal((k, k))


def keep_largest(scores, n, m):
    """Boolean mask keeping the n largest of each group of m along the last
    axis; a stable sort of -score gives ties to the lowest index."""
    rows, k = scores.shape
    groups = scores.reshape(rows, k // m, m)
    order = np.argsort(-groups, axis=-1, kind="stable")
    mask = np.zeros_like(groups, dtype=bool)
    np.put_along_axis(mask, order[..., :n], True, axis=-1)
    return mask.reshape(rows, k)


def numpy_wanda(w, sumsq, n, m):
    mask = keep_largest(np.abs(w.astype(np.float64)) * np.sqrt(sumsq), n, m)
    return np.where(mask, w, np.float32(0)), mask


def numpy_sparsegpt(w, h, n, m, block, damp):
    """The reference implementation's loop (Frantar & Alistarh, Algorithm 1)."""
    w = w.astype(np.float64).copy()
    k = w.shape[1]
    h = h + damp * np.mean(np.diag(h)) * np.eye(k)
    u = np.linalg.cholesky(np.linalg.inv(h)).T  # upper, H^-1 = U^T U
    mask = np.zeros(w.shape, dtype=bool)
    for b in range(0, k, block):
        e = min(k, b + block)
        err = np.zeros((w.shape[0], e - b))
        for j in range(b, e):
            if (j - b) % m == 0:
                d = np.diag(u)[j:j + m]
                mask[:, j:j + m] = keep_largest(w[:, j:j + m] ** 2 / d ** 2, n, m)
            q = np.where(mask[:, j], w[:, j], 0.0)
            err[:, j - b] = (w[:, j] - q) / u[j, j]
            w[:, j:e] -= np.outer(err[:, j - b], u[j, j:e])
            w[:, j] = q
        w[:, e:] -= err @ u[b:e, e:]
    return np.where(mask, w, 0.0).astype(np.float32), mask


def error(w, v, h):
    d = w.astype(np.float64) - v.astype(np.float64)
    return float(np.einsum("ri,ij,rj->", d, h, d))


@pytest.mark.parametrize("n,m", [(2, 4), (1, 4), (4, 8)])
def test_wanda_matches_numpy(n, m):
    rng = np.random.default_rng(n + m)
    w = rng.standard_normal((12, 32)).astype(np.float32)
    x = correlated(rng, 64, 32)
    sumsq = (x ** 2).sum(axis=0)
    pruned, mask = sp.wanda(w, sumsq, n, m)
    ref, ref_mask = numpy_wanda(w, sumsq, n, m)
    assert mask.dtype == bool and pruned.dtype == np.float32
    assert np.array_equal(mask, ref_mask)
    assert np.array_equal(pruned, ref)
    assert (mask.reshape(12, -1, m).sum(-1) == n).all()


@pytest.mark.parametrize("rows,k,n,m,block,damp", [
    (4, 8, 2, 4, 128, 0.01), (3, 16, 2, 4, 4, 0.0), (8, 64, 2, 4, 16, 0.01),
    (5, 32, 1, 4, 8, 0.1), (6, 32, 4, 8, 16, 0.01)])
def test_sparsegpt_matches_numpy(rows, k, n, m, block, damp):
    rng = np.random.default_rng(rows * k)
    x = correlated(rng, 4 * k, k)
    h = x.T @ x
    w = rng.standard_normal((rows, k)).astype(np.float32)
    pruned, mask = sp.sparsegpt(w, h, n, m, block=block, damp=damp)
    ref, ref_mask = numpy_sparsegpt(w, h, n, m, block, damp)
    assert np.array_equal(mask, ref_mask)
    np.testing.assert_allclose(pruned, ref, rtol=1e-4, atol=1e-4)
    assert (pruned[~mask] == 0).all()


def test_sparsegpt_beats_magnitude_and_wanda_on_average():
    # A heuristic comparison, averaged over seeds (not a per-layer theorem).
    rng = np.random.default_rng(0)
    totals = np.zeros(3)
    for _ in range(10):
        x = correlated(rng, 256, 64)
        h = x.T @ x
        w = rng.standard_normal((16, 64)).astype(np.float32)
        magnitude = sp.prune(w)
        wanda, _ = sp.wanda(w, np.diag(h))
        gpt, _ = sp.sparsegpt(w, h)
        totals += [error(w, v, h) for v in (magnitude, wanda, gpt)]
        assert sp.output_error(w, gpt, h) == pytest.approx(error(w, gpt, h))
    mag, wan, gpt = totals
    assert gpt < 0.8 * mag and gpt < 0.8 * wan


def test_sparsegpt_damps_a_singular_hessian_and_says_so():
    rng = np.random.default_rng(1)
    x = correlated(rng, 32, 8)
    x[:, 5] = x[:, 2]
    h = x.T @ x
    w = rng.standard_normal((3, 8)).astype(np.float32)
    with pytest.warns(RuntimeWarning, match="singular; dampened"):
        pruned, mask = sp.sparsegpt(w, h)
    ref, ref_mask = numpy_sparsegpt(w, h, 2, 4, 128, 0.01)
    assert np.array_equal(mask, ref_mask)
    np.testing.assert_allclose(pruned, ref, rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="not positive definite"):
        sp.sparsegpt(w, h, damp=0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sp.sparsegpt(w, h + np.eye(8))  # regular: no warning


def test_bad_input():
    w = np.ones((2, 8), np.float32)
    h = np.eye(8)
    with pytest.raises(ValueError, match="matrix"):
        sp.wanda(np.ones(8), np.ones(8))
    with pytest.raises(ValueError, match="one entry per input channel"):
        sp.wanda(w, np.ones(7))
    with pytest.raises(ValueError, match="negative"):
        sp.wanda(w, -np.ones(8))
    with pytest.raises(ValueError, match="NaN or infinite"):
        sp.wanda(w, np.full(8, np.inf))
    with pytest.raises(ValueError, match="multiple of m"):
        sp.wanda(np.ones((2, 6)), np.ones(6))
    for n, m in ((4, 4), (-1, 4), (2, 32), (2.0, 4)):
        with pytest.raises(ValueError, match="0 < n < m"):
            sp.wanda(w, np.ones(8), n=n, m=m)
        with pytest.raises(ValueError, match="0 < n < m"):
            sp.sparsegpt(w, h, n=n, m=m)
    with pytest.raises(ValueError, match=r"shape \(8, 8\)"):
        sp.sparsegpt(w, np.eye(4))
    with pytest.raises(ValueError, match="positive multiple of m"):
        sp.sparsegpt(w, h, block=6)
    with pytest.raises(ValueError, match="damp"):
        sp.sparsegpt(w, h, damp=-1)
    with pytest.raises(ValueError, match="not symmetric"):
        sp.sparsegpt(w, np.triu(np.ones((8, 8))) + 8 * np.eye(8))
    with pytest.raises(ValueError, match="not positive definite"):
        sp.sparsegpt(w, -np.eye(8))
    bad = w.copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        sp.sparsegpt(bad, h)
    with pytest.raises(ValueError, match="numeric"):
        sp.wanda(np.array([["a"] * 4]), np.ones(4))
