//===- PermutePass.cpp - the sparq-permute-channels pass ------------------===//
//
// Permuting the K channels of a product X W by pi changes nothing when X's
// columns and W's rows move together: sum_k x[k] w[k] is the same sum in
// another order (exact up to the rounding of that order). W's rows are a
// constant; X's columns are permuted where they are made, when that is a
// product with a constant weight followed by per-channel element-wise ops,
// and by an explicit gather otherwise.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Passes.h"

#include "sparq/Dialect/Sparq/Transforms/Calibration.h"
#include "sparq/Dialect/Sparq/Transforms/Convolution.h"

#include "sparq/Numerics/AxisView.h"
#include "sparq/Numerics/Element.h"
#include "sparq/Search/ChannelPermutation.h"
#include "sparq/Utils/ConstantElements.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <cstring>
#include <sstream>

namespace sparq {
#define GEN_PASS_DEF_SPARQPERMUTECHANNELS
#include "sparq/Dialect/Sparq/Transforms/Passes.h.inc"
} // namespace sparq

using namespace mlir;
using namespace sparq;
namespace num = sparq::numerics;
namespace search = sparq::search;

namespace {
/// A constant with dimension `dim` permuted: new[.., p, ..] = old[.., perm[p], ..].
ElementsAttr permuteConstant(Attribute attr, int64_t dim,
                             ArrayRef<int32_t> perm) {
  // A permuted splat is the same splat.
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return dense;
  auto data = ConstantElements::read(attr);
  if (!data)
    return {};
  auto type = cast<ShapedType>(data->getType());
  ArrayRef<char> raw = data->getRawData();
  size_t bytes = raw.size() / std::max<int64_t>(type.getNumElements(), 1);
  num::AxisView view =
      num::AxisView::forDim(type.getShape().data(), type.getRank(), dim);
  ConstantBuilder out(type, data->isResource());
  char *dst = out.data().data();
  size_t line = size_t(view.inner) * bytes;
  for (int64_t o = 0; o < view.outer; ++o)
    for (int64_t p = 0; p < view.axis; ++p)
      std::memcpy(dst + ((o * view.axis + p) * view.inner) * bytes,
                  raw.data() + ((o * view.axis + perm[p]) * view.inner) * bytes,
                  line);
  return out.finish();
}

/// Whether `value` is a constant that permuteConstant can permute (not an
/// elided or oversized blob, not i1).
bool isPermutableConstant(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return false;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr); dense && dense.isSplat())
    return true;
  return ConstantElements::read(attr).has_value();
}

/// Where an activation's channels can be permuted at no run-time cost: a
/// product with a constant weight, then per-channel element-wise ops.
struct Producer {
  /// The producing product and the operand index of its constant weight.
  linalg::LinalgOp product;
  unsigned weightOperand = 0;
  /// The weight's output-channel dimension.
  int64_t weightChannelDim = 0;
  /// Per-channel constant operands of the element-wise ops (op, operand).
  SmallVector<std::pair<Operation *, unsigned>> channelConstants;
};

/// Finds the Producer of `activation`'s last dimension, if every value on
/// the way has a single use (permuting it must not change anything else).
std::optional<Producer> findProducer(Value activation) {
  Producer producer;
  Value v = activation;
  while (true) {
    if (!v.hasOneUse())
      return std::nullopt;
    auto op = v.getDefiningOp<linalg::LinalgOp>();
    if (!op || op->getNumResults() != 1)
      return std::nullopt;
    auto type = cast<RankedTensorType>(v.getType());
    int64_t rank = type.getRank();
    std::string ignored;
    if (linalg::isaContractionOpInterface(op)) {
      FailureOr<Contraction> c = matchContraction(op, ignored);
      if (failed(c) || c->batched || c->batchIntoM ||
          !isPermutableConstant(c->rhs) ||
          !c->init.getDefiningOp<linalg::FillOp>())
        return std::nullopt;
      producer.product = op;
      producer.weightOperand = 1 - c->lhsIndex;
      // rhs is K x N, or N x K when transposed: N is the output channel.
      producer.weightChannelDim = c->transposeRhs ? 0 : 1;
      return producer;
    }
    // Element-wise and per channel: all loops parallel, identity result.
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic || generic.getNumParallelLoops() != generic.getNumLoops() ||
        !generic.getIndexingMapsArray().back().isIdentity() ||
        llvm::any_of(generic.getDpsInits(), [&](Value init) {
          return generic.getMatchingBlockArgument(
                            generic.getDpsInitOperand(0))
              .use_empty() == false;
        }))
      return std::nullopt;
    Value carried;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      AffineMap map = generic.getMatchingIndexingMap(input);
      if (map.isIdentity() && input->get().getType() == type) {
        if (carried)
          return std::nullopt;
        carried = input->get();
        continue;
      }
      // A constant indexed by the channel alone moves with the channels.
      if (map.getNumResults() == 1 &&
          map.getResult(0) == getAffineDimExpr(rank - 1, map.getContext()) &&
          isPermutableConstant(input->get())) {
        producer.channelConstants.push_back({generic, input->getOperandNumber()});
        continue;
      }
      // Anything else (a row-broadcast, a scalar) is independent of the
      // channel only if it does not index it.
      if (llvm::any_of(map.getResults(), [&](AffineExpr e) {
            return e.isFunctionOfDim(rank - 1);
          }))
        return std::nullopt;
    }
    if (!carried)
      return std::nullopt;
    v = carried;
  }
}

