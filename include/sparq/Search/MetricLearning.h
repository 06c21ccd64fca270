//===- MetricLearning.h - Metric learning by annealing ----------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// Distance metric learning through minimisation of the free energy (Stosic,
// Stosic, Ludermir, Stosic 2021) on the generic annealer of Annealer.h: a
// linear map A (d' x d; the Mahalanobis metric A^T A) learned by Metropolis
// Monte Carlo on an energy given by the stochastic-nearest-neighbour (NCA,
// Goldberger et al. 2004) objective.
//
// Conventions:
//  * X is row-major, n points by d features; labels are any int32 values.
//  * Inputs are standardised (MetricProblemOptions::standardize, default):
//    feature l becomes (x_l - mean_l) / scale_l with the mean and the
//    population standard deviation over the n points; a constant feature
//    gets scale 1 (it is then 0 everywhere and A's column for it is inert,
//    so no move touches it). A acts on standardised features:
//    z = A ((x - mean) / scale). Standardising makes one proposal scale fit
//    every feature and every data set.
//  * Distances: D_ij = |z_i - z_j|^2. NCA probabilities
//    p_ij = exp(-D_ij) / sum_{k in C_i} exp(-D_ik) over i's candidate
//    neighbours C_i (see below), and p_i = sum_{j in C_i: y_j = y_i} p_ij,
//    the probability that i is classified correctly when it picks one
//    neighbour at random with these weights.
//  * Energy (NcaForm::Linear, the default): E = -sum_i p_i, minus the
//    expected number of correct leave-one-out classifications; bounded in
//    [-n, 0], in units of points, so temperatures read as "points". The log
//    form E = -sum_i log p_i (p_i floored at 1e-300) is available; it lets
//    a few hopeless points (outliers, mislabels) dominate the energy and
//    its changes, and in 10-fold CV on iris, wine and breast cancer it gave
//    equal or lower k-NN accuracy (e.g. 0.967 vs 0.971 on breast cancer),
//    so the linear form is the default.
//
// Candidate neighbours: point i's softmax runs over C_i, the m nearest
// points under A at the last refresh (learnMetric refreshes between
// stages); m = n - 1 gives NCA's energy exactly. exp(-D) decays so fast that
// the far points carry a small share of p_i, and truncation makes a move
// O(n m) instead of O(n^2). The default m = n / 8 within [16, 32] cost no
// accuracy against all pairs on the bench data sets (and made breast cancer
// 9x faster).
//
// Moves (each with its own proposal scale, constant within an anneal()
// call; learnMetric adapts them between stages):
//  * Rotate: a Givens rotation of two output axes r, s by an angle uniform
//    in [-rotateScale, rotateScale]. It leaves A^T A and hence the energy
//    unchanged (dE = 0 exactly, no distance update); it turns the output
//    frame so that later axis stretches act along new directions of the
//    input space (a stretch of row k changes A^T A by a rank-one term along
//    row k).
//  * Stretch: row r of A times exp(u stretchScale), u uniform in [-1, 1]
//    (symmetric in log scale).
//  * Perturb: A[r][l] += u perturbScale, u uniform in [-1, 1] (symmetric).
// Stretches and perturbations change one row of A, hence one projected
// coordinate z_.r: every cached pair distance is updated in O(1),
// D'_ij = c^2 (D_ij + (z'_ir - z'_jr)^2 - (z_ir - z_jr)^2), and the
// softmaxes are re-evaluated (O(n m) exps with an in-house vectorised exp),
// instead of O(n m d') for recomputing the distances. c rescales all of A
// after the move so that |A|_F stays fixed (fixedNorm, default; c = 1
// otherwise), at no extra cost since it folds into the same update.
//
// Why a fixed norm and a short run (the defaults): NCA's training energy
// saturates (every training point correct with p_i ~ 1) long before its
// minimum, and a chain that keeps going wanders over that plateau, or blows
// up |A| to sharpen the softmax, into metrics that fit the training points
// and generalise worse: in 10-fold CV on breast cancer the k-NN accuracy
// fell from 0.978 after 1800 proposals to 0.969 after 9000 and 0.962 after
// 18000, and longer runs did not help wine or digits (nor did the log form,
// which never saturates). So
//  * learnMetric first scales A so that each point's stochastic neighbours
//    spread over about `perplexity` (5) candidates (calibrateScale) and
//    keeps that norm: the softmax keeps one sharpness for the whole run;
//  * the default run is 8 proposals per point within [1000, 4000],
//    whatever the size of A, an early stop (as a gradient method's few
//    iterations from the identity are);
//  * proposal scales only shrink below their initial values.
//
// Files: the energy (data, caches, exact energies) in
// lib/Search/MetricLearningEnergy.cpp, the moves in MetricLearningMoves.cpp,
// temperatures, stages and proposal scales in MetricLearningSchedule.cpp,
// learnMetric in MetricLearningDriver.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_SEARCH_METRICLEARNING_H
#define SPARQ_SEARCH_METRICLEARNING_H

