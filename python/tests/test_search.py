import os

import numpy as np
import pytest

import sparq


def weight():
    rng = np.random.default_rng(1)
    # Input channels of different scale, as in trained layers.
    return (rng.standard_t(3, (64, 128)) * np.exp(rng.standard_normal(128))).astype(np.float32)


def kept_after(w, perm):
    return np.abs(sparq.sparsity.prune(w[:, perm], axis=1)).sum()


def test_permutation_keeps_more_magnitude():
    w = weight()
    perm, stats = sparq.search.permute_channels(w, seed=3)
    assert sorted(perm.tolist()) == list(range(128))
    assert stats["kept"] > stats["kept_initial"]
    # The reported figure is what pruning the permuted weight keeps.
    assert kept_after(w, perm) == pytest.approx(stats["kept"], rel=1e-5)
    assert np.abs(sparq.sparsity.prune(w, axis=1)).sum() == pytest.approx(
        stats["kept_initial"], rel=1e-5)


def test_reproducible_from_the_seed():
    w = weight()
    a, _ = sparq.search.permute_channels(w, seed=11, sweeps=20)
    b, _ = sparq.search.permute_channels(w, seed=11, sweeps=20)
    assert np.array_equal(a, b)


def test_greedy_baseline():
    perm, stats = sparq.search.permute_channels(weight(), method="greedy")
    assert stats["kept"] >= stats["kept_initial"]


def test_non_finite_weights_are_refused():
    w = weight()
    w[2, 7] = np.inf
    with pytest.raises(ValueError, match="row 2, column 7"):
        sparq.search.permute_channels(w)
    with pytest.raises(ValueError):
        sparq.search.permute_channels(np.ones((4, 6), np.float32))


def test_a_time_budget_alone_drives_the_schedule():
    # No sweeps given: the budget sets the run's length and the schedule
    # follows the clock, so the run ends (nearly) at its end temperature
    # instead of being cut off hot after the default sweeps.
    w = weight()
    perm, stats = sparq.search.permute_channels(w, time_budget=0.3)
    assert sorted(perm.tolist()) == list(range(128))
    assert stats["stopped_by_time"]
    assert stats["sweeps"] > 100
    assert stats["last_temperature"] < stats["start_temperature"]
    # One replica per CPU under a budget, the best kept.
    assert len(stats["replica_kept"]) == (os.cpu_count() or 1)
    assert stats["kept"] == max(stats["replica_kept"])
    assert kept_after(w, perm) == pytest.approx(stats["kept"], rel=1e-5)


def test_replicas_with_fixed_sweeps_are_reproducible():
    w = weight()
    a, sa = sparq.search.permute_channels(w, seed=2, sweeps=10, replicas=3)
    b, sb = sparq.search.permute_channels(w, seed=2, sweeps=10, replicas=3)
    assert np.array_equal(a, b)
    assert len(sa["replica_kept"]) == 3
    assert sa["kept"] == sb["kept"] == max(sa["replica_kept"])


def test_unbounded_or_bad_runs_are_refused():
    w = weight()
    with pytest.raises(ValueError, match="sweeps"):
        sparq.search.permute_channels(w, sweeps=float("inf"))
    with pytest.raises(ValueError, match="sweeps"):
        sparq.search.permute_channels(w, sweeps=-1)
    with pytest.raises(ValueError, match="replicas"):
        sparq.search.permute_channels(w, replicas=0)
