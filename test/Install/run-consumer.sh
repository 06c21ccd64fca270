#!/usr/bin/env bash
# Installs the built tree into a scratch prefix, builds the consumer project
# against it with find_package(Sparq), runs it and checks what it folded.
set -euo pipefail
build=$1 src=$2
prefix=$build/install-test
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -G Ninja -S "$src/test/Install/consumer" -B "$build/consumer" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build/consumer" >/dev/null
"$build/consumer/sparq-consumer" | tee /dev/stderr |
  grep -q 'dense<\[4.480000e+02, -3.125000e-01\]> : tensor<2xf8E4M3FN>'
