"""torchvision's ResNet-18, MobileNetV2 and a small VisionTransformer and
torch's nn.TransformerEncoder, exported to ONNX by torch with random weights,
imported, run on the CPU and compared with torch (f32: max |error| <= 1e-4
of max |output|); then the same models after sparq-quantize, sparq-prune and
sparq-permute-channels run, and their error against f32 is reported."""
import json
import os

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("torchvision")
pytest.importorskip("onnx")

import sparq  # noqa: E402
import sparq.onnx  # noqa: E402
from onnx_models import build_models, export, relative_error, run  # noqa: E402

NAMES = ["resnet18", "mobilenet_v2", "vit", "transformer_encoder"]
# Each pass (and its options) on the imported module; errors against f32.
PASSES = {
    "quantize": "builtin.module(sparq-quantize{convolutions=1},canonicalize)",
    "prune": "builtin.module(sparq-prune,canonicalize)",
    "permute+prune": "builtin.module(sparq-permute-channels{time-budget=0.2},"
                     "sparq-prune,canonicalize)",
}
REPORT = {}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """name -> (onnx path, input, torch output), exported once."""
    folder = tmp_path_factory.mktemp("onnx")
    out = {}
    for name, (model, x) in build_models().items():
        with torch.no_grad():
            ref = model(x).numpy()
        out[name] = (export(model, x, str(folder / f"{name}.onnx")), x.numpy(), ref)
    return out


@pytest.fixture(scope="module")
def imported(exported):
    return {name: sparq.onnx.import_model(path)
            for name, (path, _, _) in exported.items()}


@pytest.fixture(scope="module")
def f32_outputs():
    """name -> the imported f32 model's output (computed once)."""
    return {}


def f32_output(name, exported, imported, cache):
    if name not in cache:
        _, x, ref = exported[name]
        cache[name] = run(imported[name], [x], [ref.shape])[0]
    return cache[name]


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name, exported, imported, f32_outputs):
    _, x, ref = exported[name]
    got = f32_output(name, exported, imported, f32_outputs)
    assert got.shape == ref.shape
    err = relative_error(got, ref)
    REPORT.setdefault(name, {})["f32"] = err
    assert err <= 1e-4, f"{name}: error {err:.3g} against torch"


@pytest.mark.parametrize("name", NAMES)
def test_names_reach_the_passes(name, imported):
    """Every contraction carries its ONNX node's name, as sparq.name (it
    survives printing) and as its location."""
    text = imported[name].to_string()
    names = set(re_names(text))
    assert names, "no sparq.name in the imported module"
    assert all(n.startswith("/") for n in names), names  # torch's node names


def re_names(text):
    import re
    return re.findall(r'sparq\.name = "([^"]*)"', text)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("passes", list(PASSES))
def test_passes_run(name, passes, exported, imported, f32_outputs):
    """The passes transform the imported model and it still runs; the error
    against f32 is recorded for the report (printed at the end)."""
    _, x, ref = exported[name]
    module = sparq.ir.Module.parse(imported[name].to_string())
    f32 = f32_output(name, exported, imported, f32_outputs)
    module.run(PASSES[passes])
    text = module.to_string()
    transformed = text.count("sparq.matmul")
    got = run(module, [x], [ref.shape])[0]
    assert np.isfinite(got).all()
    err = relative_error(got, f32)
    REPORT.setdefault(name, {})[passes] = (err, transformed)
    assert transformed > 0, f"{passes} transformed no contraction of {name}"


def teardown_module(module):
    """Prints (and saves next to the build) the error table."""
    if not REPORT:
        return
    lines = ["", "ONNX models: max|error| / max|output| (sparq.matmul count)"]
    for name, row in REPORT.items():
        cells = [f"{k}={v[0]:.3g} ({v[1]})" if isinstance(v, tuple) else f"{k}={v:.2g}"
                 for k, v in row.items()]
        lines.append(f"  {name}: " + ", ".join(cells))
    print("\n".join(lines))
    build = os.environ.get("SPARQ_BUILD_DIR", os.path.join(
        os.path.dirname(__file__), "..", "..", "build"))
    if os.path.isdir(build):
        with open(os.path.join(build, "onnx-model-errors.json"), "w") as f:
            json.dump(REPORT, f, indent=1)
