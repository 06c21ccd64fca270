//===- SparqOps.td - sparq operations ----------------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "sparq/Dialect/Sparq/IR/SparqAttrDefs.td"
include "sparq/Dialect/Sparq/IR/SparqEnums.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Sparq_FP8 : AnyTypeOf<[F8E4M3FN, F8E5M2], "FP8 (f8E4M3FN or f8E5M2)">;
def Sparq_WideFloat : AnyTypeOf<[F32, F16, BF16], "f32, f16 or bf16">;
def Sparq_SparseElement : AnyTypeOf<[F32, F16, BF16, F8E4M3FN, F8E5M2],
    "f32, f16, bf16, f8E4M3FN or f8E5M2">;
def Sparq_MatmulResultElement : AnyTypeOf<[F32, F16, BF16, F8E4M3FN, F8E5M2],
    "f32, f16, bf16, f8E4M3FN or f8E5M2">;

def Sparq_FP8Tensor : RankedTensorOf<[Sparq_FP8]>;
def Sparq_WideFloatTensor : RankedTensorOf<[Sparq_WideFloat]>;
def Sparq_SparseElementTensor : RankedTensorOf<[Sparq_SparseElement]>;
def Sparq_ScaleTensor : RankedTensorOf<[F32]>;

class Sparq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Sparq_Dialect, mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// FP8 conversion and scaling
//===----------------------------------------------------------------------===//

