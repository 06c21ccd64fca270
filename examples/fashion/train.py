#!/usr/bin/env python3
"""Trains the two Fashion-MNIST models of examples/fashion with Debian's torch
on the CPU and exports them to ONNX (models/*.onnx, opset 17, dynamic batch):

  cnn.onnx       3 convolutions (16, 32, 32 channels, 3x3, max-pooled) + MLP head
  vit.onnx       ViT-style: 7x7 patches (16 tokens), width 64, 2 pre-norm
                 encoder layers (4 heads, GELU MLP 128), mean-pooled, linear head
  cnn-2of4.onnx, vit-2of4.onnx
                 the same after 2:4 sparse fine-tuning: every step the forward
                 uses the weights times the 2:4 mask recomputed from the dense
                 weights (sparq.sparsity.mask), and the gradient goes to the
                 dense weights unchanged (straight-through); exported pruned.

    /usr/bin/python3 examples/fashion/train.py [--build build] [--threads 1]
        [--models cnn,vit] [--epochs cnn=3,vit=2] [--finetune-epochs cnn=2,vit=1]

The masks group K as sparq-prune does on the imported program (a
convolution's K in (kh, kw, c) order), so sparq-prune keeps the fine-tuned
weights as they are. Seeded (torch, numpy): the same torch build and thread
count give the same files. The committed models took 20 minutes (CNN) and
14 minutes (ViT), one thread each, on a 2-core machine shared with other jobs
(models/NAME.json has the seconds). Prints test accuracy (torch) and writes
models/NAME.json with it, the settings and the training time.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import data  # noqa: E402

import torch  # noqa: E402
from torch import nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 3 * 3, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x, weight=None):
        w = weight or (lambda m: m.weight)
        x = F.max_pool2d(F.relu(F.conv2d(x, w(self.conv1), self.conv1.bias, padding=1)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, w(self.conv2), self.conv2.bias, padding=1)), 2)
        x = F.max_pool2d(F.relu(F.conv2d(x, w(self.conv3), self.conv3.bias, padding=1)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(F.linear(x, w(self.fc1), self.fc1.bias))
        return F.linear(x, w(self.fc2), self.fc2.bias)


class Block(nn.Module):
    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x, w):
        b, t, d = x.shape
        h = self.heads
        qkv = F.linear(self.norm1(x), w(self.qkv), self.qkv.bias)
        q, k, v = qkv.reshape(b, t, 3, h, d // h).permute(2, 0, 3, 1, 4)
        att = torch.softmax(q @ k.transpose(-1, -2) * (d // h) ** -0.5, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + F.linear(y, w(self.proj), self.proj.bias)
        y = F.gelu(F.linear(self.norm2(x), w(self.fc1), self.fc1.bias))
        return x + F.linear(y, w(self.fc2), self.fc2.bias)


class ViT(nn.Module):
    def __init__(self, dim=64, depth=2, heads=4, hidden=128, patch=7):
        super().__init__()
        self.patch = nn.Conv2d(1, dim, patch, stride=patch)
        self.pos = nn.Parameter(torch.randn(1, (28 // patch) ** 2, dim) * 0.02)
        self.blocks = nn.ModuleList(Block(dim, heads, hidden) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 10)

    def forward(self, x, weight=None):
        w = weight or (lambda m: m.weight)
        x = F.conv2d(x, w(self.patch), self.patch.bias, stride=self.patch.stride)
        x = x.flatten(2).transpose(1, 2) + self.pos
        for block in self.blocks:
            x = block(x, w)
        return F.linear(self.norm(x).mean(1), w(self.head), self.head.bias)


MODELS = {"cnn": CNN, "vit": ViT}


def contraction_matrix(weight):
    """The weight as sparq's imported program holds it: [out, K] with K in
    (kh, kw, c) order for a convolution (ONNX OIHW -> OHWI at import), so
    that 2:4 groups here are sparq-prune's groups."""
    if weight.dim() == 4:
        return weight.permute(0, 2, 3, 1).reshape(weight.shape[0], -1)
    return weight


def prunable(module):
    """The layers sparq-prune rewrites: constant weights whose K is a multiple
    of 4 (the CNN's first convolution, K = 9, stays dense)."""
    return [m for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))
            and contraction_matrix(m.weight).shape[1] % 4 == 0]


def mask_of(sparq, weight):
    """sparq's 2:4 keep-mask of `weight` along K, in the weight's own layout."""
    with torch.no_grad():
        mat = contraction_matrix(weight).contiguous().numpy()
        m = torch.from_numpy(sparq.sparsity.mask(mat, 2, 4, axis=-1))
        if weight.dim() == 4:
            o, c, kh, kw = weight.shape
            m = m.reshape(o, kh, kw, c).permute(0, 3, 1, 2)
        return m.to(weight.dtype)