/// Erases the constant behind `v` once nothing reads it.
void eraseIfDead(RewriterBase &rewriter, Value v) {
  if (Operation *def = v.getDefiningOp())
    if (isa<arith::ConstantOp>(def) && def->use_empty())
      rewriter.eraseOp(def);
}

struct SparqPermuteChannelsPass
    : public sparq::impl::SparqPermuteChannelsBase<SparqPermuteChannelsPass> {
  using SparqPermuteChannelsBase::SparqPermuteChannelsBase;
  void runOnOperation() override;

private:
  /// The permutation for weight `w` (K x N values as f32, row-major), or an
  /// explanation.
  FailureOr<search::PermutationResult> searchFor(const std::vector<float> &wT,
                                                 int64_t n, int64_t k,
                                                 std::string &whyNot);
  void permuteActivation(IRRewriter &rewriter, linalg::LinalgOp op,
                         unsigned activationOperand, ArrayRef<int32_t> perm);
  /// Reads criterion and calibration, and checks the statistics against
  /// every product before anything is rewritten.
  LogicalResult loadCalibration(ArrayRef<linalg::LinalgOp> products);
  search::SparsityPattern nm;
  unsigned permuted = 0, gathers = 0;
  bool wanda = false;
  std::optional<CalibrationFile> calibrationFile;
};
} // namespace

FailureOr<search::PermutationResult>
SparqPermuteChannelsPass::searchFor(const std::vector<float> &wT, int64_t n,
                                    int64_t k, std::string &whyNot) {
  search::PermutationResult result;
  if (method == "greedy") {
    search::GreedyOptions options;
    options.pattern = nm;
    options.seed = seed;
    options.timeBudgetSeconds = timeBudget > 0 ? double(timeBudget) : 1.0;
    result = search::greedyChannelPermutation(wT.data(), n, k, options);
  } else {
    search::PermutationSearchOptions options;
    options.pattern = nm;
    options.seed = seed;
    // sweeps = 0: the budget alone sets the run's length.
    options.sweeps = sweeps > 0 ? double(sweeps) : HUGE_VAL;
    options.timeBudgetSeconds = timeBudget;
    options.replicas = int(std::min<unsigned>(replicas, 1024));
    options.parallel = getParallelFor(&getContext());
    if (startTemperature > 0)
      options.schedule.start = startTemperature;
    if (endTemperature > 0)
      options.schedule.end = endTemperature;
    result = search::annealChannelPermutation(wT.data(), n, k, options);
  }
  if (result.status == search::PermutationStatus::NonFiniteWeight) {
    whyNot = llvm::formatv("the weight has a non-finite value at output "
                           "channel {0}, input channel {1}",
                           result.badRow, result.badColumn)
                 .str();
    return failure();
  }
  if (result.status != search::PermutationStatus::Ok) {
    whyNot = "the search rejected the weight's shape";
    return failure();
  }
  return result;
}

