//===- CompileCPU.cpp - Module.compile_cpu: run a module in process -------===//
//
// Lowers a copy of a module with --sparq-cpu-pipeline, JIT-compiles it with
// MLIR's ExecutionEngine (libsparq_runtime.so and libmlir_c_runner_utils.so
// loaded for the calls it makes) and calls its entry function on numpy
// arrays through the packed-arguments wrapper the engine generates.
//
// Tensors at the function boundary bufferize to identity-layout memrefs: an
// argument is passed as the descriptor of the numpy array's own buffer (the
// program may not write it: its arguments are marked non-writable, so
// bufferization copies before any in-place update), and each result comes
// back as a descriptor of a buffer the program allocated with malloc and
// transferred to the caller (ownership-based deallocation clones whatever
// it does not own before returning it). Results are copied into numpy
// arrays and their buffers freed (into the BufferCache below).
//
//===----------------------------------------------------------------------===//
#include "Compiler.h"

#include "sparq/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/TargetSelect.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstdlib>
#include <mutex>
#include <set>
#include <unordered_map>

namespace py = pybind11;
using namespace sparq::python;

namespace {

/// Every intermediate buffer of a compiled program is a malloc freed at the
/// end of its block. glibc gives large blocks back to the kernel, so each
/// call would fault its whole working set in again -- four times the run
/// time of ResNet-18 on the CPU. The programs' malloc and free are bound to
/// this cache instead, which keeps freed blocks (up to 1 GiB), by size, for
/// the next allocation of the same size: a program allocates the same sizes
/// on every call.
class BufferCache {
public:
  void *allocate(size_t size) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = idle.find(size);
      if (it != idle.end() && !it->second.empty()) {
        void *block = it->second.back();
        it->second.pop_back();
        idleBytes -= size;
        live[block] = size;
        return block;
      }
    }
    void *block = std::malloc(size);
    if (block) {
      std::lock_guard<std::mutex> lock(mutex);
      live[block] = size;
    }
    return block;
  }

  /// Frees `block` whoever allocated it (std::free if not this cache).
  void release(void *block) {
    if (!block)
      return;
    {
      std::lock_guard<std::mutex> lock(mutex);
      auto it = live.find(block);
      if (it != live.end()) {
        size_t size = it->second;
        live.erase(it);
        if (idleBytes + size <= kIdleLimit) {
          idle[size].push_back(block);
          idleBytes += size;
          return;
        }
      }
    }
    std::free(block);
  }

  static BufferCache &get() {
    static BufferCache *cache = new BufferCache; // outlives every engine
    return *cache;
  }

private:
  static constexpr size_t kIdleLimit = size_t(1) << 30;
  std::mutex mutex;
  std::unordered_map<void *, size_t> live;
  std::unordered_map<size_t, std::vector<void *>> idle;
  size_t idleBytes = 0;
};

void *cachedMalloc(size_t size) { return BufferCache::get().allocate(size); }
void cachedFree(void *block) { BufferCache::get().release(block); }

/// How a tensor element type crosses to numpy: the dtype (numpy's
/// `dtype.str`, byte order included) and a name for messages. FP8 and bf16
/// travel as their bit patterns.
struct ElementInfo {
  const char *mlir;
  const char *dtype;
  const char *numpyName;
  int64_t bytes;
};

const ElementInfo *elementInfo(mlir::Type type) {
  static const ElementInfo table[] = {
      {"f32", "<f4", "float32", 4},     {"f16", "<f2", "float16", 2},
      {"bf16", "<u2", "uint16", 2},     {"f64", "<f8", "float64", 8},
      {"i1", "|b1", "bool", 1},         {"i8", "|i1", "int8", 1},
      {"i16", "<i2", "int16", 2},       {"i32", "<i4", "int32", 4},
      {"i64", "<i8", "int64", 8},       {"f8E4M3FN", "|u1", "uint8", 1},
      {"f8E5M2", "|u1", "uint8", 1}};
  std::string name;
  llvm::raw_string_ostream(name) << type;
  for (const ElementInfo &info : table)
    if (name == info.mlir)
      return &info;
  return nullptr;
}

/// A ranked tensor at the entry's boundary; dynamic dimensions are -1.
struct TensorSignature {
  std::vector<int64_t> shape;
  const ElementInfo *element;
  std::string type; // as MLIR prints it, for messages
};

