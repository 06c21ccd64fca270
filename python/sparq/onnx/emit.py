"""Writes MLIR text: SSA values with static tensor types, ops in generic form
with a NameLoc per ONNX node, constants (non-splat weights as dense_resource
blobs, never as text) and the module around one function."""
import numpy as np

from .errors import ImportError

# numpy dtype -> MLIR element type. bool is i1; TOSA's integers are signless.
ELEMENT = {np.dtype(np.float32): "f32", np.dtype(np.float16): "f16",
           np.dtype(np.float64): "f64", np.dtype(np.int64): "i64",
           np.dtype(np.int32): "i32", np.dtype(np.int16): "i16",
           np.dtype(np.int8): "i8", np.dtype(np.uint8): "i8",
           np.dtype(np.bool_): "i1"}
FLOATS = (np.dtype(np.float32), np.dtype(np.float16), np.dtype(np.float64))
# Non-splat integer constants up to this size stay literal (shapes, indices).
INT_LITERAL_LIMIT = 64
RESOURCE_ALIGNMENT = 16


class Tensor:
    """A value computed at run time: its SSA name, static shape and dtype."""
    __slots__ = ("ssa", "shape", "dtype")

    def __init__(self, ssa, shape, dtype):
        self.ssa, self.shape, self.dtype = ssa, tuple(int(d) for d in shape), np.dtype(dtype)

    @property
    def rank(self):
        return len(self.shape)

    def __repr__(self):
        return f"Tensor({self.ssa}, {self.shape}, {self.dtype})"


def element(dtype):
    try:
        return ELEMENT[np.dtype(dtype)]
    except KeyError:
        raise ImportError(f"element type {np.dtype(dtype)} is not supported at "
                          "run time", hint="cast the tensor to float32") from None


def ttype(shape, dtype):
    return "tensor<" + "".join(f"{d}x" for d in shape) + element(dtype) + ">"


def type_of(value):
    return ttype(value.shape, value.dtype)


def scalar(value, dtype):
    """An attribute-form scalar: exact for floats (hex bits for non-finite)."""
    dtype = np.dtype(dtype)
    if dtype in FLOATS:
        v = np.asarray(value, dtype=np.float32 if dtype == np.float16 else dtype)
        if not np.isfinite(v):
            bits = v.astype(dtype).view({2: np.uint16, 4: np.uint32, 8: np.uint64}[dtype.itemsize])
            return f"0x{int(bits):X}"
        return repr(float(v))
    if dtype == np.bool_:
        return "true" if value else "false"
    return str(int(value))


def quote(text):
    """An MLIR string literal: quotes, backslashes and control characters
    escaped (\\XX), so that any ONNX name parses."""
    out = []
    for c in text:
        if c in '"\\' or ord(c) < 0x20 or ord(c) == 0x7F:
            out.append("\\%02X" % ord(c))
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