def accuracy(model, x, y, weight=None, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            logits = model(torch.from_numpy(x[s:s + batch]), weight)
            correct += int((logits.argmax(1).numpy() == y[s:s + batch]).sum())
    return correct / len(y)


def train(model, x, y, epochs, lr, seed, weight=None, batch=128):
    """AdamW with a cosine learning rate, cross-entropy; `weight(m)` gives the
    weight the forward uses for layer m."""
    rng = np.random.default_rng(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    steps = epochs * math.ceil(len(y) / batch)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps)))
    for epoch in range(epochs):
        model.train()
        started, total = time.time(), 0.0
        order = rng.permutation(len(y))
        for s in range(0, len(y), batch):
            idx = order[s:s + batch]
            loss = F.cross_entropy(model(torch.from_numpy(x[idx]), weight),
                                   torch.from_numpy(y[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"  epoch {epoch + 1}/{epochs}: loss {total / len(y):.4f} "
              f"({time.time() - started:.0f} s)", flush=True)


def export(model, path):
    model.eval()
    x = torch.zeros(1, 1, 28, 28)
    torch.onnx.export(model, (x,), path, opset_version=17,
                      input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "N"}, "logits": {0: "N"}})
    print(f"  wrote {os.path.relpath(path, ROOT)} ({os.path.getsize(path) // 1024} KB)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--out", default=os.path.join(HERE, "models"))
    parser.add_argument("--models", default="cnn,vit")
    parser.add_argument("--threads", type=int, default=1)
    # The settings of the committed models (ViT on half the images: about
    # 10 minutes on one loaded core; more epochs raise accuracy).
    parser.add_argument("--epochs", default="cnn=3,vit=2", help="dense epochs per model")
    parser.add_argument("--finetune-epochs", default="cnn=2,vit=1",
                        help="2:4 fine-tuning epochs per model")
    parser.add_argument("--train-images", default="cnn=60000,vit=30000",
                        help="training images per model (the first N)")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python_packages"))
    import sparq
    import sparq.sparsity  # noqa: F401

    torch.set_num_threads(args.threads)
    def per_model(text):
        return {k: int(v) for k, v in (kv.split("=") for kv in text.split(","))}

    epochs, finetune_epochs = per_model(args.epochs), per_model(args.finetune_epochs)
    train_images = per_model(args.train_images)
    x_all, y_all = data.load("train")
    xt, yt = data.load("test")
    os.makedirs(args.out, exist_ok=True)
    for name in args.models.split(","):
        torch.manual_seed(0)
        model = MODELS[name]()
        n = epochs[name]
        x, y = x_all[:train_images[name]], y_all[:train_images[name]]
        print(f"{name}: {sum(p.numel() for p in model.parameters())} parameters, "
              f"{n} epochs on {len(y)} images, {args.threads} threads", flush=True)
        started = time.time()
        train(model, x, y, n, 2e-3, seed=1)
        dense_s = time.time() - started
        dense = accuracy(model, xt, yt)
        print(f"  test accuracy (torch, f32): {dense:.4f}")
        export(model, os.path.join(args.out, f"{name}.onnx"))

        layers = prunable(model)
        one_shot = accuracy(model, xt, yt, lambda m: m.weight * mask_of(sparq, m.weight)
                            if m in layers else m.weight)
        print(f"  2:4 one-shot magnitude (torch): {one_shot:.4f}; fine-tuning "
              f"{len(layers)} layers {finetune_epochs[name]} epochs", flush=True)

        def sparse(m):
            if m not in layers:
                return m.weight
            # Straight-through: the forward sees w * mask, the dense w gets
            # the gradient of the product unchanged.
            w = m.weight
            return w + (w * mask_of(sparq, w) - w).detach()

        started = time.time()
        train(model, x, y, finetune_epochs[name], 5e-4, seed=2, weight=sparse)
        tuned_s = time.time() - started
        with torch.no_grad():
            for m in layers:
                m.weight.mul_(mask_of(sparq, m.weight))
        tuned = accuracy(model, xt, yt)
        print(f"  test accuracy after 2:4 fine-tuning (torch): {tuned:.4f}")
        export(model, os.path.join(args.out, f"{name}-2of4.onnx"))
        log = {"parameters": sum(p.numel() for p in model.parameters()),
                     "epochs": n, "finetune_epochs": finetune_epochs[name],
                     "train_images": len(y), "threads": args.threads,
                     "torch_accuracy": dense, "torch_one_shot_magnitude": one_shot,
                     "torch_finetuned_2of4": tuned,
                     "train_seconds": round(dense_s), "finetune_seconds": round(tuned_s),
                     "pruned_layers": [n for n, m in model.named_modules() if m in layers],
                     "torch": torch.__version__}
        with open(os.path.join(args.out, f"{name}.json"), "w") as f:
            json.dump(log, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
