//===- sparq-fuzz.cpp - libFuzzer target for sparq-opt --------------------===//
//
// Feeds arbitrary bytes to what sparq-opt does with a file: parse, verify,
// run one pass pipeline, verify and print. The first byte picks the pipeline
// ('A' + i selects kPipelines[i], so seeds stay readable text); the rest is
// the MLIR source. Any crash, sanitizer report or broken invariant (below)
// is a bug; errors the compiler diagnoses are not.
//
// Invariants checked beyond "does not crash":
//  * what a successful pipeline produced verifies (the pass manager checks)
//    and prints;
//  * a sparq pass that fails leaves IR that still verifies: sparq passes
//    report invalid requests before rewriting anything;
//  * with no pipeline, the printed module parses again (round trip).
//
//===----------------------------------------------------------------------===//
#include "sparq/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>

using namespace mlir;

namespace {
struct Pipeline {
  const char *text;
  /// Sparq passes only: a failure must leave IR that verifies.
  bool sparqOnly;
};

/// Every sparq pass and pipeline, with options that reach their other code
/// paths; searches get small budgets so that an input runs in milliseconds.
const Pipeline kPipelines[] = {
    {"", true},
    {"canonicalize", true},
    {"sparq-quantize", true},
    {"sparq-quantize{weight-granularity=channel activation-scaling=delayed "
     "amax-history=3 convolutions=true report=true}",
     true},
    {"sparq-quantize{format=hybrid activation-scaling=static margin=2 "
     "saturate=false skip=first min-size=64 report=true}",
     true},
    {"sparq-prune", true},
    {"sparq-prune{rule=transposable target=sm_90 report=true}", true},
    {"sparq-prune{pattern=4:8 skip=last report=true}", true},
    {"sparq-permute-channels{sweeps=4 time-budget=0.05 report=true}", true},
    {"sparq-permute-channels{method=greedy pattern=1:4 time-budget=0.05}",
     true},
    {"convert-sparq-to-llvm", true},
    {"sparq-cpu-pipeline", false},
    {"sparq-permute-channels{sweeps=2 time-budget=0.05},sparq-prune,"
     "sparq-quantize,canonicalize",
     true},
    {"convert-sparq-to-nvvm{chip=sm_90a}", true},
    // To PTX text (LLVM's NVPTX backend; no ptxas): slower per input.
    {"sparq-gpu-pipeline{chip=sm_89 format=isa}", false},
    // The sm_90a warpgroup kernels (TMA, mbarriers, wgmma) to PTX text, and
    // the warp-level kernels that kernels=auto now replaces on sm_90a.
    {"sparq-gpu-pipeline{chip=sm_90a kernels=wgmma format=isa}", false},
    {"convert-sparq-to-nvvm{chip=sm_90a kernels=mma}", true},
    // Products on device buffers (to_tensor / materialize_in_destination).
    {"convert-sparq-to-nvvm{chip=sm_89 host-copies=false}", true},
    // Reads no file: the calibration file options stay out of the fuzzer.
    {"sparq-instrument-calibration{report=true}", true},
};
constexpr unsigned kNumPipelines = std::size(kPipelines);

DialectRegistry *registry;

[[noreturn]] void fail(const char *what, Operation *op) {
  llvm::errs() << "sparq-fuzz: " << what << "\n";
  if (op)
    op->print(llvm::errs(), OpPrintingFlags().printGenericOpForm());
  llvm::errs() << "\n";
  std::abort();
}

std::string print(Operation *op) {
  std::string text;
  llvm::raw_string_ostream os(text);
  op->print(os);
  return text;
}

/// Whether the custom form of linalg.generic has an `iterator_types` entry
/// that is not a string: its parser casts every entry to a string without
/// checking (undefined behavior, usually an abort).
bool hasNonStringIteratorType(StringRef text) {
  for (size_t pos = text.find("iterator_types"); pos != StringRef::npos;
       pos = text.find("iterator_types", pos + 1)) {
    // The generic form, "linalg.generic"(...), takes #linalg.iterator_type.
    size_t op = text.substr(0, pos).rfind("linalg.generic");
    if (op == StringRef::npos || (op > 0 && text[op - 1] == '"'))
      continue;
    StringRef rest = text.substr(pos + strlen("iterator_types")).ltrim();
    if (!rest.consume_front("="))
      continue;
    rest = rest.ltrim();
    if (!rest.consume_front("["))
      continue; // Not an array: a clean parse error.
    StringRef list = rest.take_until([](char c) { return c == ']'; });
    SmallVector<StringRef> entries;
    list.split(entries, ',');
    for (StringRef entry : entries) {
      entry = entry.trim();
      if (!entry.empty() &&
          (entry.size() < 2 || !entry.starts_with("\"") ||
           !entry.ends_with("\"")))
        return true;
    }
  }
  return false;
}

/// Whether `value` (what follows `keyword =`) is certainly a well-formed
/// dense i64 array: `[`, decimal integers that fit in 64 bits, `]`.
bool isPlainI64Array(StringRef value) {
  if (!value.consume_front("["))
    return false;
  value = value.ltrim();
  if (value.consume_front("]"))
    return true;
  while (true) {
    value.consume_front("-");
    size_t digits = value.find_first_not_of("0123456789");
    if (digits == 0 || digits == StringRef::npos || digits > 18)
      return false;
    value = value.drop_front(digits).ltrim();
    if (value.consume_front("]"))
      return true;
    if (!value.consume_front(","))
      return false;
    value = value.ltrim();
  }
}

/// Whether the custom form of linalg.transpose, linalg.broadcast or
/// linalg.reduce may carry a `permutation` / `dimensions` value that is not a
/// dense i64 array: their parser stores the failed parse's null attribute
/// and dereferences it. Conservative: any such keyword in a module that uses
/// one of these ops, followed by `=` and anything but a plain array.
bool hasMalformedLinalgI64Array(StringRef text) {
  if (!text.contains("linalg.transpose") && !text.contains("linalg.broadcast") &&
      !text.contains("linalg.reduce"))
    return false;
  for (StringRef keyword : {"permutation", "dimensions"}) {
    for (size_t pos = text.find(keyword); pos != StringRef::npos;
         pos = text.find(keyword, pos + 1)) {
      StringRef rest = text.substr(pos + keyword.size()).ltrim();
      if (rest.consume_front("=") && !isPlainI64Array(rest.ltrim()))
        return true;
    }
  }
  return false;
}

/// Inputs that crash MLIR 22 itself, in code sparq cannot change, are
/// skipped so that fuzzing goes on past them (see fuzz/README.md):
///  * a dense_resource blob whose leading alignment word is not a power of
///    two, or is huge, makes the builtin dialect's blob parser allocate with
///    that alignment (an abort, or a sanitizer report);
///  * linalg.generic's custom parser with a non-string iterator type;
///  * linalg.transpose / broadcast / reduce with a malformed i64 array.
bool hitsKnownUpstreamCrash(StringRef text) {
  if (hasNonStringIteratorType(text) || hasMalformedLinalgI64Array(text))
    return true;
  size_t resources = text.find("{-#");
  if (resources == StringRef::npos)
    return false;
  for (size_t pos = text.find("\"0x", resources); pos != StringRef::npos;
       pos = text.find("\"0x", pos + 3)) {
    StringRef hex = text.substr(pos + 3);
    uint32_t alignment = 0;
    for (unsigned byte = 0; byte < 4; ++byte) {
      unsigned value;
      if (hex.size() < 2 * byte + 2 ||
          hex.substr(2 * byte, 2).getAsInteger(16, value))
        return false; // Not a blob: the parser rejects it cleanly.
      alignment |= value << (8 * byte);
    }
    if (!llvm::isPowerOf2_32(alignment) || alignment > 4096)
      return true;
  }
  return false;
}

OwningOpRef<ModuleOp> parse(StringRef text, MLIRContext &ctx) {
  llvm::SourceMgr sourceMgr;
  // A copy: the lexer reads the terminating NUL that MemoryBuffer adds.
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text),
                               llvm::SMLoc());
  return parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&ctx));
}
} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registry = new DialectRegistry();
  sparq::registerAllDialects(*registry);
  sparq::registerAllPasses();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const Pipeline &pipeline =
      kPipelines[static_cast<uint8_t>(data[0] - 'A') % kNumPipelines];
  StringRef text(reinterpret_cast<const char *>(data) + 1, size - 1);
  if (hitsKnownUpstreamCrash(text))
    return 0;

  MLIRContext ctx(*registry, MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome of most inputs: drop them.
  ScopedDiagnosticHandler dropAll(&ctx, [](Diagnostic &) { return success(); });
  OwningOpRef<ModuleOp> module = parse(text, ctx);
  if (!module)
    return 0;

  if (!*pipeline.text) {
    std::string printed = print(*module);
    MLIRContext again(*registry, MLIRContext::Threading::DISABLED);
    ScopedDiagnosticHandler dropAgain(&again,
                                      [](Diagnostic &) { return success(); });
    if (!parse(printed, again))
      fail("the printed module does not parse", *module);
    return 0;
  }

  PassManager pm(&ctx);
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(pipeline.text, pm, errorStream)))
    fail("bad pipeline in the fuzzer", nullptr);
  if (failed(pm.run(*module))) {
    if (pipeline.sparqOnly && failed(verify(*module)))
      fail("a failed sparq pass left IR that does not verify", *module);
    return 0;
  }
  (void)print(*module);
  return 0;
}
