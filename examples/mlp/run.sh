#!/usr/bin/env bash
# The bundled example: a 64-128-16 MLP taken through sparq. Its weights are
# 2:4-pruned, FP8-quantized and compressed at compile time, activations are
# scaled dynamically, and both the f32 and the sparq program run on the CPU.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${SPARQ_BUILD_DIR:-$root/build}
opt=$build/bin/sparq-opt
runner=/usr/lib/llvm-22/bin/mlir-runner
libs=/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_runner_utils.so,$build/lib/libsparq_runtime.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run_cpu() { # module.mlir -> printed result
  cat "$1" "$here/driver.mlir" > "$work/with-driver.mlir"
  "$opt" "$work/with-driver.mlir" --sparq-cpu-pipeline |
    "$runner" -e main -entry-point-result=void -shared-libs="$libs"
}

echo "== sparq example: 64-128-16 MLP (examples/mlp)"
count() { grep -c "$1" "$2" || true; }
echo "sparq ops in the program:          $(count 'sparq\.' "$here/mlp_sparq.mlir")"
"$opt" "$here/mlp_sparq.mlir" --canonicalize -o "$work/folded.mlir"
echo "sparq ops after compile-time folds: $(count 'sparq\.' "$work/folded.mlir")"
echo "weights folded to 2:4-encoded E4M3 constants:"
grep -oE 'arith.constant dense[^:]*: tensor<[^>]*>' "$work/folded.mlir" |
  grep -E 'f8E4M3FN|xi16' | sed -E 's/dense(<"0x[0-9A-F]{0,12})[0-9A-F]*"?>?/dense\1...>/; s/^/  /'

echo "running the f32 program and the sparq program on the CPU..."
run_cpu "$here/mlp.mlir" > "$work/f32.out"
run_cpu "$here/mlp_sparq.mlir" > "$work/sparq.out"
/usr/bin/python3 - "$work/f32.out" "$work/sparq.out" <<'PY'
import re, sys
def values(path):
    text = open(path).read()
    return [float(v) for v in re.findall(r"-?[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf", text.split("data =", 1)[1])]
ref, got = values(sys.argv[1]), values(sys.argv[2])
num = sum((a - b) ** 2 for a, b in zip(ref, got)) ** 0.5
den = sum(a * a for a in ref) ** 0.5
print(f"outputs: {len(ref)} values; first row f32  : {[round(v, 3) for v in ref[:6]]}")
print(f"                        first row sparq: {[round(v, 3) for v in got[:6]]}")
print(f"relative L2 error of 2:4 + FP8 (E4M3) against f32: {num / den:.4f}")
PY
