//===- Target.h - NVIDIA targets and the MMA instructions they take -*- C++ -*-===//
//
// Which warp-level MMA instruction a sparq.matmul becomes, which chips have
// it, and the smallest PTX version it needs: chosen here, before any IR is
// emitted, so that an impossible request is a diagnostic rather than an llc
// abort.
//
//===----------------------------------------------------------------------===//
#ifndef SPARQ_CONVERSION_SPARQTONVVM_TARGET_H
#define SPARQ_CONVERSION_SPARQTONVVM_TARGET_H

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace sparq::nvvm {

/// A chip: sm_80, sm_89, sm_90 or sm_90a.
struct Chip {
  unsigned sm = 90;
  bool archSpecific = false;
  std::string name() const;
};

/// Parses `chip`; std::nullopt for anything else.
std::optional<Chip> parseChip(llvm::StringRef chip);

/// The instruction families sparq.matmul lowers to.
enum class MmaFamily {
  /// mma.sync.aligned.m16n8k32.row.col.f32.{e4m3,e5m2}x2.f32
  DenseFp8,
  /// mma.sp::ordered_metadata.sync.aligned.m16n8k64 ... e4m3/e5m2
  SparseFp8,
  /// mma.sp::ordered_metadata.sync.aligned.m16n8k32 ... f16 / bf16
  SparseF16,
  SparseBF16,
};

const char *familyName(MmaFamily family);

/// Whether `family` is an mma.sp (2:4-sparse A) instruction.
inline bool isSparse(MmaFamily family) {
  return family != MmaFamily::DenseFp8;
}

/// The oldest architecture that has `family` (89 for FP8, 80 for f16/bf16).
unsigned minimumSm(MmaFamily family);

/// The smallest PTX ISA version (as 10 * major + minor) `family` needs on
/// `chip`, counting what LLVM's NVPTX back end requires to select it.
unsigned minimumPtx(MmaFamily family, const Chip &chip);

/// The smallest PTX ISA version of the warpgroup kernel of `family` on
/// sm_90a: wgmma, TMA and setmaxnreg need 8.0, wgmma.sp 8.2, and the
/// tensormap proxy fence (acquiring maps the host wrote) 8.3.
unsigned minimumWgmmaPtx(MmaFamily family);

/// The smallest PTX version for converting f32 pairs to FP8 (cvt ...
/// e4m3x2.f32) on `chip`.
unsigned minimumPtxForFp8Convert(const Chip &chip);

} // namespace sparq::nvvm

#endif // SPARQ_CONVERSION_SPARQTONVVM_TARGET_H
