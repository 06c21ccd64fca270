"""Bad input to the ONNX importer: one sparq.onnx.ImportError (a ValueError)
naming the node, the operator and what to do; the command exits 1 with one
line on stderr and writes no file. Small graphs built with onnx.helper."""
import os
import subprocess

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import sparq.onnx  # noqa: E402
from onnx_models import BUILD  # noqa: E402

TOOL = os.path.join(BUILD, "bin", "sparq-import-onnx")


def small_model(batch=2, op="Relu", dynamic=False):
    """x[batch,4] -> Gemm(W, b) -> op -> y."""
    rng = np.random.RandomState(0)
    w = numpy_helper.from_array(rng.randn(3, 4).astype(np.float32), "W")
    b = numpy_helper.from_array(rng.randn(3).astype(np.float32), "B")
    nodes = [helper.make_node("Gemm", ["x", "W", "B"], ["h"], name="fc", transB=1),
             helper.make_node(op, ["h"], ["y"], name="act")]
    dim = "N" if dynamic else batch
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [dim, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [dim, 3])], [w, b])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])


def test_imports_a_small_model():
    module = sparq.onnx.import_model(small_model())
    text = module.to_string()
    assert 'sparq.name = "fc"' in text
    assert "dense_resource<W>" in text     # weights as blobs, never as text


def test_unsupported_operator_names_node_and_op():
    with pytest.raises(sparq.onnx.ImportError) as info:
        sparq.onnx.import_model(small_model(op="Det"))
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.node, e.op_type) == ("act", "Det")
    assert "act" in str(e) and "Det" in str(e) and "not supported" in str(e)
    assert e.hint


def test_dynamic_dimension_needs_batch():
    with pytest.raises(sparq.onnx.ImportError, match="dynamic dimension 0 .*batch"):
        sparq.onnx.import_model(small_model(dynamic=True))
    module = sparq.onnx.import_model(small_model(dynamic=True), batch=5)
    assert "tensor<5x4xf32>" in module.to_string()


def test_truncated_and_garbage_files(tmp_path):
    data = small_model().SerializeToString()
    for i, blob in enumerate([data[: len(data) // 2], b"\xff" * 64, b""]):
        path = tmp_path / f"bad{i}.onnx"
        path.write_bytes(blob)
        with pytest.raises(sparq.onnx.ImportError):
            sparq.onnx.import_model(str(path))
    with pytest.raises(sparq.onnx.ImportError, match="cannot read"):
        sparq.onnx.import_model(str(tmp_path / "missing.onnx"))


def test_missing_external_data(tmp_path):
    model = small_model()
    path = tmp_path / "ext.onnx"
    onnx.save_model(model, str(path), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="weights.bin",
                    size_threshold=0)
    assert sparq.onnx.import_model(str(path))            # complete: imports
    data = (tmp_path / "weights.bin").read_bytes()
    (tmp_path / "weights.bin").write_bytes(data[:10])
    with pytest.raises(sparq.onnx.ImportError, match="truncated"):
        sparq.onnx.import_model(str(path))
    os.unlink(tmp_path / "weights.bin")
    with pytest.raises(sparq.onnx.ImportError, match="weights.bin"):
        sparq.onnx.import_model(str(path))


def test_runtime_shape_is_named():
    """A Reshape whose shape is a run-time value cannot be static."""
    nodes = [helper.make_node("Reshape", ["x", "s"], ["y"], name="rs")]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4]),
                     helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 2])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    with pytest.raises(sparq.onnx.ImportError, match="rs.*Reshape.*run time"):
        sparq.onnx.import_model(model)


@pytest.mark.skipif(not os.path.exists(TOOL), reason="sparq-import-onnx not built")
def test_command(tmp_path):
    good, bad = tmp_path / "good.onnx", tmp_path / "bad.onnx"
    onnx.save_model(small_model(), str(good))
    onnx.save_model(small_model(op="Det"), str(bad))
    out = tmp_path / "out.mlir"
    done = subprocess.run([TOOL, str(bad), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and not out.exists()
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Det" in lines[0] and "act" in lines[0], done.stderr
    done = subprocess.run([TOOL, str(good), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert 'sparq.name = "fc"' in out.read_text()
    # What the command writes is sparq-opt input; the passes see the names.
    opt = [os.path.join(BUILD, "bin", "sparq-opt"), str(out)]
    done = subprocess.run(opt + ["--sparq-quantize"], capture_output=True, text=True)
    assert done.returncode == 0 and "sparq.matmul" in done.stdout, done.stderr
    done = subprocess.run(opt + ["--sparq-quantize=skip=fc report"], capture_output=True,
                          text=True)
    assert done.returncode == 0 and "sparq.matmul" not in done.stdout, done.stderr
    assert "0 quantized" in done.stderr


def test_command_usage_error(tmp_path):
    if not os.path.exists(TOOL):
        pytest.skip("sparq-import-onnx not built")
    done = subprocess.run([TOOL], capture_output=True, text=True)
    assert done.returncode == 2 and "usage" in done.stderr
