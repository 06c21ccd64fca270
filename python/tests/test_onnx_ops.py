"""Operators beyond the four architectures' (the issue's neighbours and the
forms the converters special-case), each a tiny torch module exported to
ONNX, imported, run and compared with torch."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnx")

import sparq.onnx  # noqa: E402
from onnx_models import export, relative_error, run  # noqa: E402

nn = torch.nn
F = torch.nn.functional


class Lambda(nn.Module):
    def __init__(self, fn, *layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)
        self.fn = fn

    def forward(self, x):
        return self.fn(x, *self.layers)


def bn():
    m = nn.BatchNorm2d(3)
    m.running_mean.uniform_(-1, 1)
    m.running_var.uniform_(0.5, 2)
    m.weight.data.uniform_(0.5, 2)
    return m


CASES = {
    # name: (module, input shape, opset, export kwargs)
    "avgpool_pad_ceil": (nn.AvgPool2d(3, 2, 1, ceil_mode=True), (1, 3, 9, 9), 14),
    "avgpool_count_pad": (nn.AvgPool2d(3, 2, 1, count_include_pad=True), (1, 3, 8, 8), 14),
    "maxpool_ceil": (nn.MaxPool2d(3, 2, ceil_mode=True), (1, 3, 10, 10), 14),
    "batchnorm": (Lambda(lambda x, b: b(x), bn()), (2, 3, 5, 5), 14,
                  {"do_constant_folding": False}),
    "sigmoid_tanh_pow_sqrt": (Lambda(lambda x: torch.sigmoid(x) * torch.tanh(x)
                                     + torch.sqrt(x.abs() + 1) - x ** 3), (2, 7), 14),
    "reduce_mean_sub": (Lambda(lambda x: x - x.mean(dim=(1, 2), keepdim=True)
                               + x.mean(dim=-1).sum()), (2, 3, 4), 13),
    "split_squeeze_cast": (Lambda(lambda x: sum(a.squeeze(1) for a in x.split([1, 1, 2], 1)[:2])
                                  * x.split([1, 1, 2], 1)[2].sum(1)
                                  + x.int().float().sum(1)), (2, 4, 3), 13),
    "unsqueeze_transpose_slice": (Lambda(lambda x: x.unsqueeze(0).transpose(1, 3)[..., 1:, ::2]
                                         .flip(-1)), (2, 3, 5), 14),
    "gather_indices": (Lambda(lambda x: x[:, torch.tensor([2, 0, 2])] + x[:, 1:2]), (2, 4, 3), 13),
    "depthwise_multiplier": (nn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3), (1, 3, 7, 7), 14),
    "grouped_conv1d": (nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (1, 4, 9), 14),
    "dilated_conv": (nn.Conv2d(3, 4, 3, padding=2, dilation=2, stride=2), (1, 3, 8, 8), 14),
    "layernorm_opset17": (nn.LayerNorm(8), (2, 3, 8), 17),
    "softmax_opset11": (Lambda(lambda x: F.softmax(x, dim=1) + F.log_softmax(x, -1)), (2, 5, 3), 11),
    "pad_where_leaky_hardswish": (Lambda(lambda x: F.pad(torch.where(x > 0, F.leaky_relu(x, 0.1),
                                                                     F.hardswish(x)), (1, 2))),
                                  (2, 3, 4), 14),
    "gelu_erf": (nn.GELU(), (3, 17), 14),
    "matmul_broadcast": (Lambda(lambda x: torch.matmul(x, x.transpose(-1, -2)[:1])
                                + torch.matmul(x[0, 0], x[0].transpose(0, 1))), (2, 3, 4), 14),
}


@pytest.mark.parametrize("name", list(CASES))
def test_operator(name, tmp_path):
    module, shape, opset, *kwargs = CASES[name]
    torch.manual_seed(hash(name) % 1000)
    module.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        ref = module(x).numpy()
    path = export(module, x, str(tmp_path / f"{name}.onnx"), opset=opset,
                  **(kwargs[0] if kwargs else {}))
    imported = sparq.onnx.import_model(path)
    got = run(imported, [x.numpy()], [ref.shape])[0]
    assert got.shape == ref.shape
    err = relative_error(got, ref)
    assert err <= 1e-5, f"{name}: error {err:.3g}"


def test_batch_for_a_dynamic_export(tmp_path):
    """A model exported with a dynamic batch imports at the batch asked for."""
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(64, 5)).eval()
    path = export(model, torch.randn(1, 3, 6, 6), str(tmp_path / "dyn.onnx"),
                  dynamic_axes={"input": {0: "n"}, "output": {0: "n"}})
    with pytest.raises(sparq.onnx.ImportError, match="batch"):
        sparq.onnx.import_model(path)
    x = torch.randn(3, 3, 6, 6)
    got = run(sparq.onnx.import_model(path, batch=3), [x.numpy()], [(3, 5)])[0]
    with torch.no_grad():
        assert relative_error(got, model(x).numpy()) <= 1e-5
    assert np.isfinite(got).all()
