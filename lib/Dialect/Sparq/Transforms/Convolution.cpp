//===- Convolution.cpp - linalg convolutions as im2col products -----------===//
#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "sparq/Dialect/Sparq/Transforms/Contraction.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include <limits>

using namespace mlir;
using namespace sparq;

namespace {
/// Dimension letters of a layout with an im2col product form.
struct Layout {
  const char *input, *filter, *output;
};
} // namespace

/// The layouts of 2-D float convolutions the passes rewrite, by op name.
static std::optional<Layout> productLayout(StringRef name) {
  return llvm::StringSwitch<std::optional<Layout>>(name)
      .Case("linalg.conv_2d_nhwc_hwcf", Layout{"nhwc", "yxcf", "nhwf"})
      .Case("linalg.conv_2d_nhwc_fhwc", Layout{"nhwc", "fyxc", "nhwf"})
      .Case("linalg.conv_2d_nchw_fchw", Layout{"nchw", "fcyx", "nfhw"})
      .Case("linalg.conv_2d_ngchw_gfchw", Layout{"ngchw", "gfcyx", "ngfhw"})
      .Case("linalg.conv_2d_nhwgc_gfhwc", Layout{"nhwgc", "gfyxc", "nhwgf"})
      .Default(std::nullopt);
}

ConvolutionKind sparq::classifyConvolution(Operation *op, std::string &whyNot) {
  StringRef name = op->getName().getStringRef();
  if (productLayout(name))
    return ConvolutionKind::Product;
  if (name.starts_with("linalg.depthwise_conv")) {
    whyNot = "depthwise convolution: each output channel reads one input "
             "channel, so K is only the kernel window and no Tensor Core "
             "product fits";
    return ConvolutionKind::Depthwise;
  }
  if (!name.starts_with("linalg.conv"))
    return ConvolutionKind::None;
  if (name.ends_with("_q"))
    whyNot = "integer convolution with zero points";
  else if (name == "linalg.conv_2d_ngchw_fgchw")
    whyNot = "grouped layout ngchw_fgchw (output channels before groups in "
             "the filter); ngchw_gfchw and nhwgc_gfhwc are supported";
  else
    whyNot = "unsupported convolution " + name.str() +
             "; 2-D nhwc_hwcf, nhwc_fhwc, nchw_fchw, ngchw_gfchw and "
             "nhwgc_gfhwc are supported";
  return ConvolutionKind::Unsupported;
}

int64_t ConvolutionInfo::getNumMacs() const {
  std::optional<int64_t> macs = groups;
  for (int64_t size : {getM(), f, k})
    if (macs)
      macs = llvm::checkedMul(*macs, size);
  return macs.value_or(std::numeric_limits<int64_t>::max());
}

SmallVector<int64_t> ConvolutionInfo::getWeightMatrixShape() const {
  SmallVector<int64_t> shape;
  if (grouped)
    shape.push_back(groups);
  if (transposedWeight)
    shape.append({f, k});
  else
    shape.append({k, f});
  return shape;
}

static std::string describeK(const ConvolutionInfo &info) {
  StringRef filter = info.filter;
  int64_t k = info.k;
  bool grouped = info.grouped;
  std::string order;
  for (char l : filter) {
    const char *name = l == 'c' ? "c" : l == 'y' ? "kh" : l == 'x' ? "kw" : "";
    if (!*name)
      continue;
    order += (order.empty() ? "" : ", ") + std::string(name);
  }
  int64_t c = k, window = 1;
  auto filterType = cast<ShapedType>(info.op->getOperand(1).getType());
  std::string kernel;
  for (auto [i, l] : llvm::enumerate(StringRef(filter)))
    if (l == 'y' || l == 'x') {
      kernel += (kernel.empty() ? "" : "x") +
                std::to_string(filterType.getDimSize(i));
      window *= filterType.getDimSize(i);
    }
  c /= window;
  return llvm::formatv("K = {0} = kernel {1} x {2} input channels{3}, ordered "
                       "({4})",
                       k, kernel, c, grouped ? " per group" : "", order)
      .str();
}

