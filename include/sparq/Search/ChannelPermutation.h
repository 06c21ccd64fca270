//===- ChannelPermutation.h - Channel permutations for N:M ------*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// N:M structured sparsity keeps, in every group of M consecutive input
// channels of a weight row, the N largest magnitudes. Permuting the input
// channels before pruning changes which channels share a group; a good
// permutation keeps more magnitude (Pool & Yu 2021, "Channel Permutations
// for N:M Sparsity").
//
// Conventions:
//  * W is row-major, R rows (output channels) by K columns (input channels),
//    K a multiple of M. Its N:M groups run along K.
//  * A permutation `perm` of [0, K) maps position to channel: the permuted
//    matrix is W'[r][j] = W[r][perm[j]], so group g holds the channels
//    perm[g*M .. g*M+M). Inputs must be permuted the same way
//    (x'[j] = x[perm[j]]), e.g. by permuting the producer's output rows.
//  * Only the partition of channels into groups affects the kept magnitude,
//    not the order within or among groups.
//  * Energy = magnitude lost to pruning = sum over rows and groups of the
//    |w| outside the N largest of the group. kept = total - lost.
//  * Non-finite weights (NaN, +-inf) are rejected: every entry point
//    reports PermutationStatus::NonFiniteWeight with the first offending
//    (row, column) and does no search. A NaN has no magnitude to trade
//    against others, and an infinite one would make every energy infinite.
//
//===----------------------------------------------------------------------===//

#ifndef SPARQ_SEARCH_CHANNELPERMUTATION_H
#define SPARQ_SEARCH_CHANNELPERMUTATION_H

#include "sparq/Numerics/NM.h"
#include "sparq/Numerics/Parallel.h"
#include "sparq/Search/Annealer.h"

#include <cstdint>
#include <vector>

namespace sparq::search {

/// Keep n of every m consecutive input channels; valid when 0 < n < m <= 16.
/// The numerics library's pattern (a header-only struct, so the search still
/// links against nothing).
using SparsityPattern = numerics::NMPattern;

enum class PermutationStatus : uint8_t {
  Ok,
  /// Invalid pattern, negative sizes, K not a multiple of M, null data with
  /// a non-empty shape, an initial permutation that is not one, or (for the
  /// annealer) sweeps that are negative, NaN, or infinite without a budget.
  BadArguments,
  /// A NaN or infinite weight; see badRow / badColumn.
  NonFiniteWeight,
};

/// Validation of (W, pattern). badRow / badColumn locate the first
/// non-finite weight in row-major order, -1 otherwise.
struct WeightCheck {
  PermutationStatus status = PermutationStatus::Ok;
  int64_t badRow = -1;
  int64_t badColumn = -1;
};
WeightCheck checkWeights(const float *w, int64_t rows, int64_t cols,
                         SparsityPattern pattern);

/// True when `perm` (size cols) is a permutation of [0, cols).
bool isPermutation(const std::vector<int32_t> &perm, int64_t cols);

//===----------------------------------------------------------------------===//
// The annealing problem
//===----------------------------------------------------------------------===//

/// Channel permutation as an annealing problem (see Annealer.h for the
/// interface). State: the permutation. Move: swap the channels at two
/// positions in different groups.
///
/// Scoring is incremental and touches only the two groups of a swap. With
/// q = M - N, a group's loss in one row is S + min(t, v), where v is the
/// value of any one member, t the q-th smallest of the other M - 1 values
/// and S the sum of their q - 1 smallest. Replacing v by v' changes it by
/// min(t, v') - min(t, v). So with t cached per position and row (the
/// "thresholds") and base[p] = sum over rows of min(t, v) per position, the
/// energy change of swapping a (group A) with b (group B) is
///   sum over rows of (min(tA, b) + min(tB, a)) - base[A] - base[B],
/// four contiguous float streams (|W| is kept transposed, one zero-padded
/// column per channel) whatever N:M is. Applying a swap refreshes the
/// thresholds, bases and losses of the two groups.
///
/// Proposal: two distinct groups uniformly at random (optionally within a
/// cache-sized block of groups, see setBlocking), then a member of each
/// uniformly; symmetric, so Metropolis keeps detailed balance.
class ChannelPermutationProblem {
public:
  struct Move {
    int32_t posA = 0, posB = 0;
  };
  /// The permutation; restoring it refreshes every group's caches.
  using State = std::vector<int32_t>;

