"""Calibration statistics for the passes (docs/Calibration.md).

    path = sparq.calibrate(module, batches, path="calib.json", hessian=True)
    module.run(f"builtin.module(sparq-prune{{criterion=wanda calibration={path}}})")

calibrate() runs a copy of the module, instrumented by
--sparq-instrument-calibration, on the CPU over the batches and records, for
every named product sparq may transform, the activation's amax, a histogram
of |x|, the per-input-channel sum of squares and optionally X^T X."""
import json
import os
import re
import warnings

import numpy as np

from . import _sparq
from .ir import Module

FORMAT_VERSION = 1
_OUTPUT = re.compile(r"^calibration output (\d+): (.*)$")


def _bin_index(a, bins, top):
    """Bins closed on the right, (b w, (b + 1) w] (bin 0 also takes 0), so
    that doubling the range merges pairs of bins exactly."""
    index = np.ceil(a * (bins / top)).astype(np.int64) - 1
    return np.clip(index, 0, bins - 1)


class _Stats:
    """Running statistics of one product's activation X [rows, K]."""

    def __init__(self, k, bins, hessian):
        self.k = k
        self.samples = 0
        self.amax = 0.0
        self.sumsq = np.zeros(k, np.float64)
        self.hessian = np.zeros((k, k), np.float64) if hessian else None
        self.counts = np.zeros(bins, np.float64)
        # The histogram covers [0, range); it doubles (merging bin pairs)
        # when a batch exceeds it, so counts stay exact at coarser width.
        self.range = 0.0

    def add(self, x):
        x = np.asarray(x, np.float64)
        a = np.abs(x)
        batch_max = float(a.max()) if a.size else 0.0
        self.samples += x.shape[0]
        self.amax = max(self.amax, batch_max)
        self.sumsq += np.einsum("rk,rk->k", x, x)
        if self.hessian is not None:
            self.hessian += x.T @ x
        if batch_max == 0.0:
            self.counts[0] += a.size
            return
        if self.range == 0.0:
            self.range = batch_max
        while batch_max > self.range:
            half = self.counts.reshape(-1, 2).sum(axis=1)
            self.counts = np.concatenate([half, np.zeros_like(half)])
            self.range *= 2
        self.counts += np.bincount(_bin_index(a, len(self.counts),
                                              self.range).ravel(),
                                   minlength=len(self.counts))

    def entry(self):
        hessian = None
        if self.hessian is not None:
            hessian = (self.hessian + self.hessian.T) / 2
        return {"channels": self.k, "samples": self.samples,
                "amax": self.amax,
                "histogram": {"max": self.range if self.range > 0 else self.amax,
                              "counts": self.counts.copy()},
                "sumsq": self.sumsq.copy(), "hessian": hessian}


def _instrument(module, entry):
    copy = Module(_sparq.clone_module(module._handle))
    diagnostics = copy.run("builtin.module(sparq-instrument-calibration"
                           f"{{entry={entry} report=true}})")
    outputs = []
    for severity, _, message in diagnostics:
        match = _OUTPUT.match(message)
        if match:
            outputs.append((int(match.group(1)), match.group(2)))
        elif message.startswith("not recorded:"):
            warnings.warn(f"sparq.calibrate: {message}", RuntimeWarning,
                          stacklevel=3)
    return copy, outputs


