"""Runs sparq's Tensor Core kernels (a cubin built by check.sh) on the GPU:
correctness against a float64 reference on random data, then TFLOP/s
against cuBLASLt (torch._scaled_mm, dense FP8) and cuSPARSELt
(torch._cslt_sparse_mm, 2:4) for M = N = K in --sizes, in the same process.

Two kernel families: the mma.sync ones (`sparq_mm_*`, every chip; 128
threads, 64 x 64 tiles) and the sm_90a wgmma ones (`sparq_wg_*`, variants
named `wg_*` here), whose launch -- threads, tile, dynamic shared memory and
TMA tensor maps -- comes from the kernel's `sparq.launch` attribute through
kernels-<chip>.json (bench/gpu/launch_params.py).

The kernels are launched through the CUDA driver API (ctypes), on PyTorch's
stream and in its (primary) context, with PyTorch tensors as buffers. A
kernel takes, per memref operand, the MLIR descriptor expanded into
(allocated ptr, aligned ptr, offset, sizes..., strides...), then M, N, K; a
wgmma kernel first takes one device pointer per tensor map. Its B operand is
read K-major (N x K), as cuBLASLt's is: both transposes (`b.t().contiguous()`)
and the tensor maps are made once per problem, outside the timed region.

TFLOP/s count 2 M N K for every product, sparse or dense, so that ratios
compare time to the same result.

--dry-run builds every kernel's parameters, grid and tensor maps on the CPU
and prints them, checked against the kernel signatures in the JSON, without
CUDA (what a machine without a GPU can check).
"""
import argparse
import ctypes
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tensor_maps  # noqa: E402

KERNELS = {
    "dense_fp8": "sparq_mm_dense_f8E4M3FN_f8E4M3FN_bf16_ss",
    "sparse_fp8": "sparq_mm_sp8_f8E4M3FN_f8E4M3FN_bf16_ss",
    "sparse_f16": "sparq_mm_sp16_f16_f16_f16_nn",
    "sparse_bf16": "sparq_mm_sp16_bf16_bf16_bf16_nn",
}
# The sm_90a wgmma kernel of each variant: KernelSpec::name() with the
# "sparq_mm_" prefix replaced (MmaKernel.cpp).
WG_PREFIX = "wg_"
for _v in list(KERNELS):
    KERNELS[WG_PREFIX + _v] = KERNELS[_v].replace("sparq_mm_", "sparq_wg_", 1)
# The mma.sync kernels' block: 4 warps, a 64 x 64 tile of D
# (KernelIndexing.h); they carry no sparq.launch attribute.
MMA_LAUNCH = {"threads": 128, "block_rows": 64, "block_cols": 64,
              "dynamic_shared_memory": 0, "tensor_maps": []}
# None before PyTorch 2.1: then only --dry-run works, on byte stand-ins.
FP8 = getattr(torch, "float8_e4m3fn", None)
# Shared memory a kernel gets without opting in (cuFuncSetAttribute).
DEFAULT_SHARED_BYTES = 48 * 1024
CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8


