#!/usr/bin/env bash
# Fresh machine to a first result: installs what is missing, builds, and
# takes the bundled MLP (examples/mlp) through the sparq pipeline.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "$root/examples/mlp/run.sh"