#include "sparq/Search/Annealer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace sparq::search {

enum class MetricStatus : uint8_t {
  Ok,
  /// n < 2, d < 1, sizes that do not match, an output dimension outside
  /// [1, d], or an initial A of the wrong size or with non-finite entries.
  BadArguments,
  /// A NaN or infinite feature; see badRow / badColumn.
  NonFiniteFeature,
};

enum class NcaForm : uint8_t {
  Linear, ///< E = -sum_i p_i
  Log,    ///< E = -sum_i log p_i
};

struct MetricProblemOptions {
  /// d'; 0 means d. Must be in [1, d].
  int64_t outputDim = 0;
  /// Initial A, d' x d row-major; empty means the first d' rows of the
  /// identity.
  std::vector<double> initial;
  bool standardize = true;
  NcaForm form = NcaForm::Linear;
  /// Keep |A|_F at its initial value (see the file comment).
  bool fixedNorm = true;
  /// Candidate neighbours per point, m; 0: n / 8 within [16, 32]; capped
  /// at n - 1 (all).
  int64_t neighbours = 0;
  /// Relative frequencies of the moves (rotations need d' >= 2,
  /// perturbations a non-constant feature; otherwise their weight is 0).
  double rotateWeight = 0.2;
  double stretchWeight = 0.3;
  double perturbWeight = 0.5;
  /// Proposal scales: radians, log factor, absolute entry change.
  double rotateScale = 0.3;
  double stretchScale = 0.1;
  double perturbScale = 0.1;
};

/// Validation of (X, y, options); badRow / badColumn locate the first
/// non-finite feature in row-major order, -1 otherwise. `message` says what
/// is wrong (empty when Ok).
struct MetricDataCheck {
  MetricStatus status = MetricStatus::Ok;
  int64_t badRow = -1;
  int64_t badColumn = -1;
  std::string message;
};
MetricDataCheck checkMetricData(const double *x, const int32_t *labels,
                                int64_t n, int64_t d,
                                const MetricProblemOptions &options);

//===----------------------------------------------------------------------===//
// The annealing problem
//===----------------------------------------------------------------------===//

/// NCA metric learning as an annealing problem (see Annealer.h for the
/// interface and the file comment for energy and moves).
///
/// Caches: the standardised features by column, the projected coordinates
/// Z = X A^T by column, the squared distance of every (point, candidate)
/// pair and every p_i. delta() evaluates a one-row move without changing
/// them (the new column and p_i go to scratch buffers), apply() commits it
/// by updating the pair distances with the same arithmetic, so the cached
/// energy is exactly what delta() returned.
class MetricLearningProblem {
public:
  enum class MoveKind : uint8_t { Rotate, Stretch, Perturb };
  struct Move {
    MoveKind kind = MoveKind::Stretch;
    int32_t row = 0;
    /// Second row (Rotate) or column (Perturb).
    int32_t other = 0;
    /// Angle, log factor or entry change.
    double amount = 0;
  };
  /// A (d' x d row-major); restoring it recomputes every cache.
  using State = std::vector<double>;

  /// Copies (and standardises) X. Check status() before use: when it is not
  /// Ok the problem is empty (size() == 0) and must not be searched.
  MetricLearningProblem(const double *x, const int32_t *labels, int64_t n,
                        int64_t d, const MetricProblemOptions &options = {});

  MetricStatus status() const { return check.status; }
  const MetricDataCheck &dataCheck() const { return check; }