class Driver:
    """The few CUDA driver calls needed to load and launch a cubin."""

    def __init__(self, cubin_paths):
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
        # One module per cubin (e.g. the wgmma and the mma.sync kernels).
        self.images, self.modules = [], []
        for path in cubin_paths:
            self.images.append(ctypes.create_string_buffer(open(path, "rb").read()))
            module = ctypes.c_void_p()
            self.check(self.cuda.cuModuleLoadData(ctypes.byref(module), self.images[-1]),
                       "cuModuleLoadData(%s)" % path)
            self.modules.append(module)
        self.functions = {}
        self.opted_in = {}
        self.runtime = None  # use_runtime

    def check(self, result, what):
        if result != 0:
            name = ctypes.c_char_p()
            self.cuda.cuGetErrorName(result, ctypes.byref(name))
            raise RuntimeError("%s failed: %s" % (what, name.value))

    def lookup(self, name):
        """The kernel of this name in the first module that has it."""
        if name not in self.functions:
            for module in self.modules:
                f = ctypes.c_void_p()
                if self.cuda.cuModuleGetFunction(ctypes.byref(f), module,
                                                 name.encode()) == 0:
                    self.functions[name] = f
                    break
        return self.functions.get(name)

    def has(self, name):
        return self.lookup(name) is not None

    def function(self, name):
        f = self.lookup(name)
        if f is None:
            raise RuntimeError("no kernel %s in the cubins" % name)
        return f

    def use_runtime(self, path):
        """Build tensor maps with libsparq_cuda_runtime's sparqTensorMapCreate
        (what compiled programs call) instead of encoding them here."""
        self.runtime = ctypes.CDLL(path)
        self.runtime.sparqTensorMapCreate.restype = ctypes.c_void_p
        self.runtime.sparqTensorMapCreate.argtypes = (
            [ctypes.c_void_p] + [ctypes.c_int64] * 9 + [ctypes.c_void_p])
        self.runtime.sparqTensorMapDestroy.argtypes = [ctypes.c_void_p, ctypes.c_void_p]

    def tensor_map(self, spec):
        """A device copy of the tensor map `spec` describes."""
        if self.runtime is None:
            return tensor_maps.to_device(torch, tensor_maps.encode(self.cuda, spec))
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        address = self.runtime.sparqTensorMapCreate(
            spec.address, spec.element_bytes, *spec.dims, *spec.strides, *spec.box,
            spec.swizzle, stream)
        return RuntimeMap(self.runtime, address, stream)

    def launch(self, name, grid, block, params, shared_bytes=0):
        values = params.values
        array = (ctypes.c_void_p * len(values))(
            *[ctypes.cast(ctypes.pointer(v), ctypes.c_void_p) for v in values])
        stream = ctypes.c_void_p(torch.cuda.current_stream().cuda_stream)
        f = self.function(name)
        # Above 48 KB a kernel must opt in to its dynamic shared memory.
        if shared_bytes > DEFAULT_SHARED_BYTES and self.opted_in.get(name, 0) < shared_bytes:
            self.check(self.cuda.cuFuncSetAttribute(
                f, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared_bytes),
                "cuFuncSetAttribute(%s, %d bytes of dynamic shared memory)"
                % (name, shared_bytes))
            self.opted_in[name] = shared_bytes
        self.check(self.cuda.cuLaunchKernel(
            f, grid[0], grid[1], grid[2], block, 1, 1, shared_bytes,
            stream, array, None), "cuLaunchKernel(%s)" % name)


class RuntimeMap:
    """A tensor map of sparqTensorMapCreate, freed (on its stream) with the
    object."""

    def __init__(self, runtime, address, stream):
        self.runtime, self.address, self.stream = runtime, address, stream

    def data_ptr(self):
        return self.address

    def __del__(self):
        self.runtime.sparqTensorMapDestroy(ctypes.c_void_p(self.address), self.stream)


