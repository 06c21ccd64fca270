#!/usr/bin/env bash
# Builds sparq with clang-22, AddressSanitizer, UndefinedBehaviorSanitizer and
# libFuzzer coverage in build-sanitize/ (LLVM and MLIR stay Debian's
# uninstrumented libraries), then runs, all under the sanitizers:
#   * the lit suite (every test; mlir-runner preloads the ASan runtime),
#   * the unit tests, without the 2^32-input sweeps (exhaustive-apfloat and
#     FP8Exhaustive.AllFiniteF32, hours under ASan),
#   * a libFuzzer run of fuzz/sparq-fuzz seeded from test/ (60 s, fixed
#     libFuzzer seed, fresh corpus: reproducible from machine to machine).
# Runs every step; exits non-zero when any failed.
#
#   scripts/sanitize.sh                 everything above
#   scripts/sanitize.sh build           only configure and build
#   scripts/sanitize.sh fuzz [SECONDS]  build, then only fuzz (default 600 s)
#
# Environment: SPARQ_SANITIZE_BUILD_DIR (default build-sanitize),
# SPARQ_FUZZ_SECONDS (the fuzzing time of a full run, default 60),
# SPARQ_JOBS (build parallelism, default 2).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SPARQ_SANITIZE_BUILD_DIR:-$root/build-sanitize}
mode=${1:-all}

"$root/scripts/install-deps.sh" || exit 1
# clang and its sanitizer and libFuzzer runtimes, from Debian's apt.
missing=()
for p in clang-22 libclang-rt-22-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  echo "sparq: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && \
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" || exit 1
fi

if [ ! -f "$build/build.ninja" ]; then
  # -O1 with line tables: readable reports at a fraction of -O2's build time.
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    "-DSPARQ_SANITIZE=address;undefined" -DSPARQ_ENABLE_FUZZER=ON || exit 1
fi
# Not the Python extension: /usr/bin/python3 cannot load ASan code.
cmake --build "$build" --parallel "${SPARQ_JOBS:-2}" \
  --target sparq-test-depends sparq-unittests sparq-fuzz || exit 1
[ "$mode" = build ] && exit 0

export ASAN_OPTIONS=abort_on_error=1:print_stacktrace=1
export UBSAN_OPTIONS=abort_on_error=1:print_stacktrace=1

# fuzz SECONDS CORPUS [LIBFUZZER FLAGS...]
fuzz() {
  local seconds=$1 dir=$build/fuzz corpus=$build/fuzz/$2
  shift 2
  rm -rf "$dir/seeds"
  /usr/bin/python3 "$root/fuzz/make-corpus.py" "$dir/seeds" "$root/test" >/dev/null &&
    mkdir -p "$corpus" "$dir/crashes" &&
    # One input may fold a 2^28-element constant; the limits stop only
    # runaways. Crashes land in $dir/crashes; new inputs in $corpus.
    "$build/bin/sparq-fuzz" -max_total_time="$seconds" \
      -dict="$root/fuzz/sparq.dict" -max_len=4096 -timeout=30 \
      -rss_limit_mb=4096 -print_final_stats=1 "$@" \
      -artifact_prefix="$dir/crashes/" "$corpus" "$dir/seeds"
}

# Exploration: a random seed, a corpus that grows from run to run.
if [ "$mode" = fuzz ]; then
  fuzz "${2:-600}" corpus
  exit
fi

. "$root/scripts/suites.sh"

run "lit suite (ASan+UBSan)" /usr/lib/llvm-22/bin/lit -sv "$build/test"
run "unit tests (ASan+UBSan)" env \
  GTEST_FILTER=-FP8Exhaustive.AllFiniteF32 \
  ctest --test-dir "$build" -R '^Sparq' -LE exhaustive-apfloat \
  --output-on-failure -j2
# The gate: a fixed seed from the seeds alone, so that a slower machine runs
# a prefix of what a faster one ran, and a crash found here reproduces.
rm -rf "$build/fuzz/gate-corpus"
run "fuzzing (${SPARQ_FUZZ_SECONDS:-60} s, seed 1)" \
  fuzz "${SPARQ_FUZZ_SECONDS:-60}" gate-corpus -seed=1

summarize "summary (sanitizers)"
