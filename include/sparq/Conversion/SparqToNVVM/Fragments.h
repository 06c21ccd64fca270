//===- Fragments.h - which lane holds which MMA operand element -*- C++ -*-===//
//
// The shapes of the warp-level MMA operands sparq's kernels use, and the
// positions the PTX ISA assigns to each lane for the operands the kernels
// read or write lane by lane -- metadata and C/D --, written down once as
// affine functions of the lane's group (%laneid >> 2) and thread in group
// (%laneid & 3): the lowering turns them into index arithmetic, and the unit
// tests evaluate the same functions on the CPU to simulate each lane against
// an independent model of the instructions (numerics/MMA.h). A wrong entry
// here fails those tests. (A and B arrive by ldmatrix, whose addressing is in
// KernelIndexing.h.)
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_FRAGMENTS_H
#define SPARQ_CONVERSION_SPARQTONVVM_FRAGMENTS_H

#include "sparq/Conversion/SparqToNVVM/Target.h"

#include <cstdint>
#include <vector>

namespace sparq::nvvm {

/// group * groupScale + thread * threadScale + (thread & 1) * bit0Scale +
/// (thread >> 1) * bit1Scale + constant.
struct LaneAffine {
  int groupScale = 0, threadScale = 0, constant = 0;
  int bit0Scale = 0, bit1Scale = 0;
  int eval(int lane) const {
    int thread = lane & 3;
    return (lane >> 2) * groupScale + thread * threadScale +
           (thread & 1) * bit0Scale + (thread >> 1) * bit1Scale + constant;
  }
};

/// The (row, column) of one operand element a lane holds.
struct FragmentElement {
  LaneAffine row, col;
};

/// One metadata register half: the 16-bit word `word` (counted in this
/// project's metadata layout: one uint16 per 16 dense elements of a row,
/// relative to the instruction's K window) of row `row`.
struct MetadataHalf {
  LaneAffine row, word;
};

struct FragmentLayout {
  MmaFamily family;
  /// Elements of A per 32-bit register (4 for FP8, 2 for f16/bf16).
  unsigned perRegister;
  /// K of one instruction (logical, dense) and A values per row stored.
  unsigned k, kStored;
  /// 32-bit registers per lane of the A and B fragments.
  unsigned aRegisters, bRegisters;
  /// C and D: four f32 per lane.
  std::vector<FragmentElement> c;
  /// Sparse only: the metadata register of each lane, low half first, and
  /// the sparsity selector the instruction is issued with.
  std::vector<MetadataHalf> metadata;
  unsigned selector = 0;
};

/// The layout of `family` (see the PTX ISA sections cited in Fragments.cpp).
const FragmentLayout &getFragmentLayout(MmaFamily family);

} // namespace sparq::nvvm

#endif // SPARQ_CONVERSION_SPARQTONVVM_FRAGMENTS_H