std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") +
         (shape[i] < 0 ? std::string("?") : std::to_string(shape[i]));
  return s + (shape.size() == 1 ? ",)" : ")");
}

/// The entry's boundary types as signatures, or a message saying which one
/// compile_cpu cannot pass.
std::string signatureOf(mlir::TypeRange types, const char *what,
                        std::vector<TensorSignature> &out) {
  for (auto [i, type] : llvm::enumerate(types)) {
    std::string printed;
    llvm::raw_string_ostream(printed) << type;
    auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
    const ElementInfo *info = tensor ? elementInfo(tensor.getElementType())
                                     : nullptr;
    if (!tensor || tensor.getEncoding() || !info)
      return std::string(what) + " " + std::to_string(i) + " has type " +
             printed +
             "; compile_cpu passes ranked tensors of f32, f16, bf16, f64, "
             "i1, i8, i16, i32, i64, f8E4M3FN or f8E5M2";
    TensorSignature sig;
    sig.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    for (int64_t &d : sig.shape)
      if (mlir::ShapedType::isDynamic(d))
        d = -1;
    sig.element = info;
    sig.type = printed;
    out.push_back(std::move(sig));
  }
  return "";
}

/// The memref descriptor of a ranked buffer, in the order the lowered
/// function takes (and returns) its fields: allocated and aligned pointers,
/// offset, sizes, strides; all 64-bit on the hosts we JIT for.
struct Descriptor {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};

struct CompiledFunction {
  std::string entry;
  std::vector<TensorSignature> arguments, results;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*packed)(void **) = nullptr;

  py::object call(py::args args);
  std::string signature() const;
};

std::string CompiledFunction::signature() const {
  auto list = [](const std::vector<TensorSignature> &sigs) {
    std::string s;
    for (size_t i = 0; i < sigs.size(); ++i)
      s += (i ? ", " : "") + sigs[i].type;
    return s;
  };
  return "@" + entry + "(" + list(arguments) + ") -> (" + list(results) + ")";
}

