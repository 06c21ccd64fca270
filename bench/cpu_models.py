#!/usr/bin/env python3
"""Images/s of real networks on the CPU: sparq (--sparq-cpu-pipeline, run in
process by Module.compile_cpu) against Debian's torch on the same machine, in
the same run, with the same number of threads.

    /usr/bin/python3 bench/cpu_models.py [--build build] [--models resnet18,vit]
        [--batch 1] [--seconds 5] [--threads N] [--ir script|onnx]

With --ir onnx the models go through torch.onnx.export and sparq.onnx. By
default the f32 linalg IR is written by this script from torchvision's modules
(random weights; batch norm folded into the convolutions, as inference
does): convolutions as linalg.conv_2d_nchw_fchw, the fully connected and
attention products as linalg.matmul / batch_matmul, the rest as
linalg.generic. The weights are arguments of @main (numpy arrays), not
constants. The script checks sparq's output against torch's before timing.
"""
import argparse
import os
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


class Emitter:
    """Builds one func.func @main over f32 tensors; every weight becomes an
    argument, in the order `params` holds them."""

    def __init__(self):
        self.lines, self.args, self.params, self.count = [], [], [], 0

    def fresh(self):
        self.count += 1
        return f"%v{self.count}"

    @staticmethod
    def ty(shape):
        return "tensor<" + "".join(f"{d}x" for d in shape) + "f32>"

    def param(self, array):
        array = np.ascontiguousarray(array, np.float32)
        name = f"%p{len(self.params)}"
        self.params.append(array)
        self.args.append(f"{name}: {self.ty(array.shape)}")
        return name, array.shape

    def emit(self, line):
        self.lines.append("  " + line)

    def empty(self, shape, fill=None):
        e = self.fresh()
        self.emit(f"{e} = tensor.empty() : {self.ty(shape)}")
        if fill is None:
            return e
        c, f = self.fresh(), self.fresh()
        self.emit(f"{c} = arith.constant {fill} : f32")
        self.emit(f"{f} = linalg.fill ins({c} : f32) outs({e} : {self.ty(shape)}) -> {self.ty(shape)}")
        return f

    def pad(self, x, shape, lo, hi, value="0.0"):
        """Pads the last two dimensions."""
        if not any(lo + hi):
            return x, shape
        out = list(shape[:-2]) + [shape[-2] + lo[0] + hi[0], shape[-1] + lo[1] + hi[1]]
        r, c = self.fresh(), self.fresh()
        zeros = "0, " * (len(shape) - 2)
        self.emit(f"{c} = arith.constant {value} : f32")
        self.emit(f"{r} = tensor.pad {x} low[{zeros}{lo[0]}, {lo[1]}] high[{zeros}{hi[0]}, {hi[1]}] {{")
        self.emit(f"^bb0({', '.join(f'%i{i}: index' for i in range(len(shape)))}):")
        self.emit(f"  tensor.yield {c} : f32")
        self.emit(f"}} : {self.ty(shape)} to {self.ty(out)}")
        return r, out

    def generic(self, inputs, out_shape, maps, iterators, body, init=None):
        """inputs: [(value, shape, map)]; body: lines using %a0.. and %o,
        ending in the yielded value's name."""
        d = ", ".join(f"d{i}" for i in range(len(iterators)))
        maps_text = ", ".join(f"affine_map<({d}) -> ({m})>" for m in maps)
        its = ", ".join(f'"{i}"' for i in iterators)
        init = init or self.empty(out_shape)
        r = self.fresh()
        ins = ", ".join(v for v, _, _ in inputs)
        ins_ty = ", ".join(self.ty(s) for _, s, _ in inputs)
        self.emit(f"{r} = linalg.generic {{indexing_maps = [{maps_text}], iterator_types = [{its}]}}")
        self.emit(f"    ins({ins} : {ins_ty}) outs({init} : {self.ty(out_shape)}) {{")
        self.emit(f"^bb0({', '.join(f'%a{i}: f32' for i in range(len(inputs)))}, %o: f32):")
        *ops, result = body
        for op in ops:
            self.emit("  " + op)
        self.emit(f"  linalg.yield {result} : f32")
        self.emit(f"}} -> {self.ty(out_shape)}")
        return r

    def conv(self, x, shape, weight, bias, stride, padding, relu, residual=None):
        """NCHW convolution + bias (+ residual) (+ relu)."""
        w, wshape = self.param(weight)
        b, _ = self.param(bias)
        xp, pshape = self.pad(x, shape, [padding] * 2, [padding] * 2)
        n, _, h, wd = pshape
        f, _, kh, kw = wshape
        out = [n, f, (h - kh) // stride + 1, (wd - kw) // stride + 1]
        acc = self.empty(out, "0.0")
        c = self.fresh()
        self.emit(f"{c} = linalg.conv_2d_nchw_fchw {{dilations = dense<1> : tensor<2xi64>, "
                  f"strides = dense<{stride}> : tensor<2xi64>}}")
        self.emit(f"    ins({xp}, {w} : {self.ty(pshape)}, {self.ty(wshape)}) "
                  f"outs({acc} : {self.ty(out)}) -> {self.ty(out)}")
        ident = "d0, d1, d2, d3"
        inputs = [(c, out, ident), (b, [f], "d1")]
        body = ["%s = arith.addf %a0, %a1 : f32"]
        if residual is not None:
            inputs.append((residual, out, ident))
            body.append("%t = arith.addf %s, %a2 : f32")
        last = "%t" if residual is not None else "%s"
        if relu:
            body += ["%z = arith.constant 0.0 : f32", f"%u = arith.maximumf {last}, %z : f32"]
            last = "%u"
        r = self.generic(inputs, out, [m for _, _, m in inputs] + [ident],
                         ["parallel"] * 4, body + [last])
        return r, out

    def linear(self, x, shape, weight, bias):
        """x [..., K] @ weight.T + bias, with x 2-D."""
        w, wshape = self.param(np.ascontiguousarray(weight.T))
        b, _ = self.param(bias)
        out = [shape[0], wshape[1]]
        acc = self.empty(out, "0.0")
        m = self.fresh()
        self.emit(f"{m} = linalg.matmul ins({x}, {w} : {self.ty(shape)}, {self.ty(wshape)}) "
                  f"outs({acc} : {self.ty(out)}) -> {self.ty(out)}")
        r = self.generic([(m, out, "d0, d1"), (b, [out[1]], "d1")], out,
                         ["d0, d1", "d1", "d0, d1"], ["parallel"] * 2,
                         ["%s = arith.addf %a0, %a1 : f32", "%s"])
        return r, out

    def module(self, x_shape, result, result_shape):
        head = (f"func.func @main(%x: {self.ty(x_shape)}, " + ", ".join(self.args) +
                f") -> {self.ty(result_shape)} {{")
        return "\n".join([head] + self.lines +
                         [f"  return {result} : {self.ty(result_shape)}", "}"]) + "\n"


def folded_conv(conv, bn):
    """The convolution's weight and bias with inference batch norm folded."""
    w = conv.weight.detach().numpy()
    s = (bn.weight / (bn.running_var + bn.eps).sqrt()).detach().numpy()
    b = (bn.bias - bn.running_mean * bn.weight /
         (bn.running_var + bn.eps).sqrt()).detach().numpy()
    return w * s[:, None, None, None], b


def resnet18_ir(model, batch):
    e = Emitter()
    shape = [batch, 3, 224, 224]
    w, b = folded_conv(model.conv1, model.bn1)
    x, shape = e.conv("%x", shape, w, b, 2, 3, relu=True)
    # 3x3/2 max pool, padding 1 (with -inf).
    xp, pshape = e.pad(x, shape, [1, 1], [1, 1], "0xFF800000")
    out = [batch, shape[1], (pshape[2] - 3) // 2 + 1, (pshape[3] - 3) // 2 + 1]
    init = e.empty(out, "0xFF800000")
    window = e.fresh()
    e.emit(f"{window} = tensor.empty() : tensor<3x3xf32>")
    x = e.fresh()
    e.emit(f"{x} = linalg.pooling_nchw_max {{dilations = dense<1> : tensor<2xi64>, "
           f"strides = dense<2> : tensor<2xi64>}} ins({xp}, {window} : {e.ty(pshape)}, "
           f"tensor<3x3xf32>) outs({init} : {e.ty(out)}) -> {e.ty(out)}")
    shape = out
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        for block in layer:
            stride = block.conv1.stride[0]
            w, b = folded_conv(block.conv1, block.bn1)
            h, hshape = e.conv(x, shape, w, b, stride, 1, relu=True)
            if block.downsample is not None:
                w, b = folded_conv(block.downsample[0], block.downsample[1])
                identity, _ = e.conv(x, shape, w, b, stride, 0, relu=False)
            else:
                identity = x
            w, b = folded_conv(block.conv2, block.bn2)
            x, shape = e.conv(h, hshape, w, b, 1, 1, relu=True, residual=identity)
    # Global average pool, then the classifier.
    pooled = [batch, shape[1]]
    total = e.generic([(x, shape, "d0, d1, d2, d3")], pooled,
                      ["d0, d1, d2, d3", "d0, d1"],
                      ["parallel", "parallel", "reduction", "reduction"],
                      ["%s = arith.addf %a0, %o : f32", "%s"], init=e.empty(pooled, "0.0"))
    inv = f"{1.0 / (shape[2] * shape[3]):.9e}"
    mean = e.generic([(total, pooled, "d0, d1")], pooled, ["d0, d1", "d0, d1"],
                     ["parallel"] * 2,
                     [f"%c = arith.constant {inv} : f32", "%s = arith.mulf %a0, %c : f32", "%s"])
    logits, lshape = e.linear(mean, pooled, model.fc.weight.detach().numpy(),
                              model.fc.bias.detach().numpy())
    return e.module([batch, 3, 224, 224], logits, lshape), e.params


def layer_norm(e, x, shape, norm):
    """Over the last dimension of a 2-D tensor."""
    rows, width = shape
    g, _ = e.param(norm.weight.detach().numpy())
    b, _ = e.param(norm.bias.detach().numpy())
    row, ident, red = [rows], "d0, d1", ["parallel", "reduction"]
    inv = f"{1.0 / width:.9e}"
    total = e.generic([(x, shape, ident)], row, [ident, "d0"], red,
                      ["%s = arith.addf %a0, %o : f32", "%s"], init=e.empty(row, "0.0"))
    mean = e.generic([(total, row, "d0")], row, ["d0", "d0"], ["parallel"],
                     [f"%c = arith.constant {inv} : f32", "%m = arith.mulf %a0, %c : f32", "%m"])
    sq = e.generic([(x, shape, ident), (mean, row, "d0")], row, [ident, "d0", "d0"], red,
                   ["%d = arith.subf %a0, %a1 : f32", "%q = arith.mulf %d, %d : f32",
                    "%s = arith.addf %q, %o : f32", "%s"], init=e.empty(row, "0.0"))
    return e.generic(
        [(x, shape, ident), (mean, row, "d0"), (sq, row, "d0"), (g, [width], "d1"),
         (b, [width], "d1")], shape, [ident, "d0", "d0", "d1", "d1", ident],
        ["parallel"] * 2,
        [f"%c = arith.constant {inv} : f32", f"%eps = arith.constant {norm.eps:.9e} : f32",
         "%v = arith.mulf %a2, %c : f32", "%ve = arith.addf %v, %eps : f32",
         "%r = math.rsqrt %ve : f32", "%d = arith.subf %a0, %a1 : f32",
         "%n = arith.mulf %d, %r : f32", "%gn = arith.mulf %n, %a3 : f32",
         "%y = arith.addf %gn, %a4 : f32", "%y"])


def add(e, a, b, shape):
    ident = ", ".join(f"d{i}" for i in range(len(shape)))
    return e.generic([(a, shape, ident), (b, shape, ident)], shape, [ident] * 3,
                     ["parallel"] * len(shape), ["%s = arith.addf %a0, %a1 : f32", "%s"])


def attention(e, x, shape, mha):
    """nn.MultiheadAttention(x, x, x) of a 2-D (tokens x width) tensor."""
    tokens, width = shape
    heads = mha.num_heads
    d = width // heads
    qkv, _ = e.linear(x, shape, mha.in_proj_weight.detach().numpy(),
                      mha.in_proj_bias.detach().numpy())
    split = e.fresh()
    e.emit(f"{split} = tensor.expand_shape {qkv} [[0], [1, 2, 3]] output_shape "
           f"[{tokens}, 3, {heads}, {d}] : {e.ty([tokens, 3 * width])} into "
           f"{e.ty([tokens, 3, heads, d])}")
    perm_shape = [3, heads, tokens, d]
    perm = e.fresh()
    e.emit(f"{perm} = linalg.transpose ins({split} : {e.ty([tokens, 3, heads, d])}) "
           f"outs({e.empty(perm_shape)} : {e.ty(perm_shape)}) permutation = [1, 2, 0, 3]")
    part = []
    for i in range(3):
        v = e.fresh()
        e.emit(f"{v} = tensor.extract_slice {perm}[{i}, 0, 0, 0] [1, {heads}, {tokens}, {d}] "
               f"[1, 1, 1, 1] : {e.ty(perm_shape)} to {e.ty([heads, tokens, d])}")
        part.append(v)
    q, k, v = part
    hs, ss = [heads, tokens, d], [heads, tokens, tokens]
    scale = f"{1.0 / np.sqrt(d):.9e}"
    # scores[h, i, j] = sum_c q[h, i, c] * k[h, j, c] / sqrt(d)
    scores = e.generic([(q, hs, "d0, d1, d3"), (k, hs, "d0, d2, d3")], ss,
                       ["d0, d1, d3", "d0, d2, d3", "d0, d1, d2"],
                       ["parallel", "parallel", "parallel", "reduction"],
                       ["%p = arith.mulf %a0, %a1 : f32", "%s = arith.addf %o, %p : f32", "%s"],
                       init=e.empty(ss, "0.0"))
    rows = [heads, tokens]
    top = e.generic([(scores, ss, "d0, d1, d2")], rows, ["d0, d1, d2", "d0, d1"],
                    ["parallel", "parallel", "reduction"],
                    ["%m = arith.maximumf %a0, %o : f32", "%m"], init=e.empty(rows, "0xFF800000"))
    exps = e.generic([(scores, ss, "d0, d1, d2"), (top, rows, "d0, d1")], ss,
                     ["d0, d1, d2", "d0, d1", "d0, d1, d2"], ["parallel"] * 3,
                     [f"%c = arith.constant {scale} : f32", "%d = arith.subf %a0, %a1 : f32",
                      "%t = arith.mulf %d, %c : f32", "%ex = math.exp %t : f32", "%ex"])
    sums = e.generic([(exps, ss, "d0, d1, d2")], rows, ["d0, d1, d2", "d0, d1"],
                     ["parallel", "parallel", "reduction"],
                     ["%s = arith.addf %a0, %o : f32", "%s"], init=e.empty(rows, "0.0"))
    probs = e.generic([(exps, ss, "d0, d1, d2"), (sums, rows, "d0, d1")], ss,
                      ["d0, d1, d2", "d0, d1", "d0, d1, d2"], ["parallel"] * 3,
                      ["%p = arith.divf %a0, %a1 : f32", "%p"])
    out = e.fresh()
    e.emit(f"{out} = linalg.batch_matmul ins({probs}, {v} : {e.ty(ss)}, {e.ty(hs)}) "
           f"outs({e.empty(hs, '0.0')} : {e.ty(hs)}) -> {e.ty(hs)}")
    merged_shape = [tokens, heads, d]
    merged = e.fresh()
    e.emit(f"{merged} = linalg.transpose ins({out} : {e.ty(hs)}) outs({e.empty(merged_shape)} "
           f": {e.ty(merged_shape)}) permutation = [1, 0, 2]")
    flat = e.fresh()
    e.emit(f"{flat} = tensor.collapse_shape {merged} [[0], [1, 2]] : "
           f"{e.ty(merged_shape)} into {e.ty(shape)}")
    return e.linear(flat, shape, mha.out_proj.weight.detach().numpy(),
                    mha.out_proj.bias.detach().numpy())[0]


def vit_ir(model, batch):
    if batch != 1:
        raise SystemExit("the ViT IR is written for batch 1")
    e = Emitter()
    width, p = model.hidden_dim, model.patch_size
    grid = 224 // p
    tokens = grid * grid + 1
    conv = model.conv_proj
    x, cshape = e.conv("%x", [1, 3, 224, 224], conv.weight.detach().numpy(),
                       conv.bias.detach().numpy(), p, 0, relu=False)
    flat = e.fresh()
    e.emit(f"{flat} = tensor.collapse_shape {x} [[0, 1], [2, 3]] : {e.ty(cshape)} into "
           f"{e.ty([width, grid * grid])}")
    patches = e.fresh()
    e.emit(f"{patches} = linalg.transpose ins({flat} : {e.ty([width, grid * grid])}) "
           f"outs({e.empty([grid * grid, width])} : {e.ty([grid * grid, width])}) "
           "permutation = [1, 0]")
    cls, _ = e.param(model.class_token.detach().numpy().reshape(1, width))
    shape = [tokens, width]
    seq, seq2 = e.fresh(), e.fresh()
    e.emit(f"{seq} = tensor.insert_slice {cls} into {e.empty(shape)}[0, 0] [1, {width}] [1, 1] "
           f": {e.ty([1, width])} into {e.ty(shape)}")
    e.emit(f"{seq2} = tensor.insert_slice {patches} into {seq}[1, 0] [{grid * grid}, {width}] "
           f"[1, 1] : {e.ty([grid * grid, width])} into {e.ty(shape)}")
    pos, _ = e.param(model.encoder.pos_embedding.detach().numpy().reshape(tokens, width))
    x = add(e, seq2, pos, shape)
    for layer in model.encoder.layers:
        y = attention(e, layer_norm(e, x, shape, layer.ln_1), shape, layer.self_attention)
        x = add(e, y, x, shape)
        y = layer_norm(e, x, shape, layer.ln_2)
        fc1, fc2 = layer.mlp[0], layer.mlp[3]
        h, hshape = e.linear(y, shape, fc1.weight.detach().numpy(), fc1.bias.detach().numpy())
        g = e.generic([(h, hshape, "d0, d1")], hshape, ["d0, d1", "d0, d1"],
                      ["parallel"] * 2,
                      ["%r2 = arith.constant 0.707106781 : f32", "%half = arith.constant 0.5 : f32",
                       "%one = arith.constant 1.0 : f32", "%s = arith.mulf %a0, %r2 : f32",
                       "%f = math.erf %s : f32", "%p = arith.addf %f, %one : f32",
                       "%h = arith.mulf %a0, %half : f32", "%y = arith.mulf %h, %p : f32", "%y"])
        y, _ = e.linear(g, hshape, fc2.weight.detach().numpy(), fc2.bias.detach().numpy())
        x = add(e, x, y, shape)
    x = layer_norm(e, x, shape, model.encoder.ln)
    first = e.fresh()
    e.emit(f"{first} = tensor.extract_slice {x}[0, 0] [1, {width}] [1, 1] : "
           f"{e.ty(shape)} to {e.ty([1, width])}")
    head = model.heads[0]
    logits, lshape = e.linear(first, [1, width], head.weight.detach().numpy(),
                              head.bias.detach().numpy())
    return e.module([1, 3, 224, 224], logits, lshape), e.params


def randomize_batch_norms(model, seed):
    import torch
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def rate(fn, seconds, batch):
    """Images per second of this process's CPU time (user + system), so that
    other processes sharing the cores do not skew the comparison; calls fn
    (after one warm-up) until `seconds` of CPU time have passed."""
    fn()
    calls, start = 0, time.process_time()
    while True:
        fn()
        calls += 1
        elapsed = time.process_time() - start
        if elapsed >= seconds and calls >= 2:
            return calls * batch / elapsed


def bench_model(name, sparq, torch, args):
    import torchvision
    torch.manual_seed(0)
    if name == "resnet18":
        model = torchvision.models.resnet18(weights=None)
        randomize_batch_norms(model, 1)
        build = resnet18_ir
    elif name == "vit":
        # ViT-Tiny's shape (192 wide, 12 layers of 3 heads, patches of 16).
        model = torchvision.models.VisionTransformer(
            image_size=224, patch_size=16, num_layers=12, num_heads=3,
            hidden_dim=192, mlp_dim=768)
        # torchvision zero-initializes the classifier: give it weights so
        # that the comparison with torch means something.
        torch.nn.init.normal_(model.heads.head.weight, std=0.05)
        torch.nn.init.normal_(model.class_token, std=0.5)
        build = vit_ir
    else:
        raise SystemExit(f"unknown model {name}")
    model.eval()
    x = np.random.default_rng(0).standard_normal((args.batch, 3, 224, 224)).astype(np.float32)
    started = time.perf_counter()
    if args.ir == "onnx":
        # torch's ONNX export, through sparq's importer (weights constants).
        import io
        exported = io.BytesIO()
        torch.onnx.export(model, torch.from_numpy(x), exported, opset_version=14)
        module = sparq.onnx.import_model(exported.getvalue())
        params = []
    else:
        text, params = build(model, args.batch)
        module = sparq.ir.Module.parse(text)
    fn = module.compile_cpu()
    compile_s = time.perf_counter() - started

    ours = fn(x, *params)
    with torch.no_grad():
        theirs = model(torch.from_numpy(x)).numpy()
    error = float(np.abs(ours - theirs).max() / np.abs(theirs).max())

    sparq_rate = rate(lambda: fn(x, *params), args.seconds, args.batch)
    tx = torch.from_numpy(x)
    with torch.no_grad():
        torch_rate = rate(lambda: model(tx), args.seconds, args.batch)
    return compile_s, error, sparq_rate, torch_rate


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default="resnet18,vit")
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--ir", choices=("script", "onnx"), default="script",
                        help="write the linalg IR here, or export ONNX and import "
                             "it with sparq.onnx")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch's intra-op threads (sparq's code is single-threaded)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python_packages"))
    import sparq
    import torch
    torch.set_num_threads(args.threads)

    if args.ir == "onnx":
        import sparq.onnx  # noqa: F401 - fails clearly where there is no importer
    source = ("torch's ONNX export imported by sparq.onnx" if args.ir == "onnx" else
              "IR written by this script from the torchvision modules "
              "(conv_2d_nchw_fchw, matmul, generic)")
    print(f"f32, batch {args.batch}, 224x224, torch {torch.__version__} with "
          f"{torch.get_num_threads()} thread(s); {source}; images per second of "
          "process CPU time")
    print(f"{'model':10s} {'compile s':>9s} {'max rel err':>11s} {'sparq img/s':>11s} "
          f"{'torch img/s':>11s} {'torch/sparq':>11s}")
    for name in args.models.split(","):
        compile_s, error, ours, theirs = bench_model(name, sparq, torch, args)
        print(f"{name:10s} {compile_s:9.1f} {error:11.2e} {ours:11.2f} {theirs:11.2f} "
              f"{theirs / ours:11.2f}")


if __name__ == "__main__":
    main()