class Params:
    """A kernel's parameters, in order, and the argument kinds they stand
    for (checked against the kernel's signature)."""

    def __init__(self):
        self.values = []
        self.kinds = []  # ("ptr",), ("memref", rank) or ("index",)
        self.keep = []  # tensors that must outlive the launch

    def pointer(self, t):
        """A device buffer's address (a tensor map)."""
        self.values.append(ctypes.c_void_p(t.data_ptr()))
        self.kinds.append(("ptr",))
        self.keep.append(t)
        return self

    def matrix(self, t):
        """A 2-D row-major tensor as the kernel's [1, rows, cols] memref."""
        assert t.dim() == 2 and t.is_contiguous()
        ptr = ctypes.c_void_p(t.data_ptr())
        rows, cols = t.shape
        self.values += [ptr, ptr, ctypes.c_int64(0)]
        self.values += [ctypes.c_int64(v) for v in (1, rows, cols, rows * cols, cols, 1)]
        self.kinds.append(("memref", 3))
        self.keep.append(t)
        return self

    def scalar(self, t):
        """A one-element f32 tensor as a rank-0 memref."""
        ptr = ctypes.c_void_p(t.data_ptr())
        self.values += [ptr, ptr, ctypes.c_int64(0)]
        self.kinds.append(("memref", 0))
        self.keep.append(t)
        return self

    def index(self, *vs):
        self.values += [ctypes.c_int64(v) for v in vs]
        self.kinds += [("index",)] * len(vs)
        return self

    def check_signature(self, name, args):
        """The parameters match the gpu.func's arguments (launch_params.py's
        "args"): a wrong order or count would read garbage on the GPU."""
        expected = [(a["kind"], a["rank"]) if a["kind"] == "memref" else (a["kind"],)
                    for a in args]
        if expected != self.kinds:
            raise RuntimeError("%s: parameters %s do not match the kernel's arguments %s"
                               % (name, self.kinds, expected))
        values = sum(3 + 2 * k[1] if k[0] == "memref" else 1 for k in expected)
        assert values == len(self.values), (values, len(self.values))


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


def to_fp8(x):
    if FP8 is not None:
        return x.to(FP8)
    # A byte-sized stand-in (dry runs: only shapes and addresses matter).
    return x.round().clamp(-127, 127).to(torch.int8)


def grid_for(launch, rows, cols, batch=1):
    return (math.ceil(cols / launch["block_cols"]), math.ceil(rows / launch["block_rows"]),
            batch)


class Problem:
    """Operands of one product and how sparq's kernel and the vendor
    library compute it."""

    def __init__(self, variant, m, n, k, seed, reference=True, device="cuda"):
        self.wg = variant.startswith(WG_PREFIX)
        self.variant = variant[len(WG_PREFIX):] if self.wg else variant
        self.m, self.n, self.k = m, n, k
        g = torch.Generator(device=device).manual_seed(seed)
        a = torch.randn(m, k, device=device, generator=g)
        b = torch.randn(k, n, device=device, generator=g)
        self.sparse = self.variant.startswith("sparse")
        if self.variant.endswith("fp8"):
            # Quantize with per-tensor scales to the E4M3 range; sparq's
            # scales divide, torch's multiply.
            self.sa = torch.tensor([448.0 / a.abs().max().item()], device=device)
            self.sb = torch.tensor([448.0 / b.abs().max().item()], device=device)
            if self.sparse:
                a, _, _ = compress_2to4(a)
            self.a = to_fp8(a * self.sa)
            self.b = to_fp8(b * self.sb)
            self.out_dtype = torch.bfloat16
            a64 = self.a.double() / self.sa.double()
            b64 = self.b.double() / self.sb.double()
        else:
            dtype = torch.float16 if self.variant.endswith("f16") else torch.bfloat16
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
        self.out = torch.empty(m, n, device=device, dtype=self.out_dtype)
        self.maps = None
        self.checked = False  # parameters checked against the signature

    def map_specs(self, launch):
        """The wgmma kernel's tensor maps, in argument order: "a" the
        instruction's A (rows x stored K), "b" its B K-major (N x K, B^T),
        "a_meta" the metadata words (rows x ceil(K/16))."""
        operands = {"a": self.values if self.sparse else self.a,
                    # K-major B: transposed once, outside the timed region.
                    "b": self.b.t().contiguous(),
                    "a_meta": self.meta if self.sparse else None}
        specs, keep = [], []
        for m in launch["tensor_maps"]:
            t = operands.get(m["operand"])
            if t is None:
                raise RuntimeError("%s: no operand %r for a tensor map"
                                   % (self.variant, m["operand"]))
            t, row_bytes = tensor_maps.tma_operand(torch, t, m["element_bytes"])
            keep.append(t)
            specs.append(tensor_maps.MapSpec(
                m["operand"], t.data_ptr(), m["element_bytes"], t.shape[0], t.shape[1],
                row_bytes, m["box"], m["swizzle"]))
        return specs, keep

    def params(self, launch, make_map):
        """The kernel's parameters; `make_map(spec)` gives a tensor map's
        device buffer (None: the mma.sync kernel's operands)."""
        p = Params()
        if self.wg:
            if self.maps is None:
                specs, keep = self.map_specs(launch)
                self.maps = ([make_map(s) for s in specs], specs, keep)
            for t in self.maps[0]:
                p.pointer(t)
            p.keep += self.maps[2]
            # The metadata words are read by the consumers from global
            # memory, not through a tensor map.
            if self.sparse:
                p.matrix(self.meta)
        else:
            p.matrix(self.values if self.sparse else self.a)
            if self.sparse:
                p.matrix(self.meta)
            p.matrix(self.b)
        if self.variant.endswith("fp8"):
            p.scalar(self.sa).scalar(self.sb)
        p.matrix(self.out).index(self.m, self.n, self.k)
        return p

    def sparq(self, driver, kernel, launch):
        p = self.params(launch, driver.tensor_map)
        driver.launch(kernel, grid_for(launch, self.m, self.n), launch["threads"], p,
                      launch["dynamic_shared_memory"])
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