py::object CompiledFunction::call(py::args args) {
  if (args.size() != arguments.size())
    throw py::type_error("@" + entry + " takes " +
                         std::to_string(arguments.size()) + " argument" +
                         (arguments.size() == 1 ? "" : "s") + " " +
                         signature() + ", " + std::to_string(args.size()) +
                         " given");
  // Keep the (contiguous) arrays alive across the call.
  std::vector<py::array> arrays;
  std::vector<Descriptor> descriptors(arguments.size());
  for (size_t i = 0; i < arguments.size(); ++i) {
    const TensorSignature &sig = arguments[i];
    std::string name = "argument " + std::to_string(i) + " of @" + entry;
    if (!py::isinstance<py::array>(args[i]))
      throw py::type_error(name + ": expected a numpy array (" + sig.type +
                           " as " + sig.element->numpyName + "), got " +
                           std::string(py::str(args[i].get_type().attr(
                               "__name__"))));
    py::array array = py::reinterpret_borrow<py::array>(args[i]);
    std::string dtype = py::str(array.dtype().attr("str"));
    if (dtype != sig.element->dtype)
      throw py::type_error(name + ": expected dtype " +
                           sig.element->numpyName + " (for " + sig.type +
                           "), got " +
                           std::string(py::str(array.dtype())));
    std::vector<int64_t> shape(array.shape(), array.shape() + array.ndim());
    bool matches = shape.size() == sig.shape.size();
    for (size_t d = 0; matches && d < shape.size(); ++d)
      matches = sig.shape[d] < 0 || sig.shape[d] == shape[d];
    if (!matches)
      throw py::value_error(name + ": expected shape " +
                            shapeString(sig.shape) + " (for " + sig.type +
                            "), got " + shapeString(shape));
    array = py::array::ensure(array, py::array::c_style);
    Descriptor &desc = descriptors[i];
    desc.allocated = desc.aligned = const_cast<void *>(array.data());
    desc.sizes = shape;
    desc.strides.assign(shape.size(), 1);
    for (int64_t d = int64_t(shape.size()) - 2; d >= 0; --d)
      desc.strides[d] = desc.strides[d + 1] * shape[d + 1];
    arrays.push_back(std::move(array));
  }

  // The wrapper takes a pointer to each scalar argument of the lowered
  // function (every descriptor field), then one to the result storage.
  std::vector<void *> packedArgs;
  for (Descriptor &desc : descriptors) {
    packedArgs.push_back(&desc.allocated);
    packedArgs.push_back(&desc.aligned);
    packedArgs.push_back(&desc.offset);
    for (int64_t &size : desc.sizes)
      packedArgs.push_back(&size);
    for (int64_t &stride : desc.strides)
      packedArgs.push_back(&stride);
  }
  // One result is its descriptor struct, several a struct of them: 8-byte
  // fields either way, so one flat array of words holds them.
  size_t words = 0;
  for (const TensorSignature &sig : results)
    words += 3 + 2 * sig.shape.size();
  std::vector<int64_t> storage(words, 0);
  if (!results.empty())
    packedArgs.push_back(storage.data());
  {
    py::gil_scoped_release release;
    packed(packedArgs.data());
  }

  // Unpack the results; each buffer is ours to free once copied. A buffer
  // returned twice is freed once; the arguments' buffers are never freed.
  std::vector<Descriptor> returned(results.size());
  size_t word = 0;
  for (size_t r = 0; r < results.size(); ++r) {
    size_t rank = results[r].shape.size();
    Descriptor &desc = returned[r];
    desc.allocated = reinterpret_cast<void *>(storage[word]);
    desc.aligned = reinterpret_cast<void *>(storage[word + 1]);
    desc.offset = storage[word + 2];
    desc.sizes.assign(&storage[word + 3], &storage[word + 3 + rank]);
    desc.strides.assign(&storage[word + 3 + rank],
                        &storage[word + 3 + 2 * rank]);
    word += 3 + 2 * rank;
  }
  std::set<void *> toFree;
  std::set<const void *> inputs;
  for (const py::array &array : arrays)
    inputs.insert(array.data());
  for (Descriptor &desc : returned)
    if (desc.allocated && !inputs.count(desc.allocated))
      toFree.insert(desc.allocated);
  struct FreeGuard {
    std::set<void *> &buffers;
    ~FreeGuard() {
      for (void *buffer : buffers)
        BufferCache::get().release(buffer);
    }
  } guard{toFree};

  py::tuple outs(results.size());
  for (size_t r = 0; r < results.size(); ++r) {
    const Descriptor &desc = returned[r];
    const ElementInfo *element = results[r].element;
    std::vector<py::ssize_t> shape(desc.sizes.begin(), desc.sizes.end());
    std::vector<py::ssize_t> strides;
    for (int64_t stride : desc.strides)
      strides.push_back(stride * element->bytes);
    const char *data = static_cast<const char *>(desc.aligned) +
                       desc.offset * element->bytes;
    // No base object: pybind11 copies the (possibly strided) buffer.
    outs[r] = py::array(py::dtype(std::string(element->dtype)), shape,
                        strides, data);
  }
  if (results.size() == 1)
    return outs[0];
  if (results.empty())
    return py::none();
  return outs;
}

std::string errorString(llvm::Error error) {
  std::string message;
  llvm::handleAllErrors(std::move(error), [&](const llvm::ErrorInfoBase &e) {
    message += (message.empty() ? "" : "; ") + e.message();
  });
  return message;
}

