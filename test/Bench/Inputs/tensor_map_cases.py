"""Runs tensor_maps.check_rules (run.py's copy of sparqTensorMapCreate's
argument rules) on the cases of test/Runtime/tensor-map-checks.mlir and
prints each case's message, so that both are checked against the same
text."""
import os
import sys

sys.path.insert(0, os.path.join(sys.argv[1], "bench", "gpu"))
import tensor_maps  # noqa: E402

# Arguments: base, element bytes, dims 0-2, byte strides 1-2, box 0-1, swizzle.
BASE = [4096, 1, 256, 64, 1, 256, 16384, 128, 64, 128]
CASES = {
    "valid": {}, "unit_batch": {6: 0}, "unit_row": {3: 1, 5: 0},
    "element_bytes": {1: 4}, "swizzle": {9: 48}, "misaligned": {0: 4104},
    "null": {0: 0}, "empty_dim": {2: 0}, "huge_dim": {3: 2 ** 32 + 1},
    "stride_16": {5: 264}, "stride_big": {4: 2, 6: 2 ** 40},
    "rows_overlap": {1: 2, 5: 256, 7: 64}, "batches_overlap": {4: 2, 6: 256},
    "box_big": {8: 257}, "box_empty": {7: 0}, "box_bytes": {7: 24}, "box_span": {9: 64},
}

for name, changes in CASES.items():
    a = list(BASE)
    for i, v in changes.items():
        a[i] = v
    base, eb, d0, d1, d2, s1, s2, b0, b1, sw = a
    # As the runtime: a unit dimension's stride is the dense one.
    if d1 == 1:
        s1 = (d0 * eb + 15) // 16 * 16
    if d2 == 1:
        s2 = s1 * d1
    try:
        tensor_maps.check_rules(base, eb, [d0, d1, d2], [s1, s2], [b0, b1], sw)
        print("%s: ok" % name)
    except tensor_maps.TensorMapError as e:
        print("%s: %s" % (name, e))
