//===- SparqModule.cpp - the sparq._sparq extension module ----------------===//
//
// Binds sparq's own C++ API (Debian's MLIR ships no Python bindings): the
// numerics library on numpy buffers, the channel-permutation search and
// metric learning, and a small compiler API (parse, verify, run pipelines,
// print). The Python package (sparq/*.py) gives these their public shape.
//
//===----------------------------------------------------------------------===//
#include "Compiler.h"

#include "sparq/InitAll.h"
#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Quantize.h"
#include "sparq/Numerics/Scale.h"
#include "sparq/Numerics/Transposable.h"
#include "sparq/Search/ChannelPermutation.h"
#include "sparq/Search/MetricLearning.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <mutex>
#include <thread>

namespace py = pybind11;
namespace num = sparq::numerics;
namespace search = sparq::search;

namespace {
//===----------------------------------------------------------------------===//
// Numerics on numpy arrays
//===----------------------------------------------------------------------===//

num::ElementKind kindOf(const std::string &name) {
  static const std::pair<const char *, num::ElementKind> kinds[] = {
      {"f32", num::ElementKind::F32},   {"f16", num::ElementKind::F16},
      {"bf16", num::ElementKind::BF16}, {"e4m3", num::ElementKind::E4M3},
      {"e5m2", num::ElementKind::E5M2}};
  for (auto &[n, k] : kinds)
    if (name == n)
      return k;
  throw py::value_error("unknown element kind '" + name +
                        "': expected f32, f16, bf16, e4m3 or e5m2");
}

num::Fp8Format formatOf(const std::string &name) {
  num::ElementKind kind = kindOf(name);
  if (!num::isFp8(kind))
    throw py::value_error("'" + name + "' is not an FP8 format (e4m3, e5m2)");
  return num::toFp8Format(kind);
}

/// A C-contiguous array whose item size matches `kind`.
py::array contiguous(py::array array, num::ElementKind kind) {
  py::array out = py::array::ensure(array, py::array::c_style);
  if (!out || size_t(out.itemsize()) != num::elementByteSize(kind))
    throw py::value_error("array item size does not match the element kind");
  return out;
}

/// The [outer][axis][inner] view of `array` along `axis` (negative counts
/// from the back).
num::AxisView viewAlong(const py::array &array, int64_t axis) {
  int64_t rank = array.ndim();
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    throw py::value_error("axis out of range");
  std::vector<int64_t> shape(array.shape(), array.shape() + rank);
  return num::AxisView::forDim(shape.data(), rank, axis);
}

const num::ParallelFor &threads() {
  static const num::ParallelFor parallel = num::makeThreadParallelFor(
      std::max(1u, std::thread::hardware_concurrency()));
  return parallel;
}

num::NMPattern patternOf(unsigned n, unsigned m) {
  num::NMPattern p{n, m};
  if (!p.isValid())
    throw py::value_error("N:M pattern needs 0 < N < M <= 16");
  return p;
}

py::array_t<uint8_t> encode(py::array input, const std::string &kind,
                            const std::string &format,
                            const std::string &rounding,
                            const std::string &saturation,
                            py::array_t<float, py::array::c_style | py::array::forcecast> scales,
                            std::optional<int64_t> axis, uint64_t seed) {
  num::ElementKind inKind = kindOf(kind);
  if (num::isFp8(inKind))
    throw py::value_error("encode takes f32, f16 or bf16 input");
  py::array in = contiguous(input, inKind);
  num::QuantizeOptions options;
  options.format = formatOf(format);
  if (rounding != "rne" && rounding != "stochastic")
    throw py::value_error("rounding must be 'rne' or 'stochastic'");
  options.rounding = rounding == "stochastic" ? num::Rounding::Stochastic
                                              : num::Rounding::NearestEven;
  if (saturation != "satfinite" && saturation != "none")
    throw py::value_error("saturation must be 'satfinite' or 'none'");
  options.saturation = saturation == "none" ? num::Saturation::None
                                            : num::Saturation::SatFinite;
  options.seed = seed;
  num::AxisView view =
      axis ? viewAlong(in, *axis) : num::AxisView::flat(in.size());
  if (scales.size() != 1 && scales.size() != view.axis)
    throw py::value_error("expected one scale, or one per index of axis");
  py::array_t<uint8_t> out(std::vector<py::ssize_t>(in.shape(), in.shape() + in.ndim()));
  if (!num::quantize(in.data(), inKind, out.mutable_data(), view, scales.data(),
                     scales.size(), options, threads()))
    throw py::value_error("invalid quantize arguments");
  return out;
}

py::array decode(py::array codes, const std::string &format,
                 const std::string &outKind,
                 py::array_t<float, py::array::c_style | py::array::forcecast> scales,
                 std::optional<int64_t> axis) {
  num::Fp8Format fp8 = formatOf(format);
  py::array in = contiguous(codes, num::toElementKind(fp8));
  num::ElementKind kind = kindOf(outKind);
  num::AxisView view =
      axis ? viewAlong(in, *axis) : num::AxisView::flat(in.size());
  if (scales.size() != 1 && scales.size() != view.axis)
    throw py::value_error("expected one scale, or one per index of axis");
  std::vector<py::ssize_t> shape(in.shape(), in.shape() + in.ndim());
  py::array out = kind == num::ElementKind::F32
                      ? py::array(py::dtype("float32"), shape)
                      : kind == num::ElementKind::F16
                            ? py::array(py::dtype("float16"), shape)
                            : py::array(py::dtype("uint16"), shape);
  if (num::isFp8(kind) ||
      !num::dequantize(static_cast<const uint8_t *>(in.data()), fp8,
                       out.mutable_data(), kind, view, scales.data(),
                       scales.size(), threads()))
    throw py::value_error("invalid dequantize arguments");
  return out;
}

float amax(py::array input, const std::string &kind) {
  num::ElementKind k = kindOf(kind);
  py::array in = contiguous(input, k);
  return num::amax(in.data(), k, in.size(), threads());
}

float scaleFor(float amax, const std::string &format, int margin) {
  return num::computeFp8Scale(amax, formatOf(format), margin);
}

py::array nmMask(py::array input, const std::string &kind, unsigned n,
                 unsigned m, int64_t axis, const std::string &rule) {
  num::ElementKind k = kindOf(kind);
  py::array in = contiguous(input, k);
  py::array_t<bool> out(std::vector<py::ssize_t>(in.shape(), in.shape() + in.ndim()));
  auto *mask = reinterpret_cast<uint8_t *>(out.mutable_data());
  if (rule == "transposable") {
    if (in.ndim() != 2 || n != 2 || m != 4 ||
        !num::selectTransposableMask(in.data(), k, in.shape(0), in.shape(1),
                                     mask, threads()))
      throw py::value_error("the transposable rule needs 2:4 on a matrix whose "
                            "dimensions are multiples of 4");
    return out;
  }
  if (rule != "magnitude")
    throw py::value_error("rule must be 'magnitude' or 'transposable'");
  if (num::selectNMMask(in.data(), k, viewAlong(in, axis), patternOf(n, m),
                        mask, threads()) != num::NMStatus::Ok)
    throw py::value_error("the axis length must be a multiple of M");
  return out;
}

py::array nmPrune(py::array input, const std::string &kind, unsigned n,
                  unsigned m, int64_t axis, const std::string &rule) {
  num::ElementKind k = kindOf(kind);
  py::array in = contiguous(input, k);
  py::array out(in.dtype(), std::vector<py::ssize_t>(in.shape(), in.shape() + in.ndim()));
  if (rule == "transposable") {
    if (in.ndim() != 2 || n != 2 || m != 4 ||
        !num::pruneTransposable(in.data(), k, in.shape(0), in.shape(1),
                                out.mutable_data(), threads()))
      throw py::value_error("the transposable rule needs 2:4 on a matrix whose "
                            "dimensions are multiples of 4");
    return out;
  }
  if (rule != "magnitude")
    throw py::value_error("rule must be 'magnitude' or 'transposable'");
  if (num::pruneNM(in.data(), k, viewAlong(in, axis), patternOf(n, m),
                   out.mutable_data(), threads()) != num::NMStatus::Ok)
    throw py::value_error("the axis length must be a multiple of M");
  return out;
}

std::vector<py::ssize_t> withAxis(const py::array &array, int64_t axis,
                                  py::ssize_t length) {
  std::vector<py::ssize_t> shape(array.shape(), array.shape() + array.ndim());
  shape[axis < 0 ? axis + array.ndim() : axis] = length;
  return shape;
}

py::tuple nmCompress(py::array input, const std::string &kind, unsigned n,
                     unsigned m, int64_t axis) {
  num::ElementKind k = kindOf(kind);
  py::array in = contiguous(input, k);
  num::AxisView view = viewAlong(in, axis);
  num::NMPattern pattern = patternOf(n, m);
  if (view.axis % m)
    throw py::value_error("the axis length must be a multiple of M");
  py::array values(in.dtype(),
                   withAxis(in, axis, num::nmValuesView(view, pattern).axis));
  py::array_t<uint16_t> metadata(
      withAxis(in, axis, num::nmMetadataView(view, pattern).axis));
  if (num::compressNM(in.data(), k, view, pattern, values.mutable_data(),
                      metadata.mutable_data(), threads()) != num::NMStatus::Ok)
    throw py::value_error("invalid compress arguments");
  return py::make_tuple(values, metadata);
}

py::array nmDecompress(py::array values, py::array metadata,
                       const std::string &kind, unsigned n, unsigned m,
                       int64_t axis) {
  num::ElementKind k = kindOf(kind);
  py::array vals = contiguous(values, k);
  py::array_t<uint16_t, py::array::c_style | py::array::forcecast> meta(metadata);
  num::NMPattern pattern = patternOf(n, m);
  num::AxisView stored = viewAlong(vals, axis);
  if (stored.axis % n)
    throw py::value_error("the values' axis length must be a multiple of N");
  num::AxisView dense{stored.outer, stored.axis / n * m, stored.inner};
  if (meta.size() != num::nmMetadataView(dense, pattern).numElements())
    throw py::value_error("metadata has the wrong size for these values");
  py::array out(vals.dtype(), withAxis(vals, axis, dense.axis));
  num::NMMetadataError error;
  if (num::decompressNM(vals.data(), meta.data(), k, dense, pattern,
                        out.mutable_data(), &error,
                        threads()) != num::NMStatus::Ok)
    throw py::value_error("metadata is not valid N:M storage (group " +
                          std::to_string(error.group) + ")");
  return out;
}

py::tuple permuteChannels(
    py::array_t<float, py::array::c_style | py::array::forcecast> weight,
    unsigned n, unsigned m, uint64_t seed, double sweeps, double timeBudget,
    const std::string &method, int replicas) {
  if (weight.ndim() != 2)
    throw py::value_error("weight must be a matrix (output channels x input "
                          "channels)");
  int64_t rows = weight.shape(0), cols = weight.shape(1);
  search::PermutationResult result;
  {
    py::gil_scoped_release release;
    if (method == "anneal") {
      search::PermutationSearchOptions options;
      options.pattern = patternOf(n, m);
      options.seed = seed;
      options.sweeps = sweeps;
      options.timeBudgetSeconds = timeBudget;
      options.replicas = replicas;
      options.parallel = threads();
      result = search::annealChannelPermutation(weight.data(), rows, cols,
                                                options);
    } else if (method == "greedy") {
      search::GreedyOptions options;
      options.pattern = patternOf(n, m);
      options.seed = seed;
      options.timeBudgetSeconds = timeBudget > 0 ? timeBudget : 1.0;
      result = search::greedyChannelPermutation(weight.data(), rows, cols,
                                                options);
    } else {
      throw py::value_error("method must be 'anneal' or 'greedy'");
    }
  }
  if (result.status == search::PermutationStatus::NonFiniteWeight)
    throw py::value_error("non-finite weight at row " +
                          std::to_string(result.badRow) + ", column " +
                          std::to_string(result.badColumn));
  if (result.status != search::PermutationStatus::Ok)
    throw py::value_error("invalid weight shape or pattern (the number of "
                          "columns must be a multiple of M)");
  py::array_t<int32_t> perm(result.permutation.size());
  std::copy(result.permutation.begin(), result.permutation.end(),
            perm.mutable_data());
  py::dict stats;
  stats["total"] = result.totalMagnitude;
  stats["kept_initial"] = result.keptInitial;
  stats["kept"] = result.kept;
  stats["seconds"] = result.seconds;
  if (method == "anneal") {
    stats["sweeps"] = result.anneal.sweeps;
    stats["start_temperature"] = result.anneal.startTemperature;
    stats["end_temperature"] = result.anneal.endTemperature;
    stats["last_temperature"] = result.anneal.lastTemperature;
    stats["stopped_by_time"] = result.anneal.stoppedByTime;
    stats["replica_kept"] = result.replicaKept;
  }
  return py::make_tuple(perm, stats);
}

py::tuple learnMetric(
    py::array_t<double, py::array::c_style | py::array::forcecast> x,
    py::array_t<int32_t, py::array::c_style | py::array::forcecast> y,
    uint64_t seed, double sweeps, double timeBudget, bool progressByTime,
    int64_t dim, int64_t neighbours, double perplexity, py::object initial) {
  if (x.ndim() != 2)
    throw py::value_error("X must be a matrix (points x features)");
  if (y.ndim() != 1 || y.shape(0) != x.shape(0))
    throw py::value_error("y must hold one label per row of X (" +
                          std::to_string(x.shape(0)) + ")");
  const int64_t n = x.shape(0), d = x.shape(1);
  search::MetricLearningOptions options;
  options.seed = seed;
  options.sweeps = sweeps;
  options.timeBudgetSeconds = timeBudget;
  options.progressByTime = progressByTime;
  options.perplexity = perplexity;
  options.problem.outputDim = dim;
  options.problem.neighbours = neighbours;
  if (!initial.is_none()) {
    using Doubles =
        py::array_t<double, py::array::c_style | py::array::forcecast>;
    auto a = Doubles::ensure(initial);
    if (!a || a.ndim() != 2 || a.shape(1) != d)
      throw py::value_error("initial must be a matrix with one column per "
                            "feature");
    if (dim == 0)
      options.problem.outputDim = a.shape(0);
    options.problem.initial.assign(a.data(), a.data() + a.size());
  }
  search::MetricLearningResult result;
  {
    py::gil_scoped_release release;
    result = search::learnMetric(x.data(), y.data(), n, d, options);
  }
  if (result.status != search::MetricStatus::Ok)
    throw py::value_error(result.message);
  py::array_t<double> a(
      {py::ssize_t(result.outputDim), py::ssize_t(result.inputDim)});
  std::copy(result.transform.begin(), result.transform.end(), a.mutable_data());
  auto vector = [](const std::vector<double> &v) {
    return py::array_t<double>(py::ssize_t(v.size()), v.data());
  };
  const search::AnnealStats &s = result.anneal;
  py::dict stats;
  stats["mean"] = vector(result.mean);
  stats["scale"] = vector(result.scale);
  stats["energy"] = result.energy;
  stats["initial_energy"] = result.initialEnergy;
  stats["neighbours"] = result.neighbours;
  stats["stages"] = result.stages;
  stats["sweeps"] = s.sweeps;
  stats["proposed"] = s.proposed;
  stats["accepted"] = s.accepted;
  stats["start_temperature"] = s.startTemperature;
  stats["end_temperature"] = s.endTemperature;
  stats["stopped_by_time"] = s.stoppedByTime;
  stats["seconds"] = result.seconds;
  return py::make_tuple(a, stats);
}

//===----------------------------------------------------------------------===//
// The compiler
//===----------------------------------------------------------------------===//

using sparq::python::collecting;
using sparq::python::Context;
using sparq::python::Diagnostics;
using sparq::python::Module;

py::tuple parseModule(std::shared_ptr<Context> ctx, const std::string &text,
                      const std::string &name) {
  auto module = std::make_shared<Module>();
  module->context = ctx;
  Diagnostics diags = collecting(ctx->context.get(), [&] {
    mlir::ParserConfig config(ctx->context.get());
    module->module = mlir::parseSourceString<mlir::ModuleOp>(text, config, name);
  });
  if (!module->module)
    return py::make_tuple(py::none(), diags);
  return py::make_tuple(module, diags);
}

py::tuple verifyModule(Module &m) {
  bool ok = true;
  Diagnostics diags = collecting(m.context->context.get(), [&] {
    ok = mlir::succeeded(mlir::verify(*m.module));
  });
  return py::make_tuple(ok, diags);
}

py::tuple runPipeline(Module &m, const std::string &pipeline) {
  bool ok = true;
  std::string parseErrors;
  Diagnostics diags = collecting(m.context->context.get(), [&] {
    // "builtin.module(...)" names its anchor; a bare list runs on the module.
    llvm::raw_string_ostream errors(parseErrors);
    std::string anchored = llvm::StringRef(pipeline).contains('(')
                               ? pipeline
                               : "builtin.module(" + pipeline + ")";
    mlir::FailureOr<mlir::OpPassManager> parsed =
        mlir::parsePassPipeline(anchored, errors);
    if (mlir::failed(parsed)) {
      ok = false;
      return;
    }
    mlir::PassManager pm(m.context->context.get(), parsed->getOpAnchorName());
    static_cast<mlir::OpPassManager &>(pm) = std::move(*parsed);
    ok = mlir::succeeded(pm.run(*m.module));
  });
  if (!parseErrors.empty())
    diags.emplace_back("error", "pipeline", parseErrors);
  return py::make_tuple(ok, diags);
}

std::string printModule(Module &m, bool generic, int64_t hexAbove) {
  mlir::OpPrintingFlags flags;
  if (generic)
    flags.printGenericOpForm();
  if (hexAbove >= 0)
    flags.printLargeElementsAttrWithHex(hexAbove);
  std::string out;
  llvm::raw_string_ostream os(out);
  m.module->print(os, flags);
  return out;
}

/// A deep copy of the module, locations included, in the same context.
std::shared_ptr<Module> cloneModule(Module &m) {
  auto copy = std::make_shared<Module>();
  copy->context = m.context;
  copy->module = m.module->clone();
  return copy;
}

/// The objects of every gpu.binary in the module (after
/// --sparq-gpu-pipeline): (symbol, target, format, bytes) each, format
/// "isa" (PTX text), "bin" (cubin) or "fatbin".
py::list gpuObjects(Module &m) {
  py::list objects;
  m.module->walk([&](mlir::gpu::BinaryOp binary) {
    for (mlir::Attribute attr : binary.getObjects()) {
      auto object = llvm::cast<mlir::gpu::ObjectAttr>(attr);
      std::string target;
      llvm::raw_string_ostream(target) << object.getTarget();
      llvm::StringRef data = object.getObject().getValue();
      objects.append(py::make_tuple(
          binary.getName().str(), target,
          mlir::gpu::stringifyCompilationTarget(object.getFormat()).str(),
          py::bytes(data.data(), data.size())));
    }
  });
  return objects;
}
} // namespace

