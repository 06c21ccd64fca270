"""Folds a sparq op on a constant with the compiler and reads the result
back, to compare the Python numerics with what the compiler computes."""
import re

import numpy as np

import sparq

NUMPY_OF = {"f32": "<f4", "f16": "<f2", "bf16": "<u2", "f8E4M3FN": "u1",
            "f8E5M2": "u1", "i16": "<u2", "i1": "u1"}
MLIR_OF = {"f32": "f32", "f16": "f16", "bf16": "bf16"}


def hex_literal(array):
    return '"0x' + np.ascontiguousarray(array).tobytes().hex().upper() + '"'


def tensor_type(shape, element):
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def fold(body, result_type, result_shape, result_element, **constants):
    """Runs canonicalize on `body` (which uses %name for each constant given as
    name=(array, mlir element type)) and returns the folded result as numpy."""
    lines = []
    for name, (array, element) in constants.items():
        lines.append(f"  %{name} = arith.constant dense<{hex_literal(array)}> : "
                     f"{tensor_type(array.shape, element)}")
    text = (f"func.func @f() -> {result_type} {{\n" + "\n".join(lines) + "\n"
            f"  {body}\n  return %r : {result_type}\n}}\n")
    module = sparq.ir.Module.parse(text)
    module.run("builtin.module(canonicalize)")
    printed = module.to_string(hex_above=0)
    assert "sparq." not in printed, printed
    match = re.search(r'dense<"0x([0-9A-F]*)">', printed)
    if match:
        raw = bytes.fromhex(match.group(1))
    else:
        # A splat or a resource: read the resource blob (minus alignment).
        blob = re.search(r'sparq_folded[0-9_]*: "0x([0-9A-F]*)"', printed)
        assert blob, printed
        raw = bytes.fromhex(blob.group(1))[4:]
    values = np.frombuffer(raw, dtype=NUMPY_OF[result_element])
    count = int(np.prod(result_shape))
    if values.size == 1 and count > 1:
        values = np.full(count, values[0])
    return values.reshape(result_shape)
