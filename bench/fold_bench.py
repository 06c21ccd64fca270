#!/usr/bin/env python3
"""Constant-folding throughput of sparq: quantize + prune + compress of a
4096 x 4096 f32 weight, given as a hex dense literal and as a dense_resource
blob, against parsing alone and against upstream's only FP8 folding
(arith.truncf under mlir-opt --canonicalize), all measured in one run.

    /usr/bin/python3 bench/fold_bench.py [--size 4096] [--build build]

Prints the times MLIR's -mlir-timing reports (parser, canonicalizer), the
fold throughput in GB/s of f32 input, the ratios, and the peak memory of
each process against the input's size.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile

import numpy as np

FOLD = """\
func.func @fold() -> tensor<{n}x{n}xf8E4M3FN, #sparq.nm<2:4, dim = 0>> {{
  %w = arith.constant {literal} : tensor<{n}x{n}xf32>
  %a = sparq.amax %w : tensor<{n}x{n}xf32> -> tensor<f32>
  %s = sparq.scale %a for f8E4M3FN : tensor<f32>
  %p = sparq.prune %w <2:4, dim = 0> : tensor<{n}x{n}xf32>
  %q = sparq.quantize %p, %s : tensor<{n}x{n}xf32>, tensor<f32> -> tensor<{n}x{n}xf8E4M3FN>
  %c = sparq.compress %q : tensor<{n}x{n}xf8E4M3FN> -> tensor<{n}x{n}xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
  return %c : tensor<{n}x{n}xf8E4M3FN, #sparq.nm<2:4, dim = 0>>
}}
"""

PARSE_ONLY = """\
func.func @parse() -> tensor<{n}x{n}xf32> {{
  %w = arith.constant {literal} : tensor<{n}x{n}xf32>
  return %w : tensor<{n}x{n}xf32>
}}
"""

TRUNCF = """\
func.func @truncf() -> tensor<{n}x{n}xf8E4M3FN> {{
  %w = arith.constant {literal} : tensor<{n}x{n}xf32>
  %t = arith.truncf %w : tensor<{n}x{n}xf32> to tensor<{n}x{n}xf8E4M3FN>
  return %t : tensor<{n}x{n}xf8E4M3FN>
}}
"""


def blob_section(raw):
    # A dense_resource blob is its alignment (little-endian u32) then bytes.
    return ("{-#\n  dialect_resources: {\n    builtin: {\n      w: \"0x04000000"
            + raw.hex().upper() + "\"\n    }\n  }\n#-}\n")


def run(tool, path, args):
    """Runs tool in a child, returning (-mlir-timing lines, peak RSS bytes)."""
    probe = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stderr.write(r.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(r.returncode)\n")
    # Large constants are not printed: printing, not folding, would set the
    # peak memory otherwise.
    result = subprocess.run(
        [sys.executable, "-c", probe, tool, path, *args, "-mlir-timing",
         "--mlir-elide-elementsattrs-if-larger=16",
         "--mlir-elide-resource-strings-if-larger=16", "-o", os.devnull],
        capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{tool} failed:\n{result.stderr}")
    return result.stderr, int(result.stdout.strip()) * 1024


def seconds(timing, name):
    """Wall time of the -mlir-timing entry `name` (first match)."""
    for line in timing.splitlines():
        m = re.match(r"\s*([0-9.]+)\s+\(\s*[0-9.]+%\)\s+(.*)$", line)
        if m and m.group(2).strip() == name:
            return float(m.group(1))
    return float("nan")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--build", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "build"))
    args = parser.parse_args()
    n = args.size
    sparq_opt = os.path.join(args.build, "bin", "sparq-opt")
    mlir_opt = "/usr/lib/llvm-22/bin/mlir-opt"
    rng = np.random.default_rng(1)
    raw = rng.standard_t(4, size=(n, n)).astype("<f4").tobytes()
    input_mb = len(raw) / 2**20
    hexlit = 'dense<"0x' + raw.hex().upper() + '">'

    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, template, literal, blob in [
                ("fold-hex", FOLD, hexlit, False),
                ("fold-blob", FOLD, "dense_resource<w>", True),
                ("parse-hex", PARSE_ONLY, hexlit, False),
                ("parse-blob", PARSE_ONLY, "dense_resource<w>", True),
                ("truncf-hex", TRUNCF, hexlit, False)]:
            path = os.path.join(tmp, name + ".mlir")
            with open(path, "w") as f:
                f.write(template.format(n=n, literal=literal))
                if blob:
                    f.write(blob_section(raw))
            files[name] = path

        empty = os.path.join(tmp, "empty.mlir")
        with open(empty, "w") as f:
            f.write("module {}\n")
        _, baseline = run(sparq_opt, empty, [])

        results = {}
        for name, tool in [("parse-hex", sparq_opt), ("parse-blob", sparq_opt),
                           ("fold-hex", sparq_opt), ("fold-blob", sparq_opt),
                           ("truncf-hex", mlir_opt)]:
            timing, peak = run(tool, files[name],
                               [] if name.startswith("parse") else ["--canonicalize"])
            results[name] = (seconds(timing, "Parser"),
                             seconds(timing, "Canonicalizer"), peak)

    print(f"{n}x{n} f32 weight: {input_mb:.0f} MiB of input; quantize (E4M3, "
          "scale from amax) + 2:4 prune + compress folded at compile time\n")
    print(f"peak memory is the process's maximum RSS above an empty module's "
          f"({baseline / 2**20:.0f} MiB: libMLIR and friends)\n")
    print(f"{'run':12s} {'parse s':>8s} {'fold s':>8s} {'fold GB/s':>9s} "
          f"{'peak MiB':>9s} {'peak/input':>10s}")
    for name, (parse, fold, peak) in results.items():
        rate = len(raw) / fold / 1e9 if fold == fold and fold > 0 else float("nan")
        extra = peak - baseline
        print(f"{name:12s} {parse:8.3f} {fold:8.3f} {rate:9.2f} "
              f"{extra / 2**20:9.0f} {extra / len(raw):10.2f}")
    print()
    for src in ("hex", "blob"):
        parse = results[f"parse-{src}"][0]
        fold = results[f"fold-{src}"][1]
        print(f"{src}: the fold takes {fold / parse:.2f}x the time of parsing the "
              f"same constant; extra peak memory over parsing: "
              f"{(results[f'fold-{src}'][2] - results[f'parse-{src}'][2]) / len(raw):.2f}x the input")
    truncf = results["truncf-hex"][1]
    print(f"upstream arith.truncf canonicalization: {truncf:.3f} s "
          f"({results['fold-hex'][1] / truncf:.2f}x sparq's fold time) -- and it "
          "folds nothing unless every value is exact in FP8")


if __name__ == "__main__":
    main()
