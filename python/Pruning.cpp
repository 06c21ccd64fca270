//===- Pruning.cpp - activation-aware N:M pruning for the extension -------===//
//
// Binds Wanda.h and SparseGPT.h on numpy arrays: the weight is [out, K]
// float32 (K = input channels, contiguous, the axis N:M groups run along).
// sparq/sparsity.py gives these their public shape.
//
//===----------------------------------------------------------------------===//
#include "Compiler.h"

#include "sparq/Numerics/SparseGPT.h"
#include "sparq/Numerics/Wanda.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <cmath>
#include <string>

namespace py = pybind11;
namespace num = sparq::numerics;

namespace {

using F32 = py::array_t<float, py::array::c_style | py::array::forcecast>;
using F64 = py::array_t<double, py::array::c_style | py::array::forcecast>;
using Mask = py::array_t<bool>;

num::NMPattern patternFor(unsigned n, unsigned m, int64_t k) {
  num::NMPattern pattern{n, m};
  if (!pattern.isValid())
    throw py::value_error("N:M needs 0 < n < m <= 16, got " +
                          std::to_string(n) + ":" + std::to_string(m));
  if (k % m != 0)
    throw py::value_error("the input-channel count " + std::to_string(k) +
                          " is not a multiple of m = " + std::to_string(m));
  return pattern;
}

void check(num::PruneStatus status) {
  if (status != num::PruneStatus::Ok)
    throw py::value_error(num::pruneStatusMessage(status));
}

int64_t columnsOf(const F32 &weight) {
  if (weight.ndim() != 2)
    throw py::value_error("the weight must be a matrix [out, K], got " +
                          std::to_string(weight.ndim()) + " dimensions");
  return weight.shape(1);
}

py::tuple wandaPrune(F32 weight, F64 sumsq, unsigned n, unsigned m) {
  const int64_t k = columnsOf(weight), rows = weight.shape(0);
  if (sumsq.ndim() != 1 || sumsq.shape(0) != k)
    throw py::value_error("input_sumsq must have one entry per input channel (" +
                          std::to_string(k) + ")");
  num::NMPattern pattern = patternFor(n, m, k);
  F32 pruned({rows, k});
  Mask mask({rows, k});
  check(num::wandaPrune(weight.data(), rows, k, sumsq.data(), pattern,
                        reinterpret_cast<uint8_t *>(mask.mutable_data()),
                        pruned.mutable_data()));
  return py::make_tuple(pruned, mask);
}

py::tuple sparseGPTPrune(F32 weight, F64 hessian, unsigned n, unsigned m,
                         int64_t block, double damp) {
  const int64_t k = columnsOf(weight), rows = weight.shape(0);
  if (hessian.ndim() != 2 || hessian.shape(0) != k || hessian.shape(1) != k)
    throw py::value_error("the Hessian must be [K, K] with K = " +
                          std::to_string(k));
  num::SparseGPTOptions options{patternFor(n, m, k), block, damp};
  if (block <= 0 || block % m != 0)
    throw py::value_error("block must be a positive multiple of m");
  if (!(damp >= 0) || !std::isfinite(damp))
    throw py::value_error("damp must be finite and >= 0");
  F32 pruned({rows, k});
  Mask mask({rows, k});
  num::SparseGPTResult result = num::sparseGPTPrune(
      weight.data(), rows, k, hessian.data(), options, pruned.mutable_data(),
      reinterpret_cast<uint8_t *>(mask.mutable_data()));
  check(result.status);
  return py::make_tuple(pruned, mask, result.lambda, result.neededDamping);
}

double reconstructionError(F32 weight, F32 approx, F64 hessian) {
  const int64_t k = columnsOf(weight), rows = weight.shape(0);
  if (approx.ndim() != 2 || approx.shape(0) != rows || approx.shape(1) != k)
    throw py::value_error("the approximation must have the weight's shape");
  if (hessian.ndim() != 2 || hessian.shape(0) != k || hessian.shape(1) != k)
    throw py::value_error("the Hessian must be [K, K] with K = " +
                          std::to_string(k));
  return num::reconstructionError(weight.data(), approx.data(), rows, k,
                                  hessian.data());
}

} // namespace

void sparq::python::bindPruning(py::module_ &m) {
  m.def("wanda_prune", &wandaPrune);
  m.def("sparsegpt_prune", &sparseGPTPrune);
  m.def("reconstruction_error", &reconstructionError);
}
