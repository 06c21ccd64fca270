//===- PermutationSchedule.h - Temperatures of the permutation search -*- C++ -*-===//
//
// Part of the Sparq project.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_LIB_SEARCH_PERMUTATIONSCHEDULE_H
#define SPARQ_LIB_SEARCH_PERMUTATIONSCHEDULE_H

#include "sparq/Search/ChannelPermutation.h"

namespace sparq::search::detail {

/// options.schedule with automatic start/end temperatures resolved from
/// random swaps of `problem` (proposed and rejected, from a stream of their
/// own) and the start policy of PermutationSearchOptions applied.
/// `secondsLeft` (on options.budgetClock, <= 0: no budget) is the time one
/// replica has for its run; with progressByTime it bounds the planned
/// proposals that the start policy weighs.
TemperatureSchedule planSchedule(ChannelPermutationProblem &problem,
                                 const PermutationSearchOptions &options,
                                 double secondsLeft);

} // namespace sparq::search::detail

#endif // SPARQ_LIB_SEARCH_PERMUTATIONSCHEDULE_H
