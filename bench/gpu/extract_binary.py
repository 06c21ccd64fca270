"""Writes the object of a gpu.binary (cubin, or PTX text with format=isa)
from sparq-opt's output to a file.

    extract_binary.py LOWERED.mlir OUT [--symbol sparq_kernels]

MLIR prints the object as a string attribute (`bin = "..."` or
`assembly = "..."`) in which a backslash is doubled and every byte outside
printable ASCII, and the quote, is a backslash and two hex digits.
"""
import argparse
import re
import sys


def decode_mlir_string(text):
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and text[i + 1] == "\\":
            out.append(0x5C)
            i += 2
        elif c == "\\":
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        else:
            out += c.encode("latin-1")
            i += 1
    return bytes(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("lowered")
    parser.add_argument("out")
    parser.add_argument("--symbol", default="sparq_kernels")
    args = parser.parse_args()
    text = open(args.lowered, encoding="latin-1").read()
    start = text.find("gpu.binary @%s " % args.symbol)
    if start < 0:
        sys.exit("no gpu.binary @%s in %s" % (args.symbol, args.lowered))
    # Inside the string every quote is escaped, so the next one ends it.
    match = re.compile(r'(?:bin|assembly) = "').search(text, start)
    if not match:
        sys.exit("gpu.binary @%s holds no object" % args.symbol)
    end = text.index('"', match.end())
    data = decode_mlir_string(text[match.end():end])
    open(args.out, "wb").write(data)
    print("%s: %d bytes" % (args.out, len(data)))


if __name__ == "__main__":
    main()
