#!/usr/bin/env python3
"""Relative L2 error of printMemrefF32 outputs against a reference output:
    relative_errors.py REF NAME=OUT...  prints 'NAME: relative error E'."""
import re
import sys


def values(path):
    data = open(path).read().split("data =", 1)[1]
    return [float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", data)]


ref = values(sys.argv[1])
norm = sum(a * a for a in ref) ** 0.5
for arg in sys.argv[2:]:
    name, path = arg.split("=", 1)
    got = values(path)
    err = sum((a - b) ** 2 for a, b in zip(ref, got)) ** 0.5 / norm
    print(f"{name}: relative error {err:.4f}")