void SparqPermuteChannelsPass::permuteActivation(IRRewriter &rewriter,
                                                 linalg::LinalgOp op,
                                                 unsigned activationOperand,
                                                 ArrayRef<int32_t> perm) {
  Value activation = op.getDpsInputOperand(activationOperand)->get();
  if (std::optional<Producer> producer = findProducer(activation)) {
    // Free: permute the producer's output channels and its per-channel
    // constants.
    auto replaceConstant = [&](Operation *user, unsigned operand, int64_t dim) {
      Value v = user->getOperand(operand);
      Attribute attr;
      matchPattern(v, m_Constant(&attr));
      rewriter.setInsertionPoint(user);
      Value permutedValue = arith::ConstantOp::create(
          rewriter, v.getLoc(), permuteConstant(attr, dim, perm));
      rewriter.modifyOpInPlace(user, [&] { user->setOperand(operand, permutedValue); });
      eraseIfDead(rewriter, v);
    };
    replaceConstant(producer->product, producer->weightOperand,
                    producer->weightChannelDim);
    for (auto [user, operand] : producer->channelConstants)
      replaceConstant(user, operand, 0);
    return;
  }
  // Otherwise gather: permuted[..., p] = activation[..., perm[p]].
  ++gathers;
  auto type = cast<RankedTensorType>(activation.getType());
  int64_t rank = type.getRank();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value indices = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::get(
          RankedTensorType::get({int64_t(perm.size())}, rewriter.getIndexType()),
          llvm::to_vector(llvm::map_range(perm, [](int32_t p) {
            return APInt(64, p);
          }))));
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(rewriter, loc, activation, d));
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                        type.getElementType(), sizes);
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto gather = linalg::GenericOp::create(
      rewriter, loc, type, ValueRange{}, ValueRange{empty}, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange) {
        SmallVector<Value> at;
        for (int64_t d = 0; d < rank; ++d)
          at.push_back(linalg::IndexOp::create(b, l, d));
        at.back() = tensor::ExtractOp::create(b, l, indices, at.back());
        Value v = tensor::ExtractOp::create(b, l, activation, at);
        linalg::YieldOp::create(b, l, v);
      });
  rewriter.modifyOpInPlace(op, [&] {
    op.getDpsInputOperand(activationOperand)->set(gather.getResult(0));
  });
}

/// K of a product the pass may permute, and whether its weight is a
/// constant; nullopt for products it leaves alone anyway.
static std::optional<std::pair<int64_t, bool>>
permutableK(linalg::LinalgOp op) {
  std::string why;
  Attribute attr;
  ConvolutionKind kind = classifyConvolution(op, why);
  if (kind == ConvolutionKind::Product) {
    FailureOr<ConvolutionInfo> info = matchConvolution(op, why);
    if (failed(info) || info->grouped)
      return std::nullopt;
    return std::make_pair(
        info->k, matchPattern(op.getDpsInputOperand(1)->get(), m_Constant()));
  }
  if (kind != ConvolutionKind::None)
    return std::nullopt;
  FailureOr<Contraction> c = matchContraction(op, why);
  if (failed(c) || (c->batched && !c->batchIntoM) || c->transposeLhs)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(c->rhs.getType());
  if (!type || type.getRank() != 2)
    return std::nullopt;
  return std::make_pair(type.getDimSize(c->transposeRhs ? 1 : 0),
                        matchPattern(c->rhs, m_Constant()));
}

LogicalResult
SparqPermuteChannelsPass::loadCalibration(ArrayRef<linalg::LinalgOp> products) {
  Location loc = getOperation().getLoc();
  if (criterion != "magnitude" && criterion != "wanda")
    return emitError(loc) << "unknown criterion '" << criterion
                          << "': expected magnitude or wanda";
  wanda = criterion == "wanda";
  if (wanda && calibration.empty())
    return emitError(loc) << "criterion=wanda needs a calibration file "
                             "(calibration=FILE)";
  if (calibration.empty())
    return success();
  FailureOr<CalibrationFile> file = CalibrationFile::load(calibration, loc);
  if (failed(file))
    return failure();
  if (file->isLegacy())
    return emitError(loc) << "calibration table '" << calibration
                          << "' holds amax values only; criterion=wanda "
                             "needs a sparq_calibration file with 'sumsq'";
  llvm::StringSet<> names;
  for (linalg::LinalgOp op : products) {
    std::string name = getContractionName(op);
    if (!name.empty())
      names.insert(name);
    std::optional<std::pair<int64_t, bool>> k = permutableK(op);
    if (!k || !k->second)
      continue;
    const OpCalibration *entry = name.empty() ? nullptr : file->lookup(name);
    if (!entry) {
      if (wanda)
        return op.emitError()
               << "criterion=wanda: calibration file '" << calibration
               << "' has no statistics for "
               << (name.empty() ? std::string("this unnamed product")
                                : "'" + name + "'");
      continue;
    }
    if (entry->channels != k->first)
      return op.emitError() << "criterion=" << criterion << ": calibration for '"
                            << name << "' has " << entry->channels
                            << " channels, but the product's K is "
                            << k->first;
    if (wanda && entry->sumsq.empty())
      return op.emitError() << "criterion=wanda: calibration for '" << name
                            << "' has no 'sumsq'";
  }
  for (const auto &entry : file->getOps())
    if (!names.contains(entry.getKey()))
      return emitError(loc) << "calibration file '" << calibration
                            << "' names '" << entry.getKey()
                            << "', which is no product in the module";
  calibrationFile = std::move(*file);
  return success();
}

