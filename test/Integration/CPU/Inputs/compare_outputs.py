#!/usr/bin/env python3
"""Compares printMemrefF32 outputs of an f32 program and its permuted and
pruned variants (see permute-channels.mlir)."""
import re
import sys


def values(path):
    data = open(path).read().split("data =", 1)[1]
    return [float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", data)]


def rel_l2(ref, got):
    num = sum((a - b) ** 2 for a, b in zip(ref, got)) ** 0.5
    return num / sum(a * a for a in ref) ** 0.5


f32, permuted, pruned, permuted_pruned, greedy_pruned = map(values, sys.argv[1:6])
scale = max(abs(v) for v in f32)
worst = max(abs(a - b) for a, b in zip(f32, permuted)) / scale
# printMemref prints six significant digits: beyond that nothing is visible.
print(f"permuted vs f32: largest difference {worst:.2e} of the output scale: "
      + ("same values" if worst <= 1e-5 else "DIFFERENT"))
for name, variant in (("annealed", permuted_pruned), ("greedy", greedy_pruned)):
    plain, better = rel_l2(f32, pruned), rel_l2(f32, variant)
    print(f"2:4 error against f32: plain {plain:.4f}, {name} permutation {better:.4f}: "
          + ("permutation helps" if better < plain else "NO GAIN"))