def calibrate(module, batches, *, path=None, hessian=False, bins=2048,
              entry="main"):
    """Runs @entry of `module` (a sparq.ir.Module, left unchanged) on every
    batch (a tuple of numpy arrays, one per argument) and gathers, for each
    named product (sparq.name or name location) in @entry's body: amax,
    histogram of |x| (`bins` equal bins, an even number), per-input-channel
    sum of squares and, with hessian=True, X^T X.

    With `path`, writes the JSON file there (Hessians as
    STEM.NAME.hessian.npy next to it, STEM the JSON file's name without
    its extension) and returns the path; otherwise returns a dict
    {name: {"channels", "samples", "amax", "histogram": {"max", "counts"},
    "sumsq", "hessian"}} with numpy arrays. Raises ValueError for a batch of
    the wrong count, dtype or shape, non-finite activations, or a module
    with no named product."""
    if not isinstance(module, Module):
        raise TypeError("calibrate needs a sparq.ir.Module")
    if not isinstance(bins, (int, np.integer)) or bins < 2 or bins % 2:
        raise ValueError(f"bins must be an even integer >= 2, got {bins!r}")
    copy, outputs = _instrument(module, entry)
    if not outputs:
        raise ValueError(f"@{entry} has no named product to calibrate (name "
                         "them with sparq.name or a name location)")
    fn = copy.compile_cpu(entry)
    stats = {}
    count = 0
    for i, batch in enumerate(batches):
        if isinstance(batch, np.ndarray):
            batch = (batch,)
        if not isinstance(batch, (tuple, list)):
            raise ValueError(f"batch {i} must be a tuple of numpy arrays, one "
                             f"per argument of @{entry}; got "
                             f"{type(batch).__name__}")
        try:
            results = fn(*batch)
        except (TypeError, ValueError) as error:
            raise ValueError(f"batch {i} does not fit @{entry} "
                             f"({fn.signature}): {error}") from error
        if not isinstance(results, tuple):
            results = (results,)
        for index, name in outputs:
            x = results[index]
            if not np.all(np.isfinite(x)):
                raise ValueError(f"batch {i}: the activation of '{name}' has "
                                 "non-finite values")
            if name not in stats:
                stats[name] = _Stats(x.shape[1], int(bins), hessian)
            stats[name].add(x)
        count += 1
    if count == 0:
        raise ValueError("calibrate needs at least one batch")
    result = {name: s.entry() for name, s in stats.items()}
    if path is None:
        return result
    write(result, path)
    return path


def _file_stem(name, taken):
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "op"
    candidate, n = stem, 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}.{n}"
    taken.add(candidate)
    return candidate


def write(stats, path):
    """Writes statistics as calibrate() returns them to `path` (JSON) and
    the Hessians next to it as .npy files."""
    directory = os.path.dirname(os.path.abspath(path))
    # Named after the JSON file too: two calibrations in one directory (of
    # models that share an op name) must not overwrite each other's.
    prefix = os.path.splitext(os.path.basename(path))[0] + "."
    ops, taken = {}, set()
    for name, s in stats.items():
        entry = {"channels": int(s["channels"]), "samples": int(s["samples"]),
                 "amax": float(s["amax"]),
                 "histogram": {"max": float(s["histogram"]["max"]),
                               "counts": [float(c) for c in
                                          s["histogram"]["counts"]]},
                 "sumsq": [float(v) for v in s["sumsq"]]}
        if s.get("hessian") is not None:
            file = prefix + _file_stem(name, taken) + ".hessian.npy"
            np.save(os.path.join(directory, file),
                    np.ascontiguousarray(s["hessian"], np.float64))
            entry["hessian"] = file
        ops[name] = entry
    with open(path, "w") as f:
        json.dump({"sparq_calibration": FORMAT_VERSION, "ops": ops}, f)


def load(path):
    """Reads a calibration file into calibrate()'s dict form (Hessians
    loaded from their .npy files)."""
    with open(path) as f:
        data = json.load(f)
    if data.get("sparq_calibration") != FORMAT_VERSION:
        raise ValueError(f"{path} is not a sparq_calibration "
                         f"{FORMAT_VERSION} file")
    directory = os.path.dirname(os.path.abspath(path))
    result = {}
    for name, e in data["ops"].items():
        sumsq = e.get("sumsq")
        if isinstance(sumsq, str):
            sumsq = np.load(os.path.join(directory, sumsq))
        hessian = e.get("hessian")
        if hessian is not None:
            hessian = np.load(os.path.join(directory, hessian))
        hist = e.get("histogram") or {"max": 0.0, "counts": []}
        result[name] = {"channels": e["channels"],
                        "samples": e.get("samples", 0),
                        "amax": e.get("amax"),
                        "histogram": {"max": hist["max"],
                                      "counts": np.asarray(hist["counts"])},
                        "sumsq": None if sumsq is None else np.asarray(sumsq),
                        "hessian": hessian}
    return result
