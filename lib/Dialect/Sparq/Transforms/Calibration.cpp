//===- Calibration.cpp - calibration files read by the passes -------------===//
//
// Everything in the file is validated when it is loaded, before a pass
// rewrites anything; the Hessian .npy files only when a pass needs them.
//
//===----------------------------------------------------------------------===//
#include "sparq/Dialect/Sparq/Transforms/Calibration.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace sparq;

std::optional<NpyArray> sparq::readNpy(llvm::StringRef path,
                                       std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return std::nullopt;
  }
  llvm::StringRef bytes = (*buffer)->getBuffer();
  auto bad = [&](const llvm::Twine &why) {
    error = ("'" + path + "' is not a .npy array this reader takes: " + why)
                .str();
    return std::nullopt;
  };
  if (bytes.size() < 10 || !bytes.starts_with("\x93NUMPY"))
    return bad("no .npy magic");
  unsigned major = uint8_t(bytes[6]);
  size_t headerLen, offset;
  if (major == 1) {
    headerLen = uint8_t(bytes[8]) | (size_t(uint8_t(bytes[9])) << 8);
    offset = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12)
      return bad("truncated header");
    headerLen = 0;
    for (int i = 3; i >= 0; --i)
      headerLen = (headerLen << 8) | uint8_t(bytes[8 + i]);
    offset = 12;
  } else {
    return bad("version " + llvm::Twine(major));
  }
  if (bytes.size() < offset + headerLen)
    return bad("truncated header");
  llvm::StringRef header = bytes.substr(offset, headerLen);
  size_t elementSize;
  if (header.contains("'descr': '<f8'"))
    elementSize = 8;
  else if (header.contains("'descr': '<f4'"))
    elementSize = 4;
  else
    return bad("dtype is not little-endian float64 or float32");
  if (!header.contains("'fortran_order': False"))
    return bad("Fortran order");
  size_t open = header.find("'shape': (");
  if (open == llvm::StringRef::npos)
    return bad("no shape");
  llvm::StringRef dims = header.substr(open + 10);
  dims = dims.take_until([](char c) { return c == ')'; });
  NpyArray array;
  int64_t count = 1;
  llvm::SmallVector<llvm::StringRef> parts;
  dims.split(parts, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t size;
    if (part.getAsInteger(10, size) || size < 0 || size > (int64_t(1) << 32))
      return bad("shape '" + dims + "'");
    array.shape.push_back(size);
    count *= size;
    if (count > (int64_t(1) << 32))
      return bad("too many elements");
  }
  llvm::StringRef payload = bytes.substr(offset + headerLen);
  if (payload.size() != size_t(count) * elementSize)
    return bad(llvm::formatv("{0} data bytes for {1} elements of {2} bytes",
                             payload.size(), count, elementSize));
  array.data.resize(count);
  for (int64_t i = 0; i < count; ++i) {
    if (elementSize == 8) {
      std::memcpy(&array.data[i], payload.data() + i * 8, 8);
    } else {
      float f;
      std::memcpy(&f, payload.data() + i * 4, 4);
      array.data[i] = f;
    }
  }
  return array;
}

namespace {
/// Reads one entry of the current format; errors name the file and entry.
struct EntryReader {
  Location loc;
  llvm::StringRef file, name, directory;

  InFlightDiagnostic error() {
    return emitError(loc) << "calibration file '" << file << "', op '" << name
                          << "': ";
  }

