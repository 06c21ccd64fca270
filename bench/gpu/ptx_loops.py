"""PTX reading for static.py: the kernels of a PTX module, their
instructions and labels, their loops (a label with a backward branch to it)
and each instruction's class and Tensor Core work.

PTX is what the NVPTX back end or inline assembly wrote; ptxas turns it into
SASS, so counts here approximate the machine code (ptxas may fold address
arithmetic, unroll or add instructions).
"""
import re

# Instruction classes, in the order the tables print them. A class is chosen
# by the first matching rule of CLASS_RULES (opcode prefixes or regexes).
CLASSES = ["mma", "wgmma sync", "ld.global", "st.shared", "ld.shared",
           "ldmatrix", "cp.async", "mbarrier", "barrier", "int/addr", "branch",
           "other"]

CLASS_RULES = [
    ("mma", re.compile(r"^(wgmma\.mma_async|mma\.)")),
    ("wgmma sync", re.compile(r"^wgmma\.(fence|commit_group|wait_group)")),
    ("ld.global", re.compile(r"^ld\.global")),
    ("st.shared", re.compile(r"^st\.shared")),
    ("ld.shared", re.compile(r"^ld\.shared")),
    ("ldmatrix", re.compile(r"^ldmatrix")),
    ("cp.async", re.compile(r"^cp\.(async|reduce\.async)")),
    ("mbarrier", re.compile(r"^mbarrier")),
    ("barrier", re.compile(r"^(bar|barrier)\.")),
    # Integer, address and predicate arithmetic, moves and conversions: the
    # bookkeeping around the math.
    ("int/addr", re.compile(
        r"^(add|sub|mul|mad|mul24|mad24|div|rem|neg|abs|min|max|shl|shr|shf|"
        r"and|or|xor|not|lop3|cnot|popc|clz|bfe|bfi|brev|prmt|setp|selp|set|"
        r"slct|mov|cvt|cvta|isspacep)(\.|$)")),
    ("branch", re.compile(r"^(bra|brx|ret|exit|call)(\.|$)")),
]


def classify(opcode):
    for name, rule in CLASS_RULES:
        if rule.match(opcode):
            # Floating-point add/mul/fma stay "other" (epilogue math), integer
            # ones are bookkeeping: the type suffix tells.
            if name == "int/addr" and re.search(r"\.(f16|bf16|f32|f64)(x2)?\b",
                                                opcode):
                return "other"
            return name
    return "other"


class Instruction:
    def __init__(self, text):
        self.text = text
        m = re.match(r"(@!?%?\w+\s+)?([\w.:]+)\s*(.*)$", text, re.S)
        self.predicated = bool(m.group(1))
        self.opcode = m.group(2)
        self.operands = m.group(3).strip()
        self.cls = classify(self.opcode)

    def branch_target(self):
        if re.match(r"bra(\.uni)?$", self.opcode):
            return self.operands.split(",")[0].strip()
        return None

    def __repr__(self):
        return "Instruction(%r)" % self.text


