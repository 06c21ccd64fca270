//===- SparseTensorInterop.h - #sparq.nm <-> #sparse_tensor -----*- C++ -*-===//
//
// Upstream's sparse_tensor dialect spells 2:4 as a `structured[2, 4]` level
// under a `floordiv`/`mod` split of the sparse dimension. These convert
// between that spelling and #sparq.nm so programs written for either can be
// taken through sparq.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_DIALECT_SPARQ_IR_SPARSETENSORINTEROP_H
#define SPARQ_DIALECT_SPARQ_IR_SPARSETENSORINTEROP_H

#include "sparq/Dialect/Sparq/IR/Sparq.h"

#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"

namespace sparq {

/// The #sparse_tensor.encoding with the same N:M structure as `pattern` on a
/// tensor of rank `rank`: every other dimension dense and in order, then the
/// sparse dimension split as (d floordiv M : dense, d mod M : structured[N,M]).
/// Null when `pattern` names no dimension of such a tensor.
mlir::sparse_tensor::SparseTensorEncodingAttr
toSparseTensorEncoding(NMAttr pattern, int64_t rank);

/// The #sparq.nm equivalent of `encoding`, or null when it is not of the form
/// toSparseTensorEncoding produces (widths and explicit/implicit values are
/// ignored, as #sparq.nm storage fixes them).
NMAttr fromSparseTensorEncoding(
    mlir::sparse_tensor::SparseTensorEncodingAttr encoding);

} // namespace sparq

#endif // SPARQ_DIALECT_SPARQ_IR_SPARSETENSORINTEROP_H