class Emitter:
    """Accumulates the ops of one function body and its resources."""

    def __init__(self):
        self.lines = []
        self.resources = {}     # key -> hex blob
        self._count = 0
        self._consts = {}       # (dtype, shape, bytes) -> Tensor
        self.loc = "loc(unknown)"
        self.name = ""

    def fresh(self):
        self._count += 1
        return f"%v{self._count}"

    def at(self, name):
        """Locates the ops emitted from now on at ONNX node `name`."""
        self.loc = f"loc({quote(name)})"
        self.name = name

    def op(self, name, operands, results, props=None, attrs=None, region=None):
        """Emits `name` in generic form; `results` is a list of (shape,
        dtype). Returns the result Tensors (one Tensor when there is one)."""
        outs = [Tensor(self.fresh(), s, d) for s, d in results]
        lhs = ", ".join(t.ssa for t in outs)
        text = (f"{lhs} = " if outs else "") + f"{quote(name)}("
        text += ", ".join(o.ssa for o in operands) + ")"
        if props:
            text += " <{" + ", ".join(f"{k} = {v}" for k, v in props.items()) + "}>"
        if region:
            text += " (" + region + ")"
        if attrs:
            text += " {" + ", ".join(f"{k} = {v}" for k, v in attrs.items()) + "}"
        text += (" : (" + ", ".join(self.type(o) for o in operands) + ") -> ("
                 + ", ".join(type_of(t) for t in outs) + ") " + self.loc)
        self.lines.append("    " + text)
        return outs[0] if len(outs) == 1 else outs

    @staticmethod
    def type(value):
        return value.type if isinstance(value, Shape) else type_of(value)

    # -- constants -----------------------------------------------------------
    def const(self, array, hint=None):
        """A tosa.const for a numpy array (deduplicated)."""
        array = np.ascontiguousarray(array)
        if array.dtype == np.uint8:
            array = array.astype(np.int8)
        # Only small constants are deduplicated: weights are unique anyway.
        key = (array.dtype.str, array.shape, array.tobytes()) \
            if array.size <= 4096 else None
        if key is not None and key in self._consts:
            return self._consts[key]
        t = ttype(array.shape, array.dtype)
        flat = array.reshape(-1)
        if flat.size and (flat == flat[0]).all() and not (
                array.dtype in FLOATS and np.isnan(flat[0])):
            attr = f"dense<{scalar(flat[0], array.dtype)}> : {t}"
        elif array.dtype == np.bool_ or (array.dtype not in FLOATS
                                          and flat.size <= INT_LITERAL_LIMIT):
            attr = self._literal(array) + f" : {t}"
        else:
            attr = f"dense_resource<{self._resource(array, hint)}> : {t}"
        value = self.op("tosa.const", [], [(array.shape, array.dtype)],
                        props={"values": attr})
        if key is not None:
            self._consts[key] = value
        return value

    @staticmethod
    def _literal(array):
        def nest(a):
            if a.ndim == 0:
                return scalar(a, array.dtype)
            return "[" + ", ".join(nest(x) for x in a) + "]"
        return f"dense<{nest(array)}>"

    def _resource(self, array, hint):
        base = "".join(c if c.isalnum() or c == "_" else "_"
                       for c in (hint or self.name or "cst")).strip("_")
        if not base or base[0].isdigit():
            base = "w_" + base
        key, n = base, 0
        while key in self.resources:
            n += 1
            key = f"{base}_{n}"
        data = array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()
        self.resources[key] = (RESOURCE_ALIGNMENT.to_bytes(4, "little") + data).hex()
        return key

    def shape(self, values):
        """A tosa.const_shape (!tosa.shape<n>) holding `values`."""
        values = [int(v) for v in values]
        s = Shape(self.fresh(), len(values))
        lit = "[" + ", ".join(map(str, values)) + "]" if values else ""
        attr = f"dense<{lit}> : tensor<{len(values)}xindex>" if values else \
            "dense<> : tensor<0xindex>"
        self.lines.append(f'    {s.ssa} = "tosa.const_shape"() <{{values = {attr}}}> '
                          f": () -> {s.type} {self.loc}")
        return s

    # -- module --------------------------------------------------------------
    def module(self, name, args, results):
        """The whole module text: func @name(args) -> results."""
        sig = ", ".join(f"{a.ssa}: {type_of(a)} {loc}" for a, loc in args)
        out = ", ".join(type_of(r) for r in results)
        parts = [f"module {{\n  func.func @{name}({sig}) -> ({out}) {{\n"]
        parts.append("\n".join(self.lines))
        parts.append(f"\n    func.return {', '.join(r.ssa for r in results)} : "
                     f"{out}\n  }}\n}}\n")
        if self.resources:
            parts.append("\n{-#\n  dialect_resources: {\n    builtin: {\n")
            parts.append(",\n".join(f'      {k}: "0x{v}"'
                                    for k, v in self.resources.items()))
            parts.append("\n    }\n  }\n#-}\n")
        return "".join(parts)


class Shape:
    """A !tosa.shape<n> value."""
    __slots__ = ("ssa", "rank")

    def __init__(self, ssa, rank):
        self.ssa, self.rank = ssa, rank

    @property
    def type(self):
        return f"!tosa.shape<{self.rank}>"
