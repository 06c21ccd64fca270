#!/usr/bin/env python3
"""Compares printMemrefF32 outputs of an f32 program, the program permuted,
permuted and pruned, and with all three passes (see tosa-frontend.mlir)."""
import re
import sys


def values(path):
    data = open(path).read().split("data =", 1)[1]
    return [float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", data)]


def rel_l2(ref, got):
    num = sum((a - b) ** 2 for a, b in zip(ref, got)) ** 0.5
    return num / sum(a * a for a in ref) ** 0.5


f32, permuted, pruned, fp8 = map(values, sys.argv[1:5])
assert len(f32) == len(permuted) == len(pruned) == len(fp8) > 0
scale = max(abs(v) for v in f32)
worst = max(abs(a - b) for a, b in zip(f32, permuted)) / scale
# printMemref prints six significant digits: beyond that nothing is visible.
print(f"permuted vs f32: largest difference {worst:.2e} of the output scale: "
      + ("same values" if worst <= 1e-5 else "DIFFERENT"))
print(f"pruned vs f32: relative error {rel_l2(f32, pruned):.4f}")
print(f"FP8 vs pruned f32: relative error {rel_l2(pruned, fp8):.4f}")