  /// Copies |W|. `initial` (size cols, or empty for identity) is the
  /// starting permutation. Check status() before use: when it is not Ok the
  /// problem is empty (size() == 0) and must not be searched.
  ChannelPermutationProblem(const float *w, int64_t rows, int64_t cols,
                            SparsityPattern pattern = {},
                            const std::vector<int32_t> &initial = {});

  PermutationStatus status() const { return check.status; }
  const WeightCheck &weightCheck() const { return check; }

  int64_t rows() const { return numRows; }
  int64_t cols() const { return numCols; }
  int64_t numGroups() const { return groups; }
  SparsityPattern pattern() const { return pat; }

  /// Cache blocking: every `movesPerBlock` proposals a new block of
  /// `blockGroups` distinct groups is drawn uniformly at random, and pairs
  /// are drawn within the current block, so their columns and thresholds
  /// stay in cache. Within a block the proposal is uniform over its pairs,
  /// hence symmetric. blockGroups < 2 or >= numGroups(): pairs uniform over
  /// all groups (the default).
  void setBlocking(int64_t blockGroups, int64_t movesPerBlock);
  /// Block size (in groups) whose columns and thresholds take ~`bytes`.
  int64_t blockGroupsForBytes(int64_t bytes) const;

  //--- Annealer interface --------------------------------------------------
  /// K when at least two groups exist (a sweep proposes K swaps), else 0.
  size_t size() const { return groups >= 2 ? size_t(numCols) : 0; }
  Move propose(Rng &rng);
  double delta(Move &move) const;
  void apply(const Move &move);
  void reject(const Move &) {}
  /// Sum of the cached group losses (O(K / M)).
  double energy() const;
  void saveState(State &out) const;
  void restoreState(const State &in);

  //--- Direct use and checks -----------------------------------------------
  /// Energy recomputed from scratch (all groups, same loss kernels).
  double recomputeEnergy() const;
  /// Energy change of swapping positions a and b (different groups), as
  /// delta() computes it.
  double swapDelta(int64_t a, int64_t b) const;
  /// Energy changes of all M*M swaps between groups ga != gb:
  /// out[i * M + j] for positions ga*M + i and gb*M + j.
  void pairDeltas(int64_t ga, int64_t gb, double *out) const;
  /// Swaps positions a and b and refreshes their groups.
  void swap(int64_t a, int64_t b);
  /// Cached loss of group g.
  double groupLoss(int64_t g) const { return loss[size_t(g)]; }
  /// Sum of all |w| (double).
  double totalMagnitude() const { return total; }
  const std::vector<int32_t> &permutation() const { return perm; }

  /// Loss over all rows of a group made of the given M channels.
  double lossOfChannels(const int32_t *channels) const;

private:
  const float *column(int32_t channel) const {
    return absT.data() + size_t(channel) * size_t(stride);
  }
  const float *thresholds(int64_t pos) const {
    return thr.data() + size_t(pos) * size_t(stride);
  }
  /// Recomputes the loss, thresholds and bases of group g.
  void updateGroup(int64_t g);
  void drawPair(Rng &rng, int64_t &ga, int64_t &gb);

  WeightCheck check;
  SparsityPattern pat;
  int64_t numRows = 0, numCols = 0, groups = 0;
  /// Floats per column: rows rounded up to the kernels' lane count.
  int64_t stride = 0;
  std::vector<float> absT;  // K x stride, by channel, zero padded
  std::vector<float> thr;   // K x stride, by position
  std::vector<double> base; // per position
  std::vector<int32_t> perm;
  std::vector<double> loss; // per group
  double total = 0;

