"""Runs sparq's Tensor Core kernels (a cubin built by check.sh) on the GPU:
correctness against a float64 reference on random data, then TFLOP/s
against cuBLASLt (torch._scaled_mm, dense FP8) and cuSPARSELt
(torch._cslt_sparse_mm, 2:4) for M = N = K in --sizes, in the same process.

The kernels are launched through the CUDA driver API (ctypes), on PyTorch's
stream and in its (primary) context, with PyTorch tensors as buffers. A
kernel takes, per memref operand, the MLIR descriptor expanded into
(allocated ptr, aligned ptr, offset, sizes..., strides...), then M, N, K.

TFLOP/s count 2 M N K for every product, sparse or dense, so that ratios
compare time to the same result.
"""
import argparse
import ctypes
import math
import sys
import time

import torch

KERNELS = {
    "dense_fp8": "sparq_mm_dense_f8E4M3FN_f8E4M3FN_bf16_ss",
    "sparse_fp8": "sparq_mm_sp8_f8E4M3FN_f8E4M3FN_bf16_ss",
    "sparse_f16": "sparq_mm_sp16_f16_f16_f16_nn",
    "sparse_bf16": "sparq_mm_sp16_bf16_bf16_bf16_nn",
}
# The kernels' block: 4 warps, a 64 x 64 tile of D (KernelIndexing.h).
BLOCK_THREADS, BLOCK_ROWS, BLOCK_COLS = 128, 64, 64
FP8 = torch.float8_e4m3fn


class Driver:
    """The few CUDA driver calls needed to load and launch a cubin."""

    def __init__(self, cubin_path):
        self.cuda = ctypes.CDLL("libcuda.so.1")
        torch.zeros(1, device="cuda")  # PyTorch creates the primary context
        self.check(self.cuda.cuInit(0), "cuInit")
        device = ctypes.c_int()
        self.check(self.cuda.cuDeviceGet(ctypes.byref(device),
                                         torch.cuda.current_device()), "cuDeviceGet")
        context = ctypes.c_void_p()
        self.check(self.cuda.cuDevicePrimaryCtxRetain(ctypes.byref(context), device),
                   "cuDevicePrimaryCtxRetain")
        self.check(self.cuda.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        self.image = ctypes.create_string_buffer(open(cubin_path, "rb").read())
        self.module = ctypes.c_void_p()
        self.check(self.cuda.cuModuleLoadData(ctypes.byref(self.module), self.image),
                   "cuModuleLoadData")
        self.functions = {}

    def check(self, result, what):
        if result != 0:
            name = ctypes.c_char_p()
            self.cuda.cuGetErrorName(result, ctypes.byref(name))
            raise RuntimeError("%s failed: %s" % (what, name.value))

    def function(self, name):
        if name not in self.functions:
            f = ctypes.c_void_p()
            self.check(self.cuda.cuModuleGetFunction(ctypes.byref(f), self.module,
                                                     name.encode()), name)
            self.functions[name] = f
        return self.functions[name]

    def launch(self, name, grid, block, params):
        values = params.values
        array = (ctypes.c_void_p * len(values))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in values])
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        self.check(self.cuda.cuLaunchKernel(
            self.function(name), grid[0], grid[1], grid[2], block, 1, 1, 0,
            stream, array, None), "cuLaunchKernel(%s)" % name)


class Params:
    """A kernel's parameters, in order."""

    def __init__(self):
        self.values = []
        self.keep = []  # tensors that must outlive the launch

    def matrix(self, t):
        """A 2-D row-major tensor as the kernel's [1, rows, cols] memref."""
        assert t.dim() == 2 and t.is_contiguous()
        ptr = ctypes.c_void_p(t.data_ptr())
        rows, cols = t.shape
        self.values += [ptr, ptr, ctypes.c_int64(0)]
        self.values += [ctypes.c_int64(v) for v in (1, rows, cols, rows * cols, cols, 1)]
        self.keep.append(t)
        return self

    def scalar(self, t):
        """A one-element f32 tensor as a rank-0 memref."""
        ptr = ctypes.c_void_p(t.data_ptr())
        self.values += [ptr, ptr, ctypes.c_int64(0)]
        self.keep.append(t)
        return self

    def index(self, *vs):
        self.values += [ctypes.c_int64(v) for v in vs]
        return self


