"""The sparq compiler: parse, verify, transform and print MLIR modules with
every upstream dialect and pass plus sparq's (what sparq-opt knows)."""
import os

from . import _sparq


class MLIRError(Exception):
    """A failed parse, verification or pipeline. `diagnostics` holds
    (severity, location, message) triples; str() shows them all."""

    def __init__(self, what, diagnostics):
        self.diagnostics = list(diagnostics)
        lines = [what] + [f"{loc}: {sev}: {msg}" for sev, loc, msg in self.diagnostics]
        super().__init__("\n".join(lines))


_default_context = None


def default_context():
    global _default_context
    if _default_context is None:
        _default_context = _sparq.Context()
    return _default_context


class Module:
    """An MLIR module (use Module.parse)."""

    def __init__(self, handle):
        self._handle = handle

    @staticmethod
    def parse(text, *, name="<string>", context=None):
        handle, diagnostics = _sparq.parse_module(context or default_context(),
                                                  text, name)
        if handle is None:
            raise MLIRError("cannot parse the module", diagnostics)
        return Module(handle)

    def verify(self):
        ok, diagnostics = _sparq.verify_module(self._handle)
        if not ok:
            raise MLIRError("the module does not verify", diagnostics)

    def run(self, pipeline):
        """Runs a textual pass pipeline, e.g.
        "builtin.module(sparq-prune,sparq-quantize,canonicalize)". Returns the
        remarks and warnings it emitted; raises MLIRError on failure."""
        ok, diagnostics = _sparq.run_pipeline(self._handle, pipeline)
        if not ok:
            raise MLIRError(f"pipeline '{pipeline}' failed", diagnostics)
        return diagnostics

    def compile_gpu(self, *, chip="sm_90a", format="isa", ptx=0,
                    toolkit="/usr/local/cuda", kernels="auto"):
        """The module's sparq.matmul products as Tensor Core kernels for
        `chip` (sm_80, sm_89, sm_90, sm_90a): PTX text (format="isa", a str)
        or a cubin (format="bin", bytes; needs ptxas under `toolkit`).
        `kernels`: "auto" (TMA + wgmma kernels on sm_90a, warp-level
        elsewhere), "mma" (warp-level everywhere) or "wgmma" (sm_90a only).
        The module itself is left unchanged. Raises MLIRError with the
        compiler's diagnostics (e.g. an instruction the chip lacks)."""
        if format not in ("isa", "bin"):
            raise ValueError(f"format must be 'isa' or 'bin', not {format!r}")
        if kernels not in ("auto", "mma", "wgmma"):
            raise ValueError(
                f"kernels must be 'auto', 'mma' or 'wgmma', not {kernels!r}")
        lowered = Module(_sparq.clone_module(self._handle))
        lowered.run(f"sparq-gpu-pipeline{{chip={chip} ptx={ptx} "
                    f"kernels={kernels} format={format} toolkit={toolkit}}}")
        objects = [o for o in _sparq.gpu_objects(lowered._handle)
                   if o[0] == "sparq_kernels"]
        if not objects:
            raise MLIRError("the module has no sparq.matmul to compile", [])
        data = objects[0][3]
        return data.decode() if format == "isa" else data

    def compile_cpu(self, entry="main"):
        """Lowers a copy of the module with --sparq-cpu-pipeline and compiles
        it in process (MLIR's ExecutionEngine, with libsparq_runtime.so
        loaded). Returns a CompiledFunction: call it on numpy arrays, one per
        argument of @entry, to get one array per result (a tuple when there
        are several). @entry takes and returns ranked tensors of f32, f16,
        f64, i1, i8, i16, i32 or i64 (as those numpy dtypes), bf16 (as
        uint16 bit patterns) or f8E4M3FN / f8E5M2 (as uint8 bit patterns).
        Raises ValueError when there is no @entry, TypeError when its
        signature has other types, MLIRError when lowering or JIT
        compilation fails. The module itself is left unchanged."""
        handle, diagnostics = _sparq.compile_cpu(self._handle, entry,
                                                 [runtime_library()])
        if handle is None:
            raise MLIRError(f"cannot compile @{entry} for the CPU",
                            diagnostics)
        return CompiledFunction(handle)

    def to_string(self, *, generic=False, hex_above=-1):
        """The module's text; hex_above >= 0 prints constants with more
        elements than that in hex."""
        return _sparq.print_module(self._handle, generic, hex_above)

    def __str__(self):
        return self.to_string()


class CompiledFunction:
    """A function compiled by Module.compile_cpu. fn(*arrays) checks the
    arrays' count, dtypes and shapes against the signature (TypeError,
    ValueError) and returns the results as new numpy arrays. Holds the
    compiled code alive; independent of the module it came from."""

    def __init__(self, handle):
        self._handle = handle

    @property
    def entry(self):
        return self._handle.entry

    @property
    def signature(self):
        """The entry's tensor signature, as text."""
        return self._handle.signature

    def __call__(self, *arrays):
        return self._handle(*arrays)

    def __repr__(self):
        return f"<sparq CompiledFunction {self.signature}>"


def runtime_library():
    """The path of libsparq_runtime.so: $SPARQ_RUNTIME_LIBRARY, or lib/ of
    the build or install tree this package is in."""
    path = os.environ.get("SPARQ_RUNTIME_LIBRARY") or os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "lib",
        "libsparq_runtime.so")
    path = os.path.normpath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"sparq's runtime library is not at {path}: build the "
            "sparq_runtime target, or set SPARQ_RUNTIME_LIBRARY")
    return path