FailureOr<ConvolutionInfo> sparq::matchConvolution(linalg::LinalgOp op,
                                                   std::string &whyNot) {
  std::optional<Layout> layout = productLayout(op->getName().getStringRef());
  if (!layout) {
    if (classifyConvolution(op, whyNot) == ConvolutionKind::None)
      whyNot = "not a convolution";
    return failure();
  }
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics()) {
    whyNot = "expects two tensor inputs and one tensor init";
    return failure();
  }
  ConvolutionInfo info;
  info.op = op;
  info.layout = op->getName().getStringRef().drop_front(
      strlen("linalg.conv_2d_"));
  info.input = layout->input;
  info.filter = layout->filter;
  info.output = layout->output;
  info.grouped = info.input.find('g') != std::string::npos;
  auto inType = cast<RankedTensorType>(op.getDpsInputOperand(0)->get().getType());
  auto filterType =
      cast<RankedTensorType>(op.getDpsInputOperand(1)->get().getType());
  auto outType = cast<RankedTensorType>(op.getDpsInitOperand(0)->get().getType());
  if (!inType.hasStaticShape() || !filterType.hasStaticShape() ||
      !outType.hasStaticShape()) {
    whyNot = "convolution with dynamic shapes";
    return failure();
  }
  Type element = inType.getElementType();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(element) ||
      filterType.getElementType() != element ||
      outType.getElementType() != element || inType.getEncoding() ||
      filterType.getEncoding() || outType.getEncoding()) {
    whyNot = "expects f32, f16 or bf16 operands and result of one type";
    return failure();
  }
  auto size = [](RankedTensorType type, StringRef letters, char l) {
    return type.getDimSize(letters.find(l));
  };
  StringRef in = info.input, filter = info.filter, out = info.output;
  info.n = size(outType, out, 'n');
  info.oh = size(outType, out, 'h');
  info.ow = size(outType, out, 'w');
  info.f = size(filterType, filter, 'f');
  if (info.grouped)
    info.groups = size(filterType, filter, 'g');
  int64_t c = size(filterType, filter, 'c');
  int64_t kh = size(filterType, filter, 'y'), kw = size(filterType, filter, 'x');
  info.k = c * kh * kw;
  for (StringRef name : {"strides", "dilations"}) {
    int64_t *values = name == "strides" ? info.strides : info.dilations;
    if (auto attr = op->getAttrOfType<DenseIntElementsAttr>(name)) {
      if (attr.getNumElements() != 2) {
        whyNot = "expects two " + name.str();
        return failure();
      }
      int64_t j = 0;
      for (const APInt &v : attr.getValues<APInt>())
        values[j++] = v.getSExtValue();
    }
  }
  // linalg does not verify that the operand shapes agree; an im2col product
  // of shapes that do not would read out of bounds.
  int64_t h = size(inType, in, 'h'), w = size(inType, in, 'w');
  if (size(inType, in, 'n') != info.n || size(inType, in, 'c') != c ||
      (info.grouped && (size(inType, in, 'g') != info.groups ||
                        size(outType, out, 'g') != info.groups)) ||
      size(outType, out, 'f') != info.f || info.oh < 1 || info.ow < 1 ||
      (info.oh - 1) * info.strides[0] + (kh - 1) * info.dilations[0] >= h ||
      (info.ow - 1) * info.strides[1] + (kw - 1) * info.dilations[1] >= w) {
    whyNot = "the input, filter and output shapes do not agree";
    return failure();
  }
  // The weight matrix is the filter reshaped: K's letters are contiguous in
  // it (true of every layout above); F before them means F x K.
  info.transposedWeight = filter.find('f') < filter.find_first_of("cyx");
  info.pointwise = !info.grouped && in == "nhwc" && kh == 1 && kw == 1 &&
                   info.strides[0] == 1 && info.strides[1] == 1 &&
                   info.oh == h && info.ow == w;
  info.kText = describeK(info);
  return info;
}

Value sparq::reshapeOrFold(OpBuilder &builder, Location loc, Value value,
                           RankedTensorType type,
                           ArrayRef<ReassociationIndices> reassociation) {
  auto source = cast<RankedTensorType>(value.getType());
  if (source == type)
    return value;
  // A filled tensor reshaped is the same fill (isZeroInit still sees it).
  if (auto fill = value.getDefiningOp<linalg::FillOp>()) {
    Value empty = tensor::EmptyOp::create(builder, loc, type.getShape(),
                                          type.getElementType());
    return linalg::FillOp::create(builder, loc, fill.getInputs()[0], empty)
        .getResult(0);
  }
  Attribute attr;
  if (matchPattern(value, m_Constant(&attr))) {
    if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
      return arith::ConstantOp::create(builder, loc, dense.resizeSplat(type));
    // A row-major reshape keeps every byte where it is.
    if (auto elements = ConstantElements::read(attr)) {
      ConstantBuilder out(type, elements->isResource());
      ArrayRef<char> raw = elements->getRawData();
      std::memcpy(out.data().data(), raw.data(), raw.size());
      return arith::ConstantOp::create(builder, loc, out.finish());
    }
  }
  // Folded when it undoes a reshape (frontends wrap products in them).
  if (type.getRank() < source.getRank())
    return builder.createOrFold<tensor::CollapseShapeOp>(loc, type, value,
                                                         reassociation);
  return builder.createOrFold<tensor::ExpandShapeOp>(loc, type, value,
                                                     reassociation);
}

