"""Static analysis of sparq's Tensor Core kernels, without a GPU: per kernel
of a PTX module, the registers, shared memory and spills that `ptxas -v`
reports, ptxas's warnings (a "wgmma ... serialized" one, C7510-C7520, is
flagged loudly: it costs most of the throughput), the main-loop instruction
mix per warp role, and the issue-slot ceiling as a share of the chip's
Tensor Core peak. Run by `bench/gpu/check.sh --build-only`:

    static.py --ptx kernels-sm_90a.ptx --chip sm_90a \
              [--launch kernels-sm_90a.json] [--ptxas PATH | --no-ptxas]

THE MODEL (also in docs/GPU.md, "Static analysis"). H100/H200 SXM: 132 SMs,
4 warp schedulers per SM each issuing one warp-instruction per cycle, dense
FP8 Tensor Core peak 1979 TFLOP/s at a 1.83 GHz boost clock, so one SM's
Tensor Cores do 1979e12 / (132 * 1.83e9) ~ 8192 dense FP8 (4096 f16/bf16)
FLOP per cycle; 2:4 sparse instructions do the dense-equivalent work (2 M N
K for the logical K) in half the time. Per iteration of a kernel's main
loops, for one block:
  - the consumer (math) loop is the innermost loop holding an MMA
    (`wgmma.mma_async`, `mma.sync`, `mma.sp`), run by every consumer warp:
    all the block's warps for the mma.sync kernels, warpgroups 1-2 (8 warps)
    for the warp-specialized wgmma ones;
  - the producer loop is the innermost loop holding `cp.async.bulk.tensor`
    (if it is another loop), run by --producer-warps warps (default 1: one
    elected thread's warp issues the TMA copies), once per consumer
    iteration (one ring stage per K block);
  - tensor cycles = consumer warps * (sum over the iteration's MMAs of their
    dense-equivalent FLOPs per warp) / (FLOP per SM per cycle) -- a wgmma's
    64 x N x K product is shared by the 4 warps that each issue it;
  - issue cycles = (consumer warps * consumer instructions per iteration +
    producer warps * producer instructions per iteration) / 4 schedulers;
  - ceiling = min(1, tensor cycles / issue cycles).
Assumptions: PTX instruction counts approximate SASS (ptxas folds some
address arithmetic and may add moves); every instruction of the loop body is
counted once per iteration (branches that skip code are not weighted; a
nested loop's body counts once); latency, dependences, shared-memory and
DRAM bandwidth, occupancy and the clock under load are not modelled -- the
ceiling is an upper bound that the issue slots alone impose.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ptx_loops  # noqa: E402

# Peak Tensor Core rates (dense, FLOP/s) and the clock and SM count they are
# quoted at (NVIDIA H100 SXM datasheet; H200 has the same SM and clocks).
HOPPER = {"name": "H100/H200 SXM", "sms": 132, "clock_hz": 1.83e9,
          "schedulers": 4,
          "dense_peak": {"fp8": 1979e12, "f16": 989.5e12, "tf32": 494.7e12}}
CHIPS = {"sm_90a": HOPPER, "sm_90": HOPPER}

# ptxas's "wgmma.mma_async instructions are serialized" family.
SERIALIZED = re.compile(r"\((C75\d\d)\)[^\n]*wgmma[^\n]*serialized due", re.I)


def flop_per_cycle(chip, rate, sparse):
    """Dense-equivalent FLOP per SM per cycle of one instruction kind."""
    peak = chip["dense_peak"].get(rate)
    if peak is None:
        return None
    per = peak / (chip["sms"] * chip["clock_hz"])
    return per * (2 if sparse else 1)


def find_ptxas(explicit):
    if explicit:
        return explicit
    for root in [os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
                 "/usr/local/cuda"]:
        if root and os.path.exists(os.path.join(root, "bin", "ptxas")):
            return os.path.join(root, "bin", "ptxas")
    return shutil.which("ptxas")


def run_ptxas(ptxas, arch, ptx_path):
    """ptxas -v on the module: ({kernel: resources}, [warning lines], log)."""
    with tempfile.TemporaryDirectory() as tmp:
        result = subprocess.run(
            [ptxas, "-v", "-arch=" + arch, ptx_path, "-o",
             os.path.join(tmp, "out.cubin")],
            capture_output=True, text=True)
    log = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError("ptxas failed on %s:\n%s" % (ptx_path, log))
    return parse_ptxas(log) + (log,)


def parse_ptxas(log):
    kernels, notes, current = {}, [], None
    for line in log.splitlines():
        m = re.search(r"(?:Compiling entry function|Function properties for)\s+'?([\w$]+)'?", line)
        if m:
            current = kernels.setdefault(m.group(1), {})
            continue
        m = re.search(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads", line)
        if m and current is not None:
            current["stack"], current["spill_stores"], current["spill_loads"] = (
                int(v) for v in m.groups())
            continue
        m = re.search(r"Used (\d+) registers", line)
        if m and current is not None:
            current["registers"] = int(m.group(1))
            smem = re.search(r"(\d+) bytes smem", line)
            current["static_smem"] = int(smem.group(1)) if smem else 0
            continue
        # Warnings, and the performance notes ptxas prints as "info (Cnnnn)".
        if re.search(r"warning|\(C\d{4}\)", line, re.I):
            notes.append(line.strip())
    return kernels, notes


def notes_for(name, notes):
    """The ptxas notes naming this function (or naming no function)."""
    mine = []
    for n in notes:
        named = re.findall(r"function '([\w$]+)'", n)
        if not named or name in named:
            mine.append(n)
    return mine


def analyze(name, body, launch, chip, producer_warps, default_threads,
            maxntid=None):
    """The loops, instruction mix and ceiling of one kernel; its block size
    from `launch`, else its PTX's .maxntid, else `default_threads`."""
    items = ptx_loops.statements(body)
    found = ptx_loops.loops(items)
    consumer = ptx_loops.innermost_with(found, ptx_loops.MMA)
    producer = ptx_loops.innermost_with(found, ptx_loops.TMA)
    if producer is consumer:
        producer = None
    threads = launch["threads"] if launch else (maxntid or default_threads)
    warps = threads // 32
    # Warp-specialized kernels give warpgroup 0 to the producer.
    consumer_warps = warps - 4 if producer is not None else warps
    out = {"name": name, "loops": len(found), "consumer": None, "producer": None,
           "threads": threads, "consumer_warps": consumer_warps,
           "producer_warps": producer_warps if producer is not None else 0}
    for role, loop in (("consumer", consumer), ("producer", producer)):
        if loop is None:
            continue
        counts = loop.counts()
        out[role] = {"label": loop.label, "instructions": len(loop.instructions),
                     "counts": counts, "nested": len(loop.inner)}
    if consumer is None:
        out["why"] = "no loop holds an MMA instruction"
        return out
    mmas = [i for i in consumer.instructions if i.cls == "mma"]
    n_c = len(consumer.instructions)
    out["consumer"]["mma"] = len(mmas)
    out["consumer"]["per_mma"] = n_c / len(mmas)
    tensor_cycles, kinds = 0.0, set()
    for ins in mmas:
        flops, rate, sparse = ptx_loops.mma_work(ins.opcode)
        kinds.add((rate, sparse))
        per_cycle = flop_per_cycle(chip, rate, sparse) if chip else None
        if per_cycle is None:
            out["why"] = "no peak model for %s MMAs on this chip" % rate
            return out
        tensor_cycles += consumer_warps * flops / per_cycle
    n_p = len(producer.instructions) if producer is not None else 0
    issue_cycles = (consumer_warps * n_c + out["producer_warps"] * n_p) / chip["schedulers"]
    out["tensor_cycles"] = tensor_cycles
    out["issue_cycles"] = issue_cycles
    out["ceiling"] = min(1.0, tensor_cycles / issue_cycles)
    # The peak the ceiling is a share of: the kernel's instruction kind.
    rate, sparse = sorted(kinds)[0]
    out["peak_tflops"] = chip["dense_peak"][rate] * (2 if sparse else 1) / 1e12
    return out