  LogicalResult read(const llvm::json::Object &object, OpCalibration &out) {
    static const char *known[] = {"channels", "samples", "amax", "histogram",
                                  "sumsq",    "hessian"};
    for (const auto &kv : object)
      if (!llvm::is_contained(known, llvm::StringRef(kv.first)))
        return error() << "unknown key '" << kv.first.str() << "'";
    std::optional<int64_t> channels = object.getInteger("channels");
    if (!channels || *channels <= 0)
      return error() << "'channels' must be a positive integer";
    out.channels = *channels;
    if (const llvm::json::Value *samples = object.get("samples")) {
      std::optional<double> v = samples->getAsNumber();
      if (!v || !std::isfinite(*v) || *v < 0)
        return error() << "'samples' must be a finite non-negative number";
      out.samples = *v;
    }
    if (const llvm::json::Value *amax = object.get("amax")) {
      std::optional<double> v = amax->getAsNumber();
      if (!v || !std::isfinite(*v) || *v < 0)
        return error() << "'amax' must be a finite non-negative number";
      out.amax = {v, v};
    }
    if (const llvm::json::Value *hist = object.get("histogram"))
      if (failed(readHistogram(*hist, out)))
        return failure();
    if (const llvm::json::Value *sumsq = object.get("sumsq"))
      if (failed(readSumsq(*sumsq, out)))
        return failure();
    if (const llvm::json::Value *hessian = object.get("hessian")) {
      std::optional<llvm::StringRef> file = hessian->getAsString();
      if (!file || file->empty())
        return error() << "'hessian' must name a .npy file";
      out.hessianPath = resolve(*file);
    }
    return success();
  }

  std::string resolve(llvm::StringRef file) {
    if (llvm::sys::path::is_absolute(file))
      return file.str();
    llvm::SmallString<256> full(directory);
    llvm::sys::path::append(full, file);
    return std::string(full);
  }

  LogicalResult readHistogram(const llvm::json::Value &value,
                              OpCalibration &out) {
    const llvm::json::Object *hist = value.getAsObject();
    const llvm::json::Array *counts = hist ? hist->getArray("counts") : nullptr;
    std::optional<double> max = hist ? hist->getNumber("max") : std::nullopt;
    if (!counts || !max)
      return error() << "'histogram' must be {\"max\": number, \"counts\": "
                        "[numbers]}";
    if (!std::isfinite(*max) || *max < 0)
      return error() << "histogram 'max' must be finite and non-negative";
    if (counts->empty())
      return error() << "histogram 'counts' is empty";
    for (const llvm::json::Value &c : *counts) {
      std::optional<double> v = c.getAsNumber();
      if (!v || !std::isfinite(*v) || *v < 0)
        return error() << "histogram counts must be finite non-negative "
                          "numbers";
      out.histogram.push_back(*v);
    }
    out.histogramMax = *max;
    return success();
  }

  LogicalResult readSumsq(const llvm::json::Value &value, OpCalibration &out) {
    if (std::optional<llvm::StringRef> file = value.getAsString()) {
      std::string why;
      std::optional<NpyArray> array = readNpy(resolve(*file), why);
      if (!array)
        return error() << "'sumsq': " << why;
      if (array->shape.size() != 1)
        return error() << "'sumsq' must be a vector of " << out.channels
                       << " values";
      out.sumsq = std::move(array->data);
    } else if (const llvm::json::Array *list = value.getAsArray()) {
      for (const llvm::json::Value &v : *list) {
        std::optional<double> number = v.getAsNumber();
        if (!number)
          return error() << "'sumsq' must hold numbers";
        out.sumsq.push_back(*number);
      }
    } else {
      return error() << "'sumsq' must be a list of numbers or a .npy file";
    }
    if (int64_t(out.sumsq.size()) != out.channels)
      return error() << "'sumsq' has " << out.sumsq.size()
                     << " values for " << out.channels << " channels";
    for (double v : out.sumsq)
      if (!std::isfinite(v) || v < 0)
        return error() << "'sumsq' must be finite and non-negative, got " << v;
    return success();
  }
};
} // namespace