void SparqPermuteChannelsPass::runOnOperation() {
  ModuleOp module = getOperation();
  auto parsed = parseNMPattern(pattern);
  if (!parsed) {
    emitError(module.getLoc()) << "pattern '" << pattern
                               << "' is not N:M with 0 < N < M <= 16";
    return signalPassFailure();
  }
  if (method != "anneal" && method != "greedy") {
    emitError(module.getLoc()) << "method '" << method
                               << "' is neither anneal nor greedy";
    return signalPassFailure();
  }
  if (!(sweeps >= 0) || !(timeBudget >= 0) ||
      (method == "anneal" && !(sweeps > 0) && !(timeBudget > 0))) {
    auto text = [](double v) {
      std::ostringstream os;
      os << v;
      return os.str();
    };
    emitError(module.getLoc())
        << "sweeps=" << text(sweeps) << " and time-budget=" << text(timeBudget)
        << ": both must be >= 0 and the annealer needs one of them > 0";
    return signalPassFailure();
  }
  if (replicas < 1) {
    emitError(module.getLoc()) << "replicas must be at least 1";
    return signalPassFailure();
  }
  nm = search::SparsityPattern{parsed->first, parsed->second};

  normalizeContractions(module);
  SmallVector<linalg::LinalgOp> products;
  module.walk([&](linalg::LinalgOp op) {
    std::string ignored;
    if (linalg::isaContractionOpInterface(op) ||
        classifyConvolution(op, ignored) != ConvolutionKind::None)
      products.push_back(op);
  });
  if (failed(loadCalibration(products)))
    return signalPassFailure();
  IRRewriter rewriter(&getContext());
  SmallVector<std::string> unchanged;
  for (linalg::LinalgOp op : products) {
    std::string description = describeForReport(op);
    auto leave = [&](const Twine &why) {
      unchanged.push_back(description + " (" + why.str() + ")");
      if (report)
        emitRemark(op.getLoc()) << "channels not permuted: " << why;
    };
    // The weight as a K x N (kDim 0) or N x K (kDim 1) matrix of constants.
    std::string why;
    Attribute attr;
    std::optional<ConstantElements> weight;
    int64_t kDim = 0, k = 0, n = 0;
    std::optional<ConvolutionInfo> conv;
    ConvolutionKind kind = classifyConvolution(op, why);
    if (kind == ConvolutionKind::Depthwise ||
        kind == ConvolutionKind::Unsupported) {
      leave(why);
      continue;
    }
    if (kind == ConvolutionKind::Product) {
      FailureOr<ConvolutionInfo> info = matchConvolution(op, why);
      if (succeeded(info) && info->grouped)
        why = "grouped convolution: its groups would need a permutation each";
      else if (succeeded(info) &&
               !matchPattern(op.getDpsInputOperand(1)->get(), m_Constant(&attr)))
        why = "the filter is not a constant";
      else if (succeeded(info) && !(weight = ConstantElements::read(attr)))
        why = "the filter constant is not readable";
      if (!why.empty()) {
        leave(why);
        continue;
      }
      // The weight matrix is the filter reshaped: the same bytes.
      conv = *info;
      kDim = conv->getWeightMatrixK();
      k = conv->k;
      n = conv->f;
    } else {
      FailureOr<Contraction> c = matchContraction(op, why);
      // A weight shared by a batch (batchIntoM) is one matrix: the gather
      // permutes the activation's last dimension at any rank.
      if (succeeded(c) && ((c->batched && !c->batchIntoM) || c->transposeLhs))
        why = "only plain products (lhs not transposed, weight not batched)";
      else if (succeeded(c) && !matchPattern(c->rhs, m_Constant(&attr)))
        why = "the weight (rhs) is not a constant";
      else if (succeeded(c) && !(weight = ConstantElements::read(attr)))
        why = "the weight constant is not readable";
      if (!why.empty() || failed(c)) {
        leave(why);
        continue;
      }
      auto type = cast<ShapedType>(c->rhs.getType());
      kDim = c->transposeRhs ? 1 : 0;
      k = type.getDimSize(kDim);
      n = type.getDimSize(1 - kDim);
    }
    // The search works on |W| as output channels x input channels.
    num::ElementKind kind8 = *getElementKind(weight->getType().getElementType());
    std::vector<float> wT(size_t(n * k));
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t nn = 0; nn < n; ++nn)
        wT[nn * k + kk] = num::loadAsF32(
            kind8, weight->getRawData().data(),
            kDim == 0 ? kk * n + nn : nn * k + kk);
    if (k % nm.m != 0) {
      leave(llvm::formatv("K = {0} is not a multiple of M = {1}", k, nm.m)
                .str());
      continue;
    }
    // Wanda: the search keeps the importance |W_ij| * ||X_j|| pruning will
    // keep; the channel's norm moves with it. Statistics are in the order of
    // the program that was calibrated, before earlier permutations.
    auto previous =
        op->getAttrOfType<DenseI32ArrayAttr>("sparq.channel_permutation");
    if (previous && (int64_t(previous.size()) != k ||
                     !search::isPermutation(std::vector<int32_t>(previous.asArrayRef().begin(),
                                                     previous.asArrayRef().end()),
                               k))) {
      leave("its sparq.channel_permutation is not a permutation of K");
      continue;
    }
    if (wanda) {
      const OpCalibration &stats =
          *calibrationFile->lookup(getContractionName(op));
      for (int64_t kk = 0; kk < k; ++kk) {
        double norm = std::sqrt(stats.sumsq[previous ? previous[kk] : kk]);
        for (int64_t nn = 0; nn < n; ++nn)
          wT[nn * k + kk] = float(wT[nn * k + kk] * norm);
      }
    }
    FailureOr<search::PermutationResult> result = searchFor(wT, n, k, why);
    if (failed(result)) {
      leave(why);
      continue;
    }
    // Nothing to gain (a single group, or a weight already well grouped):
    // leave the program as it is.
    if (!(result->kept > result->keptInitial)) {
      leave("no permutation keeps more magnitude");
      continue;
    }
    ArrayRef<int32_t> perm = result->permutation;
    // Only now is a convolution worth its im2col product.
    Location loc = op.getLoc();
    std::string convText;
    if (conv) {
      convText = "; convolution " + conv->layout + " as an im2col product, " +
                 conv->describeK();
      op = rewriteConvolutionAsProduct(rewriter, *conv);
    }
    std::string ignored;
    FailureOr<Contraction> c = matchContraction(op, ignored);
    // The im2col product of a matched convolution always matches.
    if (failed(c) || !matchPattern(c->rhs, m_Constant(&attr))) {
      leave("the im2col product has no constant weight");
      continue;
    }
    // Weight rows (K) and the activation's channels move together.
    rewriter.setInsertionPoint(op);
    Value permutedWeight = arith::ConstantOp::create(
        rewriter, c->rhs.getLoc(), permuteConstant(attr, kDim, perm));
    unsigned weightOperand = 1 - c->lhsIndex;
    Value original = c->rhs;
    // Position p now holds the calibrated channel composed[p].
    SmallVector<int32_t> composed(perm.size());
    for (size_t p = 0; p < perm.size(); ++p)
      composed[p] = previous ? previous[perm[p]] : perm[p];
    rewriter.modifyOpInPlace(op, [&] {
      op.getDpsInputOperand(weightOperand)->set(permutedWeight);
      op->setAttr("sparq.channel_permutation",
                  rewriter.getDenseI32ArrayAttr(composed));
    });
    eraseIfDead(rewriter, original);
    unsigned gathersBefore = gathers;
    permuteActivation(rewriter, op, c->lhsIndex, perm);
    ++permuted;
    if (report) {
      double total = result->totalMagnitude;
      emitRemark(loc)
          << llvm::formatv("permuted {0} input channels: {1}:{2} pruning "
                           "keeps {3:P} of the {6} instead of {4:P}{5}",
                           k, nm.n, nm.m, result->kept / total,
                           result->keptInitial / total,
                           gathers > gathersBefore
                               ? "; the activation is permuted by a gather"
                               : "; the producer's output channels moved",
                           wanda ? "Wanda importance" : "magnitude")
                 .str()
          << convText;
    }
  }
  numPermuted = permuted;
  numGathers = gathers;
  if (report) {
    InFlightDiagnostic remark = emitRemark(module.getLoc());
    remark << "sparq-permute-channels: " << permuted << " permuted ("
           << gathers << " by a gather), " << unchanged.size()
           << " left unchanged";
    if (!unchanged.empty())
      remark << ": " << llvm::join(unchanged, ", ");
  }
}
