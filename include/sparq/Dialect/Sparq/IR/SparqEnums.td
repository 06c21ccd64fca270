//===- SparqEnums.td - sparq enum attributes ---------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD

include "mlir/IR/EnumAttr.td"
include "sparq/Dialect/Sparq/IR/SparqDialect.td"

def Sparq_RoundingRNE : I32EnumAttrCase<"rne", 0>;
def Sparq_RoundingStochastic : I32EnumAttrCase<"stochastic", 1>;
def Sparq_Rounding : I32EnumAttr<"Rounding",
    "rounding of a conversion to FP8 (PTX cvt .rn / .rs)",
    [Sparq_RoundingRNE, Sparq_RoundingStochastic]> {
  let cppNamespace = "::sparq";
  let genSpecializedAttr = 0;
}
def Sparq_RoundingAttr : EnumAttr<Sparq_Dialect, Sparq_Rounding, "rounding"> {
  let assemblyFormat = "`<` $value `>`";
}

def Sparq_SaturationSatFinite : I32EnumAttrCase<"satfinite", 0>;
def Sparq_SaturationNone : I32EnumAttrCase<"none", 1>;
def Sparq_Saturation : I32EnumAttr<"Saturation",
    "overflow behaviour of a conversion to FP8 (PTX cvt .satfinite or not)",
    [Sparq_SaturationSatFinite, Sparq_SaturationNone]> {
  let cppNamespace = "::sparq";
  let genSpecializedAttr = 0;
}
def Sparq_SaturationAttr
    : EnumAttr<Sparq_Dialect, Sparq_Saturation, "saturation"> {
  let assemblyFormat = "`<` $value `>`";
}

def Sparq_GranularityTensor : I32EnumAttrCase<"tensor", 0>;
def Sparq_GranularityRow : I32EnumAttrCase<"row", 1>;
def Sparq_ScaleGranularity : I32EnumAttr<"ScaleGranularity",
    "how many scales a tensor carries: one, or one per row (output channel)",
    [Sparq_GranularityTensor, Sparq_GranularityRow]> {
  let cppNamespace = "::sparq";
  let genSpecializedAttr = 0;
}
def Sparq_ScaleGranularityAttr
    : EnumAttr<Sparq_Dialect, Sparq_ScaleGranularity, "granularity"> {
  let assemblyFormat = "`<` $value `>`";
}

def Sparq_NMRuleMagnitude : I32EnumAttrCase<"magnitude", 0>;
def Sparq_NMRuleTransposable : I32EnumAttrCase<"transposable", 1>;
def Sparq_NMRule : I32EnumAttr<"NMRule",
    "how N:M pruning chooses the kept elements",
    [Sparq_NMRuleMagnitude, Sparq_NMRuleTransposable]> {
  let cppNamespace = "::sparq";
  let genSpecializedAttr = 0;
}
def Sparq_NMRuleAttr : EnumAttr<Sparq_Dialect, Sparq_NMRule, "nm_rule"> {
  let assemblyFormat = "`<` $value `>`";
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQENUMS_TD
