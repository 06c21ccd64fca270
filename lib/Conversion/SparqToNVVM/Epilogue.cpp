//===- Epilogue.cpp - scales, bias and conversion of kernel results -------===//
//
// Shared by the warp-level (MmaKernel.cpp) and warpgroup-level
// (WgmmaKernel.cpp) kernels: both end with f32 accumulators whose output
// positions KernelIndexing.h / WgmmaIndexing.h give.
//
//===----------------------------------------------------------------------===//
#include "Epilogue.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace sparq::nvvm;

MemRefType sparq::nvvm::dynamicBuffer(Type element) {
  return MemRefType::get(
      {ShapedType::kDynamic, ShapedType::kDynamic, ShapedType::kDynamic},
      element);
}

void sparq::nvvm::appendEpilogueArguments(OpBuilder &b, const KernelSpec &spec,
                                          SmallVectorImpl<Type> &args) {
  Type f32 = b.getF32Type();
  auto scaleType = [&](ScaleKind k) {
    return k == ScaleKind::Scalar ? MemRefType::get({}, f32)
                                  : MemRefType::get({ShapedType::kDynamic}, f32);
  };
  if (spec.lhsScale != ScaleKind::None)
    args.push_back(scaleType(spec.lhsScale));
  if (spec.rhsScale != ScaleKind::None)
    args.push_back(scaleType(spec.rhsScale));
  if (spec.outScale)
    args.push_back(MemRefType::get({}, f32));
  if (spec.bias)
    args.push_back(MemRefType::get({ShapedType::kDynamic}, f32));
  args.push_back(dynamicBuffer(spec.outElement));
  Type index = b.getIndexType();
  args.append({index, index, index});
}

void sparq::nvvm::readEpilogueArguments(const KernelSpec &spec,
                                        ValueRange rest,
                                        EpilogueOperands &operands,
                                        std::array<Value, 3> &mnk) {
  unsigned i = 0;
  if (spec.lhsScale != ScaleKind::None)
    operands.lhsScale = rest[i++];
  if (spec.rhsScale != ScaleKind::None)
    operands.rhsScale = rest[i++];
  if (spec.outScale)
    operands.outScale = rest[i++];
  if (spec.bias)
    operands.bias = rest[i++];
  operands.out = rest[i++];
  mnk = {rest[i], rest[i + 1], rest[i + 2]};
}

void sparq::nvvm::emitEpilogue(OpBuilder &b, Location loc,
                               const KernelSpec &spec,
                               const EpilogueOperands &operands,
                               ArrayRef<OutputElement> elements,
                               bool adjacentPairs) {
  // Per-tensor values once: the stores below may alias them as far as LLVM
  // knows, so it would reload them for every element.
  auto scalar = [&](Value memref, bool isScalar) -> Value {
    return memref && isScalar
               ? memref::LoadOp::create(b, loc, memref, ValueRange{}).getResult()
               : Value();
  };
  Value lhsScalar = scalar(operands.lhsScale, spec.lhsScale == ScaleKind::Scalar);
  Value rhsScalar = scalar(operands.rhsScale, spec.rhsScale == ScaleKind::Scalar);
  Value outScale = scalar(operands.outScale, true);
  auto scaleAt = [&](Value scale, ScaleKind kind, Value scalarValue,
                     Value i) -> Value {
    if (kind == ScaleKind::None)
      return Value();
    if (kind == ScaleKind::Scalar)
      return scalarValue;
    return memref::LoadOp::create(b, loc, scale, ValueRange{i});
  };
  auto store = [&](Value v, const OutputElement &at) {
    auto ifOp = scf::IfOp::create(b, loc, at.inBounds, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    memref::StoreOp::create(b, loc, v, operands.out,
                            ValueRange{operands.batch, at.m, at.n});
  };
  bool fp8Out = isa<Float8E4M3FNType, Float8E5M2Type>(spec.outElement);
  // With adjacent pairs, a pair whose second element is in bounds is one
  // vector store when every row of the output starts at an even element
  // (N even), the element by element stores otherwise.
  Value evenRows;
  if (adjacentPairs) {
    Value n = memref::DimOp::create(b, loc, operands.out, 2);
    evenRows = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        arith::RemUIOp::create(b, loc, n,
                               arith::ConstantIndexOp::create(b, loc, 2)),
        arith::ConstantIndexOp::create(b, loc, 0));
  }
  unsigned bytes = spec.outElement.getIntOrFloatBitWidth() / 8;
  auto pairType = VectorType::get({2}, spec.outElement);
  // `pair` (vector<2 x out>) holds elements i and i + 1.
  auto storePair = [&](Value pair, size_t i) {
    auto scalars = [&] {
      for (int e = 0; e < 2; ++e)
        store(vector::ExtractOp::create(b, loc, pair, e), elements[i + e]);
    };
    if (!adjacentPairs)
      return scalars();
    Value whole = arith::AndIOp::create(b, loc, elements[i + 1].inBounds,
                                        evenRows);
    auto ifOp = scf::IfOp::create(b, loc, whole, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    vector::StoreOp::create(
        b, loc, pair, operands.out,
        ValueRange{operands.batch, elements[i].m, elements[i].n},
        /*nontemporal=*/false, b.getI64IntegerAttr(2 * bytes));
    b.setInsertionPointToStart(ifOp.elseBlock());
    scalars();
  };
  Value pending;
  for (size_t i = 0; i < elements.size(); ++i) {
    const OutputElement &at = elements[i];
    Value v = at.value;
    Value sl = scaleAt(operands.lhsScale, spec.lhsScale, lhsScalar, at.m);
    Value sr = scaleAt(operands.rhsScale, spec.rhsScale, rhsScalar, at.n);
    Value denom = sl && sr ? arith::MulFOp::create(b, loc, sl, sr).getResult()
                           : (sl ? sl : sr);
    if (denom)
      v = arith::DivFOp::create(b, loc, v, denom);
    if (operands.bias)
      v = arith::AddFOp::create(
          b, loc, v,
          memref::LoadOp::create(b, loc, operands.bias, ValueRange{at.n}));
    if (outScale)
      v = arith::MulFOp::create(b, loc, v, outScale);
    if (!fp8Out && !spec.outElement.isF32())
      v = arith::TruncFOp::create(b, loc, spec.outElement, v);
    if (!fp8Out && !adjacentPairs) {
      store(v, at);
      continue;
    }
    // Pairs are converted (FP8) and stored as soon as they are computed: a
    // kernel with 64 accumulators per thread runs out of registers if every
    // scaled value waits.
    if (i % 2 == 0) {
      pending = v;
      continue;
    }
    Value pair;
    if (fp8Out) {
      // cvt.rn.satfinite.{e4m3,e5m2}x2.f32 puts its first operand in the
      // high byte: pass each pair reversed so that byte e holds element e.
      Value packed = NVVM::ConvertF32x2ToF8x2Op::create(
          b, loc, VectorType::get({2}, b.getI8Type()), v, pending,
          NVVM::FPRoundingModeAttr::get(b.getContext(), NVVM::FPRoundingMode::RN),
          NVVM::SaturationModeAttr::get(b.getContext(),
                                        NVVM::SaturationMode::SATFINITE),
          b.getBoolAttr(false), TypeAttr::get(spec.outElement));
      pair = arith::BitcastOp::create(b, loc, pairType, packed);
    } else {
      pair = vector::FromElementsOp::create(b, loc, pairType,
                                            ValueRange{pending, v});
    }
    storePair(pair, i - 1);
  }
}
