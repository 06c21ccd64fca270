#!/usr/bin/env python3
"""Reads three matrices printed by printMemrefF32 (Y, Yq, |X||W|) and checks
||Yq - Y||_F <= (2u + u^2) ||(|X||W|)||_F, printing both sides, and that the
error is at least half the expected rounding noise of quantized operands,
2u sqrt(2 / 24) ||Y||_F (docs/Quantization.md): a product left in f32 has
error 0 and fails."""
import argparse
import math
import re
import sys


def matrices(text):
    out = []
    for block in text.split("Unranked Memref")[1:]:
        data = block.split("data =", 1)[1]
        out.append([float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", data)])
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("output")
    parser.add_argument("--unit-roundoff", type=float, required=True)
    args = parser.parse_args()
    y, yq, bound_base = matrices(open(args.output).read())
    u = args.unit_roundoff
    err = math.sqrt(sum((a - b) ** 2 for a, b in zip(y, yq)))
    ref = math.sqrt(sum(a * a for a in y))
    bound = (2 * u + u * u) * math.sqrt(sum(b * b for b in bound_base))
    floor = 0.5 * 2 * u * math.sqrt(2 / 24) * ref
    ok = floor <= err <= bound
    verdict = "within bound" if ok else "OUT OF BOUND"
    print(f"{verdict}: floor {floor / ref:.5f} <= relative error {err / ref:.5f}"
          f" <= bound {bound / ref:.5f} (absolute {err:.5g} vs {bound:.5g})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
