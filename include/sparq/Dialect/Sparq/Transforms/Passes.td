//===- Passes.td - sparq transformation passes -------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparqQuantize : Pass<"sparq-quantize", "mlir::ModuleOp"> {
  let summary = "FP8 post-training quantization of linalg contractions";
  let description = [{
    Rewrites `linalg.matmul` (transposed operands included),
    `linalg.batch_matmul`, `linalg.generic` contractions and, with
    `convolutions`, `linalg.conv_2d_nhwc_hwcf` (through im2col) into
    `sparq.quantize` of both operands and a `sparq.matmul` with f32
    accumulation and the original result type.

    Weights (a constant operand; otherwise the one a `sparq.weight_operand`
    attribute names, else the second input) are scaled per tensor or per
    output channel; constant weights are quantized at compile time.
    Activations are scaled dynamically (`sparq.amax` + `sparq.scale` at run
    time), statically (from a calibration table or a `sparq.activation_amax`
    attribute on the op), or with delayed scaling: an amax history per
    activation carried as state, appended to the function's arguments and
    results (one `tensor<Hxf32>` each, in op order), as Transformer Engine
    does.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x128xf32>)
                       outs(%zero : tensor<8x128xf32>) -> tensor<8x128xf32>
    ```
    becomes, with the constant weight folded to FP8:
    ```mlir
    %a = sparq.amax %x : tensor<8x64xf32> -> tensor<f32>
    %s = sparq.scale %a for f8E4M3FN : tensor<f32>
    %q = sparq.quantize %x, %s : tensor<8x64xf32>, tensor<f32> -> tensor<8x64xf8E4M3FN>
    %y = sparq.matmul %q, %wq lhs_scale %s : tensor<f32> rhs_scale %ws : tensor<f32>
        : tensor<8x64xf8E4M3FN>, tensor<64x128xf8E4M3FN> -> tensor<8x128xf32>
    ```

    Contractions are skipped (and left unchanged) when marked `sparq.skip`,
    named in `skip` (by `sparq.name` attribute or location name; `first` and
    `last` name the first and last contraction of a function), smaller than
    `min-size` multiply-adds, or not understood; `report` emits a remark for
    each decision. Invalid requests (a calibration table naming ops that do
    not exist, non-finite calibration values, missing calibration, delayed
    scaling of a function that is called in the module) are errors, reported
    before anything is rewritten.
  }];
  let dependentDialects = [
    "sparq::SparqDialect",
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"format", "format", "::sparq::QuantizeFormat",
           "::sparq::QuantizeFormat::E4M3",
           "FP8 format of the operands", [{::llvm::cl::values(
             clEnumValN(::sparq::QuantizeFormat::E4M3, "e4m3", "E4M3 for both operands"),
             clEnumValN(::sparq::QuantizeFormat::E5M2, "e5m2", "E5M2 for both operands"),
             clEnumValN(::sparq::QuantizeFormat::Hybrid, "hybrid",
                        "E4M3 forward; E5M2 for the operand a sparq.gradient_operand attribute names"))}]>,
    Option<"weightGranularity", "weight-granularity",
           "::sparq::ScaleGranularity", "::sparq::ScaleGranularity::tensor",
           "Scales of weights", [{::llvm::cl::values(
             clEnumValN(::sparq::ScaleGranularity::tensor, "tensor", "one scale per weight"),
             clEnumValN(::sparq::ScaleGranularity::row, "channel", "one scale per output channel"))}]>,
    Option<"activationScaling", "activation-scaling",
           "::sparq::ActivationScaling", "::sparq::ActivationScaling::Dynamic",
           "Scaling of activations", [{::llvm::cl::values(
             clEnumValN(::sparq::ActivationScaling::Dynamic, "dynamic", "amax computed at run time"),
             clEnumValN(::sparq::ActivationScaling::Static, "static", "calibrated amax (table or sparq.activation_amax)"),
             clEnumValN(::sparq::ActivationScaling::Delayed, "delayed", "amax history carried as function state"))}]>,
    Option<"calibration", "calibration", "std::string", "\"\"",
           "JSON calibration table for static scaling: {\"name\": amax} or "
           "{\"name\": [amax of input 0 or null, amax of input 1 or null]}">,
    Option<"amaxHistory", "amax-history", "unsigned", "16",
           "Length of the amax history of delayed scaling">,
    Option<"margin", "margin", "int", "0",
           "Scale back-off: scale = max_finite / amax / 2^margin">,
    Option<"saturate", "saturate", "bool", "true",
           "Saturate finite overflow to the largest FP8 value (satfinite)">,
    ListOption<"skip", "skip", "std::string",
               "Contractions to leave unchanged: names, or first / last">,
    Option<"minSize", "min-size", "int64_t", "0",
           "Leave contractions with fewer multiply-adds (static shapes)">,
    Option<"convolutions", "convolutions", "bool", "false",
           "Also quantize linalg.conv_2d_nhwc_hwcf, through im2col">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for every contraction: what was done or why not">,
  ];
  let statistics = [
    Statistic<"numQuantized", "contractions-quantized", "Contractions rewritten to FP8">,
    Statistic<"numSkipped", "contractions-skipped", "Contractions left unchanged">,
    Statistic<"numConstantWeights", "constant-weights", "Weights quantized at compile time">,
    Statistic<"worstWeightErrorPpm", "worst-weight-error-ppm",
              "Largest relative L2 error of a quantized constant weight, in 1e-6">,
    Statistic<"worstWeightSnrCentiDb", "worst-weight-snr-centidb",
              "Lowest SNR of a quantized constant weight, in 0.01 dB">,
  ];
}

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
