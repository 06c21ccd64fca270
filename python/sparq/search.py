"""The Metropolis Monte Carlo search of sparq::search."""
import os

import numpy as np

from . import _sparq


def permute_channels(weight, n=2, m=4, *, seed=0, sweeps=None,
                     time_budget=0.0, method="anneal", replicas=None):
    """A permutation of the input channels (columns) of `weight` (output
    channels x input channels) that raises the magnitude N:M pruning along
    the input channels keeps. Returns (perm, stats): column j of the permuted
    weight is column perm[j]; stats has the total magnitude and the magnitude
    kept before ("kept_initial") and after ("kept") the permutation.

    method: "anneal" (Metropolis) or "greedy".

    Annealing runs `sweeps` of K proposed swaps (None: 100), reproducible
    from `seed`; or, with a `time_budget` in seconds and sweeps=None, as
    long as the budget allows, its temperature schedule following elapsed
    time so that it ends cold and more time means slower cooling (sweeps
    given too: whichever runs out first ends the schedule). `replicas`
    independent chains run on the module's threads and the best is kept
    (None: one without a budget, one per CPU with one). Greedy stops when
    no single swap helps or after time_budget (default 1 s)."""
    weight = np.asarray(weight, dtype=np.float32)
    if sweeps is None:
        sweeps = float("inf") if time_budget > 0 else 100.0
    sweeps = float(sweeps)
    if not (sweeps >= 0) or (sweeps == float("inf") and not time_budget > 0):
        raise ValueError("sweeps must be finite and >= 0 (or None with a "
                         "time_budget)")
    if replicas is None:
        replicas = (os.cpu_count() or 1) if time_budget > 0 else 1
    if replicas < 1:
        raise ValueError("replicas must be >= 1")
    return _sparq.permute_channels(weight, n, m, seed, sweeps,
                                   float(time_budget), method, int(replicas))


def learn_metric(X, y, *, seed=0, sweeps=None, time_budget=0.0, dim=None,
                 neighbours=None, perplexity=5.0, initial=None):
    """A linear map A (dim x features) for nearest-neighbour classification,
    learned by Metropolis annealing of the NCA objective (expected
    leave-one-out correct classifications under a softmax over negative
    squared distances); see include/sparq/Search/MetricLearning.h.

    A acts on standardised features: the learned embedding is
    `metric_transform(X, A, stats)`, i.e. ((X - stats["mean"]) /
    stats["scale"]) @ A.T. Returns (A, stats); stats also has the exact NCA
    energy before ("initial_energy") and after ("energy"), minus the
    expected number of correct leave-one-out classifications.

    y: one label per row, any values numpy can sort. sweeps: the run length
    in sweeps of dim * features proposals; None: 8 proposals per point
    within [1000, 4000] (a tuned early stop), or, with a time_budget
    (seconds), the whole budget with the schedule by elapsed time.
    Reproducible from `seed` unless a budget drives or cuts the run.
    neighbours: candidates per point in the softmax (None: n / 8 within
    [16, 32]; >= n - 1: all, exact NCA). perplexity: the initial A is
    scaled so that each point's stochastic neighbours spread over about
    this many points (0: start from `initial` or the identity as is)."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError("X must be a matrix (points x features)")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError("y must hold one label per row of X (%d)" %
                         X.shape[0])
    classes = np.unique(y, return_inverse=True)[1].astype(np.int32)
    by_time = sweeps is None and time_budget > 0
    if sweeps is None:
        sweeps = float("inf") if by_time else 0.0
    return _sparq.learn_metric(X, classes, seed, float(sweeps),
                               float(time_budget), by_time, dim or 0,
                               neighbours or 0, float(perplexity), initial)


def metric_transform(X, A, stats):
    """The embedding of the rows of X under a learn_metric result."""
    X = np.asarray(X, dtype=np.float64)
    return ((X - stats["mean"]) / stats["scale"]) @ np.asarray(A).T
