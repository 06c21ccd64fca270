"""Reads each kernel's launch parameters and argument list from the output of
`sparq-opt kernels.mlir --convert-sparq-to-nvvm="chip=..."` and writes them
as JSON for run.py and static.py:

    launch_params.py NVVM.mlir... OUT.json [--chip sm_90a]

The sm_90a (wgmma) kernels carry their launch in one attribute, the single
source of truth for the host lowering and this bench:

    gpu.func @sparq_wg_...(...) kernel attributes {sparq.launch = {
        threads = 384 : i64, block_rows = 128 : i64, block_cols = 256 : i64,
        dynamic_shared_memory = 131072 : i64,
        tensor_maps = [{operand = "a", element_bytes = 1 : i64,
                        box = [64, 128], swizzle = 128 : i64}, ...]}}

Kernels without it (the mma.sync ones) get "launch": null. Each kernel's
"args" lists its gpu.func arguments in order: {"kind": "ptr"} (a tensor
map's device address), {"kind": "memref", "rank": r, "element": t} or
{"kind": "index"}, each with its MLIR "type".
"""
import argparse
import json
import re
import sys


class AttrParser:
    """A small recursive-descent parser for the MLIR attribute syntax the
    launch attribute uses: dictionaries, arrays, `array<i64: ...>`,
    integers and floats with an optional `: type`, strings, booleans and
    unit entries. Anything else is kept as its source text."""

    def __init__(self, text, pos=0):
        self.text, self.pos = text, pos

    def error(self, what):
        context = self.text[self.pos:self.pos + 40].replace("\n", " ")
        raise ValueError("attribute syntax: %s at %r" % (what, context))

    def skip(self):
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self, token):
        self.skip()
        return self.text.startswith(token, self.pos)

    def expect(self, token):
        if not self.peek(token):
            self.error("expected %r" % token)
        self.pos += len(token)

    def value(self):
        self.skip()
        if self.peek("{"):
            return self.dictionary()
        if self.peek("["):
            return self.array("[", "]")
        if self.peek("array<"):
            self.expect("array<")
            self.skip()
            m = re.compile(r"\w+").match(self.text, self.pos)  # element type
            if not m:
                self.error("expected an element type")
            self.pos = m.end()
            if self.peek(":"):
                self.expect(":")
                values = self.sequence(">")
            else:
                values = []
            self.expect(">")
            return values
        if self.peek('"'):
            return self.string()
        m = re.compile(r"-?(0x[0-9a-fA-F]+|\d+\.\d*(e[-+]?\d+)?|\d+(e[-+]?\d+)?)"
                       ).match(self.text, self.pos)
        if m:
            self.pos = m.end()
            token = m.group(0)
            if self.peek(":"):  # the attribute's type
                self.expect(":")
                self.type_text()
            if token.lstrip("-").startswith("0x"):
                return int(token, 16)
            if re.search(r"[.e]", token):
                return float(token)
            return int(token)
        for word, v in (("true", True), ("false", False), ("unit", True)):
            if re.compile(word + r"\b").match(self.text, self.pos):
                self.pos += len(word)
                return v
        return self.type_text()

    def type_text(self):
        """Source text up to the next top-level `,`, `}`, `]` or `>`."""
        self.skip()
        start, depth = self.pos, 0
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c in "<([{":
                depth += 1
            elif c in ">)]}":
                if depth == 0:
                    break
                depth -= 1
            elif c == "," and depth == 0:
                break
            elif c == '"':
                self.string()
                continue
            self.pos += 1
        if self.pos == start:
            self.error("expected a value")
        return self.text[start:self.pos].strip()

    def string(self):
        self.expect('"')
        out = []
        while True:
            if self.pos >= len(self.text):
                self.error("unterminated string")
            c = self.text[self.pos]
            if c == '"':
                self.pos += 1
                return "".join(out)
            if c == "\\":
                nxt = self.text[self.pos + 1]
                if nxt in '"\\':
                    out.append(nxt)
                    self.pos += 2
                else:
                    out.append(chr(int(self.text[self.pos + 1:self.pos + 3], 16)))
                    self.pos += 3
                continue
            out.append(c)
            self.pos += 1

    def sequence(self, close):
        values = []
        if self.peek(close):
            return values
        while True:
            values.append(self.value())
            if not self.peek(","):
                return values
            self.expect(",")

    def array(self, open_, close):
        self.expect(open_)
        values = self.sequence(close)
        self.expect(close)
        return values

    def dictionary(self):
        self.expect("{")
        out = {}
        while not self.peek("}"):
            if self.peek('"'):
                key = self.string()
            else:
                m = re.compile(r"[A-Za-z_][\w.$-]*").match(self.text, self.pos)
                if not m:
                    self.error("expected a dictionary key")
                key = m.group(0)
                self.pos = m.end()
            if self.peek("="):
                self.expect("=")
                out[key] = self.value()
            else:
                out[key] = True  # a unit attribute
            if self.peek(","):
                self.expect(",")
            elif not self.peek("}"):
                self.error("expected ',' or '}'")
        self.expect("}")
        return out


