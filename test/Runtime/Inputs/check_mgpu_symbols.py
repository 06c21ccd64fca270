"""Checks that a shared library exports every runtime function an LLVM IR
module declares: the mgpu* functions of MLIR's GPU lowering and sparq's
tensor-map functions (sparqTensorMap*). Usage: check_mgpu_symbols.py
MODULE.ll EXPORTED.txt, where EXPORTED.txt is `llvm-nm -D --defined-only`
of the library."""
import re
import sys

declared = set(re.findall(r"^declare [^@]*@(mgpu\w+|sparqTensorMap\w+)\(",
                          open(sys.argv[1]).read(), re.M))
exported = set(line.split()[-1] for line in open(sys.argv[2]) if line.strip())
missing = sorted(declared - exported)
if not any(name.startswith("mgpu") for name in declared):
    sys.exit("no mgpu function declared: nothing was checked")
if missing:
    sys.exit("not exported: " + ", ".join(missing))
print("exports all %d declared mgpu functions: %s"
      % (len(declared), " ".join(sorted(declared))))
