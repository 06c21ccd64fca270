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
    "mlir::tensor::TensorDialect",
  ];
}

#endif // SPARQ_CONVERSION_PASSES_TD
