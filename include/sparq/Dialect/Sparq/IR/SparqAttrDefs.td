//===- SparqAttrDefs.td - sparq attributes -----------------*- tablegen -*-===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARQATTRDEFS_TD
#define SPARQ_DIALECT_SPARQ_IR_SPARQATTRDEFS_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/TensorEncoding.td"
include "sparq/Dialect/Sparq/IR/SparqDialect.td"

class Sparq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Sparq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Sparq_NMAttr : Sparq_Attr<"NM", "nm",
    [DeclareAttrInterfaceMethods<VerifiableTensorEncoding>]> {
  let summary = "N:M structured sparsity along one tensor dimension";
  let description = [{
    `#sparq.nm<N:M>` states that in every group of M consecutive elements
    along the sparse dimension at most N are non-zero. As a tensor encoding it
    marks a tensor stored compressed: the kept values (`sparq.values`) and
    their 2-bit (in general ceil(log2 M)-bit) positions (`sparq.metadata`), in
    the layout PTX `mma.sp` reads for 2:4.

    The sparse dimension defaults to the innermost one (K of a row-major A
    operand); `dim` selects another, counted from the front, or from the back
    when negative (-1 is the innermost).

    ```mlir
    tensor<128x256xf8E4M3FN, #sparq.nm<2:4>>          // 2:4 along K (dim 1)
    tensor<256x64xf16, #sparq.nm<2:4, dim = 0>>       // K x N weight, along K
    ```

    As an encoding it requires 0 < N < M <= 16, a ranked tensor of rank >= 1
    whose sparse dimension is static and a multiple of M, and an element type
    of f32, f16, bf16, f8E4M3FN or f8E5M2.
  }];
  let parameters = (ins "unsigned":$n, "unsigned":$m,
                        DefaultValuedParameter<"int64_t", "-1">:$dim);
  // `<2:4>` rather than the generated `<2 : 4>`.
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The sparse dimension of a tensor of rank `rank`, or std::nullopt when
    /// `dim` does not name one of its dimensions.
    std::optional<int64_t> getSparseDim(int64_t rank) const;
    /// Bits of metadata per group: N indices of ceil(log2 M) bits each.
    unsigned getMetadataBitsPerGroup() const;
    /// Same pattern and same resolved sparse dimension for rank `rank`.
    bool isEquivalentTo(NMAttr other, int64_t rank) const;
  }];
}

#endif // SPARQ_DIALECT_SPARQ_IR_SPARQATTRDEFS_TD
