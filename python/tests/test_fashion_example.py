"""examples/fashion on a few test images: the committed ONNX models, imported
by sparq and compiled for the CPU, agree with the torch models they were
exported from; the sparse fine-tuned models are 2:4 in the order sparq-prune
groups K, so sparq-prune keeps all of their weights."""
import os
import re
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
from onnx import numpy_helper  # noqa: E402

import sparq  # noqa: E402
import sparq.onnx  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION = os.path.join(HERE, "..", "..", "examples", "fashion")
MODELS = os.environ.get("SPARQ_FASHION_MODELS", os.path.join(FASHION, "models"))
sys.path.insert(0, FASHION)
data = pytest.importorskip("data")
train = pytest.importorskip("train")

if not os.path.isdir(data.ROOT):
    pytest.skip("dataset-fashion-mnist is not installed", allow_module_level=True)

IMAGES = 64


def torch_model(name, path):
    """The train.py model with the weights the ONNX file holds (torch keeps
    parameter names as initializer names)."""
    model = train.MODELS[name]()
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
               for t in onnx.load(path).graph.initializer}
    state = model.state_dict()
    missing = [k for k in state if k not in weights]
    assert not missing, f"{path} lacks initializers {missing}"
    model.load_state_dict({k: weights[k] for k in state})
    return model.eval()


@pytest.fixture(scope="module")
def images():
    x, y = data.load("test")
    return x[:IMAGES], y[:IMAGES]


def test_cnn_f32_agrees_with_torch(images):
    torch.set_num_threads(1)
    path = os.path.join(MODELS, "cnn.onnx")
    x, y = images
    with torch.no_grad():
        ref = torch_model("cnn", path)(torch.from_numpy(x)).numpy()
    module = sparq.onnx.import_model(path, batch=IMAGES)
    got = module.compile_cpu("main")(x)
    assert got.shape == (IMAGES, 10)
    assert np.abs(got - ref).max() <= 1e-4 * np.abs(ref).max()
    assert (got.argmax(1) == ref.argmax(1)).all()
    # A trained model, not a random one.
    assert (got.argmax(1) == y).mean() > 0.75


def onnx_weights(path):
    """Each constant weight of a Conv, Gemm or MatMul as the [out, K] matrix
    sparq's imported program contracts (K of a convolution in (kh, kw, c)
    order: ONNX OIHW becomes OHWI at import)."""
    graph = onnx.load(path).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    out = {}
    for node in graph.node:
        if node.op_type not in ("Conv", "Gemm", "MatMul") or node.input[1] not in init:
            continue
        w = init[node.input[1]]
        if node.op_type == "Conv":
            w = w.transpose(0, 2, 3, 1).reshape(w.shape[0], -1)
        elif node.op_type == "MatMul" or not any(
                a.name == "transB" and a.i for a in node.attribute):
            w = w.T
        out[node.name] = w
    return out


@pytest.mark.parametrize("name", ["cnn", "vit"])
def test_fine_tuned_model_is_2of4_in_sparq_order(name):
    path = os.path.join(MODELS, f"{name}-2of4.onnx")
    weights = {n: w for n, w in onnx_weights(path).items() if w.shape[1] % 4 == 0}
    # Every layer train.py fine-tuned (the CNN's first convolution, K = 9,
    # stays dense).
    assert len(weights) == len(train.prunable(train.MODELS[name]()))
    for node, w in weights.items():
        groups = (w.reshape(w.shape[0], -1, 4) != 0).sum(-1)
        assert groups.max() <= 2, node
    # sparq-prune finds every group already 2:4: it keeps all the magnitude.
    module = sparq.onnx.import_model(path, batch=1)
    remarks = module.run("builtin.module(sparq-prune{report})")
    summary = [m for _, _, m in remarks if m.startswith("sparq-prune:")]
    assert summary, remarks
    pruned = int(re.search(r"(\d+) weights pruned", summary[0]).group(1))
    assert pruned == len(weights), summary[0]
    assert "keep 100.00% of their L1 magnitude" in summary[0], summary[0]
