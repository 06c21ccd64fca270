#!/usr/bin/env bash
# Fresh machine to a first result: installs what is missing, builds, and
# runs the main example: a digits classifier trained with numpy and compiled
# by sparq in every form (examples/digits), then the small bundled MLP
# (examples/mlp).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"

# `import sparq` for /usr/bin/python3: a .pth file in the user's site
# directory points at the built package (like an editable install).
site=$(/usr/bin/python3 -m site --user-site)
mkdir -p "$site"
echo "${SPARQ_BUILD_DIR:-$root/build}/python_packages" > "$site/sparq.pth"
echo "sparq: /usr/bin/python3 can now 'import sparq' ($site/sparq.pth)"

/usr/bin/python3 "$root/examples/digits/digits.py" --build "${SPARQ_BUILD_DIR:-$root/build}"
echo
exec "$root/examples/mlp/run.sh"
