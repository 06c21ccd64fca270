"""Shared by the ONNX tests: the four architectures exported by torch with
random weights, and running an imported module on numpy inputs
(Module.compile_cpu when the package has it, else --sparq-cpu-pipeline and
mlir-runner)."""
import os
import re
import subprocess
import tempfile

import numpy as np

import sparq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
BUILD = os.environ.get("SPARQ_BUILD_DIR", os.path.join(ROOT, "build"))
LLVM = "/usr/lib/llvm-22"


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


def run(module, inputs, out_shapes):
    """The module's @main on `inputs` (f32 arrays); f32 results."""
    if hasattr(module, "compile_cpu"):
        results = module.compile_cpu("main")(*inputs)
        if not isinstance(results, (list, tuple)):
            results = [results]
        return [np.asarray(r) for r in results]
    return _run_with_runner(module, inputs, out_shapes)


def _ttype(shape, element):
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def _wrapper(inputs, out_shapes):
    """@sparq_run: calls @main on constant inputs and prints each result's
    bits as i32 (exact, unlike printMemrefF32's decimals)."""
    lines = ["  func.func private @printMemrefI32(tensor<*xi32>)",
             "  func.func @sparq_run() {"]
    args = []
    for i, a in enumerate(inputs):
        t = _ttype(a.shape, "f32")
        hexed = np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper()
        lines.append(f'    %in{i} = arith.constant dense<"0x{hexed}"> : {t}')
        args.append((f"%in{i}", t))
    outs = ", ".join(f"%o{i}" for i in range(len(out_shapes)))
    types = ", ".join(_ttype(s, "f32") for s in out_shapes)
    lines.append(f"    {outs} = func.call @main({', '.join(a for a, _ in args)}) : "
                 f"({', '.join(t for _, t in args)}) -> ({types})")
    for i, s in enumerate(out_shapes):
        t, ti = _ttype(s, "f32"), _ttype(s, "i32")
        dims = ", ".join(f"d{j}" for j in range(len(s)))
        ident = f"affine_map<({dims}) -> ({dims})>"
        its = ", ".join(['"parallel"'] * len(s))
        lines += [f"    %e{i} = tensor.empty() : {ti}",
                  f"    %b{i} = linalg.generic {{indexing_maps = [{ident}, {ident}], "
                  f"iterator_types = [{its}]}} ins(%o{i} : {t}) outs(%e{i} : {ti}) {{",
                  "    ^bb0(%x: f32, %y: i32):",
                  "      %z = arith.bitcast %x : f32 to i32",
                  "      linalg.yield %z : i32",
                  f"    }} -> {ti}",
                  f"    %u{i} = tensor.cast %b{i} : {ti} to tensor<*xi32>",
                  f"    func.call @printMemrefI32(%u{i}) : (tensor<*xi32>) -> ()"]
    lines += ["    return", "  }"]
    return "\n".join(lines)


def _run_with_runner(module, inputs, out_shapes):
    text = module.to_string()
    end = text.index("\n}\n") if "{-#" not in text else text.rindex("\n}\n", 0, text.index("{-#"))
    text = text[:end] + "\n" + _wrapper(inputs, out_shapes) + text[end:]
    program = sparq.ir.Module.parse(text)
    # math.erf has no LLVM lowering: libm's erff (the runner has libm).
    program.run("builtin.module(convert-math-to-libm,sparq-cpu-pipeline)")
    with tempfile.NamedTemporaryFile("w", suffix=".mlir", delete=False) as f:
        f.write(program.to_string())
        path = f.name
    try:
        libs = ",".join([f"{LLVM}/lib/libmlir_c_runner_utils.so",
                         f"{LLVM}/lib/libmlir_runner_utils.so",
                         os.path.join(BUILD, "lib", "libsparq_runtime.so")])
        done = subprocess.run([f"{LLVM}/bin/mlir-runner", "-e", "sparq_run",
                               "-entry-point-result=void", f"-shared-libs={libs}", path],
                              capture_output=True, text=True, timeout=600)
    finally:
        os.unlink(path)
    assert done.returncode == 0, done.stderr[-2000:]
    results = []
    for part, shape in zip(done.stdout.split("Unranked Memref")[1:], out_shapes):
        data = part.split("data =", 1)[1]
        bits = np.array([int(v) for v in re.findall(r"-?\d+", data)], dtype=np.int64)
        results.append(bits.astype(np.int32).view(np.float32).reshape(shape))
    assert len(results) == len(out_shapes), done.stdout[-2000:]
    return results
