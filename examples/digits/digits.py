#!/usr/bin/env python3
"""A real model end to end: an MLP (64-256-256-10) trained with numpy on the
handwritten digits of scikit-learn's data directory, compiled by sparq in
several forms (f32, FP8 post-training quantization, 2:4 pruning, channel
permutation, 2:4 sparse fine-tuning, all together) and run on the CPU; writes
the test-set accuracy of each compiled program to RESULTS.md.

    /usr/bin/python3 examples/digits/digits.py [--build build] [--epochs 40]

Every accuracy comes from running the compiled program (--sparq-cpu-pipeline,
run in process by Module.compile_cpu); numpy only trains and reads the logits.
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
DIGITS = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz"
SIZES = (64, 256, 256, 10)


def load_digits():
    with gzip.open(DIGITS, "rt") as f:
        data = np.loadtxt(f, delimiter=",")
    x = (data[:, :-1] / 16.0).astype(np.float32)
    y = data[:, -1].astype(np.int64)
    order = np.random.default_rng(0).permutation(len(y))
    test = order[:360]
    train = order[360:]
    return x[train], y[train], x[test], y[test]


def init_params(rng):
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        w = rng.standard_normal((fan_in, fan_out)).astype(np.float32) * np.sqrt(2.0 / fan_in)
        params.append([w, np.zeros(fan_out, np.float32)])
    return params


def forward(params, x, mask_fn=None):
    """Returns the activations; mask_fn(w) gives the weight the forward uses."""
    acts = [x]
    for i, (w, b) in enumerate(params):
        w_used = mask_fn(w) if mask_fn else w
        z = acts[-1] @ w_used + b
        acts.append(np.maximum(z, 0) if i + 1 < len(params) else z)
    return acts


def train(params, x, y, epochs, lr, rng, mask_fn=None):
    """SGD with momentum on softmax cross-entropy. With mask_fn, the forward
    and backward products use mask_fn(w) -- the 2:4 mask recomputed from the
    dense weights at every step -- and the update goes to the dense weights
    (straight-through), as in sparse training."""
    velocity = [[np.zeros_like(w), np.zeros_like(b)] for w, b in params]
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y), 64):
            idx = order[start:start + 64]
            acts = forward(params, x[idx], mask_fn)
            logits = acts[-1]
            p = np.exp(logits - logits.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            grad = p
            grad[np.arange(len(idx)), y[idx]] -= 1
            grad /= len(idx)
            for i in reversed(range(len(params))):
                w, b = params[i]
                w_used = mask_fn(w) if mask_fn else w
                gw = acts[i].T @ grad
                gb = grad.sum(0)
                if i:
                    grad = (grad @ w_used.T) * (acts[i] > 0)
                for j, g in enumerate((gw, gb)):
                    velocity[i][j] = 0.9 * velocity[i][j] - lr * g
                    params[i][j] += velocity[i][j]
    return params


def accuracy_numpy(params, x, y, mask_fn=None):
    return float((forward(params, x, mask_fn)[-1].argmax(1) == y).mean())


def hex_dense(a):
    return '"0x' + np.ascontiguousarray(a, dtype="<f4").tobytes().hex().upper() + '"'


def emit(params, batch):
    """The MLP in linalg on tensors with constant weights: @mlp maps a batch
    of images to logits."""
    lines = ["#id = affine_map<(d0, d1) -> (d0, d1)>",
             "#bias = affine_map<(d0, d1) -> (d1)>",
             f"func.func @mlp(%x: tensor<{batch}x{SIZES[0]}xf32>) -> tensor<{batch}x{SIZES[-1]}xf32> {{",
             "  %zero = arith.constant 0.0 : f32"]
    act = "%x"
    for i, (w, b) in enumerate(params):
        k, n = w.shape
        last = i + 1 == len(params)
        lines += [
            f"  %w{i} = arith.constant dense<{hex_dense(w)}> : tensor<{k}x{n}xf32>",
            f"  %b{i} = arith.constant dense<{hex_dense(b)}> : tensor<{n}xf32>",
            f"  %e{i} = tensor.empty() : tensor<{batch}x{n}xf32>",
            f"  %f{i} = linalg.fill ins(%zero : f32) outs(%e{i} : tensor<{batch}x{n}xf32>) -> tensor<{batch}x{n}xf32>",
            f"  %m{i} = linalg.matmul {{sparq.name = \"fc{i + 1}\"}} ins({act}, %w{i} : tensor<{batch}x{k}xf32>, tensor<{k}x{n}xf32>)",
            f"      outs(%f{i} : tensor<{batch}x{n}xf32>) -> tensor<{batch}x{n}xf32>",
            f"  %h{i} = linalg.generic {{indexing_maps = [#id, #bias, #id], iterator_types = [\"parallel\", \"parallel\"]}}",
            f"      ins(%m{i}, %b{i} : tensor<{batch}x{n}xf32>, tensor<{n}xf32>) outs(%e{i} : tensor<{batch}x{n}xf32>) {{",
            "  ^bb0(%v: f32, %c: f32, %o: f32):",
            "    %s = arith.addf %v, %c : f32"]
        if last:
            lines.append("    linalg.yield %s : f32")
        else:
            lines += ["    %r = arith.maximumf %s, %zero : f32", "    linalg.yield %r : f32"]
        lines.append(f"  }} -> tensor<{batch}x{n}xf32>")
        act = f"%h{i}"
    lines += [f"  return {act} : tensor<{batch}x{SIZES[-1]}xf32>", "}"]
    return "\n".join(lines) + "\n"


def run_compiled(sparq, text, pipeline, x):
    """Compiles `text` with `pipeline` through the sparq Python API, lowers it
    with --sparq-cpu-pipeline and runs @mlp in process on `x`; returns the
    logits and the remarks the passes emitted."""
    module = sparq.ir.Module.parse(text)
    remarks = module.run(f"builtin.module({pipeline})") if pipeline else []
    module.run("builtin.module(canonicalize)")
    return module.compile_cpu("mlp")(x), remarks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--finetune-epochs", type=int, default=10)
    parser.add_argument("--results", default=os.path.join(HERE, "RESULTS.md"))
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build, "python_packages"))
    import sparq

    started = time.time()
    x_train, y_train, x_test, y_test = load_digits()
    rng = np.random.default_rng(1)
    print(f"digits: {len(y_train)} training and {len(y_test)} test images, "
          f"MLP {'-'.join(map(str, SIZES))}; training {args.epochs} epochs (numpy)")
    dense = train(init_params(rng), x_train, y_train, args.epochs, 0.05, rng)

    # Sparse fine-tuning: the 2:4 mask (along K, each weight's rows) is
    # recomputed from the dense weights at every step with sparq's own prune.
    prune24 = lambda w: sparq.sparsity.prune(w, 2, 4, axis=0)
    tuned = train([[w.copy(), b.copy()] for w, b in dense], x_train, y_train,
                  args.finetune_epochs, 0.01, rng, mask_fn=prune24)
    tuned_pruned = [[prune24(w), b] for w, b in tuned]

    variants = [
        ("f32", dense, ""),
        ("FP8 E4M3 PTQ, per-tensor scales", dense, "sparq-quantize"),
        ("FP8 E4M3 PTQ, per-channel weight scales", dense,
         "sparq-quantize{weight-granularity=channel}"),
        ("2:4 pruned", dense, "sparq-prune"),
        ("2:4 + channel permutation", dense, "sparq-permute-channels,sparq-prune"),
        (f"2:4 after {args.finetune_epochs} epochs of sparse fine-tuning",
         tuned_pruned, "sparq-prune"),
        ("FP8 + 2:4 + channel permutation", dense,
         "sparq-permute-channels,sparq-prune,sparq-quantize"),
        ("FP8 + 2:4, sparse fine-tuned", tuned_pruned,
         "sparq-prune,sparq-quantize"),
    ]
    rows = []
    reference = None
    for name, params, pipeline in variants:
        logits, _ = run_compiled(sparq, emit(params, len(y_test)), pipeline,
                                 x_test)
        acc = float((logits.argmax(1) == y_test).mean())
        if reference is None:
            reference = logits
        err = np.linalg.norm(logits - reference) / np.linalg.norm(reference)
        rows.append((name, pipeline or "(none)", acc, err))
        print(f"  {name:48s} accuracy {acc * 100:6.2f}%   logits vs f32 {err:.4f}")

    with open(args.results, "w") as f:
        f.write("# Digits MLP through sparq: test-set accuracy of the compiled programs\n\n")
        f.write("Generated by `examples/digits/digits.py` (run by `scripts/setup.sh`); "
                f"MLP {'-'.join(map(str, SIZES))} trained {args.epochs} epochs with numpy on "
                f"{len(y_train)} images of scikit-learn's digits, tested on {len(y_test)}. "
                "Each row is the program sparq compiled with the passes shown, run on the "
                "CPU (`--sparq-cpu-pipeline`, in process with `Module.compile_cpu`). Sparse fine-tuning recomputes the "
                "2:4 mask from the dense weights at every step (sparq.sparsity.prune) and "
                "updates the dense weights.\n\n")
        f.write("| variant | sparq passes | accuracy | logits vs f32 (rel. L2) |\n|---|---|---|---|\n")
        for name, pipeline, acc, err in rows:
            f.write(f"| {name} | `{pipeline}` | {acc * 100:.2f}% | {err:.4f} |\n")
    print(f"wrote {args.results} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
