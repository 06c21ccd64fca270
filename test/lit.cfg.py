# -*- Python -*-
import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "SPARQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.sparq_obj_root, "test")
config.excludes = ["Inputs", "Install", "CMakeLists.txt", "README.md", "lit.cfg.py",
                   "lit.site.cfg.py"]

# Every FileCheck variable is scoped to its CHECK-LABEL block.
config.environment["FILECHECK_OPTS"] = "-enable-var-scope"

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%sparq_lib_dir", config.sparq_lib_dir))
config.substitutions.append(("%sparq_src_root", config.sparq_src_root))

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# `not` at the start of a RUN line is found on PATH.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.sparq_tools_dir, config.llvm_tools_dir]
tools = [
    "sparq-opt",
    "sparq-lsp-server",
    "sparq-capi-test",
    ToolSubst("mlir-runner", unresolved="ignore"),
    ToolSubst("mlir-opt", unresolved="ignore"),
    ToolSubst("mlir-translate", unresolved="ignore"),
    ToolSubst("llvm-nm", unresolved="ignore"),
]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Executes a module lowered by --sparq-cpu-pipeline, entry point @main.
runner_libs = ",".join([
    os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so"),
    os.path.join(config.mlir_lib_dir, "libmlir_runner_utils.so"),
    os.path.join(config.sparq_lib_dir, "libsparq_runtime.so"),
])
runner = os.path.join(config.llvm_tools_dir, "mlir-runner")
# `%limit-address-space KB` caps the memory of the commands after it (tests
# that huge constants are not expanded); ASan reserves terabytes of address
# space for its shadow memory, so under ASan it limits nothing.
limit = "ulimit -v"
# Sanitizer builds (scripts/sanitize.sh): any report aborts, so that `not`
# cannot take it for an expected error. The uninstrumented mlir-runner gets
# the sanitizer runtime preloaded to load the instrumented runtime library;
# LeakSanitizer checks that --sparq-cpu-pipeline's programs free their buffers.
if config.sparq_sanitize:
    for var in ["ASAN_OPTIONS", "UBSAN_OPTIONS"]:
        config.environment[var] = "abort_on_error=1:print_stacktrace=1"
    if "address" in config.sparq_sanitize:
        runner = ("env LD_PRELOAD=" + config.sparq_sanitizer_runtime
                  + " ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 " + runner)
        limit = ":"
config.substitutions.append(("%limit-address-space", limit))
config.substitutions.append((
    "%sparq-run",
    runner + " -e main -entry-point-result=void -shared-libs=" + runner_libs))
# printMemref prints buffer addresses; drop them to compare two runs' output.
config.substitutions.append(("%strip-addresses", "sed -e 's/base@ = 0x[0-9a-fA-F]*//'"))

# Debian's interpreter, the one with numpy (the first python3 on PATH may
# lack it).
config.substitutions.append(("%python", "/usr/bin/python3"))

# PTX assembly checks need CUDA's ptxas; without it those tests are reported
# UNSUPPORTED, never silently passed.
if config.ptxas and os.path.exists(config.ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.ptxas))
    # The toolkit root (bin/ptxas under it), for --sparq-gpu-pipeline's
    # toolkit= option.
    config.substitutions.append(
        ("%cuda-toolkit", os.path.dirname(os.path.dirname(config.ptxas))))

# libsparq_cuda_runtime.so is built only where a CUDA toolkit was found.
cuda_runtime = os.path.join(config.sparq_lib_dir, "libsparq_cuda_runtime.so")
if os.path.exists(cuda_runtime):
    config.available_features.add("cuda-runtime")
    config.substitutions.append((
        "%sparq-run-gpu",
        runner + " -e main -entry-point-result=void -shared-libs="
        + runner_libs + "," + cuda_runtime))


def gpu_chip():
    """The first GPU's chip (sm_90a on Hopper: its arch-specific features),
    or None where no NVIDIA GPU answers."""
    import shutil
    import subprocess
    smi = shutil.which("nvidia-smi")
    if not smi:
        return None
    try:
        out = subprocess.run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0 or not out.stdout.strip():
        return None
    major, minor = out.stdout.split()[0].split(".")[:2]
    # The chips sparq targets (a cubin runs on its own major architecture
    # only; FP8 kernels need Ada or newer).
    return {"8.9": "sm_89", "9.0": "sm_90a"}.get(major + "." + minor)


# End-to-end GPU runs need a GPU, the CUDA runtime library and ptxas.
chip = gpu_chip()
if chip and "cuda-runtime" in config.available_features and "ptxas" in config.available_features:
    config.available_features.add("cuda-gpu")
    config.substitutions.append(("%gpu-chip", chip))
