//===- Passes.td - sparq conversion passes -----------------*- tablegen -*-===//
#ifndef SPARQ_CONVERSION_PASSES_TD
#define SPARQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertSparqToLLVM : Pass<"convert-sparq-to-llvm", "mlir::ModuleOp"> {
  let summary = "Lower sparq ops to calls of the sparq CPU runtime";
  let description = [{
    Replaces every sparq op on tensors by a call of the CPU runtime
    (`libsparq_runtime.so`, a C ABI over the numerics library), so that the
    program computes on the CPU bit for bit what the folders compute at
    compile time: satfinite, stochastic rounding and 2:4 `sparq.matmul` with
    FP8 operands included. Run it before bufferization; `--sparq-cpu-pipeline`
    continues to the LLVM dialect.

    A `#sparq.nm`-encoded tensor becomes its two storage tensors (values and
    metadata) everywhere, function signatures and `scf` regions included;
    encoded constants are compressed at compile time.

    ```mlir
    %q = sparq.quantize %x, %s : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf8E4M3FN>
    ```
    becomes
    ```mlir
    %in = bufferization.to_buffer %x read_only : tensor<4x8xf32> to memref<4x8xf32>
    %out = memref.alloc() : memref<4x8xf8E4M3FN>
    ... extract the aligned pointers ...
    call @sparq_rt_quantize(%pin, %c0_i32, %ps, %c1, %pout, ...) : (...) -> ()
    %q = bufferization.to_tensor %out restrict writable : memref<4x8xf8E4M3FN> to tensor<4x8xf8E4M3FN>
    ```
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
  ];
}

