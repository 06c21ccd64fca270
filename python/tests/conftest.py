"""Makes the built package importable: SPARQ_PYTHON_PACKAGES, or the default
build directory next to the sources."""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get(
    "SPARQ_PYTHON_PACKAGES",
    os.path.join(_here, "..", "..", "build", "python_packages")))