class Kernels:
    """Kernel names and launches by variant: the mma.sync ones' fixed
    launch, the wgmma ones' from kernels-<chip>.json."""

    def __init__(self, launch_json):
        self.table = json.load(open(launch_json))["kernels"] if launch_json else {}

    def launch(self, variant):
        name = KERNELS[variant]
        entry = self.table.get(name)
        if variant.startswith(WG_PREFIX):
            if not entry or not entry.get("launch"):
                raise KeyError("%s: no sparq.launch for %s in the launch JSON" % (variant, name))
            return name, entry["launch"], entry["args"]
        return name, MMA_LAUNCH, entry["args"] if entry else None

    def available(self):
        """The variants the JSON has a kernel for (all mma.sync ones
        without a JSON)."""
        if not self.table:
            return [v for v in KERNELS if not v.startswith(WG_PREFIX)]
        return [v for v in KERNELS if KERNELS[v] in self.table
                and (not v.startswith(WG_PREFIX) or self.table[KERNELS[v]].get("launch"))]


def run_kernel(driver, kernels, p):
    name, launch, args = kernels.launch((WG_PREFIX if p.wg else "") + p.variant)
    if args is not None and not p.checked:
        p.params(launch, driver.tensor_map).check_signature(name, args)
        p.checked = True
    return p.sparq(driver, name, launch)