def markdown(results, resources, notes, chip_name, chip):
    lines = []
    lines.append("Static analysis of %d kernels for %s (%s)." % (
        len(results), chip_name, chip["name"] if chip else "no peak model"))
    lines.append("")
    lines.append("| kernel | regs | smem static + dynamic (B) | spill st/ld (B) | "
                 "instr/iter (consumer) | MMA/iter | instr/MMA | producer instr/iter | "
                 "ceiling (% of peak) | ceiling TFLOP/s | ptxas notes |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        res = resources.get(r["name"], {})
        dyn = r.get("dynamic_smem", 0)
        smem = "%s + %d" % (res.get("static_smem", "?"), dyn)
        spill = "%s/%s" % (res.get("spill_stores", "?"), res.get("spill_loads", "?"))
        c, p = r["consumer"], r["producer"]
        kernel_notes = notes_for(r["name"], notes)
        serial = [SERIALIZED.search(n).group(1) for n in kernel_notes if SERIALIZED.search(n)]
        note = ("**SERIALIZED %s**" % ",".join(serial)) if serial else (
            "%d" % len(kernel_notes) if kernel_notes else "-")
        if "ceiling" in r:
            ceiling = "%.1f%%" % (100 * r["ceiling"])
            tflops = "%.0f / %.0f" % (r["ceiling"] * r["peak_tflops"], r["peak_tflops"])
        else:
            ceiling, tflops = "n/a (%s)" % r.get("why", "?"), "-"
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], res.get("registers", "?"), smem, spill,
            c["instructions"] if c else "-", c.get("mma", "-") if c else "-",
            "%.1f" % c["per_mma"] if c and "per_mma" in c else "-",
            p["instructions"] if p else "-", ceiling, tflops, note))
    lines.append("")
    lines.append("Main-loop instruction mix per warp and iteration "
                 "(consumer: the loop holding the MMAs; producer: the TMA loop):")
    lines.append("")
    lines.append("| kernel | role (warps) | loop | " + " | ".join(ptx_loops.CLASSES) + " | total |")
    lines.append("|---|---|---|" + "---|" * (len(ptx_loops.CLASSES) + 1))
    for r in results:
        for role in ("consumer", "producer"):
            loop = r[role]
            if not loop:
                continue
            warps = r["consumer_warps"] if role == "consumer" else r["producer_warps"]
            nested = " (+%d nested)" % loop["nested"] if loop["nested"] else ""
            lines.append("| %s | %s (%d) | %s%s | %s | %d |" % (
                r["name"], role, warps, loop["label"], nested,
                " | ".join(str(loop["counts"][k]) for k in ptx_loops.CLASSES),
                loop["instructions"]))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ptx", required=True, help="PTX module (format=isa)")
    parser.add_argument("--chip", default="sm_90a")
    parser.add_argument("--launch", help="kernels-<chip>.json of launch_params.py")
    parser.add_argument("--ptxas", help="ptxas to run (default: CUDA_HOME, PATH)")
    parser.add_argument("--no-ptxas", action="store_true",
                        help="skip ptxas: no registers, shared memory or spills")
    parser.add_argument("--producer-warps", type=int, default=1)
    parser.add_argument("--default-threads", type=int, default=128,
                        help="block size of kernels without sparq.launch or .maxntid")
    parser.add_argument("--markdown", help="also write the tables here")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 on spills or serialized wgmma")
    args = parser.parse_args(argv)

    ptx = open(args.ptx).read()
    bodies = ptx_loops.functions(ptx)
    block_sizes = ptx_loops.block_sizes(ptx)
    if not bodies:
        sys.exit("static.py: no kernel in %s" % args.ptx)
    launches = {}
    if args.launch:
        launches = json.load(open(args.launch))["kernels"]
    resources, notes = {}, []
    if not args.no_ptxas:
        ptxas = find_ptxas(args.ptxas)
        if not ptxas:
            sys.exit("static.py: no ptxas (give --ptxas or --no-ptxas)")
        try:
            resources, notes, _ = run_ptxas(ptxas, args.chip, args.ptx)
        except (OSError, RuntimeError) as e:
            sys.exit("static.py: %s" % e)
    chip = CHIPS.get(args.chip)
    results = []
    for name in sorted(bodies):
        launch = (launches.get(name) or {}).get("launch")
        r = analyze(name, bodies[name], launch, chip, args.producer_warps,
                    args.default_threads, block_sizes.get(name))
        r["dynamic_smem"] = launch["dynamic_shared_memory"] if launch else 0
        results.append(r)
    table = markdown(results, resources, notes, args.chip, chip)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")

    bad = []
    for name in sorted(bodies):
        res = resources.get(name, {})
        if res.get("spill_stores") or res.get("spill_loads"):
            bad.append("%s spills %d/%d bytes" % (name, res["spill_stores"], res["spill_loads"]))
        for n in notes_for(name, notes):
            if SERIALIZED.search(n):
                bad.append("%s: %s" % (name, n))
    if bad:
        banner = "!" * 78
        print("\n%s\nstatic.py: PERFORMANCE PROBLEMS ptxas reported:\n  %s\n%s"
              % (banner, "\n  ".join(bad), banner), file=sys.stderr)
        if args.strict:
            sys.exit(1)


if __name__ == "__main__":
    main()
