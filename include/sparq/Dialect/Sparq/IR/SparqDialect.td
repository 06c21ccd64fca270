//===- SparqDialect.td - The sparq dialect -----------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_TD

include "mlir/IR/OpBase.td"

def Sparq_Dialect : Dialect {
  let name = "sparq";
  let cppNamespace = "::sparq";
  let summary = "FP8 quantization and N:M structured sparsity";
  let description = [{
    The `sparq` dialect makes FP8 (`f8E4M3FN`, `f8E5M2`) and N:M structured
    sparsity first-class on tensors: scaled quantize / dequantize with explicit
    rounding and saturation, amax and scale computation for dynamic scaling,
    N:M magnitude pruning, the `#sparq.nm` tensor encoding with its compressed
    storage (values and `mma.sp` metadata), and a scaled matmul whose operands
    may be FP8 and N:M-compressed.

    The exact numerics of every operation are given in docs/Semantics.md; they
    are implemented once, in the `sparq::numerics` library, which the folders,
    the CPU runtime and the Python package all share.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let usePropertiesForAttributes = 1;
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQDIALECT_TD
