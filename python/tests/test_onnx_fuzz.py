"""Property tests: mutated models (truncated or flipped bytes, random field
changes) either import or raise sparq.onnx.ImportError -- never another
exception, never a crash."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import sparq.onnx  # noqa: E402


def seed_model():
    """Conv, BatchNorm, pooling, a shape subgraph, Gemm: many fields to break."""
    rng = np.random.RandomState(1)
    init = [numpy_helper.from_array(rng.randn(*s).astype(np.float32), n) for n, s in
            [("w", (4, 2, 3, 3)), ("cb", (4,)), ("g", (4,)), ("bb", (4,)),
             ("m", (4,)), ("fw", (5, 4))]]
    init.append(numpy_helper.from_array(np.abs(rng.randn(4)).astype(np.float32), "v"))
    init.append(numpy_helper.from_array(np.array([0], np.int64), "zero"))
    nodes = [
        helper.make_node("Conv", ["x", "w", "cb"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c", "g", "bb", "m", "v"], ["n"], name="bn"),
        helper.make_node("Relu", ["n"], ["r"], name="relu"),
        helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2],
                         strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["gap"], name="gap"),
        helper.make_node("Shape", ["gap"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n0"], name="gather"),
        helper.make_node("Constant", [], ["minus1"], name="const",
                         value=numpy_helper.from_array(np.array([-1], np.int64))),
        helper.make_node("Concat", ["n0", "minus1"], ["flat_shape"], name="concat", axis=0),
        helper.make_node("Reshape", ["gap", "flat_shape"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fw"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])], init)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


SEED = seed_model()
BYTES = SEED.SerializeToString()
PROFILE = settings(max_examples=60, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.too_slow])


def imports_or_explains(model):
    try:
        sparq.onnx.import_model(model)
    except sparq.onnx.ImportError as e:
        assert str(e)


def test_seed_imports():
    assert "linalg.conv_2d_nhwc_fhwc" in sparq.onnx.import_model(SEED).to_string()


@PROFILE
@given(st.integers(0, len(BYTES) - 1))
def test_truncated(cut):
    imports_or_explains(BYTES[:cut])


@PROFILE
@given(st.lists(st.tuples(st.integers(0, len(BYTES) - 1), st.integers(0, 255)),
                min_size=1, max_size=8))
def test_flipped_bytes(flips):
    data = bytearray(BYTES)
    for at, value in flips:
        data[at] = value
    imports_or_explains(bytes(data))


def _mutations():
    ints = st.integers(-3, 9)
    ops = st.sampled_from(["Conv", "Relu", "Gemm", "Reshape", "Concat", "Gather",
                           "MaxPool", "Add", "Softmax", "Transpose", "Det", ""])
    return st.lists(st.one_of(
        st.tuples(st.just("op"), st.integers(0, 10), ops),
        st.tuples(st.just("attr"), st.integers(0, 10), ints),
        st.tuples(st.just("input"), st.integers(0, 10), st.sampled_from(
            ["x", "w", "c", "r", "shape", "zero", "nope", ""])),
        st.tuples(st.just("dim"), st.integers(0, 3), ints),
        st.tuples(st.just("dtype"), st.integers(0, 8), st.integers(0, 17)),
        st.tuples(st.just("drop"), st.integers(0, 10), st.just(0)),
    ), min_size=1, max_size=4)


@PROFILE
@given(_mutations())
def test_mutated_fields(mutations):
    model = onnx.ModelProto()
    model.CopyFrom(SEED)
    g = model.graph
    for kind, at, value in mutations:
        if kind == "op" and at < len(g.node):
            g.node[at].op_type = value
        elif kind == "attr" and at < len(g.node) and g.node[at].attribute:
            a = g.node[at].attribute[0]
            if a.ints:
                a.ints[0] = value
            else:
                a.i = value
        elif kind == "input" and at < len(g.node) and g.node[at].input:
            g.node[at].input[0] = value
        elif kind == "dim":
            g.input[0].type.tensor_type.shape.dim[at].dim_value = value
        elif kind == "dtype" and at < len(g.initializer):
            g.initializer[at].data_type = value
        elif kind == "drop" and at < len(g.node):
            del g.node[at]
    imports_or_explains(model)
