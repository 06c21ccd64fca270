import numpy as np
import pytest

import sparq


def toy(n=120, noise=20, seed=0):
    """Two classes apart along feature 0 only, hidden by noise features of
    the same spread (so Euclidean neighbours are mostly noise)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.uniform(-2, 2, (n, 1 + noise))
    X[:, 0] = np.where(y == 1, 1.0, -1.0) + rng.uniform(-0.3, 0.3, n)
    X *= np.arange(1, noise + 2)  # unequal units: standardisation matters
    return X, y


def loo_1nn(Z, y):
    d = ((Z[:, None, :] - Z[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    return np.mean(y[d.argmin(1)] == y)


def test_learns_a_better_metric():
    X, y = toy()
    A, stats = sparq.search.learn_metric(X, y, seed=1)
    assert A.shape == (21, 21)
    assert stats["energy"] < stats["initial_energy"]
    assert stats["proposed"] > 0 and stats["stages"] >= 1
    Z = sparq.search.metric_transform(X, A, stats)
    Xs = (X - X.mean(0)) / X.std(0)
    assert loo_1nn(Z, y) > loo_1nn(Xs, y) + 0.1
    # The energy is minus the expected number of correct leave-one-out
    # picks, so most of the points.
    assert -stats["energy"] > 0.9 * len(y)
    np.testing.assert_allclose(stats["mean"], X.mean(0))
    np.testing.assert_allclose(stats["scale"], X.std(0))


def test_reproducible_from_the_seed():
    X, y = toy(n=60)
    a, _ = sparq.search.learn_metric(X, y, seed=5, sweeps=5)
    b, _ = sparq.search.learn_metric(X, y, seed=5, sweeps=5)
    c, _ = sparq.search.learn_metric(X, y, seed=6, sweeps=5)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_options():
    X, y = toy(n=60)
    labels = np.array(["yes", "no"])[y]  # any sortable labels
    A, stats = sparq.search.learn_metric(X, labels, dim=2, sweeps=3,
                                         neighbours=10)
    assert A.shape == (2, 21)
    assert stats["neighbours"] == 10
    # Starting from a given map with no rescaling and no proposal keeps it.
    B, _ = sparq.search.learn_metric(X, labels, initial=A, sweeps=1e-9,
                                     perplexity=0)
    np.testing.assert_array_equal(A, B)
    A, stats = sparq.search.learn_metric(X, y, time_budget=0.05)
    assert stats["seconds"] < 1.0 and stats["proposed"] > 0


def test_bad_input_is_refused():
    X, y = toy(n=20)
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="row 3, column 1"):
        sparq.search.learn_metric(bad, y)
    with pytest.raises(ValueError, match="one label per row"):
        sparq.search.learn_metric(X, y[:-1])
    with pytest.raises(ValueError, match="at least 2 points"):
        sparq.search.learn_metric(X[:1], y[:1])
    with pytest.raises(ValueError, match="output dimension"):
        sparq.search.learn_metric(X, y, dim=99)
    with pytest.raises(ValueError):
        sparq.search.learn_metric(X[:, 0], y)