def ConvertSparqToNVVM : Pass<"convert-sparq-to-nvvm", "mlir::ModuleOp"> {
  let summary = "Lower sparq.matmul to Tensor Core kernels (mma.sync / mma.sp, and TMA + wgmma on sm_90a)";
  let description = [{
    Each `sparq.matmul` becomes a launch of a GPU kernel, built in the
    `gpu.module @sparq_kernels` this pass creates, that runs the warp-level
    Tensor Core instruction of its operand types through the LLVM NVVM
    intrinsics:

    - FP8 x FP8: `mma.sync.aligned.m16n8k32.row.col.f32.{e4m3,e5m2}...` (sm_89+),
    - 2:4 FP8 x FP8: `mma.sp::ordered_metadata ... m16n8k64 ... e4m3|e5m2` (sm_89+),
    - 2:4 f16 / bf16: `mma.sp::ordered_metadata ... m16n8k32` (sm_80+).

    Each block of four warps computes a 64 x 64 tile of the result, each
    warp a 2 x 4 grid of 16 x 8 instruction tiles (an A fragment feeds four
    instructions, a B fragment two). At each K step the block copies its A,
    B and metadata tiles to shared memory (coalesced, bounds-checked, so any
    M, N and K work; B transposed, rows padded against bank conflicts), then
    each warp loads its A and B fragments with `ldmatrix` (`nvgpu.ldmatrix`)
    and each lane its metadata words; the unit tests run this data movement
    on the numerics library's model of the instructions. Not yet (in these
    warp-level kernels): vectorized or asynchronous (cp.async) copies,
    double buffering.

    On sm_90a, `kernels=auto` (the default) and `kernels=wgmma` build
    warpgroup-level kernels instead: a producer warpgroup streams A and B
    tiles with TMA (`cp.async.bulk.tensor`) into a ring of shared-memory
    stages guarded by `mbarrier`s, two consumer warpgroups multiply them
    with `wgmma.mma_async` (2:4: `wgmma.mma_async.sp`) into a 128 x 256
    block tile (docs/GPU.md). The launch function then makes a K-major copy
    of the rhs and builds TMA tensor maps (libsparq_cuda_runtime). TMA needs
    K to keep rows 16-byte aligned: a static K that does not runs the
    warp-level kernel under `auto` and is an error under `wgmma`; a dynamic
    one is checked at run time (`auto` falls back, `wgmma` stops with a
    message). `kernels=mma` keeps the warp-level kernels everywhere.

    A 2:4 rhs (the K x N weight of a linalg program) makes the kernel compute
    the transposed product, so that the sparse operand is the instruction's
    A. The epilogue divides by the scales, adds the bias, applies out_scale
    and converts (FP8 results with `cvt.rn.satfinite.{e4m3,e5m2}x2.f32`).
    On the host the product becomes a call, on host buffers, of its
    variant's launch function (`sparq.gpu_launch`), which copies the
    operands to the device, launches, and copies the result back into the
    caller's buffer; run `--sparq-buffer-deallocation` after bufferization
    to free host buffers. With `host-copies=false` the operands are views
    of device buffers (`bufferization.to_tensor`), the result is stored into
    one (`bufferization.materialize_in_destination`) and each product
    becomes its launch sequence inline, with no allocation or copy; other
    operands are located errors. Either way a constant operand is uploaded
    once per program (a module slot, freed by a module destructor); see
    docs/GPU.md. Other sparq ops go to the CPU runtime as with
    `--convert-sparq-to-llvm`.

    The pass checks every product against `chip` first and picks the
    smallest PTX version the chosen instructions need (`ptx` may raise it,
    not lower it), which it records in the `#nvvm.target` of the kernel
    module: an instruction the chip lacks is a diagnostic, never an llc
    abort.
  }];
  let dependentDialects = [
    "mlir::cf::ControlFlowDialect",
    "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::func::FuncDialect",
    "mlir::gpu::GPUDialect",
    "mlir::LLVM::LLVMDialect",
    "mlir::memref::MemRefDialect",
    "mlir::NVVM::NVVMDialect",
    "mlir::nvgpu::NVGPUDialect",
    "mlir::scf::SCFDialect",
    "mlir::tensor::TensorDialect",
    "mlir::vector::VectorDialect",
  ];
  let options = [
    Option<"chip", "chip", "std::string", "\"sm_90\"",
           "Target: sm_80, sm_89, sm_90 or sm_90a">,
    Option<"ptx", "ptx", "unsigned", "0",
           "PTX ISA version as 10 * major + minor (85 is 8.5); 0 picks the "
           "smallest the kernels need">,
    Option<"kernels", "kernels", "std::string", "\"auto\"",
           "auto (warpgroup kernels on sm_90a, warp-level elsewhere), mma "
           "(warp-level mma.sync / mma.sp everywhere) or wgmma (TMA + "
           "wgmma kernels; sm_90a only)">,
    Option<"hostCopies", "host-copies", "bool", "true",
           "true: products on host buffers, through launch functions that "
           "copy operands in and the result out; false: operands and result "
           "are device buffers the caller owns (bufferization.to_tensor of "
           "them, materialize_in_destination into one) and each product is "
           "its kernel launch, inline, with no allocation or copy. Constant "
           "operands are uploaded once per program either way">,
  ];
}

def SparqBufferDeallocation
    : Pass<"sparq-buffer-deallocation", "mlir::ModuleOp"> {
  let summary = "Ownership-based buffer deallocation that skips sparq's GPU "
                "launch functions";
  let description = [{
    Runs upstream's ownership-based buffer deallocation analysis (what
    `-ownership-based-buffer-deallocation` does) on every `func.func` with a
    body, except the launch functions `--convert-sparq-to-nvvm` creates
    (marked `sparq.gpu_launch`): their `gpu.wait` declares no memory effects,
    which the analysis refuses, and they allocate no host memory (their
    device buffers are freed by their own launch sequence). Host buffers
    passed to them are owned, and freed, by their callers.

    Use it in place of the ownership pass, after One-Shot Bufferize and before
    `-buffer-deallocation-simplification` and `-bufferization-lower-deallocations`;
    both sparq pipelines do.
  }];
  let dependentDialects = [
    "mlir::arith::ArithDialect",
    "mlir::bufferization::BufferizationDialect",
    "mlir::memref::MemRefDialect",
    "mlir::scf::SCFDialect",
  ];
}

#endif // SPARQ_CONVERSION_PASSES_TD
