"""Shared by the ONNX tests: the four architectures exported by torch with
random weights, and running an imported module on numpy inputs
(Module.compile_cpu)."""
import os

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("SPARQ_BUILD_DIR", os.path.join(ROOT, "build"))


def build_models():
    """name -> (torch module, example input); small sizes keep CI fast."""
    import torch
    import torchvision
    torch.manual_seed(0)
    vit = torchvision.models.VisionTransformer(
        image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=32,
        mlp_dim=64, num_classes=10)
    torch.nn.init.normal_(vit.heads.head.weight, std=0.2)  # zeros by default
    encoder = torch.nn.TransformerEncoder(
        torch.nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64),
        num_layers=2)
    models = {
        "resnet18": (torchvision.models.resnet18(num_classes=10), (1, 3, 32, 32)),
        "mobilenet_v2": (torchvision.models.mobilenet_v2(num_classes=10), (1, 3, 32, 32)),
        "vit": (vit, (1, 3, 32, 32)),
        "transformer_encoder": (encoder, (8, 2, 32)),
    }
    out = {}
    for name, (model, shape) in models.items():
        model.eval()
        out[name] = (model, torch.randn(*shape))
    return out


def export(model, x, path, opset=14, **kwargs):
    import torch
    # Not under no_grad: there torch's attention takes a fast path
    # (_native_multi_head_attention) that its ONNX exporter lacks.
    torch.onnx.export(model, x, path, opset_version=opset,
                      input_names=["input"], output_names=["output"], **kwargs)
    return path


def relative_error(got, ref):
    """max |got - ref| / max |ref| (elementwise ratios blow up near zero)."""
    return float(np.max(np.abs(got.astype(np.float64) - ref)) / np.max(np.abs(ref)))


def run(module, inputs, out_shapes=None):
    """The module's @main on `inputs` (f32 arrays), in process."""
    results = module.compile_cpu("main")(*inputs)
    if not isinstance(results, (list, tuple)):
        results = [results]
    return [np.asarray(r) for r in results]
