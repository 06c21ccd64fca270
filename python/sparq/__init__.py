"""sparq: FP8 and N:M structured sparsity for MLIR, from Python.

    import sparq
    codes = sparq.fp8.encode(x, "e4m3")                  # numpy -> FP8 codes
    pruned = sparq.sparsity.prune(w, n=2, m=4, axis=0)     # 2:4 magnitude
    perm, stats = sparq.search.permute_channels(w.T)       # Metropolis search
    module = sparq.ir.Module.parse(text)                   # the compiler
    module.run("builtin.module(sparq-quantize,canonicalize)")
    path = sparq.calibrate(module, batches, path="calib.json")  # statistics

Every number these functions compute comes from the same C++ library the
compiler folds constants with, bit for bit.
"""
from . import calibration, fp8, ir, search, sparsity
from .calibration import calibrate

__all__ = ["calibrate", "calibration", "fp8", "ir", "search", "sparsity"]