FailureOr<CalibrationFile> CalibrationFile::load(llvm::StringRef path,
                                                 Location loc) {
  CalibrationFile file;
  file.path = path.str();
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer)
    return emitError(loc) << "cannot read calibration table '" << path
                          << "': " << buffer.getError().message();
  llvm::Expected<llvm::json::Value> json =
      llvm::json::parse((*buffer)->getBuffer());
  if (!json)
    return emitError(loc) << "calibration table '" << path
                          << "' is not valid JSON: "
                          << llvm::toString(json.takeError());
  const llvm::json::Object *object = json->getAsObject();
  if (!object)
    return emitError(loc) << "calibration table '" << path
                          << "' must be a JSON object of name: amax";

  if (const llvm::json::Value *version = object->get("sparq_calibration")) {
    if (version->getAsInteger() != 1)
      return emitError(loc) << "calibration file '" << path
                            << "': unsupported sparq_calibration version "
                               "(this build reads 1)";
    const llvm::json::Object *ops = object->getObject("ops");
    if (!ops)
      return emitError(loc) << "calibration file '" << path
                            << "' has no \"ops\" object";
    if (ops->empty())
      return emitError(loc) << "calibration file '" << path
                            << "' names no op";
    llvm::SmallString<256> directory(path);
    llvm::sys::path::remove_filename(directory);
    for (const auto &[key, value] : *ops) {
      EntryReader reader{loc, path, key, directory};
      const llvm::json::Object *entry = value.getAsObject();
      if (!entry)
        return reader.error() << "the entry must be a JSON object";
      OpCalibration op;
      if (failed(reader.read(*entry, op)))
        return failure();
      file.ops[key.str()] = std::move(op);
    }
    return file;
  }

  // The older table: name -> amax, or name -> [amax or null, amax or null].
  file.legacy = true;
  for (const auto &[key, value] : *object) {
    OpCalibration entry;
    auto bad = [&]() {
      return emitError(loc) << "calibration entry '" << key.str()
                            << "' must be a finite positive amax or a pair "
                               "[amax or null, amax or null]";
    };
    auto read = [&](const llvm::json::Value &v,
                    std::optional<double> &out) -> bool {
      if (v.kind() == llvm::json::Value::Null)
        return true;
      std::optional<double> number = v.getAsNumber();
      if (!number || !std::isfinite(*number) || *number < 0)
        return false;
      out = *number;
      return true;
    };
    if (const llvm::json::Array *pair = value.getAsArray()) {
      if (pair->size() != 2 || !read((*pair)[0], entry.amax[0]) ||
          !read((*pair)[1], entry.amax[1]))
        return bad();
    } else {
      // One number: the amax of the contraction's only activation, placed
      // once the weight operand is known.
      std::optional<double> number;
      if (!read(value, number) || !number)
        return bad();
      entry.amax = {number, number};
    }
    file.ops[key.str()] = entry;
  }
  return file;
}

std::optional<std::vector<double>>
CalibrationFile::loadHessian(llvm::StringRef name, Location loc) const {
  const OpCalibration *op = lookup(name);
  if (!op || op->hessianPath.empty())
    return std::nullopt;
  auto fail = [&](const llvm::Twine &why) {
    emitError(loc) << "calibration file '" << path << "', op '" << name
                   << "': " << why;
    return std::nullopt;
  };
  std::string why;
  std::optional<NpyArray> array = readNpy(op->hessianPath, why);
  if (!array)
    return fail("'hessian': " + why);
  int64_t k = op->channels;
  if (array->shape.size() != 2 || array->shape[0] != k ||
      array->shape[1] != k) {
    std::string shape;
    for (int64_t d : array->shape)
      shape += (shape.empty() ? "" : "x") + std::to_string(d);
    return fail("the Hessian is " + (shape.empty() ? "a scalar" : shape) +
                ", expected " + llvm::Twine(k) + "x" + llvm::Twine(k));
  }
  const std::vector<double> &h = array->data;
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double a = h[i * k + j], b = h[j * k + i];
      if (!std::isfinite(a))
        return fail("the Hessian has a non-finite value");
      if (std::fabs(a - b) > 1e-9 * std::max(std::fabs(a), std::fabs(b)) &&
          std::fabs(a - b) > 1e-300)
        return fail("the Hessian is not symmetric");
    }
  return std::move(array->data);
}