def check(driver, kernels, variant, m, n, k):
    p = Problem(variant, m, n, k, seed=m + n + k)
    d = run_kernel(driver, kernels, p).double()
    torch.cuda.synchronize()
    err = (d - p.reference).abs()
    bound = error_bound(p)
    worst = (err / bound.clamp_min(1e-300)).max().item()
    rel = (err / p.magnitude.clamp_min(1e-300)).max().item()
    ok = bool(torch.isfinite(d).all()) and worst <= 1.0
    print("  %-15s M=%-5d N=%-5d K=%-5d max |err| / bound = %.3g, max |err| / sum|ab| = %.3g  %s"
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


def bench(driver, kernels, variant, size, times):
    """Times one variant; `times` collects seconds by (variant, size) so that
    the wgmma kernels are compared with the mma.sync ones too."""
    p = Problem(variant, size, size, size, seed=size, reference=False)
    flop = 2.0 * size ** 3
    run_kernel(driver, kernels, p)  # builds the tensor maps, untimed
    ours = timed(lambda: run_kernel(driver, kernels, p))
    times[(variant, size)] = ours
    vendor, name = p.vendor()
    line = "  %-15s %5d^3  sparq %7.1f TFLOP/s" % (variant, size, flop / ours / 1e12)
    if vendor is not None:
        theirs = timed(vendor)
        line += "   %s %7.1f TFLOP/s   sparq/vendor = %.3f" % (
            name, flop / theirs / 1e12, theirs / ours)
    if p.wg and (p.variant, size) in times:
        line += "   wgmma/mma.sync = %.2f" % (times[(p.variant, size)] / ours)
    print(line, flush=True)


CHECK_SIZES = [(256, 256, 512), (1000, 520, 4000), (77, 33, 100)]


def dry_run(kernels, variants, sizes):
    """Builds every launch on the CPU and prints it: parameters (checked
    against the kernel's signature), grid, block, shared memory and tensor
    maps (checked against TMA's rules)."""
    fake = {}

    def make_map(spec):
        fake[spec.operand] = spec
        return torch.zeros(tensor_maps.TENSOR_MAP_BYTES, dtype=torch.uint8)

    for variant in variants:
        name, launch, args = kernels.launch(variant)
        for m, n, k in CHECK_SIZES + [(s, s, s) for s in sizes]:
            p = Problem(variant, m, n, k, seed=0, reference=False, device="cpu")
            params = p.params(launch, make_map)
            status = "unchecked (no signature)"
            if args is not None:
                params.check_signature(name, args)
                status = "match the kernel's %d arguments" % len(args)
            print("%s %s M=%d N=%d K=%d: grid %s block %d shared %d B, %d parameters %s"
                  % (variant, name, m, n, k, grid_for(launch, m, n), launch["threads"],
                     launch["dynamic_shared_memory"], len(params.values), status))
            for spec in (p.maps[1] if p.maps else []):
                print("  map " + spec.describe())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cubin", help="the kernels: one cubin or several, "
                        "comma-separated (required unless --dry-run)")
    parser.add_argument("--launch", help="kernels-<chip>.json (launch_params.py); "
                        "needed for the wg_* variants")
    parser.add_argument("--sizes", default="4096,8192")
    parser.add_argument("--variants", help="comma-separated (default: every variant "
                        "the launch JSON has a kernel for): " + ",".join(KERNELS))
    parser.add_argument("--runtime-lib", help="libsparq_cuda_runtime.so: build the "
                        "tensor maps with its sparqTensorMapCreate")
    parser.add_argument("--dry-run", action="store_true",
                        help="build and print every launch on the CPU, no CUDA")
    args = parser.parse_args()
    kernels = Kernels(args.launch)
    variants = args.variants.split(",") if args.variants else kernels.available()
    unknown = [v for v in variants if v not in KERNELS]
    if unknown:
        parser.error("unknown variants %s (known: %s)" % (unknown, ",".join(KERNELS)))
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.dry_run:
        dry_run(kernels, variants, sizes)
        return
    if not args.cubin:
        parser.error("--cubin is required")
    print("device: %s, torch %s, CUDA %s" % (torch.cuda.get_device_name(),
                                             torch.__version__, torch.version.cuda))
    driver = Driver(args.cubin.split(","))
    if args.runtime_lib:
        driver.use_runtime(args.runtime_lib)
    missing = [v for v in variants if not driver.has(KERNELS[v])]
    if missing:
        print("not in the cubin, skipped: %s" % ", ".join(missing))
    variants = [v for v in variants if v not in missing]

    print("correctness against float64 (bound: see error_bound)")
    ok = True
    for variant in variants:
        # Tile multiples, then ragged sizes (predication, padding metadata).
        for m, n, k in CHECK_SIZES:
            ok &= check(driver, kernels, variant, m, n, k)

    print("throughput (same process, same data for both)")
    times = {}
    for size in sizes:
        # mma.sync variants first, so that the wgmma lines can compare.
        for variant in sorted(variants, key=lambda v: v.startswith(WG_PREFIX)):
            bench(driver, kernels, variant, size, times)
    if not ok:
        sys.exit("correctness check FAILED")


if __name__ == "__main__":
    main()