sparq::python::Context::Context() {
  static std::once_flag passes;
  std::call_once(passes, [] { sparq::registerAllPasses(); });
  mlir::DialectRegistry registry;
  sparq::registerAllDialects(registry);
  context = std::make_unique<mlir::MLIRContext>(registry);
  context->loadAllAvailableDialects();
}

void sparq::python::appendDiagnostic(Diagnostics &diagnostics,
                                     mlir::Diagnostic &d) {
  std::string loc;
  llvm::raw_string_ostream(loc) << d.getLocation();
  const char *severity =
      d.getSeverity() == mlir::DiagnosticSeverity::Error     ? "error"
      : d.getSeverity() == mlir::DiagnosticSeverity::Warning ? "warning"
      : d.getSeverity() == mlir::DiagnosticSeverity::Remark  ? "remark"
                                                             : "note";
  diagnostics.emplace_back(severity, loc, d.str());
  for (mlir::Diagnostic &note : d.getNotes()) {
    std::string noteLoc;
    llvm::raw_string_ostream(noteLoc) << note.getLocation();
    diagnostics.emplace_back("note", noteLoc, note.str());
  }
}

PYBIND11_MODULE(_sparq, m) {
  m.doc() = "sparq's C++ API (numerics, search, compiler) for the sparq package";

  m.def("encode", &encode, py::arg("input"), py::arg("kind"),
        py::arg("format"), py::arg("rounding"), py::arg("saturation"),
        py::arg("scales"), py::arg("axis"), py::arg("seed"));
  m.def("decode", &decode, py::arg("codes"), py::arg("format"),
        py::arg("out_kind"), py::arg("scales"), py::arg("axis"));
  m.def("amax", &amax, py::arg("input"), py::arg("kind"));
  m.def("scale", &scaleFor, py::arg("amax"), py::arg("format"),
        py::arg("margin"));
  m.def("nm_mask", &nmMask);
  m.def("nm_prune", &nmPrune);
  m.def("nm_compress", &nmCompress);
  m.def("nm_decompress", &nmDecompress);
  m.def("permute_channels", &permuteChannels);
  m.def("learn_metric", &learnMetric);

  py::class_<Context, std::shared_ptr<Context>>(m, "Context").def(py::init<>());
  py::class_<Module, std::shared_ptr<Module>>(m, "Module");
  m.def("parse_module", &parseModule);
  m.def("verify_module", &verifyModule);
  m.def("run_pipeline", &runPipeline);
  m.def("print_module", &printModule);
  m.def("gpu_objects", &gpuObjects);
  m.def("clone_module", &cloneModule);
  sparq::python::bindCompileCPU(m);
  sparq::python::bindPruning(m);
}
