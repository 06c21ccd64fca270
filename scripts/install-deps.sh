#!/usr/bin/env bash
# Installs, from Debian's apt only, whatever the build and the tests need and
# this machine lacks. Idempotent: a machine that has everything runs no apt.
set -euo pipefail

packages=(
  cmake ninja-build g++ git
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  libgtest-dev
  zlib1g-dev libzstd-dev libedit-dev libxml2-dev libcurl4-openssl-dev
  python3 python3-dev python3-numpy python3-pytest python3-sklearn pybind11-dev
  # ONNX import and its tests (sparq.onnx), bench/cpu_models.py.
  python3-onnx python3-torch python3-torchvision python3-hypothesis
  # examples/fashion (its pytest reads the test set).
  dataset-fashion-mnist
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "sparq: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