def parse_attribute(text):
    parser = AttrParser(text)
    value = parser.value()
    parser.skip()
    if parser.pos != len(text):
        parser.error("trailing text")
    return value


def split_top_level(text, sep=","):
    """Splits at `sep` outside <>, (), [], {} and strings."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1) + 1
            continue
        if c in "<([{":
            depth += 1
        elif c in ">)]}":
            depth -= 1
        elif c == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
        i += 1
    if text[start:].strip():
        parts.append(text[start:])
    return [p.strip() for p in parts]


def balanced(text, pos, open_="(", close=")"):
    """The index just past the bracket that closes the one at `pos`."""
    assert text[pos] == open_
    depth, i = 0, pos
    while i < len(text):
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1) + 1
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError("unbalanced %r at offset %d" % (open_, pos))


def describe_argument(text):
    """One gpu.func argument (`%arg0: memref<?x?x?xf8E4M3FN> {attrs}`)."""
    m = re.match(r"%[\w.$-]+\s*:\s*(.*)$", text, re.S)
    if not m:
        raise ValueError("unexpected kernel argument %r" % text)
    type_ = m.group(1).strip()
    # Argument attributes follow the type in braces.
    if type_.endswith("}"):
        type_ = type_[:type_.rindex("{")].strip()
    if type_.startswith("!llvm.ptr"):
        return {"kind": "ptr", "type": type_}
    if type_ == "index" or re.fullmatch(r"i\d+", type_):
        return {"kind": "index" if type_ in ("index", "i64") else "int", "type": type_}
    m = re.match(r"memref<(.*)>$", type_, re.S)
    if m:
        shape = split_top_level(m.group(1))[0]
        dims = shape.split("x")
        return {"kind": "memref", "rank": len(dims) - 1, "element": dims[-1],
                "type": type_}
    return {"kind": "other", "type": type_}


def extract(mlir_text):
    """{kernel name: {"args": [...], "launch": dict or None}} for every
    gpu.func of the text."""
    kernels = {}
    heads = list(re.finditer(r"gpu\.func\s+@([\w$.-]+)\s*\(", mlir_text))
    for i, head in enumerate(heads):
        name = head.group(1)
        close = balanced(mlir_text, head.end() - 1)
        args = [describe_argument(a)
                for a in split_top_level(mlir_text[head.end():close - 1])]
        # The attribute dictionary sits between the signature and the body.
        end = heads[i + 1].start() if i + 1 < len(heads) else len(mlir_text)
        launch = None
        m = re.compile(r"\bsparq\.launch\s*=\s*").search(mlir_text, close, end)
        if m:
            parser = AttrParser(mlir_text, m.end())
            launch = parser.value()
            check_launch(name, launch, args)
        kernels[name] = {"args": args, "launch": launch}
    return kernels


REQUIRED = ("threads", "block_rows", "block_cols", "dynamic_shared_memory",
            "tensor_maps")
MAP_REQUIRED = ("operand", "element_bytes", "box", "swizzle")


def check_launch(name, launch, args):
    """The launch attribute has what run.py needs, and one tensor map per
    leading pointer argument."""
    if not isinstance(launch, dict):
        raise ValueError("%s: sparq.launch is not a dictionary" % name)
    missing = [k for k in REQUIRED if k not in launch]
    if missing:
        raise ValueError("%s: sparq.launch lacks %s" % (name, ", ".join(missing)))
    for m in launch["tensor_maps"]:
        lacks = [k for k in MAP_REQUIRED if k not in m]
        if lacks:
            raise ValueError("%s: a tensor map lacks %s" % (name, ", ".join(lacks)))
        if len(m["box"]) not in (2, 3) or m["swizzle"] not in (0, 32, 64, 128):
            raise ValueError("%s: tensor map %s: box %s / swizzle %s unsupported"
                             % (name, m["operand"], m["box"], m["swizzle"]))
    pointers = 0
    while pointers < len(args) and args[pointers]["kind"] == "ptr":
        pointers += 1
    if pointers != len(launch["tensor_maps"]):
        raise ValueError("%s: %d tensor maps but %d leading pointer arguments"
                         % (name, len(launch["tensor_maps"]), pointers))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("mlir", nargs="+",
                        help="outputs of sparq-opt --convert-sparq-to-nvvm")
    parser.add_argument("out", help="JSON to write")
    parser.add_argument("--chip", default="sm_90a")
    args = parser.parse_args()
    kernels = {}
    for path in args.mlir:
        found = extract(open(path).read())
        if not found:
            sys.exit("no gpu.func in %s" % path)
        for name, kernel in found.items():
            if kernels.get(name, kernel) != kernel:
                sys.exit("%s: two different kernels of this name" % name)
            kernels[name] = kernel
    with open(args.out, "w") as f:
        json.dump({"chip": args.chip, "kernels": kernels}, f, indent=1, sort_keys=True)
    print("%s: %d kernels, %d with sparq.launch" % (
        args.out, len(kernels), sum(k["launch"] is not None for k in kernels.values())))


if __name__ == "__main__":
    main()
