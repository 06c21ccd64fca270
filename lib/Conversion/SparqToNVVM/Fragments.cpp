//===- Fragments.cpp - which lane holds which MMA operand element ---------===//
//
// Sources: PTX ISA 8.5, section 9.7.14.5 (Matrix fragments for mma.m16n8k32
// with 8-bit types, for mma.m16n8k16 with f16/bf16) and section 9.7.14.6.2
// (fragments of mma.sp: the packed A of a sparse instruction has the layout
// of the dense instruction with half its K; metadata per figures 122-125).
//
//===----------------------------------------------------------------------===//
#include "sparq/Conversion/SparqToNVVM/Fragments.h"

using namespace sparq::nvvm;

namespace {
FragmentElement at(LaneAffine row, LaneAffine col) { return {row, col}; }
LaneAffine group(int scale = 1, int constant = 0) { return {scale, 0, constant}; }
LaneAffine thread(int scale, int constant = 0) { return {0, scale, constant}; }

/// C and D, f32: row = group (+8 for c2, c3), col = 2 * thread + (i & 1).
std::vector<FragmentElement> cF32() {
  std::vector<FragmentElement> c;
  for (int i = 0; i < 4; ++i)
    c.push_back(at(group(1, 8 * (i >> 1)), thread(2, i & 1)));
  return c;
}

/// m16n8k64 FP8 (selector 0, every lane): lane 4g + t holds row
/// g + 8 (t & 1), K columns 32 (t >> 1) .. + 31: words 2 (t >> 1) and
/// 2 (t >> 1) + 1 of that row, low half first. (The ISA gives this only as
/// a figure; CUTLASS's SM90 GMMA ELayout_64x64 and TileLang's 8-bit mma.sp
/// layout agree, see numerics/MMA.h.)
std::vector<MetadataHalf> sparseFp8Metadata() {
  LaneAffine row{1, 0, 0, 8, 0};
  return {{row, LaneAffine{0, 0, 0, 0, 2}}, {row, LaneAffine{0, 0, 1, 0, 2}}};
}

/// m16n8k32 f16/bf16 with selector 0: lanes 4g and 4g + 1 hold word t of
/// row g (low half) and of row g + 8 (high half); lanes 4g + 2 and 4g + 3
/// are not read.
std::vector<MetadataHalf> sparse16Metadata() {
  LaneAffine word{0, 0, 0, 1, 0};
  return {{LaneAffine{1, 0, 0}, word}, {LaneAffine{1, 0, 8}, word}};
}

FragmentLayout make(MmaFamily family) {
  FragmentLayout l;
  l.family = family;
  l.c = cF32();
  switch (family) {
  case MmaFamily::DenseFp8:
    l.perRegister = 4;
    l.k = l.kStored = 32;
    l.aRegisters = 4;
    l.bRegisters = 2;
    break;
  case MmaFamily::SparseFp8:
    l.perRegister = 4;
    l.k = 64;
    l.kStored = 32;
    l.aRegisters = 4;
    l.bRegisters = 4;
    l.metadata = sparseFp8Metadata();
    l.selector = 0;
    break;
  case MmaFamily::SparseF16:
  case MmaFamily::SparseBF16:
    l.perRegister = 2;
    l.k = 32;
    l.kStored = 16;
    l.aRegisters = 4;
    l.bRegisters = 4;
    l.metadata = sparse16Metadata();
    l.selector = 0;
    break;
  }
  return l;
}
} // namespace

const FragmentLayout &sparq::nvvm::getFragmentLayout(MmaFamily family) {
  static const FragmentLayout layouts[] = {
      make(MmaFamily::DenseFp8), make(MmaFamily::SparseFp8),
      make(MmaFamily::SparseF16), make(MmaFamily::SparseBF16)};
  return layouts[static_cast<int>(family)];
}