/// Reassociation grouping consecutive dimensions by `sizes` (one group per
/// entry, `sizes[i]` dimensions in it).
static SmallVector<ReassociationIndices> groupsOf(ArrayRef<int64_t> sizes) {
  SmallVector<ReassociationIndices> groups;
  int64_t next = 0;
  for (int64_t count : sizes) {
    ReassociationIndices group;
    for (int64_t i = 0; i < count; ++i)
      group.push_back(next++);
    groups.push_back(group);
  }
  return groups;
}

/// A tensor with the dimensions of `value` (named by `from`) reordered as
/// `to`; `value` itself when the order is the same.
static Value transposeLetters(OpBuilder &builder, Location loc, Value value,
                              StringRef from, StringRef to) {
  if (from == to)
    return value;
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> perm, shape;
  for (char l : to) {
    perm.push_back(from.find(l));
    shape.push_back(type.getDimSize(perm.back()));
  }
  Value empty = tensor::EmptyOp::create(builder, loc, shape,
                                        type.getElementType());
  return linalg::TransposeOp::create(builder, loc, value, empty, perm)
      .getResult()[0];
}

linalg::LinalgOp sparq::rewriteConvolutionAsProduct(RewriterBase &rewriter,
                                                    const ConvolutionInfo &info) {
  linalg::LinalgOp op = info.op;
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(op);
  Value input = op.getDpsInputOperand(0)->get();
  Value filter = op.getDpsInputOperand(1)->get();
  Value init = op.getDpsInitOperand(0)->get();
  auto inType = cast<RankedTensorType>(input.getType());
  auto filterType = cast<RankedTensorType>(filter.getType());
  auto outType = cast<RankedTensorType>(init.getType());
  Type element = inType.getElementType();
  StringRef filterLetters = info.filter;
  bool g = info.grouped;

  // K's letters in filter order.
  std::string kLetters;
  for (char l : filterLetters)
    if (l == 'c' || l == 'y' || l == 'x')
      kLetters += l;

  // Patches [g,] n, oh, ow, K... (collapsed to [G,] M, K).
  Value patches;
  SmallVector<int64_t> patchShape;
  if (g)
    patchShape.push_back(info.groups);
  patchShape.push_back(info.getM());
  patchShape.push_back(info.k);
  auto patchType = RankedTensorType::get(patchShape, element);
  if (info.pointwise) {
    patches = reshapeOrFold(rewriter, loc, input, patchType,
                            groupsOf({3, 1}));
  } else {
    std::string loops = std::string(g ? "g" : "") + "nhw" + kLetters;
    SmallVector<int64_t> loopShape;
    for (char l : loops) {
      if (l == 'h' || l == 'w')
        loopShape.push_back(l == 'h' ? info.oh : info.ow);
      else if (l == 'n' || l == 'g')
        loopShape.push_back(outType.getDimSize(info.output.find(l)));
      else
        loopShape.push_back(filterType.getDimSize(filterLetters.find(l)));
    }
    auto dim = [&](char l) {
      return getAffineDimExpr(loops.find(l), ctx);
    };
    SmallVector<AffineExpr> inExprs;
    for (char l : info.input) {
      if (l == 'h')
        inExprs.push_back(dim('h') * info.strides[0] +
                          dim('y') * info.dilations[0]);
      else if (l == 'w')
        inExprs.push_back(dim('w') * info.strides[1] +
                          dim('x') * info.dilations[1]);
      else
        inExprs.push_back(dim(l));
    }
    unsigned numLoops = loops.size();
    SmallVector<AffineMap> maps = {
        AffineMap::get(numLoops, 0, inExprs, ctx),
        AffineMap::getMultiDimIdentityMap(numLoops, ctx)};
    Value empty = tensor::EmptyOp::create(rewriter, loc, loopShape, element);
    auto gather = linalg::GenericOp::create(
        rewriter, loc, empty.getType(), ValueRange{input}, ValueRange{empty},
        maps,
        SmallVector<utils::IteratorType>(numLoops,
                                         utils::IteratorType::parallel),
        [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(b, l, args[0]);
        });
    patches = reshapeOrFold(
        rewriter, loc, gather.getResult(0), patchType,
        g ? groupsOf({1, 3, int64_t(kLetters.size())})
          : groupsOf({3, int64_t(kLetters.size())}));
  }

  // The filter as [G,] K x F or [G,] F x K: a reshape.
  auto weightType = RankedTensorType::get(info.getWeightMatrixShape(), element);
  SmallVector<int64_t> weightGroups;
  if (g)
    weightGroups.push_back(1);
  if (info.transposedWeight)
    weightGroups.append({1, int64_t(kLetters.size())});
  else
    weightGroups.append({int64_t(kLetters.size()), 1});
  Value weight = reshapeOrFold(rewriter, loc, filter, weightType,
                               groupsOf(weightGroups));

  // The init as [G,] M x F: the output in [g,] n, h, w, f order.
  std::string productLetters = std::string(g ? "g" : "") + "nhwf";
  SmallVector<int64_t> productShape;
  if (g)
    productShape.push_back(info.groups);
  productShape.append({info.getM(), info.f});
  auto productType = RankedTensorType::get(productShape, element);
  SmallVector<ReassociationIndices> productGroups =
      g ? groupsOf({1, 3, 1}) : groupsOf({3, 1});
  Value productInit;
  if (isZeroInit(init)) {
    Value empty = tensor::EmptyOp::create(rewriter, loc, productShape, element);
    productInit = linalg::FillOp::create(
                      rewriter, loc,
                      init.getDefiningOp<linalg::FillOp>().getInputs()[0],
                      empty)
                      .getResult(0);
  } else {
    productInit = reshapeOrFold(
        rewriter, loc,
        transposeLetters(rewriter, loc, init, info.output, productLetters),
        productType, productGroups);
  }

  // The product: [b,] m, n, k loops.
  unsigned numLoops = g ? 4 : 3;
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  unsigned b0 = g ? 1 : 0;
  AffineExpr m = d(b0), n = d(b0 + 1), k = d(b0 + 2);
  auto map = [&](std::initializer_list<AffineExpr> tail) {
    SmallVector<AffineExpr> exprs;
    if (g)
      exprs.push_back(d(0));
    exprs.append(tail);
    return AffineMap::get(numLoops, 0, exprs, ctx);
  };
  SmallVector<AffineMap> maps = {
      map({m, k}), info.transposedWeight ? map({n, k}) : map({k, n}),
      map({m, n})};
  SmallVector<utils::IteratorType> iterators(numLoops,
                                             utils::IteratorType::parallel);
  iterators.back() = utils::IteratorType::reduction;
  auto product = linalg::GenericOp::create(
      rewriter, loc, productType, ValueRange{patches, weight},
      ValueRange{productInit}, maps, iterators,
      [](OpBuilder &b, Location l, ValueRange args) {
        Value mul = arith::MulFOp::create(b, l, args[0], args[1]);
        linalg::YieldOp::create(b, l,
                                Value(arith::AddFOp::create(b, l, args[2], mul)));
      });
  for (NamedAttribute attr : op->getDiscardableAttrs())
    product->setAttr(attr.getName(), attr.getValue());
  // The filter is the weight even when it is not a constant (a filter still
  // training, or a blob the passes cannot read).
  if (!product->hasAttr("sparq.weight_operand"))
    product->setAttr("sparq.weight_operand", rewriter.getI64IntegerAttr(1));

  // Back to the output layout.
  SmallVector<int64_t> unfolded;
  for (char l : productLetters)
    unfolded.push_back(outType.getDimSize(info.output.find(l)));
  Value result = reshapeOrFold(rewriter, loc, product.getResult(0),
                               RankedTensorType::get(unfolded, element),
                               productGroups);
  result = transposeLetters(rewriter, loc, result, productLetters, info.output);
  rewriter.replaceOp(op, result);
  return cast<linalg::LinalgOp>(product.getOperation());
}

std::string sparq::describeForReport(Operation *op) {
  std::string name = getContractionName(op);
  if (!name.empty())
    return "'" + name + "'";
  std::string text;
  llvm::raw_string_ostream os(text);
  os << op->getName() << " at " << op->getLoc();
  return text;
}
