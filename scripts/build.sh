#!/usr/bin/env bash
# Configures (once) and builds sparq in build/ with Ninja. Incremental.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SPARQ_BUILD_DIR:-$root/build}

if [ ! -f "$build/build.ninja" ]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DMLIR_DIR=/usr/lib/llvm-22/lib/cmake/mlir \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    ${SPARQ_CMAKE_ARGS:-}
fi
# compile_commands.json at the root, for clangd.
ln -sf "$build/compile_commands.json" "$root/compile_commands.json"
cmake --build "$build" ${SPARQ_BUILD_TARGETS:+--target $SPARQ_BUILD_TARGETS}
