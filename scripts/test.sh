#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the lit suite, the
# check that every diagnostic is tested, the unit tests (ctest) and the
# Python tests (pytest). Runs every suite even when one
# fails; exits non-zero when any failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SPARQ_BUILD_DIR:-$root/build}

"$root/scripts/install-deps.sh" || exit 1
"$root/scripts/build.sh" || exit 1

. "$root/scripts/suites.sh"

# --show-unsupported: tests skipped for a missing GPU or ptxas are named.
run "lit suite" /usr/lib/llvm-22/bin/lit -sv --show-unsupported "$build/test"
run "diagnostics coverage" /usr/bin/python3 "$root/scripts/check-diagnostics.py"
# The full 2^32 APFloat sweep (label exhaustive-apfloat, ~15 min on 2 idle cores) is opt-in:
#   ctest --test-dir build -L exhaustive-apfloat
run "unit tests (ctest)" ctest --test-dir "$build" -LE exhaustive-apfloat \
  --output-on-failure -j2

run "Python tests (pytest)" env SPARQ_PYTHON_PACKAGES="$build/python_packages" \
  /usr/bin/python3 -m pytest -q -p no:cacheprovider "$root/python/tests"

summarize summary
