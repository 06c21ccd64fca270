//===- MetricLearningMoves.cpp - Rotations, stretches, perturbations -------===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The moves of MetricLearningProblem on A: their proposal, their energy
// change from the cached pair distances (one changed projected coordinate,
// all distances updated in O(1) each), and committing them.
//
//===----------------------------------------------------------------------===//

#include "MetricKernels.h"

#include "Multiversion.h"

#include <algorithm>
#include <cmath>

namespace sparq::search {
namespace detail {

/// Every p_i after a one-coordinate move (z_.r from zOld to zNew, then all
/// distances times c2), into pOut; the candidates' updated distances go
/// through `scratch` (m values). One multiversioned call per move, so the
/// row loop and its helpers are compiled into each clone.
SPARQ_SEARCH_MULTIVERSION
void movedShares(const int32_t *nbr, const double *dist, const int32_t *same,
                 int64_t n, int64_t m, const double *zOld, const double *zNew,
                 double c2, double *scratch, double *pOut) {
  for (int64_t i = 0; i < n; ++i) {
    if (same[i] == 0) {
      pOut[i] = 0;
      continue;
    }
    const int32_t *nb = nbr + size_t(i * m);
    const double *di = dist + size_t(i * m);
    const double zi = zOld[i], wi = zNew[i];
    for (int64_t t = 0; t < m; ++t) {
      const int32_t j = nb[t];
      scratch[t] = updatedDistance(di[t], zi, zOld[j], wi, zNew[j], c2);
    }
    pOut[i] = shareOfSame(scratch, m, same[i]);
  }
}

/// Commits such a move to the cached distances, with the arithmetic of
/// movedShares.
SPARQ_SEARCH_MULTIVERSION
void moveDistances(const int32_t *nbr, double *dist, int64_t n, int64_t m,
                   const double *zOld, const double *zNew, double c2) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t *nb = nbr + size_t(i * m);
    double *di = dist + size_t(i * m);
    const double zi = zOld[i], wi = zNew[i];
    for (int64_t t = 0; t < m; ++t)
      di[t] = updatedDistance(di[t], zi, zOld[nb[t]], wi, zNew[nb[t]], c2);
  }
}

} // namespace detail

using namespace detail;

void MetricLearningProblem::rebuildMoveTable() {
  if (dOut < 2)
    weights[0] = 0;
  if (activeCols.empty())
    weights[2] = 0;
  if (!(weights[0] + weights[1] + weights[2] > 0))
    weights[1] = 1;
}

void MetricLearningProblem::setScales(double rotate, double stretch,
                                      double perturb) {
  scales[0] = rotate;
  scales[1] = stretch;
  scales[2] = perturb;
}

void MetricLearningProblem::resetCounts() {
  std::fill(std::begin(proposedCount), std::end(proposedCount), 0);
  std::fill(std::begin(acceptedCount), std::end(acceptedCount), 0);
}

MetricLearningProblem::Move MetricLearningProblem::propose(Rng &rng) {
  Move mv;
  const double total = weights[0] + weights[1] + weights[2];
  const double u = rng.uniform() * total;
  mv.kind = u < weights[0]                ? MoveKind::Rotate
            : u < weights[0] + weights[1] ? MoveKind::Stretch
                                          : MoveKind::Perturb;
  // Guard the rounding edge where u lands exactly on a zero-weight kind.
  if (mv.kind == MoveKind::Perturb && weights[2] == 0)
    mv.kind = MoveKind::Stretch;
  ++proposedCount[int(mv.kind)];
  const double v = 2 * rng.uniform() - 1;
  mv.row = int32_t(rng.below(uint64_t(dOut)));
  switch (mv.kind) {
  case MoveKind::Rotate: {
    // Two distinct rows, uniformly.
    int32_t s = int32_t(rng.below(uint64_t(dOut - 1)));
    mv.other = s >= mv.row ? s + 1 : s;
    mv.amount = v * scales[0];
    break;
  }
  case MoveKind::Stretch:
    mv.amount = v * scales[1];
    break;
  case MoveKind::Perturb:
    mv.other = activeCols[size_t(rng.below(activeCols.size()))];
    mv.amount = v * scales[2];
    break;
  }
  return mv;
}

double MetricLearningProblem::delta(Move &mv) {
  if (mv.kind == MoveKind::Rotate)
    return 0; // an isometry of the output space
  const double *zr = z.data() + size_t(mv.row) * size_t(n);
  if (mv.kind == MoveKind::Stretch) {
    const double f = std::exp(mv.amount);
    for (int64_t i = 0; i < n; ++i)
      zNew[size_t(i)] = f * zr[i];
  } else {
    const double *xl = xs.data() + size_t(mv.other) * size_t(n);
    for (int64_t i = 0; i < n; ++i)
      zNew[size_t(i)] = zr[i] + mv.amount * xl[i];
  }
  c2New = 1;
  if (fixedNorm) {
    const double *ar = a.data() + size_t(mv.row) * size_t(d);
    double row2 = 0, total = 0;
    for (int64_t l = 0; l < d; ++l) {
      double v = ar[l];
      if (mv.kind == MoveKind::Stretch)
        v *= std::exp(mv.amount);
      else if (l == mv.other)
        v += mv.amount;
      row2 += v * v;
    }
    for (int64_t k = 0; k < dOut; ++k)
      total += k == mv.row ? row2 : rowNorm2[size_t(k)];
    c2New = total > 0 ? norm2Target / total : 1;
  }
  rowScratch.resize(size_t(m));
  movedShares(nbr.data(), dist.data(), same.data(), n, m, zr, zNew.data(),
              c2New, rowScratch.data(), pNew.data());
  eNew = energyOf(pNew.data());
  return eNew - e;
}

void MetricLearningProblem::apply(const Move &mv) {
  ++acceptedCount[int(mv.kind)];
  double *ar = a.data() + size_t(mv.row) * size_t(d);
  double *zr = z.data() + size_t(mv.row) * size_t(n);
  if (mv.kind == MoveKind::Rotate) {
    const double c = std::cos(mv.amount), s = std::sin(mv.amount);
    double *as = a.data() + size_t(mv.other) * size_t(d);
    double *zs = z.data() + size_t(mv.other) * size_t(n);
    for (int64_t l = 0; l < d; ++l) {
      const double u = ar[l], v = as[l];
      ar[l] = c * u - s * v;
      as[l] = s * u + c * v;
    }
    for (int64_t i = 0; i < n; ++i) {
      const double u = zr[i], v = zs[i];
      zr[i] = c * u - s * v;
      zs[i] = s * u + c * v;
    }
    if (fixedNorm)
      updateRowNorms();
    return;
  }
  if (mv.kind == MoveKind::Stretch) {
    const double f = std::exp(mv.amount);
    for (int64_t l = 0; l < d; ++l)
      ar[l] *= f;
  } else {
    ar[mv.other] += mv.amount;
  }
  moveDistances(nbr.data(), dist.data(), n, m, zr, zNew.data(), c2New);
  std::copy(zNew.begin(), zNew.end(), zr);
  if (fixedNorm) {
    const double c = std::sqrt(c2New);
    for (double &v : a)
      v *= c;
    for (double &v : z)
      v *= c;
    updateRowNorms();
  }
  p.swap(pNew);
  e = eNew;
}

} // namespace sparq::search
