"""The Metropolis Monte Carlo search of sparq::search."""
import numpy as np

from . import _sparq


def permute_channels(weight, n=2, m=4, *, seed=0, sweeps=100, time_budget=0.0,
                     method="anneal"):
    """A permutation of the input channels (columns) of `weight` (output
    channels x input channels) that raises the magnitude N:M pruning along
    the input channels keeps. Returns (perm, stats): column j of the permuted
    weight is column perm[j]; stats has the total magnitude and the magnitude
    kept before ("kept_initial") and after ("kept") the permutation.

    method: "anneal" (Metropolis, reproducible from `seed`; `sweeps` of K
    proposed swaps, or a `time_budget` in seconds) or "greedy"."""
    weight = np.asarray(weight, dtype=np.float32)
    return _sparq.permute_channels(weight, n, m, seed, sweeps, time_budget,
                                   method)
