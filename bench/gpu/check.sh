#!/usr/bin/env bash
# sparq's Tensor Core kernels on a GPU: correctness against float64 and
# TFLOP/s against cuBLASLt / cuSPARSELt (bench/gpu/run.py), in one run of
# a few minutes.
#
#   bench/gpu/check.sh               build the cubin if sparq-opt is here,
#                                    then run it if a GPU is here
#   bench/gpu/check.sh --build-only  build the cubin only
#   extra arguments go to run.py (e.g. --sizes 4096 --variants dense_fp8)
#
# A GPU machine without MLIR runs a cubin built elsewhere: build here with
# --build-only and bring build/gpu-bench along (SPARQ_GPU_BENCH_DIR moves it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${SPARQ_GPU_BENCH_DIR:-$root/build/gpu-bench}"
chip="${SPARQ_GPU_CHIP:-sm_90a}"
toolkit="${CUDA_HOME:-/usr/local/cuda}"
python="${PYTHON:-python3}"

build_only=0
if [[ "${1:-}" == "--build-only" ]]; then
  build_only=1
  shift
fi

if [[ -x "$root/build/bin/sparq-opt" && -x "$toolkit/bin/ptxas" ]]; then
  mkdir -p "$out"
  "$root/build/bin/sparq-opt" "$here/kernels.mlir" \
    --sparq-gpu-pipeline="chip=$chip format=bin toolkit=$toolkit" \
    -o "$out/kernels.lowered.mlir"
  /usr/bin/python3 "$here/extract_binary.py" "$out/kernels.lowered.mlir" \
    "$out/kernels-$chip.cubin"
  rm "$out/kernels.lowered.mlir"
elif [[ $build_only == 1 ]]; then
  echo "check.sh: --build-only needs build/bin/sparq-opt and $toolkit/bin/ptxas" >&2
  exit 1
fi
[[ $build_only == 1 ]] && exit 0

cubin="$out/kernels-$chip.cubin"
if [[ ! -f "$cubin" ]]; then
  echo "check.sh: no $cubin: build it with --build-only where sparq-opt is" >&2
  exit 1
fi
if ! command -v nvidia-smi > /dev/null || ! nvidia-smi > /dev/null 2>&1; then
  echo "check.sh: no GPU here; $cubin is ready to run on one" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
PYTHONUNBUFFERED=1 exec "$python" "$here/run.py" --cubin "$cubin" "$@"