  int64_t numPoints() const { return n; }
  int64_t inputDim() const { return d; }
  int64_t outputDim() const { return dOut; }
  /// Candidate neighbours per point (m).
  int64_t neighbours() const { return m; }
  const std::vector<double> &mean() const { return mu; }
  const std::vector<double> &scale() const { return sigma; }
  /// A, d' x d row-major.
  const std::vector<double> &transform() const { return a; }
  /// Candidate neighbours of point i (m of them, same class first), and how
  /// many of them share i's class.
  const int32_t *candidates(int64_t i) const {
    return nbr.data() + size_t(i) * size_t(m);
  }
  int64_t sameClassCandidates(int64_t i) const { return same[size_t(i)]; }

  /// Makes each point's candidates its m nearest under the current A (ties
  /// by index; all other points when m = n - 1), recomputes every cache from
  /// A, and returns the exact all-pairs energy of A (as exactEnergy()).
  double refreshNeighbours();
  /// What the last refreshNeighbours() returned (the constructor does one).
  double lastRefreshEnergy() const { return refreshExact; }

  /// Scales A by the factor c that makes the geometric mean over points of
  /// the perplexity (exp of the entropy) of p_i. equal `perplexity`, i.e.
  /// each point's stochastic neighbour spread over about that many
  /// candidates; refreshes the caches and returns c (1, and no change, when
  /// the target is out of reach).
  double calibrateScale(double perplexity);

  //--- Proposal scales -----------------------------------------------------
  double rotateScale() const { return scales[0]; }
  double stretchScale() const { return scales[1]; }
  double perturbScale() const { return scales[2]; }
  void setScales(double rotate, double stretch, double perturb);
  /// Proposals and acceptances per MoveKind since the last resetCounts().
  uint64_t proposedOf(MoveKind k) const { return proposedCount[int(k)]; }
  uint64_t acceptedOf(MoveKind k) const { return acceptedCount[int(k)]; }
  void resetCounts();

  //--- Annealer interface --------------------------------------------------
  /// d' * d proposals per sweep (one per entry of A on average); 0 when the
  /// problem is not Ok.
  size_t size() const {
    return check.status == MetricStatus::Ok ? size_t(dOut * d) : 0;
  }
  Move propose(Rng &rng);
  double delta(Move &move);
  void apply(const Move &move);
  void reject(const Move &) {}
  double energy() const { return e; }
  void saveState(State &out) const { out = a; }
  void restoreState(const State &in);

  //--- Direct use and checks -----------------------------------------------
  /// Sets A (d' x d) and recomputes every cache; false (and no change) when
  /// the size is wrong or an entry is not finite.
  bool setTransform(const std::vector<double> &transform);
  /// The energy over the current candidates, recomputed from A alone (no
  /// cached coordinate or distance).
  double recomputeEnergy() const;
  /// The NCA energy of the current A over all n - 1 other points.
  double exactEnergy() const;
  /// The standardised features, row-major n x d.
  std::vector<double> standardizedFeatures() const;
  /// Class index (0-based, by increasing label) of each point.
  const std::vector<int32_t> &classes() const { return cls; }

private:
  /// Z = X A^T and every pair distance and p_i from it.
  void recomputeCaches();
  /// Energy from per-point probabilities.
  double energyOf(const double *p) const;
  void rebuildMoveTable();
  void updateRowNorms();
  /// Mean over points of the entropy of p_i. with distances times c2.
  double meanEntropy(double c2) const;

  MetricDataCheck check;
  NcaForm form = NcaForm::Linear;
  int64_t n = 0, d = 0, dOut = 0, m = 0;
  std::vector<double> mu, sigma;
  std::vector<double> xs;          // d x n, standardised, by column
  std::vector<int32_t> cls;        // n
  std::vector<int32_t> activeCols; // non-constant features
  std::vector<double> a;           // d' x d
  std::vector<double> z;           // d' x n, by column
  std::vector<int32_t> nbr;        // n x m
  std::vector<int32_t> same;       // n
  std::vector<double> dist;        // n x m
  std::vector<double> p;           // n
  double e = 0;

  double weights[3] = {0, 0, 0};
  double scales[3] = {0, 0, 0};
  uint64_t proposedCount[3] = {0, 0, 0};
  uint64_t acceptedCount[3] = {0, 0, 0};