def compress_2to4(a):
    """Prunes `a` (M x K, float) to 2:4 along K by magnitude; returns the
    pruned dense matrix, the kept values (M x K/2) and this project's
    metadata (M x ceil(K/16) uint16 words, one nibble per group of four,
    first kept index in the low two bits), as int16. K: a multiple of 4."""
    m, k = a.shape
    groups = a.view(m, k // 4, 4)
    idx = groups.abs().topk(2, dim=-1).indices.sort(dim=-1).values
    values = groups.gather(-1, idx).reshape(m, k // 2)
    pruned = torch.zeros_like(groups).scatter_(-1, idx, groups.gather(-1, idx)).view(m, k)
    nibbles = idx[..., 0] | (idx[..., 1] << 2)
    # A last, partial word has zero nibbles past the end of the row.
    words_per_row = (k + 15) // 16
    nibbles = torch.nn.functional.pad(nibbles, (0, 4 * words_per_row - k // 4))
    nibbles = nibbles.view(m, words_per_row, 4)
    words = (nibbles[..., 0] | (nibbles[..., 1] << 4) | (nibbles[..., 2] << 8)
             | (nibbles[..., 3] << 12))
    words = torch.where(words >= 32768, words - 65536, words).to(torch.int16)
    return pruned, values.contiguous(), words.contiguous()


def grid_for(m, n):
    return (math.ceil(n / BLOCK_COLS), math.ceil(m / BLOCK_ROWS), 1)


class Problem:
    """Operands of one product and how sparq's kernel and the vendor
    library compute it."""

    def __init__(self, variant, m, n, k, seed, reference=True):
        self.variant, self.m, self.n, self.k = variant, m, n, k
        g = torch.Generator(device="cuda").manual_seed(seed)
        a = torch.randn(m, k, device="cuda", generator=g)
        b = torch.randn(k, n, device="cuda", generator=g)
        self.sparse = variant.startswith("sparse")
        if variant.endswith("fp8"):
            # Quantize with per-tensor scales to the E4M3 range; sparq's
            # scales divide, torch's multiply.
            self.sa = torch.tensor([448.0 / a.abs().max().item()], device="cuda")
            self.sb = torch.tensor([448.0 / b.abs().max().item()], device="cuda")
            if self.sparse:
                a, _, _ = compress_2to4(a)
            self.a = (a * self.sa).to(FP8)
            self.b = (b * self.sb).to(FP8)
            self.out_dtype = torch.bfloat16
            a64 = self.a.double() / self.sa.double()
            b64 = self.b.double() / self.sb.double()
        else:
            dtype = torch.float16 if variant.endswith("f16") else torch.bfloat16
            if self.sparse:
                a, _, _ = compress_2to4(a)
            self.a, self.b = a.to(dtype), b.to(dtype)
            self.out_dtype = dtype
            a64, b64 = self.a.double(), self.b.double()
        if self.sparse:
            _, self.values, self.meta = compress_2to4(self.a.float())
            self.values = self.values.to(self.a.dtype)
        if reference:
            self.reference = a64 @ b64
            # Sum of |a||b| per element: what accumulation error scales with.
            self.magnitude = a64.abs() @ b64.abs()
        del a64, b64
        self.out = torch.empty(m, n, device="cuda", dtype=self.out_dtype)

    def sparq(self, driver):
        p = Params()
        p.matrix(self.values if self.sparse else self.a)
        if self.sparse:
            p.matrix(self.meta)
        p.matrix(self.b)
        if self.variant.endswith("fp8"):
            p.scalar(self.sa).scalar(self.sb)
        p.matrix(self.out).index(self.m, self.n, self.k)
        driver.launch(KERNELS[self.variant], grid_for(self.m, self.n), BLOCK_THREADS, p)
        return self.out

    def vendor(self):
        """cuBLASLt (dense FP8) or cuSPARSELt (2:4); None if unavailable."""
        if self.variant == "dense_fp8":
            bt = self.b.t().contiguous().t()  # column-major, as cuBLASLt wants
            one = lambda s: (1.0 / s).reshape(())
            sa, sb = one(self.sa), one(self.sb)
            def run():
                r = torch._scaled_mm(self.a, bt, scale_a=sa, scale_b=sb,
                                     out_dtype=torch.bfloat16)
                return r[0] if isinstance(r, tuple) else r
            return run, "cuBLASLt torch._scaled_mm"
        # cuSPARSELt: the 2:4 operand compressed once, outside the timing.
        try:
            packed = torch._cslt_compress(self.a)
        except Exception as e:  # noqa: BLE001 - report and go on
            print("  cuSPARSELt compress unavailable for %s: %s" % (self.variant, e))
            return None, None
        kwargs = {}
        if self.variant.endswith("fp8"):
            kwargs["out_dtype"] = torch.bfloat16
            kwargs["alpha"] = (1.0 / (self.sa * self.sb)).float()
        def run():
            return torch._cslt_sparse_mm(packed, self.b, **kwargs)
        try:
            run()
        except Exception as e:  # noqa: BLE001
            print("  cuSPARSELt unavailable for %s: %s" % (self.variant, e))
            return None, None
        return run, "cuSPARSELt torch._cslt_sparse_mm"


def error_bound(p):
    """|D - ref| <= u_out |ref| + (K / k_instr + 1) 2^-14 sum |a||b|: the
    result's rounding (u_out = 2^-8 for bf16, 2^-11 for f16) plus one
    rounding of the accumulator per instruction, taking the FP8 Tensor Cores'
    accumulator as 14 bits (Hopper's FP8 MMA keeps fewer than f32's 24; the
    f16/bf16 ones do better, so this bounds them too)."""
    u_out = 2.0 ** -8 if p.out_dtype == torch.bfloat16 else 2.0 ** -11
    k_instr = 64 if p.variant == "sparse_fp8" else 32
    return u_out * p.reference.abs() + (p.k / k_instr + 1) * 2.0 ** -14 * p.magnitude


def check(driver, variant, m, n, k):
    p = Problem(variant, m, n, k, seed=m + n + k)
    d = p.sparq(driver).double()
    torch.cuda.synchronize()
    err = (d - p.reference).abs()
    bound = error_bound(p)
    worst = (err / bound.clamp_min(1e-300)).max().item()
    rel = (err / p.magnitude.clamp_min(1e-300)).max().item()
    ok = bool(torch.isfinite(d).all()) and worst <= 1.0
    print("  %-12s M=%-5d N=%-5d K=%-5d max |err| / bound = %.3g, max |err| / sum|ab| = %.3g  %s"
          % (variant, m, n, k, worst, rel, "ok" if ok else "FAILED"))
    return ok


def timed(fn, seconds=0.5):
    fn()
    torch.cuda.synchronize()
    start = time.perf_counter()
    fn()
    torch.cuda.synchronize()
    once = max(time.perf_counter() - start, 1e-6)
    reps = max(3, min(200, int(seconds / once)))
    begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    begin.record()
    for _ in range(reps):
        fn()
    end.record()
    torch.cuda.synchronize()
    return begin.elapsed_time(end) / 1e3 / reps


def bench(driver, variant, size):
    p = Problem(variant, size, size, size, seed=size, reference=False)
    flop = 2.0 * size ** 3
    ours = timed(lambda: p.sparq(driver))
    vendor, name = p.vendor()
    line = "  %-12s %5d^3  sparq %7.1f TFLOP/s" % (variant, size, flop / ours / 1e12)
    if vendor is not None:
        theirs = timed(vendor)
        line += "   %s %7.1f TFLOP/s   sparq/vendor = %.3f" % (
            name, flop / theirs / 1e12, theirs / ours)
    print(line, flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cubin", required=True)
    parser.add_argument("--sizes", default="4096,8192")
    parser.add_argument("--variants", default=",".join(KERNELS))
    args = parser.parse_args()
    print("device: %s, torch %s, CUDA %s" % (torch.cuda.get_device_name(),
                                             torch.__version__, torch.version.cuda))
    driver = Driver(args.cubin)
    variants = args.variants.split(",")

    print("correctness against float64 (bound: see error_bound)")
    ok = True
    for variant in variants:
        # Tile multiples, then ragged sizes (predication, padding metadata).
        for m, n, k in [(256, 256, 512), (1000, 520, 4000), (77, 33, 100)]:
            ok &= check(driver, variant, m, n, k)

    print("throughput (same process, same data for both)")
    for size in [int(s) for s in args.sizes.split(",")]:
        for variant in variants:
            bench(driver, variant, size)
    if not ok:
        sys.exit("correctness check FAILED")


if __name__ == "__main__":
    main()