  std::vector<int32_t> block; // first blockSize entries: current block
  int64_t blockSize = 0, blockMoves = 0, blockLeft = 0;
};

//===----------------------------------------------------------------------===//
// Searches
//===----------------------------------------------------------------------===//

struct PermutationSearchOptions {
  SparsityPattern pattern;
  uint64_t seed = 0;
  /// Sweeps of K proposed swaps each, per replica. With a time budget and
  /// progressByTime this only caps the run (use a huge value, or infinity,
  /// to let the budget alone set its length).
  double sweeps = 100;
  /// Start/end temperatures auto-selected by default (see Annealer.h).
  TemperatureSchedule schedule = defaultSchedule();
  /// Budget in seconds; <= 0: none. On the wall clock it covers the whole
  /// call (setup included, replicas running concurrently); on a thread's
  /// CPU clock each replica's chain gets it (benchmarks on loaded machines).
  double timeBudgetSeconds = 0;
  BudgetClock budgetClock = BudgetClock::Wall;
  /// With a budget, the schedule follows elapsed time as well as proposals
  /// (see AnnealOptions::progressByTime): a budget-bound run still cools to
  /// the end temperature, and more time means a slower cooling. false: the
  /// schedule follows `sweeps` and the budget only cuts it (reproducible
  /// when it does not bind).
  bool progressByTime = true;
  /// Independent chains (replica 0 on `seed`, the others on seeds hashed
  /// from it), run as tasks on `parallel` (empty: one after the other on
  /// the calling thread); the best is returned, ties to the lowest index,
  /// so a fixed-sweep run is reproducible from the seed however the tasks
  /// are scheduled. Memory: one copy of |W| and its thresholds per replica.
  int replicas = 1;
  numerics::ParallelFor parallel;
  /// Starting permutation; empty means identity.
  std::vector<int32_t> initialPermutation;
  /// Cache blocking, see ChannelPermutationProblem::setBlocking.
  /// blockGroups: 0 sizes blocks so their data take about blockBytes (at
  /// least 8 groups); 1 disables blocking. movesPerBlock: 0 means
  /// movesPerGroup times the block's groups. The defaults (1 MiB, a core's
  /// L2 on current x86) roughly halved the time per sweep on 1024x4096 and
  /// 4096x1024 matrices for about the same result per sweep.
  int64_t blockGroups = 0;
  int64_t blockBytes = 1 << 20;
  int64_t movesPerBlock = 0;
  int64_t movesPerGroup = 16;

  /// Start temperature policy when schedule.start is automatic. A run that
  /// proposes each distinct swap many times can afford to start warmer and
  /// cross barriers; a short one loses by it. So the start moves
  /// (log-linearly in T) from the schedule's own auto start to a hotter one
  /// as the planned proposals per distinct swap, sweeps * K /
  /// (K * (K - M) / 2), go from 4 to 16 (with a budget and progressByTime,
  /// the planned proposals are estimated from the time the temperature
  /// sampling took). The hotter start depends on the size: up to
  /// hotStartMaxChannels channels it accepts the median |dE| with
  /// probability hotStartAcceptance (tuned on t3 matrices with K = 32..256,
  /// where it found exact optima the colder start missed); above, the 10th
  /// percentile with probability largeStartAcceptance (on 768x768
  /// trained-like matrices the median start reached 0.370 efficacy in 10000
  /// sweeps and 7.3 CPU-s, this one 0.374 in 1.8 CPU-s).
  bool hotStartWhenAffordable = true;
  int64_t hotStartMaxChannels = 256;
  double hotStartAcceptance = 0.3;
  double largeStartAcceptance = 0.1;

