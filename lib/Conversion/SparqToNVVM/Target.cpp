//===- Target.cpp - NVIDIA targets and their MMA instructions -------------===//
#include "sparq/Conversion/SparqToNVVM/Target.h"

using namespace sparq::nvvm;

std::string Chip::name() const {
  return "sm_" + std::to_string(sm) + (archSpecific ? "a" : "");
}

std::optional<Chip> sparq::nvvm::parseChip(llvm::StringRef chip) {
  if (chip == "sm_80")
    return Chip{80, false};
  if (chip == "sm_89")
    return Chip{89, false};
  if (chip == "sm_90")
    return Chip{90, false};
  if (chip == "sm_90a")
    return Chip{90, true};
  return std::nullopt;
}

const char *sparq::nvvm::familyName(MmaFamily family) {
  switch (family) {
  case MmaFamily::DenseFp8:
    return "mma.sync m16n8k32 FP8";
  case MmaFamily::SparseFp8:
    return "mma.sp::ordered_metadata m16n8k64 FP8";
  case MmaFamily::SparseF16:
    return "mma.sp::ordered_metadata m16n8k32 f16";
  case MmaFamily::SparseBF16:
    return "mma.sp::ordered_metadata m16n8k32 bf16";
  }
  return "";
}

unsigned sparq::nvvm::minimumSm(MmaFamily family) {
  return family == MmaFamily::DenseFp8 || family == MmaFamily::SparseFp8 ? 89
                                                                          : 80;
}

unsigned sparq::nvvm::minimumPtx(MmaFamily family, const Chip &chip) {
  switch (family) {
  case MmaFamily::DenseFp8:
    // FP8 mma.sync appeared in PTX 8.4.
    return 84;
  case MmaFamily::SparseFp8:
  case MmaFamily::SparseF16:
  case MmaFamily::SparseBF16:
    // mma.sp::ordered_metadata appeared in PTX 8.5; LLVM 22 cannot select
    // the ordered FP8 form below it ("Cannot select" abort, see
    // shared/mlir22-notes.md).
    return 85;
  }
  return 85;
}

unsigned sparq::nvvm::minimumPtxForFp8Convert(const Chip &chip) {
  // cvt to e4m3x2/e5m2x2: PTX 7.8 on sm_90, 8.1 on sm_89.
  return chip.sm >= 90 ? 78 : 81;
}

unsigned sparq::nvvm::minimumWgmmaPtx(MmaFamily family) {
  return 83;
}
