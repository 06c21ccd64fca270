"""The sparq compiler: parse, verify, transform and print MLIR modules with
every upstream dialect and pass plus sparq's (what sparq-opt knows)."""
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

    def to_string(self, *, generic=False, hex_above=-1):
        """The module's text; hex_above >= 0 prints constants with more
        elements than that in hex."""
        return _sparq.print_module(self._handle, generic, hex_above)

    def __str__(self):
        return self.to_string()