  // delta() scratch, read by apply() for the same move.
  std::vector<double> zNew, pNew, rowScratch;
  double eNew = 0, c2New = 1;
  double refreshExact = 0;
  bool fixedNorm = false;
  double norm2Target = 0;
  std::vector<double> rowNorm2; // per row of A
};

//===----------------------------------------------------------------------===//
// Reference and driver
//===----------------------------------------------------------------------===//

/// The NCA energy of projected points z (row-major, n x dOut) over all
/// pairs, computed directly with std::exp (independent of the problem's
/// kernels; for checks).
double ncaEnergyReference(const double *z, const int32_t *labels, int64_t n,
                          int64_t dOut, NcaForm form = NcaForm::Linear);

struct MetricLearningOptions {
  MetricProblemOptions problem;
  uint64_t seed = 0;
  /// Planned length in sweeps of d' * d proposals, over all stages; <= 0:
  /// 8 n proposals within [1000, 4000] (see the file comment). Infinite
  /// needs a time budget.
  double sweeps = 0;
  /// Over the whole run (all stages). Start/end temperatures <= 0 are
  /// chosen from the |dE| of random moves at the start (see Annealer.h);
  /// the defaults accept the median uphill move with probability 0.5 at
  /// the start and 1e-3 at the end. The median of 64 sampled moves sets
  /// them as well as 512 did on the bench data sets; 512 cost as much as
  /// the whole default run on small ones (iris, wine).
  TemperatureSchedule schedule = [] {
    TemperatureSchedule s;
    s.autoSamples = 64;
    return s;
  }();
  /// Wall-clock budget for the whole call in seconds; <= 0: none.
  double timeBudgetSeconds = 0;
  /// > 1: first scale the initial A so that each point's stochastic
  /// neighbours spread over about this many points (see calibrateScale);
  /// otherwise A starts as given.
  double perplexity = 5;
  /// Progress of the schedule is elapsed time / budget (see
  /// AnnealOptions::progressByTime); `sweeps` then only caps the run.
  bool progressByTime = false;
  /// The run is cut into this many anneal() calls; between them the
  /// candidate neighbours are refreshed, the caches recomputed from A, the
  /// proposal scales adapted and the best A so far kept by exact energy.
  /// 0: 8, fewer when the O(n^2 d') refreshes would take more than about a
  /// quarter of the run (e.g. 4 on digits).
  int stages = 0;
  /// Proposal scales move towards this acceptance rate between stages (each
  /// scale times (rate / target) clamped to [0.5, 2], and never above its
  /// initial value); <= 0: fixed scales.
  double targetAcceptance = 0.3;
};

struct MetricLearningResult {
  MetricStatus status = MetricStatus::Ok;
  std::string message;
  /// First non-finite feature when status is NonFiniteFeature.
  int64_t badRow = -1, badColumn = -1;
  /// The learned A (d' x d row-major, acting on standardised features) with
  /// the lowest exact energy seen at the start or at a stage boundary.
  std::vector<double> transform;
  int64_t inputDim = 0, outputDim = 0;
  /// Standardisation: z = A ((x - mean) / scale).
  std::vector<double> mean, scale;
  /// Exact (all pairs) energy of the initial A (after calibrateScale) and
  /// of the returned A.
  double initialEnergy = 0;
  double energy = 0;
  /// Candidate neighbours per point used by the moves.
  int64_t neighbours = 0;
  int stages = 0;
  /// Sums over the stages (temperatures: the first stage's start, the last
  /// stage's end and last; energies: exact).
  AnnealStats anneal;
  /// Final proposal scales.
  double rotateScale = 0, stretchScale = 0, perturbScale = 0;
  /// Wall time of the whole call.
  double seconds = 0;
};

/// Learns A from X (row-major n x d) and labels (n). Never throws on bad
/// data: the result's status says what was wrong.
MetricLearningResult learnMetric(const double *x, const int32_t *labels,
                                 int64_t n, int64_t d,
                                 const MetricLearningOptions &options = {});
/// The same with sizes checked: x must hold n * d values, labels n.
MetricLearningResult learnMetric(const std::vector<double> &x,
                                 const std::vector<int32_t> &labels, int64_t n,
                                 int64_t d,
                                 const MetricLearningOptions &options = {});

} // namespace sparq::search

#endif // SPARQ_SEARCH_METRICLEARNING_H
