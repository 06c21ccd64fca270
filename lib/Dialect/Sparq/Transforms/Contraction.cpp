//===- Contraction.cpp - linalg contractions in matmul form ---------------===//
#include "sparq/Dialect/Sparq/Transforms/Contraction.h"

#include "sparq/Dialect/Sparq/IR/Sparq.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <limits>

using namespace mlir;
using namespace sparq;

Type Contraction::getElementType() const {
  return cast<ShapedType>(lhs.getType()).getElementType();
}

int64_t Contraction::getNumMacs() const {
  auto out = cast<ShapedType>(init.getType());
  auto lhsType = cast<ShapedType>(lhs.getType());
  if (!out.hasStaticShape() || !lhsType.hasStaticShape())
    return -1;
  int64_t rank = lhsType.getRank();
  int64_t k = lhsType.getDimSize(transposeLhs ? rank - 2 : rank - 1);
  // Static sizes may multiply past int64_t: saturate.
  std::optional<int64_t> macs = k;
  for (int64_t size : out.getShape())
    if (macs)
      macs = llvm::checkedMul(*macs, size);
  return macs.value_or(std::numeric_limits<int64_t>::max());
}

/// Positions of the loop dimensions `dims` among the results of `map`, each
/// a plain dimension expression; nullopt when `map` is anything else.
static std::optional<SmallVector<unsigned>>
resultDims(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults()) {
    auto d = dyn_cast<AffineDimExpr>(e);
    if (!d)
      return std::nullopt;
    dims.push_back(d.getPosition());
  }
  return dims;
}

FailureOr<Contraction> sparq::matchContraction(linalg::LinalgOp op,
                                               std::string &whyNot) {
  if (!linalg::isaContractionOpInterface(op)) {
    whyNot = "not a multiply-accumulate contraction";
    return failure();
  }
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics()) {
    whyNot = "expects two tensor inputs and one tensor init";
    return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  // A weight shared across a batch (im2col convolutions) shows as a second M
  // dimension of the first input: treat the outer one as a batch that folds
  // into M.
  if (succeeded(dims) && dims->m.size() == 2 && dims->batch.empty() &&
      dims->n.size() == 1 && dims->k.size() == 1) {
    dims->batch.push_back(dims->m[0]);
    dims->m.erase(dims->m.begin());
  }
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 1) {
    whyNot = "expects exactly one M, N and K dimension and at most one batch "
             "dimension";
    return failure();
  }
  unsigned m = dims->m[0], n = dims->n[0], k = dims->k[0];
  std::optional<unsigned> b;
  if (!dims->batch.empty())
    b = dims->batch[0];

  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto outDims = resultDims(maps[2]);
  auto expect = [&](std::initializer_list<unsigned> tail) {
    SmallVector<unsigned> want;
    if (b)
      want.push_back(*b);
    want.append(tail);
    return want;
  };
  // inferContractionDims calls "M" the dimensions of the first input; the
  // matmul form wants the result's rows, which may be the second input's.
  Contraction c;
  c.op = op;
  if (outDims && *outDims == expect({n, m})) {
    std::swap(m, n);
    c.lhsIndex = 1;
  } else if (!outDims || *outDims != expect({m, n})) {
    whyNot = "expects a result indexed [batch,] M, N";
    return failure();
  }
  auto lhsDims = resultDims(maps[c.lhsIndex]);
  auto rhsDims = resultDims(maps[1 - c.lhsIndex]);
  if (!lhsDims || !rhsDims) {
    whyNot = "expects operands indexed by plain dimensions";
    return failure();
  }
  c.lhs = op.getDpsInputOperand(c.lhsIndex)->get();
  c.rhs = op.getDpsInputOperand(1 - c.lhsIndex)->get();
  c.init = op.getDpsInitOperand(0)->get();
  c.batched = b.has_value();
  if (*lhsDims == expect({m, k}))
    c.transposeLhs = false;
  else if (*lhsDims == expect({k, m}))
    c.transposeLhs = true;
  else {
    whyNot = "unsupported lhs indexing";
    return failure();
  }
  SmallVector<unsigned> rhsWant = *rhsDims;
  if (b && !llvm::is_contained(*rhsDims, *b)) {
    c.batchIntoM = true;
    rhsWant.insert(rhsWant.begin(), *b);
  }
  if (rhsWant == expect({k, n}))
    c.transposeRhs = false;
  else if (rhsWant == expect({n, k}))
    c.transposeRhs = true;
  else {
    whyNot = "unsupported rhs indexing";
    return failure();
  }

  Type elementType = c.getElementType();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(elementType) ||
      cast<ShapedType>(c.rhs.getType()).getElementType() != elementType ||
      cast<ShapedType>(c.init.getType()).getElementType() != elementType) {
    whyNot = "expects f32, f16 or bf16 operands and result of one type";
    return failure();
  }
  for (Value v : {c.lhs, c.rhs, c.init})
    if (auto t = dyn_cast<RankedTensorType>(v.getType()); !t || t.getEncoding()) {
      whyNot = "expects ranked tensors without encoding";
      return failure();
    }
  // linalg's verifier lets operands disagree on a loop's static size (the
  // op is then undefined at run time); sparq.matmul's does not, so such an
  // op is left as it is.
  SmallVector<int64_t> loopSize(op.getNumLoops(), ShapedType::kDynamic);
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = cast<RankedTensorType>(operand.get().getType());
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      int64_t size = type.getDimSize(i);
      if (ShapedType::isDynamic(size))
        continue;
      int64_t &known = loopSize[cast<AffineDimExpr>(expr).getPosition()];
      if (!ShapedType::isDynamic(known) && known != size) {
        whyNot = "operands disagree on the size of a dimension (" +
                 std::to_string(known) + " vs " + std::to_string(size) + ")";
        return failure();
      }
      known = size;
    }
  }
  return c;
}

