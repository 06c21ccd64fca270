"""The one exception the ONNX importer raises for bad or unsupported input."""


class ImportError(ValueError):  # noqa: A001 - sparq.onnx.ImportError by design
    """A model the importer cannot translate. `node` and `op_type` name the
    ONNX node at fault (None for file-level problems) and `hint` says what
    to do; str() holds all three."""

    def __init__(self, message, *, node=None, op_type=None, hint=None):
        self.node = node
        self.op_type = op_type
        self.hint = hint
        where = ""
        if op_type is not None or node is not None:
            where = f"node '{node or '<unnamed>'}'" + \
                (f" ({op_type}): " if op_type else ": ")
        text = where + message
        if hint:
            text += f" ({hint})"
        super().__init__(text)
