#!/usr/bin/python3
"""Output error of one-shot 2:4 pruning by magnitude, Wanda and SparseGPT on
random layers (see bench/README.md, docs/Pruning.md).

    /usr/bin/python3 bench/pruning_error.py [--build build] [--seeds 10]

Error = ||X W^T - X V^T||_F^2 = sum_o (w_o - v_o)^T H (w_o - v_o), H = X^T X,
measured on the calibration inputs themselves. Inputs:
  correlated  X = Z A, Z and A standard Gaussian (correlated channels);
  outliers    X = Z diag(s), s = exp(z) log-normal channel scales (features
              of very different size, no correlation).
Weights: standard Gaussian f32. Prints a Markdown table of mean errors (over
seeds) relative to magnitude pruning, and how often each method is best.
"""
import argparse
import os
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--build", default=os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "build"))
parser.add_argument("--seeds", type=int, default=10)
args = parser.parse_args()
sys.path.insert(0, os.path.join(args.build, "python_packages"))
import sparq  # noqa: E402

sp = sparq.sparsity


def inputs(kind, rng, tokens, k):
    z = rng.standard_normal((tokens, k))
    if kind == "correlated":
        return z @ rng.standard_normal((k, k))
    return z * np.exp(rng.standard_normal(k))


print("| inputs | W (out x K) | tokens | magnitude | Wanda | SparseGPT | "
      "best: mag / Wanda / SparseGPT |")
print("|---|---|---|---|---|---|---|")
for kind in ("correlated", "outliers"):
    for rows, k, tokens in ((16, 64, 256), (64, 256, 1024)):
        rng = np.random.default_rng(0)
        totals, best = np.zeros(3), np.zeros(3, int)
        for _ in range(args.seeds):
            x = inputs(kind, rng, tokens, k)
            h = x.T @ x
            w = rng.standard_normal((rows, k)).astype(np.float32)
            errors = [sp.output_error(w, v, h) for v in (
                sp.prune(w), sp.wanda(w, np.diag(h))[0],
                sp.sparsegpt(w, h)[0])]
            totals += errors
            best[int(np.argmin(errors))] += 1
        rel = totals / totals[0]
        print(f"| {kind} | {rows}x{k} | {tokens} | 1 | {rel[1]:.3f} | "
              f"{rel[2]:.3f} | {best[0]} / {best[1]} / {best[2]} |")