class Label:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Label(%r)" % self.name


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def functions(ptx):
    """{name: body text} for every .entry and .func of a PTX module that has
    a body (prototypes, `.extern .func ...;`, have none)."""
    out = {}
    text = strip_comments(ptx)
    for m in re.finditer(r"\.(?:entry|func)\s+(?:\([^)]*\)\s*)?([\w$]+)\s*", text):
        pos = m.end()
        if text.startswith("(", pos):
            pos = _close_paren(text, pos)
        # Performance directives (.maxntid 128, 1, 1) may precede the body;
        # a ';' first means a declaration.
        open_, semicolon = text.find("{", pos), text.find(";", pos)
        if open_ < 0 or 0 <= semicolon < open_:
            continue
        depth = 0
        for i in range(open_, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    break
        out[m.group(1)] = text[open_ + 1:i]
    return out


def block_sizes(ptx):
    """{name: threads} for every kernel whose `.maxntid x, y, z` directive
    fixes its block size (x * y * z)."""
    out = {}
    text = strip_comments(ptx)
    for m in re.finditer(r"\.entry\s+([\w$]+)\s*", text):
        pos = _close_paren(text, m.end()) if text.startswith("(", m.end()) else m.end()
        head = text[pos:text.find("{", pos)]
        d = re.search(r"\.maxntid\s+(\d+)(?:\s*,\s*(\d+))?(?:\s*,\s*(\d+))?", head)
        if d:
            out[m.group(1)] = (int(d.group(1)) * int(d.group(2) or 1)
                               * int(d.group(3) or 1))
    return out


def _close_paren(text, pos):
    """The index just past the ')' matching the '(' at `pos`."""
    depth = 0
    for i in range(pos, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return len(text)


def statements(body):
    """The labels and instructions of a function body, in order (directives
    such as .reg and .shared and inline-asm scope braces are dropped)."""
    items = []
    for chunk in body.split(";"):
        chunk = chunk.strip()
        while chunk:
            chunk = chunk.lstrip("{} \t\r\n")
            m = re.match(r"([$\w][$\w.]*)\s*:(?!:)", chunk)
            if m:
                items.append(Label(m.group(1)))
                chunk = chunk[m.end():]
                continue
            if chunk and not chunk.startswith("."):
                # A trailing '}' closes an inline-asm scope, not the operands.
                text = " ".join(chunk.split())
                items.append(Instruction(text))
            break
    return items


class Loop:
    """Items [start, end] of a function: a label and the last backward
    branch to it."""

    def __init__(self, label, start, end, items):
        self.label, self.start, self.end = label, start, end
        self.instructions = [it for it in items[start:end + 1]
                             if isinstance(it, Instruction)]
        self.inner = []  # loops nested in this one

    def contains(self, other):
        return self.start <= other.start and other.end <= self.end and self is not other

    def counts(self):
        c = {k: 0 for k in CLASSES}
        for ins in self.instructions:
            c[ins.cls] += 1
        return c

    def has(self, pattern):
        return any(re.match(pattern, i.opcode) for i in self.instructions)


def loops(items):
    """Every loop of a function, outermost first."""
    where = {it.name: i for i, it in enumerate(items) if isinstance(it, Label)}
    ends = {}
    for j, it in enumerate(items):
        if isinstance(it, Instruction):
            target = it.branch_target()
            if target in where and where[target] <= j:
                ends[target] = max(ends.get(target, j), j)
    found = sorted((Loop(l, where[l], e, items) for l, e in ends.items()),
                   key=lambda l: (l.start, -l.end))
    for loop in found:
        loop.inner = [o for o in found if loop.contains(o)]
    return found


def innermost_with(found, pattern):
    """The smallest loop holding an instruction whose opcode matches."""
    holding = [l for l in found if l.has(pattern)]
    if not holding:
        return None
    return min(holding, key=lambda l: l.end - l.start)


MMA = r"(wgmma\.mma_async|mma\.)"
TMA = r"cp\.async\.bulk\.tensor"


def mma_work(opcode):
    """(dense-equivalent FLOPs per warp-instruction, rate key, sparse) of a
    Tensor Core instruction. A wgmma is one instruction per warp of its
    warpgroup, which shares the 64 x N x K product four ways; a 2:4 sparse
    one does the dense K's work (counted 2 M N K)."""
    shape = re.search(r"\.m(\d+)n(\d+)k(\d+)", opcode)
    if not shape:
        raise ValueError("no shape in %s" % opcode)
    m, n, k = (int(v) for v in shape.groups())
    flops = 2.0 * m * n * k
    if opcode.startswith("wgmma"):
        flops /= 4
    types = set(re.findall(r"\.(e4m3|e5m2|f16|bf16|tf32|s8|u8|f64)\b", opcode))
    if types & {"e4m3", "e5m2", "s8", "u8"}:
        rate = "fp8"
    elif types & {"f16", "bf16"}:
        rate = "f16"
    elif "tf32" in types:
        rate = "tf32"
    else:
        rate = "other"
    sparse = bool(re.match(r"(wgmma\.mma_async\.sp|mma\.sp)", opcode))
    return flops, rate, sparse
