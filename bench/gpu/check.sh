#!/usr/bin/env bash
# sparq's Tensor Core kernels on a GPU: correctness against float64 and
# TFLOP/s against cuBLASLt / cuSPARSELt (bench/gpu/run.py), in one run of
# a few minutes; before that, without a GPU, the static analysis of every
# kernel (bench/gpu/static.py: ptxas resources, main-loop instruction mix,
# issue-slot ceiling).
#
#   bench/gpu/check.sh               build the kernels if sparq-opt is here,
#                                    analyze them, then run them if a GPU is
#   bench/gpu/check.sh --build-only  build and analyze only
#   extra arguments go to run.py (e.g. --sizes 4096 --variants dense_fp8)
#
# Built into $out (build/gpu-bench), per chip: kernels-$chip.cubin and .ptx
# (the default kernels: wgmma on sm_90a), kernels-$chip-mma.cubin and .ptx
# (the mma.sync ones, where the pass has kernels=mma), kernels-$chip.json
# (each kernel's arguments and sparq.launch, for run.py) and
# static-$chip.md (static.py's tables).
#
# A GPU machine without MLIR runs kernels built elsewhere: build here with
# --build-only and bring build/gpu-bench along (SPARQ_GPU_BENCH_DIR moves it).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${SPARQ_GPU_BENCH_DIR:-$root/build/gpu-bench}"
chip="${SPARQ_GPU_CHIP:-sm_90a}"
toolkit="${CUDA_HOME:-/usr/local/cuda}"
python="${PYTHON:-python3}"
opt="$root/build/bin/sparq-opt"

build_only=0
if [[ "${1:-}" == "--build-only" ]]; then
  build_only=1
  shift
fi

# build SUFFIX EXTRA_OPTIONS: the cubin and the PTX of kernels.mlir.
build() {
  local suffix=$1 extra=$2 format
  for format in bin isa; do
    "$opt" "$here/kernels.mlir" \
      --sparq-gpu-pipeline="chip=$chip format=$format toolkit=$toolkit$extra" \
      -o "$out/kernels.lowered.mlir" || return 1
    /usr/bin/python3 "$here/extract_binary.py" "$out/kernels.lowered.mlir" \
      "$out/kernels-$chip$suffix.$([[ $format == bin ]] && echo cubin || echo ptx)"
  done
  rm -f "$out/kernels.lowered.mlir"
}

if [[ -x "$opt" && -x "$toolkit/bin/ptxas" ]]; then
  mkdir -p "$out"
  rm -f "$out/kernels-$chip-mma.cubin" "$out/kernels-$chip-mma.ptx"
  build "" ""
  # The kernels as --convert-sparq-to-nvvm writes them: their signatures
  # and sparq.launch attributes.
  "$opt" "$here/kernels.mlir" --convert-sparq-to-nvvm="chip=$chip" \
    -o "$out/kernels-nvvm-$chip.mlir"
  nvvm=("$out/kernels-nvvm-$chip.mlir")
  ptx=("$out/kernels-$chip.ptx")
  # Where the pass can choose (kernels=mma|wgmma), the mma.sync kernels too,
  # so that run.py times both families on the same chip.
  if "$opt" "$here/kernels.mlir" --convert-sparq-to-nvvm="chip=$chip kernels=mma" \
       -o "$out/kernels-nvvm-$chip-mma.mlir" 2> /dev/null \
     && ! cmp -s "$out/kernels-nvvm-$chip.mlir" "$out/kernels-nvvm-$chip-mma.mlir"; then
    if build "-mma" " kernels=mma"; then
      nvvm+=("$out/kernels-nvvm-$chip-mma.mlir")
      ptx+=("$out/kernels-$chip-mma.ptx")
    else
      echo "check.sh: --sparq-gpu-pipeline refused kernels=mma: no mma.sync kernels for $chip" >&2
    fi
  fi
  /usr/bin/python3 "$here/launch_params.py" "${nvvm[@]}" "$out/kernels-$chip.json" \
    --chip "$chip"
  : > "$out/static-$chip.md"
  for p in "${ptx[@]}"; do
    /usr/bin/python3 "$here/static.py" --ptx "$p" --chip "$chip" \
      --launch "$out/kernels-$chip.json" --ptxas "$toolkit/bin/ptxas" \
      --markdown "$out/static.part.md"
    cat "$out/static.part.md" >> "$out/static-$chip.md"
  done
  rm -f "$out/static.part.md"
  echo "check.sh: tables in $out/static-$chip.md"
elif [[ $build_only == 1 ]]; then
  echo "check.sh: --build-only needs build/bin/sparq-opt and $toolkit/bin/ptxas" >&2
  exit 1
fi
[[ $build_only == 1 ]] && exit 0

cubins=("$out/kernels-$chip.cubin")
[[ -f "$out/kernels-$chip-mma.cubin" ]] && cubins+=("$out/kernels-$chip-mma.cubin")
if [[ ! -f "${cubins[0]}" || ! -f "$out/kernels-$chip.json" ]]; then
  echo "check.sh: no ${cubins[0]} or kernels-$chip.json: build them with --build-only where sparq-opt is" >&2
  exit 1
fi
if ! command -v nvidia-smi > /dev/null || ! nvidia-smi > /dev/null 2>&1; then
  echo "check.sh: no GPU here; ${cubins[*]} ready to run on one" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader
PYTHONUNBUFFERED=1 exec "$python" "$here/run.py" \
  --cubin "$(IFS=,; echo "${cubins[*]}")" --launch "$out/kernels-$chip.json" "$@"