  /// Geometric, scaled by the 10th percentile of |dE| over random swaps
  /// from the start: from the temperature accepting an uphill move of that
  /// size with probability 1e-2 (T = scale / 4.6) down to 1e-8 (scale /
  /// 18). The median |dE| grows with the spread of channel scales while
  /// the useful temperatures hardly do, so a low percentile is the robust
  /// scale; tuned on t3 matrices with and without lognormal channel scales
  /// at a few hundred to a few thousand sweeps.
  static TemperatureSchedule defaultSchedule();
};

struct GreedyOptions {
  SparsityPattern pattern;
  /// Orders the group pairs visited in each pass.
  uint64_t seed = 0;
  /// Wall-clock bound in seconds; <= 0: none (a pass over all group pairs
  /// costs O((K/M)^2 * M^2 * R), so set one for large K).
  double timeBudgetSeconds = 1.0;
  BudgetClock budgetClock = BudgetClock::Wall;
  /// Passes over all group pairs; 0: until converged.
  unsigned maxPasses = 0;
  std::vector<int32_t> initialPermutation;
};

struct GreedyStats {
  uint64_t pairsEvaluated = 0;
  uint64_t swapsApplied = 0;
  unsigned passes = 0;
  /// A full pass applied no swap: no single swap improves the result.
  bool converged = false;
  bool stoppedByTime = false;
  /// Seconds on the budget clock.
  double seconds = 0;
};

struct PermutationResult {
  PermutationStatus status = PermutationStatus::Ok;
  /// First non-finite weight when status is NonFiniteWeight.
  int64_t badRow = -1, badColumn = -1;
  /// Position -> channel (the starting permutation when there was nothing
  /// to search); empty when status is not Ok.
  std::vector<int32_t> permutation;
  /// Magnitudes as scored by the search kernels (float rows summed in
  /// double): total, kept by the starting and by the returned permutation.
  double totalMagnitude = 0;
  double keptInitial = 0;
  double kept = 0;
  /// Wall time of the whole call, setup included.
  double seconds = 0;
  AnnealStats anneal; ///< annealChannelPermutation only: the best replica
  /// annealChannelPermutation only: kept magnitude of each replica's best.
  std::vector<double> replicaKept;
  GreedyStats greedy; ///< greedyChannelPermutation only
};

/// Metropolis annealing over channel swaps. The result never keeps less
/// than the initial permutation (the best state seen is returned).
/// Files: energy in ChannelPermutationEnergy.cpp, moves in
/// ChannelPermutationMoves.cpp, schedule in ChannelPermutationSchedule.cpp,
/// this driver in ChannelPermutationSearch.cpp.
PermutationResult annealChannelPermutation(const float *w, int64_t rows,
                                           int64_t cols,
                                           const PermutationSearchOptions &);

/// Greedy baseline, first-improvement over group pairs: a pass visits every
/// unordered pair of groups once (offsets d = 1..G/2 in a seeded random
/// order; for each d the pairs (g, g + d mod G) in order of g), evaluates
/// all M*M swaps between the two groups and applies the best one if it
/// lowers the loss (confirmed by recomputing the two groups' losses, so the
/// loss strictly decreases and passes cannot cycle on rounding). Passes
/// repeat until one applies no swap (a local optimum under single swaps),
/// maxPasses, or the time budget. The same swap evaluation as the
/// annealer's, so the two compare at equal cost per evaluation.
PermutationResult greedyChannelPermutation(const float *w, int64_t rows,
                                           int64_t cols,
                                           const GreedyOptions &);

//===----------------------------------------------------------------------===//
// Evaluation (reference code, independent of the search kernels)
//===----------------------------------------------------------------------===//

/// Magnitude kept by N:M pruning of W with columns permuted by perm (empty:
/// identity), summed in double. NaN on bad arguments or non-finite weights.
double keptMagnitude(const float *w, int64_t rows, int64_t cols,
                     const std::vector<int32_t> &perm,
                     SparsityPattern pattern = {});

/// Magnitude kept by unstructured pruning at the same density, per row: the
/// largest K*N/M magnitudes of each row. This upper-bounds keptMagnitude
/// for every permutation.
double keptUnstructured(const float *w, int64_t rows, int64_t cols,
                        SparsityPattern pattern = {});

/// Sum of |w|.
double totalMagnitude(const float *w, int64_t rows, int64_t cols);

/// Pool & Yu's efficacy: the fraction of the gap between N:M without
/// permutation and unstructured pruning that a permutation closes,
/// (kept - keptIdentity) / (keptUnstructured - keptIdentity). 1 means as
/// good as unstructured, 0 no better than identity, < 0 worse. NaN when the
/// gap is zero (nothing to close).
double efficacy(double kept, double keptIdentity, double keptUnstructured);

struct PermutationQuality {
  PermutationStatus status = PermutationStatus::Ok;
  double total = 0;
  double keptIdentity = 0;
  double kept = 0;
  double keptUnstructured = 0;
  double efficacy = 0;
};
/// All of the above for one permutation (empty: identity).
PermutationQuality evaluatePermutation(const float *w, int64_t rows,
                                       int64_t cols,
                                       const std::vector<int32_t> &perm,
                                       SparsityPattern pattern = {});

} // namespace sparq::search

#endif // SPARQ_SEARCH_CHANNELPERMUTATION_H