/// Lowers and JIT-compiles a copy of `m`. Returns (function, diagnostics);
/// function is None when compilation failed (the diagnostics say why).
py::tuple compileCPU(Module &m, const std::string &entry,
                     const std::vector<std::string> &sharedLibs) {
  static std::once_flag targets;
  std::call_once(targets, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  mlir::MLIRContext *ctx = m.context->context.get();
  auto function = std::make_shared<CompiledFunction>();
  function->entry = entry;

  auto func = llvm::dyn_cast_or_null<mlir::func::FuncOp>(
      mlir::SymbolTable::lookupSymbolIn(*m.module, entry));
  if (!func || func.isExternal()) {
    std::string names;
    for (auto f : m.module->getOps<mlir::func::FuncOp>())
      if (!f.isExternal())
        names += (names.empty() ? "@" : ", @") + f.getSymName().str();
    throw py::value_error("the module has no function @" + entry +
                          " to compile" +
                          (names.empty() ? std::string(" (it defines none)")
                                         : " (it defines " + names + ")"));
  }
  std::string problem =
      signatureOf(func.getArgumentTypes(), "argument", function->arguments);
  if (problem.empty())
    problem = signatureOf(func.getResultTypes(), "result", function->results);
  if (!problem.empty())
    throw py::type_error("cannot compile @" + entry + ": " + problem);

  mlir::OwningOpRef<mlir::ModuleOp> lowered = m.module->clone();
  auto loweredFunc = llvm::cast<mlir::func::FuncOp>(
      mlir::SymbolTable::lookupSymbolIn(*lowered, entry));
  // The caller's arrays are inputs only: bufferization copies before any
  // in-place update of an argument.
  for (unsigned i = 0; i < loweredFunc.getNumArguments(); ++i)
    loweredFunc.setArgAttr(i,
                           mlir::bufferization::BufferizationDialect::
                               kWritableAttrName,
                           mlir::BoolAttr::get(ctx, false));
  loweredFunc.setPublic();

  bool ok = true;
  std::string failure;
  Diagnostics diags = collecting(ctx, [&] {
    mlir::PassManager pm(ctx);
    sparq::buildCPUPipeline(pm);
    if (mlir::failed(pm.run(*lowered))) {
      ok = false;
      failure = "--sparq-cpu-pipeline failed";
      return;
    }
    // Every function the program declares must come from the libraries or
    // the process: say which one does not before the JIT fails on it.
    llvm::SmallVector<llvm::StringRef> libs = {SPARQ_MLIR_C_RUNNER_UTILS};
    libs.append(sharedLibs.begin(), sharedLibs.end());
    llvm::sys::DynamicLibrary::LoadLibraryPermanently(nullptr); // the process
    for (llvm::StringRef lib : libs) {
      std::string error;
      if (llvm::sys::DynamicLibrary::LoadLibraryPermanently(lib.str().c_str(),
                                                            &error)) {
        ok = false;
        failure = "cannot load " + lib.str() + ": " + error;
        return;
      }
    }
    for (auto decl : lowered->getOps<mlir::LLVM::LLVMFuncOp>()) {
      if (!decl.isExternal() ||
          llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(
              decl.getSymName().str()))
        continue;
      ok = false;
      failure = "the program calls " + decl.getSymName().str() +
                ", which no loaded library defines (libraries: " +
                llvm::join(libs, ", ") + ")";
      return;
    }

    auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!tmBuilder) {
      ok = false;
      failure = errorString(tmBuilder.takeError());
      return;
    }
    tmBuilder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
    auto tm = tmBuilder->createTargetMachine();
    if (!tm) {
      ok = false;
      failure = errorString(tm.takeError());
      return;
    }
    auto transformer = mlir::makeOptimizingTransformer(3, 0, tm->get());
    mlir::ExecutionEngineOptions options;
    options.transformer = transformer;
    options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
    options.sharedLibPaths = libs;
    auto engine =
        mlir::ExecutionEngine::create(*lowered, options, std::move(*tm));
    if (!engine) {
      ok = false;
      failure = errorString(engine.takeError());
      return;
    }
    function->engine = std::move(*engine);
    function->engine->registerSymbols([](llvm::orc::MangleAndInterner mangle) {
      llvm::orc::SymbolMap symbols;
      auto bind = [&](const char *name, auto *fn) {
        symbols[mangle(name)] = llvm::orc::ExecutorSymbolDef(
            llvm::orc::ExecutorAddr::fromPtr(fn), llvm::JITSymbolFlags::Exported);
      };
      bind("malloc", &cachedMalloc);
      bind("free", &cachedFree);
      return symbols;
    });
    auto packed = function->engine->lookupPacked(entry);
    if (!packed) {
      ok = false;
      failure = errorString(packed.takeError());
      return;
    }
    function->packed = *packed;
  });
  if (!ok) {
    diags.emplace_back("error", "compile_cpu", failure);
    return py::make_tuple(py::none(), diags);
  }
  return py::make_tuple(function, diags);
}

} // namespace

void sparq::python::bindCompileCPU(py::module_ &m) {
  py::class_<CompiledFunction, std::shared_ptr<CompiledFunction>>(
      m, "CompiledFunction")
      .def("__call__", &CompiledFunction::call)
      .def_property_readonly("signature", &CompiledFunction::signature)
      .def_property_readonly("entry", [](const CompiledFunction &f) {
        return f.entry;
      });
  m.def("compile_cpu", &compileCPU, py::arg("module"), py::arg("entry"),
        py::arg("shared_libs"));
}
