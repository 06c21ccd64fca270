//===- Passes.td - sparq transformation passes -------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
#define SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def SparqQuantize : Pass<"sparq-quantize", "mlir::ModuleOp"> {
  let summary = "FP8 post-training quantization of linalg contractions";
  let description = [{
    Rewrites `linalg.matmul` (transposed operands included),
    `linalg.batch_matmul`, `linalg.generic` contractions and, with
    `convolutions`, 2-D convolutions (`conv_2d_nhwc_hwcf`, `_nhwc_fhwc`,
    `_nchw_fchw`, grouped `_ngchw_gfchw` and `_nhwgc_gfhwc`, through im2col)
    into `sparq.quantize` of both operands and a `sparq.matmul` with f32
    accumulation and the original result type. Products as frontends write
    them (weights through `linalg.transpose` or `linalg.broadcast`, batches of
    one) are folded first; docs/Frontends.md has the details.

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
    `min-size` multiply-adds, or not understood (depthwise convolutions
    among them); `report` emits a remark for each decision and a summary
    naming every op left unchanged. Invalid requests (a calibration table naming ops that do
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
           "Calibration file for static scaling (docs/Calibration.md), or a "
           "JSON table {\"name\": amax} or "
           "{\"name\": [amax of input 0 or null, amax of input 1 or null]}">,
    Option<"amaxMethod", "amax", "std::string", "\"max\"",
           "Static amax from the calibration file: max (the largest |x| "
           "seen), percentile (of the histogram) or mse (least FP8 round-trip "
           "error over the histogram)">,
    Option<"percentile", "percentile", "double", "99.99",
           "Percent of the calibration values below the amax=percentile "
           "choice">,
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
           "Also quantize 2-D convolutions, through im2col">,
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

def SparqPrune : Pass<"sparq-prune", "mlir::ModuleOp"> {
  let summary = "N:M (2:4) magnitude pruning of contraction weights";
  let description = [{
    Prunes the weight of each contraction (the same ops as `--sparq-quantize`
    and `sparq.matmul`) to N:M along its K dimension and compresses it, so
    that the product runs as a sparse `sparq.matmul`.

    The weight is a constant input (pruned and compressed at compile time by
    the folder) or the input a `sparq.weight_operand` attribute names: a
    weight that is still training. Such a weight gets one run-time
    `sparq.prune` whose mask is recomputed from the dense latent weights on
    every execution; every product that reads the weight reads the pruned
    one, while the dense weights stay the values the program updates: the
    gradient flows to all of them (straight-through), the sparse-training
    method of "Search Spaces for Neural Model Training". A product whose K is
    not the weight's sparse dimension (the backward `dY W^T`) uses the pruned
    weight dense, unless `rule=transposable` makes it 2:4 both ways.

    When the weight is the input of a `sparq.quantize` (after
    `--sparq-quantize`), pruning goes before quantization, so both pass
    orders give the same program.

    2-D convolutions become im2col products whose weight is the filter
    reshaped to [G x] F x K or K x F, K the input channels times the kernel
    window in the filter's order (docs/Frontends.md has the table); N:M runs
    along that K. Depthwise and other convolutions stay dense, named in the
    `report` summary with every other product left dense.

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<8x64xf32>, tensor<64x128xf32>) ...
    ```
    becomes
    ```mlir
    %p = sparq.prune %w <2:4, dim = 0> : tensor<64x128xf32>
    %c = sparq.compress %p : tensor<64x128xf32> -> tensor<64x128xf32, #sparq.nm<2:4, dim = 0>>
    %y = sparq.matmul %x, %c : tensor<8x64xf32>, tensor<64x128xf32, #sparq.nm<2:4, dim = 0>> -> tensor<8x128xf32>
    ```
  }];
  let dependentDialects = [
    "sparq::SparqDialect",
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"pattern", "pattern", "std::string", "\"2:4\"",
           "N:M pattern: 2:4, or 1:2, 4:8 and others where the target takes them">,
    Option<"target", "target", "std::string", "\"cpu\"",
           "What runs the result: cpu (any N:M with M <= 16), or sm_80, "
           "sm_89, sm_90, sm_90a (mma.sp: 2:4)">,
    Option<"rule", "rule", "::sparq::NMRule", "::sparq::NMRule::magnitude",
           "Mask rule", [{::llvm::cl::values(
             clEnumValN(::sparq::NMRule::magnitude, "magnitude", "the N largest of each group"),
             clEnumValN(::sparq::NMRule::transposable, "transposable",
                        "2:4 along both dimensions in 4x4 blocks (Apex m4n2_2d)"))}]>,
    ListOption<"skip", "skip", "std::string",
               "Contractions to leave dense, by sparq.name or location name">,
    Option<"criterion", "criterion", "std::string", "\"magnitude\"",
           "Which weights a group keeps: magnitude, wanda (|W| times the "
           "input channel's L2 norm) or sparsegpt (OBS mask and "
           "reconstruction from X^T X); wanda and sparsegpt need calibration">,
    Option<"calibration", "calibration", "std::string", "\"\"",
           "Calibration file (docs/Calibration.md) for wanda and sparsegpt">,
    Option<"damp", "damp", "double", "0.01",
           "SparseGPT dampening: damp times the mean diagonal of X^T X is "
           "added to it">,
    Option<"report", "report", "bool", "false",
           "Emit a remark for every contraction: what was done or why not">,
  ];
  let statistics = [
    Statistic<"numPruned", "weights-pruned", "Weights pruned">,
    Statistic<"numSkipped", "contractions-skipped", "Contractions left dense">,
    Statistic<"keptPermille", "kept-l1-permille",
              "L1 magnitude kept by pruning constant weights, in 1/1000">,
  ];
}

def SparqPermuteChannels : Pass<"sparq-permute-channels", "mlir::ModuleOp"> {
  let summary = "Permute input channels so that N:M pruning keeps more magnitude";
  let description = [{
    For each contraction with a constant weight (K x N, or N x K through its
    indexing maps), searches a permutation of the K input channels that
    maximises the magnitude N:M pruning along K keeps, with the Metropolis
    Monte Carlo annealer of `sparq::search` (energy: the magnitude pruning
    loses; moves: swaps of two channels in different groups; Metropolis
    acceptance exp(-dE/T) on a temperature schedule, reproducible from
    `seed`), then rewrites the program so that its results are unchanged:
    the weight's rows are permuted, and so is the activation along K.

    The activation is permuted at no run-time cost when it comes, through
    per-channel element-wise `linalg.generic` ops (bias add, ReLU; constant
    per-channel operands are permuted with it), from a contraction with a
    constant weight: that weight's output channels are permuted instead.
    Otherwise an explicit gather permutes the activation. Weights with a
    non-finite value, a K that is not a multiple of M, or shapes outside the
    matmul form are left alone with a remark (`report`).

    Ungrouped 2-D convolutions with a constant filter are permuted along
    their im2col K (docs/Frontends.md), becoming im2col products only when a
    permutation is applied; `report` ends with a summary naming every product
    left unchanged.

    Run it before `--sparq-prune`.
  }];
  let dependentDialects = [
    "sparq::SparqDialect",
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"pattern", "pattern", "std::string", "\"2:4\"",
           "N:M pattern the permutation is searched for">,
    Option<"method", "method", "std::string", "\"anneal\"",
           "Search: anneal (Metropolis Monte Carlo) or greedy (channel swaps)">,
    Option<"seed", "seed", "uint64_t", "0", "Seed of the annealer">,
    Option<"sweeps", "sweeps", "double", "1000",
           "Annealing sweeps per replica (K proposed swaps each); 0: as many "
           "as time-budget allows">,
    Option<"startTemperature", "start-temperature", "double", "0",
           "Initial temperature; 0 chooses it from the energy changes">,
    Option<"endTemperature", "end-temperature", "double", "0",
           "Final temperature; 0 chooses it from the energy changes">,
    Option<"timeBudget", "time-budget", "double", "0",
           "Seconds per weight the search may take; 0 for no limit. The "
           "annealer's schedule then follows time too, so it ends cold">,
    Option<"replicas", "replicas", "unsigned", "1",
           "Independent annealing chains per weight, run on the context's "
           "thread pool; the best is kept (reproducible from seed)">,
    Option<"criterion", "criterion", "std::string", "\"magnitude\"",
           "Importance the permutation maximizes: magnitude (|W|) or wanda "
           "(|W| times the input channel's L2 norm, from calibration)">,
    Option<"calibration", "calibration", "std::string", "\"\"",
           "Calibration file (docs/Calibration.md) for criterion=wanda">,
    Option<"report", "report", "bool", "false",
           "Emit a remark per weight: magnitude kept before and after">,
  ];
  let statistics = [
    Statistic<"numPermuted", "weights-permuted", "Weights whose channels were permuted">,
    Statistic<"numGathers", "gathers-inserted", "Activations permuted by an explicit gather">,
  ];
}

def SparqInstrumentCalibration
    : Pass<"sparq-instrument-calibration", "mlir::ModuleOp"> {
  let summary = "Return the activations of named products, for calibration";
  let description = [{
    Prepares a copy of a program for `sparq.calibrate`: for every named
    product (`sparq.name` or a name location) in the body of the entry
    function that the other passes may transform (the matmul forms,
    `sparq.matmul`, 2-D convolutions through im2col), appends to the
    function's results its f32 activation as a `[rows, K]` matrix, column j
    being input channel j of the weight in the order the prune and permute
    passes group K (docs/Calibration.md). With `report`, a remark
    `calibration output I: NAME` says which result holds which product, and
    others say why a named product is not recorded. Two products with one
    name are an error. The program's own results are unchanged.
  }];
  let dependentDialects = [
    "sparq::SparqDialect",
    "mlir::arith::ArithDialect",
    "mlir::linalg::LinalgDialect",
    "mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"entry", "entry", "std::string", "\"main\"",
           "The function calibration runs">,
    Option<"report", "report", "bool", "false",
           "Remarks naming each recorded result, and why products are not "
           "recorded">,
  ];
}

#endif // SPARQ_DIALECT_SPARQ_TRANSFORMS_PASSES_TD
