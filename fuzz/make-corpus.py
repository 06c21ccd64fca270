#!/usr/bin/env python3
"""Seeds for sparq-fuzz from the lit suite.

    fuzz/make-corpus.py OUT_DIR [TEST_DIR]

Every test/**/*.mlir file is split at `// -----` (the -split-input-file
marker) and each chunk, with its comment lines dropped, becomes one seed per
pipeline that is relevant to it: always none and canonicalize, plus the
pipelines of the sparq passes its file's RUN lines name. A seed is the
pipeline's selector byte ('A' + index into kPipelines in sparq-fuzz.cpp)
followed by the chunk.
"""
import hashlib
import os
import re
import sys

# Indices into kPipelines (fuzz/sparq-fuzz.cpp).
ALWAYS = [0, 1]
BY_PASS = {
    "sparq-quantize": [2, 3, 4, 12],
    "sparq-prune": [5, 6, 7, 12],
    "sparq-permute-channels": [8, 9, 12],
    "convert-sparq-to-llvm": [10],
    "sparq-cpu-pipeline": [10, 11],
    "convert-sparq-to-nvvm": [13, 16, 17],
    "sparq-gpu-pipeline": [14, 15],
    "sparq-instrument-calibration": [18],
}
SPLIT = re.compile(r"^// -----\s*$", re.M)


def chunks(text):
    for chunk in SPLIT.split(text):
        lines = [l for l in chunk.splitlines() if not l.lstrip().startswith("//")]
        body = "\n".join(lines).strip()
        if body:
            yield body + "\n"


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    out = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "test")
    os.makedirs(out, exist_ok=True)
    count = 0
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".mlir"):
                continue
            text = open(os.path.join(dirpath, name), encoding="utf-8").read()
            runs = " ".join(re.findall(r"RUN:(.*)", text))
            selectors = set(ALWAYS)
            for pass_name, indices in BY_PASS.items():
                if pass_name in runs:
                    selectors.update(indices)
            for body in chunks(text):
                for s in sorted(selectors):
                    data = (chr(ord("A") + s) + body).encode()
                    digest = hashlib.sha1(data).hexdigest()
                    with open(os.path.join(out, digest), "wb") as f:
                        f.write(data)
                    count += 1
    print(f"sparq-fuzz: {count} seeds in {out}")


if __name__ == "__main__":
    main()