std::string sparq::getContractionName(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>("sparq.name"))
    return name.str();
  if (auto loc = dyn_cast<NameLoc>(op->getLoc()))
    return loc.getName().str();
  return "";
}

bool sparq::isZeroInit(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return false;
  FloatAttr zero;
  return matchPattern(fill.getInputs()[0], m_Constant(&zero)) &&
         zero.getValue().isZero();
}

Value sparq::transposeLastTwo(OpBuilder &builder, Location loc, Value value) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  std::swap(perm[rank - 1], perm[rank - 2]);
  SmallVector<int64_t> shape = llvm::to_vector(type.getShape());
  std::swap(shape[rank - 1], shape[rank - 2]);
  auto resultType = RankedTensorType::get(shape, type.getElementType());

  // Constants are transposed here so that later folds see a constant.
  Attribute attr;
  if (matchPattern(value, m_Constant(&attr))) {
    // A splat transposes to itself, at any size.
    auto dense = dyn_cast<DenseElementsAttr>(attr);
    if (dense && dense.isSplat())
      return arith::ConstantOp::create(builder, loc,
                                       dense.resizeSplat(resultType));
    if (auto elements = ConstantElements::read(attr)) {
      ArrayRef<char> raw = elements->getRawData();
      size_t bytes = raw.size() / std::max<int64_t>(elements->getNumElements(), 1);
      int64_t batch = rank == 3 ? shape[0] : 1;
      int64_t rows = type.getDimSize(rank - 2), cols = type.getDimSize(rank - 1);
      ConstantBuilder out(resultType, elements->isResource());
      char *dst = out.data().data();
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t r = 0; r < rows; ++r)
          for (int64_t c = 0; c < cols; ++c)
            std::memcpy(dst + ((b * cols + c) * rows + r) * bytes,
                        raw.data() + ((b * rows + r) * cols + c) * bytes,
                        bytes);
      return arith::ConstantOp::create(builder, loc, out.finish());
    }
  }

  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(builder, loc, value, perm[d]));
  Value empty = tensor::EmptyOp::create(builder, loc, shape,
                                        type.getElementType(), sizes);
  return linalg::TransposeOp::create(builder, loc, value, empty, perm)
      .getResult()[0];
}

Value sparq::rewriteAsSparqMatmul(RewriterBase &rewriter, const Contraction &c,
                                  OperandTransform transform,
                                  Attribute saturation) {
  Location loc = c.op.getLoc();
  rewriter.setInsertionPoint(c.op);
  Value lhs = c.transposeLhs ? transposeLastTwo(rewriter, loc, c.lhs) : c.lhs;
  Value rhs = c.transposeRhs ? transposeLastTwo(rewriter, loc, c.rhs) : c.rhs;
  auto initType = cast<RankedTensorType>(c.init.getType());
  RankedTensorType resultType = initType;
  SmallVector<ReassociationIndices> rows = {{0, 1}, {2}};
  if (c.batchIntoM) {
    // [B, M, K] x [K, N]: the shared weight sees B * M rows.
    lhs = tensor::CollapseShapeOp::create(rewriter, loc, lhs, rows);
    resultType = tensor::CollapseShapeOp::inferCollapsedType(initType, rows);
  }
  auto [lhsValue, lhsScale] = transform(lhs, /*isLhs=*/true);
  auto [rhsValue, rhsScale] = transform(rhs, /*isLhs=*/false);
  Value result = MatmulOp::create(
      rewriter, loc, resultType, lhsValue, rhsValue, lhsScale, rhsScale,
      /*out_scale=*/Value(), /*bias=*/Value(),
      cast<SaturationAttr>(saturation));
  if (c.batchIntoM)
    result = tensor::ExpandShapeOp::create(rewriter, loc, initType, result,
                                           rows);
  if (!isZeroInit(c.init)) {
    // linalg ops accumulate into their init; sparq.matmul starts from zero.
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < initType.getRank(); ++d)
      if (initType.isDynamicDim(d))
        sizes.push_back(tensor::DimOp::create(rewriter, loc, c.init, d));
    Value empty = tensor::EmptyOp::create(rewriter, loc, initType.getShape(),
                                          initType.getElementType(), sizes);
    result = linalg::AddOp::create(rewriter, loc, ValueRange{c.init, result},
                                   ValueRange{empty})
                 .getResult(0);
  }
  rewriter.replaceOp(c.op, result);
  return result;
}

std::optional<std::pair<unsigned, unsigned>>
sparq::parseNMPattern(llvm::StringRef text) {
  auto [nText, mText] = text.split(':');
  unsigned n = 0, m = 0;
  if (nText.getAsInteger(10, n) || mText.getAsInteger(10, m) || n == 0 ||
      n >= m || m > 16)
    return std::nullopt;
  return std::make_pair(n, m);
}
