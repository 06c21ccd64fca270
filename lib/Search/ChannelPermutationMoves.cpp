//===- ChannelPermutationMoves.cpp - Channel swaps and their proposal -----===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
//
// The moves of ChannelPermutationProblem: swaps of two channels in different
// groups, drawn uniformly (or within a cache-sized block of groups), their
// incremental energy change, and applying or undoing them.
//
//===----------------------------------------------------------------------===//

#include "PermutationKernels.h"

#include <algorithm>
#include <numeric>

namespace sparq::search {

using detail::swapSum;

void ChannelPermutationProblem::setBlocking(int64_t blockGroups,
                                            int64_t movesPerBlock) {
  if (blockGroups < 2 || blockGroups >= groups) {
    blockSize = 0;
    block.clear();
    return;
  }
  blockSize = blockGroups;
  blockMoves = std::max<int64_t>(1, movesPerBlock);
  blockLeft = 0;
  block.resize(size_t(groups));
  std::iota(block.begin(), block.end(), 0);
}

void ChannelPermutationProblem::drawPair(Rng &rng, int64_t &ga, int64_t &gb) {
  if (blockSize) {
    if (blockLeft <= 0) {
      // Partial Fisher-Yates: the first blockSize entries become a uniform
      // random subset (the array stays a permutation of the groups).
      for (int64_t i = 0; i < blockSize; ++i)
        std::swap(block[size_t(i)],
                  block[size_t(i) + rng.below(uint64_t(groups - i))]);
      blockLeft = blockMoves;
    }
    --blockLeft;
    int64_t i = int64_t(rng.below(uint64_t(blockSize)));
    int64_t j = int64_t(rng.below(uint64_t(blockSize - 1)));
    if (j >= i)
      ++j;
    ga = block[size_t(i)];
    gb = block[size_t(j)];
    return;
  }
  ga = int64_t(rng.below(uint64_t(groups)));
  gb = int64_t(rng.below(uint64_t(groups - 1)));
  if (gb >= ga)
    ++gb;
}

ChannelPermutationProblem::Move ChannelPermutationProblem::propose(Rng &rng) {
  const int64_t m = pat.m;
  int64_t ga, gb;
  drawPair(rng, ga, gb);
  Move move;
  move.posA = int32_t(ga * m + int64_t(rng.below(uint64_t(m))));
  move.posB = int32_t(gb * m + int64_t(rng.below(uint64_t(m))));
  return move;
}

void ChannelPermutationProblem::pairDeltas(int64_t ga, int64_t gb,
                                           double *out) const {
  const int64_t m = pat.m;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < m; ++j)
      out[i * m + j] = swapDelta(ga * m + i, gb * m + j);
}

double ChannelPermutationProblem::swapDelta(int64_t a, int64_t b) const {
  const double sum = swapSum(thresholds(a), thresholds(b),
                             column(perm[size_t(a)]), column(perm[size_t(b)]),
                             stride);
  return sum - (base[size_t(a)] + base[size_t(b)]);
}

double ChannelPermutationProblem::delta(Move &move) const {
  return swapDelta(move.posA, move.posB);
}

void ChannelPermutationProblem::apply(const Move &move) {
  const int64_t m = pat.m;
  std::swap(perm[size_t(move.posA)], perm[size_t(move.posB)]);
  updateGroup(move.posA / m);
  updateGroup(move.posB / m);
}

void ChannelPermutationProblem::saveState(State &out) const {
  out = perm;
}

void ChannelPermutationProblem::restoreState(const State &in) {
  perm = in;
  // Thresholds are not part of the state (copying them would cost as much
  // as recomputing); refresh every group.
  for (int64_t g = 0; g < groups; ++g)
    updateGroup(g);
}

void ChannelPermutationProblem::swap(int64_t a, int64_t b) {
  Move move;
  move.posA = int32_t(a);
  move.posB = int32_t(b);
  apply(move);
}

} // namespace sparq::search
