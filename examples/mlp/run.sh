#!/usr/bin/env bash
# The bundled example: a 64-128-16 MLP in linalg with constant weights
# (mlp.mlir), taken through the sparq pipeline: FP8 quantization, 2:4 pruning,
# both, each compiled for and run on the CPU; prints what was done and the
# error of each variant against the f32 program on the same input.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${SPARQ_BUILD_DIR:-$root/build}
opt=$build/bin/sparq-opt
runner=/usr/lib/llvm-22/bin/mlir-runner
libs=/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_runner_utils.so,$build/lib/libsparq_runtime.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== sparq example: 64-128-16 MLP (examples/mlp/mlp.mlir)"
cat "$here/mlp.mlir" "$here/driver.mlir" > "$work/program.mlir"

# variant name, then sparq-opt passes (empty: the f32 program).
variants=(
  "f32|"
  "fp8-e4m3|--sparq-quantize"
  "fp8-e4m3-per-channel|--sparq-quantize=weight-granularity=channel"
  "2:4|--sparq-prune"
  "2:4+fp8|--sparq-prune --sparq-quantize"
  "permuted-f32|--sparq-permute-channels"
  "permuted+2:4|--sparq-permute-channels --sparq-prune"
  "permuted+2:4+fp8|--sparq-permute-channels --sparq-prune --sparq-quantize"
)
for v in "${variants[@]}"; do
  name=${v%%|*} passes=${v#*|}
  # shellcheck disable=SC2086
  "$opt" "$work/program.mlir" $passes --canonicalize -o "$work/$name.mlir"
  "$opt" "$work/$name.mlir" --sparq-cpu-pipeline |
    "$runner" -e main -entry-point-result=void -shared-libs="$libs" > "$work/$name.out"
done

echo "what the passes did:"
"$opt" "$work/program.mlir" --sparq-permute-channels=report=1 \
  --sparq-prune=report=1 --sparq-quantize=report=1 -o /dev/null 2>&1 |
  grep -E 'remark: (sparq-|permuted)' | sed 's/^.*remark: /  /'
echo "compiled permuted+2:4+fp8 program: $(grep -c 'sparq\.' "$work/permuted+2:4+fp8.mlir") sparq ops left, weights now:"
grep -oE 'arith.constant dense[^:]*: tensor<[^>]*>' "$work/permuted+2:4+fp8.mlir" |
  grep -E 'f8E4M3FN' | sed -E 's/dense(<"0x[0-9A-F]{0,12})[0-9A-F]*"?>?/dense\1...>/; s/^/  /'

/usr/bin/python3 - "$work" "${variants[@]}" <<'PY'
import re, sys
work, variants = sys.argv[1], [v.split("|")[0] for v in sys.argv[2:]]
def values(name):
    text = open(f"{work}/{name}.out").read().split("data =", 1)[1]
    return [float(v) for v in re.findall(r"-?(?:[0-9.]+(?:e[-+]?[0-9]+)?|nan|inf)", text)]
ref = values("f32")
norm = sum(a * a for a in ref) ** 0.5
print(f"ran every variant on the CPU ({len(ref)} outputs each); error against f32:")
for name in variants[1:]:
    got = values(name)
    err = sum((a - b) ** 2 for a, b in zip(ref, got)) ** 0.5 / norm
    print(f"  {name:22s} relative L2 error {err:.4f}")
PY