def Sparq_QuantizeOp : Sparq_Op<"quantize"> {
  let summary = "scaled conversion to FP8 with explicit rounding and saturation";
  let description = [{
    Computes `result[i] = fp8(input[i] * scale)`: the product is an f32
    multiply, the conversion rounds to nearest-even (`rne`) or stochastically
    (`stochastic`, from the counter-based bits of `seed`, element by element in
    row-major order) and saturates finite overflow to the largest finite value
    (`satfinite`, PTX `cvt.rn.satfinite`) or not (`none`: E4M3 overflow gives
    NaN, E5M2 gives infinity). NaN inputs give the canonical NaN 0x7F.

    `scale` is a rank-0 tensor (one scale for the tensor) or, with `axis`, a
    rank-1 tensor holding one scale per index of dimension `axis` (per row /
    per output channel). Scales are the quantization scales produced by
    `sparq.scale`; `sparq.dequantize` divides by the same scale.

    ```mlir
    %q = sparq.quantize %x, %s : tensor<16x32xf32>, tensor<f32> -> tensor<16x32xf8E4M3FN>
    %r = sparq.quantize %x, %rows axis 0 rounding <stochastic> seed %seed saturation <none>
           : tensor<16x32xf32>, tensor<16xf32> -> tensor<16x32xf8E5M2>
    ```
  }];
  let arguments = (ins Sparq_WideFloatTensor:$input, Sparq_ScaleTensor:$scale,
                   Optional<I64>:$seed,
                   OptionalAttr<I64Attr>:$axis,
                   DefaultValuedAttr<Sparq_RoundingAttr,
                                     "::sparq::Rounding::rne">:$rounding,
                   DefaultValuedAttr<Sparq_SaturationAttr,
                                     "::sparq::Saturation::satfinite">:$saturation);
  let results = (outs Sparq_FP8Tensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`axis` $axis^)? (`rounding` $rounding^)?
    (`seed` $seed^)? (`saturation` $saturation^)? attr-dict
    `:` type($input) `,` type($scale) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_DequantizeOp : Sparq_Op<"dequantize"> {
  let summary = "scaled conversion from FP8";
  let description = [{
    Computes `result[i] = decode(input[i]) / scale` as an f32 division, then
    rounds to the result type (nearest-even). NaN codes decode to NaN, E5M2
    infinities to infinities. `scale` and `axis` are as for `sparq.quantize`.

    ```mlir
    %y = sparq.dequantize %q, %s : tensor<16x32xf8E4M3FN>, tensor<f32> -> tensor<16x32xf32>
    ```
  }];
  let arguments = (ins Sparq_FP8Tensor:$input, Sparq_ScaleTensor:$scale,
                   OptionalAttr<I64Attr>:$axis);
  let results = (outs Sparq_WideFloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $scale (`axis` $axis^)? attr-dict
    `:` type($input) `,` type($scale) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_AmaxOp : Sparq_Op<"amax"> {
  let summary = "maximum absolute value, for dynamic scaling";
  let description = [{
    Reduces `max(|x|)` over the whole tensor (rank-0 result) or, with `axis`,
    over every dimension but `axis` (one value per index of `axis`). A NaN
    anywhere in a reduced slice makes that slice's result NaN, so that
    `sparq.scale` sees it; infinities give infinity. The result is f32 for every
    input type (the conversion of f16/bf16/FP8 magnitudes to f32 is exact).

    ```mlir
    %a = sparq.amax %x : tensor<16x32xf32> -> tensor<f32>
    %r = sparq.amax %x axis 0 : tensor<16x32xbf16> -> tensor<16xf32>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input,
                   OptionalAttr<I64Attr>:$axis);
  let results = (outs Sparq_ScaleTensor:$result);
  let assemblyFormat = [{
    $input (`axis` $axis^)? attr-dict `:` type($input) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_ScaleOp : Sparq_Op<"scale", [SameOperandsAndResultType]> {
  let summary = "FP8 scale from amax: max_finite / amax / 2^margin";
  let description = [{
    The scaling recipe of the FP8 paper, element-wise:
    `scale = ldexp(max_finite(format) / amax, -margin)` in f32, where
    `max_finite` is 448 for f8E4M3FN and 57344 for f8E5M2. An `amax` that is
    zero, negative, NaN or infinite gives scale 1 (nothing to scale by); a
    quotient that overflows f32 gives the largest finite f32.

    ```mlir
    %s = sparq.scale %amax for f8E4M3FN margin 1 : tensor<f32>
    ```
  }];
  let arguments = (ins Sparq_ScaleTensor:$amax, TypeAttr:$format,
                   DefaultValuedAttr<I32Attr, "0">:$margin);
  let results = (outs Sparq_ScaleTensor:$result);
  let assemblyFormat = [{
    $amax `for` $format (`margin` $margin^)? attr-dict `:` type($amax)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// N:M structured sparsity
//===----------------------------------------------------------------------===//

def Sparq_PruneOp : Sparq_Op<"prune", [SameOperandsAndResultType]> {
  let summary = "N:M magnitude pruning (dense result with zeros)";
  let description = [{
    In every group of M consecutive elements along the sparse dimension of
    `pattern`, keeps the N of largest magnitude and writes +0 to the others.
    Ties go to the lowest index; NaN counts as larger than any number, so it
    is never silently dropped. The result is dense and satisfies `pattern`.

    With `rule <transposable>` (2:4 on a matrix only) every 4x4 block keeps
    two elements in each row and each column, the pattern of most magnitude
    (Apex ASP's m4n2_2d): the result is 2:4 along both dimensions, so a weight
    stays sparse in the backward product with its transpose too.

    ```mlir
    %p = sparq.prune %w <2:4> : tensor<64x128xf32>
    %q = sparq.prune %w <2:4, dim = 0> : tensor<128x64xf16>
    %t = sparq.prune %w <2:4> rule <transposable> : tensor<128x64xf32>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input, Sparq_NMAttr:$pattern,
                   DefaultValuedAttr<Sparq_NMRuleAttr,
                                     "::sparq::NMRule::magnitude">:$rule);
  let results = (outs Sparq_SparseElementTensor:$result);
  let assemblyFormat =
      "$input $pattern (`rule` $rule^)? attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_MaskOp : Sparq_Op<"mask"> {
  let summary = "the N:M keep-mask of magnitude pruning";
  let description = [{
    The i1 tensor that is true exactly where `sparq.prune` with the same
    pattern and rule keeps an element.

    ```mlir
    %m = sparq.mask %w <2:4> : tensor<64x128xf32> -> tensor<64x128xi1>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input, Sparq_NMAttr:$pattern,
                   DefaultValuedAttr<Sparq_NMRuleAttr,
                                     "::sparq::NMRule::magnitude">:$rule);
  let results = (outs RankedTensorOf<[I1]>:$result);
  let assemblyFormat = "$input $pattern (`rule` $rule^)? attr-dict `:` "
                       "type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_CompressOp : Sparq_Op<"compress"> {
  let summary = "dense N:M-valid tensor to its #sparq.nm-encoded form";
  let description = [{
    Encodes a dense tensor with the `#sparq.nm` encoding of the result type.
    The input should already satisfy the pattern (at most N non-zeros per
    group); a group with more than N non-zeros keeps its N largest
    magnitudes, so `compress(x) == compress(prune(x))` always. A constant
    input that does not satisfy the pattern is valid IR (folding can make any
    input a constant) and is compressed at run time rather than folded.

    ```mlir
    %e = sparq.compress %p : tensor<64x128xf8E4M3FN> -> tensor<64x128xf8E4M3FN, #sparq.nm<2:4>>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input);
  let results = (outs Sparq_SparseElementTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_DecompressOp : Sparq_Op<"decompress"> {
  let summary = "#sparq.nm-encoded tensor back to dense";
  let description = [{
    The dense tensor with the kept values in place and +0 elsewhere.

    ```mlir
    %d = sparq.decompress %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x128xf16>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input);
  let results = (outs Sparq_SparseElementTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Sparq_ValuesOp : Sparq_Op<"values"> {
  let summary = "the kept values of a #sparq.nm-encoded tensor";
  let description = [{
    The storage tensor of kept values: the encoded tensor's shape with the
    sparse dimension multiplied by N/M, kept elements of each group in
    ascending index order. For 2:4 along K this is the compressed A operand of
    PTX `mma.sp`.

    ```mlir
    %v = sparq.values %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x64xf16>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input);
  let results = (outs Sparq_SparseElementTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Sparq_MetadataOp : Sparq_Op<"metadata"> {
  let summary = "the packed index metadata of a #sparq.nm-encoded tensor";
  let description = [{
    The positions of the kept values as a bit stream along each line of the
    sparse dimension: each group contributes its N kept indices in ascending
    order, ceil(log2 M) bits each, least significant bits first, packed into
    i16 words (a line is padded to whole words). For 2:4 every group is one
    nibble with the first index in the low two bits and an i16 covers 16 dense
    elements: the metadata encoding of PTX `mma.sp`. The result has the
    encoded tensor's shape with the sparse dimension replaced by the number of
    words per line.

    ```mlir
    %m = sparq.metadata %e : tensor<64x128xf16, #sparq.nm<2:4>> -> tensor<64x8xi16>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$input);
  let results = (outs RankedTensorOf<[I16]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Scaled matmul
//===----------------------------------------------------------------------===//

def Sparq_MatmulOp : Sparq_Op<"matmul", [AttrSizedOperandSegments]> {
  let summary = "scaled matmul with FP8 and N:M-compressed operands";
  let description = [{
    `result = convert((lhs x rhs) / (lhs_scale * rhs_scale) + bias) * out_scale`
    for `lhs : [B x] M x K`, `rhs : [B x] K x N` (an optional leading batch
    dimension on all three). Products are exact in f32 for FP8, f16 and bf16
    operands and are accumulated in f32 in increasing K order. Either operand
    may be N:M-encoded along K (`lhs` along its last dimension, `rhs` along
    its K dimension). Operand element types are equal, except that the two FP8
    formats may be mixed.

    Scales are quantization scales (those of `sparq.quantize`): `lhs_scale` is
    rank-0 or holds one scale per row (M), `rhs_scale` rank-0 or one per
    column (N), `out_scale` rank-0; absent scales are 1. `bias` holds N f32
    values. With an FP8 result the final conversion rounds to nearest-even
    with `saturation`; f16/bf16 results round to nearest-even.

    ```mlir
    %c = sparq.matmul %a, %b lhs_scale %sa : tensor<f32> rhs_scale %sb : tensor<64xf32>
           : tensor<32x128xf8E4M3FN, #sparq.nm<2:4>>, tensor<128x64xf8E4M3FN> -> tensor<32x64xbf16>
    ```
  }];
  let arguments = (ins Sparq_SparseElementTensor:$lhs,
                   Sparq_SparseElementTensor:$rhs,
                   Optional<Sparq_ScaleTensor>:$lhs_scale,
                   Optional<Sparq_ScaleTensor>:$rhs_scale,
                   Optional<Sparq_ScaleTensor>:$out_scale,
                   Optional<Sparq_ScaleTensor>:$bias,
                   DefaultValuedAttr<Sparq_SaturationAttr,
                                     "::sparq::Saturation::satfinite">:$saturation);
  let results = (outs RankedTensorOf<[Sparq_MatmulResultElement]>:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs
    (`lhs_scale` $lhs_scale^ `:` type($lhs_scale))?
    (`rhs_scale` $rhs_scale^ `:` type($rhs_scale))?
    (`out_scale` $out_scale^ `:` type($out_scale))?
    (`bias` $bias^ `:` type($bias))?
    (`saturation` $saturation^)? attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQOPS_TD
