#!/usr/bin/env python3
"""Checks that every error diagnostic sparq can emit is tested.

    scripts/check-diagnostics.py [-v]

Finds every emitError / emitOpError / emitWarning call in lib/**/*.cpp
(`op->emitOpError() << "..."`, `emitError(loc, "...")`, the `emitError()`
callbacks of verifiers, ...), takes the string literals of its message, and
looks for the message's longest literal piece in the lit tests (test/**) and
the Python tests (python/tests/**), on a line that checks a diagnostic
(`expected-error`, `expected-warning`, `CHECK`, `error:`, `match=`). A
diagnostic that no test triggers is listed and the check fails; one that no
input can trigger is named in scripts/check-diagnostics.allow with the
reason. With -v every diagnostic and the test that covers it is listed.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMIT = re.compile(r"\b(emitOpError|emitError|emitWarning)\s*\(")
# A line of a test that checks a diagnostic's text.
CHECKING = re.compile(r"expected-(error|warning)|CHECK|error:|warning:|match=|raises")


def strip_comments(text):
    """C++ text with comments blanked (string literals kept)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c == "'":
            j = i + 1
            while j < n and text[j] != "'":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def statement(text, start):
    """The text from `start` to the end of its statement (';' or the close of
    the enclosing bracket)."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                return text[start:i]
            depth -= 1
        elif c == ";" and depth == 0:
            return text[start:i]
        i += 1
    return text[start:]


def unescape(literal):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  literal)


def ternary_spans(stmt):
    """(start, end) of every parenthesized group holding a top-level '?': the
    literals inside are alternatives, e.g. (named ? " of '" + name : "")."""
    spans, stack, i, n = [], [], 0, len(stmt)
    while i < n:
        c = stmt[i]
        if c == '"':
            i += 1
            while i < n and stmt[i] != '"':
                i += 2 if stmt[i] == "\\" else 1
        elif c == "(":
            stack.append([i, False])
        elif c == ")" and stack:
            start, ternary = stack.pop()
            if ternary:
                spans.append((start, i))
        elif c == "?" and stack:
            stack[-1][1] = True
        i += 1
    return spans


def fragments(stmt):
    """Runs of adjacent string literals of a statement, unescaped, as
    (text, optional) pairs; optional ones are branches of a '?:'."""
    spans = ternary_spans(stmt)
    pieces, current, last_end, optional = [], [], None, False
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"', stmt):
        between = stmt[last_end:m.start()] if last_end is not None else ""
        if current and between.strip():
            pieces.append(("".join(current), optional))
            current = []
        optional = any(a < m.start() < b for a, b in spans)
        current.append(unescape(m.group(1)))
        last_end = m.end()
    if current:
        pieces.append(("".join(current), optional))
    # Format strings identify nothing.
    return [(t, o) for t, o in pieces if "{0" not in t]


def covers(line, frags):
    """Whether `line` checks the message: its non-optional pieces in order.
    Pieces are compared without surrounding punctuation, pieces of fewer than
    three letters or digits (" x ", "', '") are skipped, and the checked
    text may stop early (an expectation need not spell out the whole
    message) as long as it stops inside a piece, after 12 characters of it."""
    words = []
    for text, optional in frags:
        text = re.sub(r"^[\W_]+|[\W_]+$", "", text)
        if not optional and len(re.findall(r"[A-Za-z0-9]", text)) >= 3:
            words.append(text)
    if not words:
        return False
    # Where the checked text ends: the close of an expected-* {{...}}, or the
    # end of a CHECK line.
    end = line.rfind("}}")
    checked = (line[:end] if end >= 0 and "expected-" in line else line).rstrip(" '\"")
    pos = 0
    for word in words:
        at = checked.find(word, pos)
        if at >= 0:
            pos = at + len(word)
            continue
        for length in range(len(word) - 1, 11, -1):
            if checked.endswith(word[:length]) and len(checked) - length >= pos:
                return True
        return False
    return True


def sites():
    for dirpath, _, files in os.walk(os.path.join(ROOT, "lib")):
        for name in sorted(files):
            if not name.endswith(".cpp"):
                continue
            path = os.path.join(dirpath, name)
            text = strip_comments(open(path, encoding="utf-8").read())
            for m in EMIT.finditer(text):
                # Only calls: not declarations such as `function_ref<...>
                # emitError` parameters (no '(' follows those) nor definitions.
                stmt = statement(text, m.start())
                frags = fragments(stmt)
                if not frags:
                    continue  # Forwards a diagnostic, e.g. [&] { return op->emitOpError(); }
                line = text.count("\n", 0, m.start()) + 1
                message = " ... ".join(t for t, _ in frags)
                yield os.path.relpath(path, ROOT), line, frags, message


def test_lines():
    lines = []
    for top in ("test", os.path.join("python", "tests")):
        for dirpath, _, files in os.walk(os.path.join(ROOT, top)):
            for name in sorted(files):
                path = os.path.join(dirpath, name)
                try:
                    text = open(path, encoding="utf-8").read()
                except (UnicodeDecodeError, OSError):
                    continue
                for i, line in enumerate(text.splitlines(), 1):
                    if CHECKING.search(line):
                        # FileCheck and -verify-diagnostics spell a literal
                        # '{{' as '{{[{][{]}}'; keep the text comparable.
                        lines.append((os.path.relpath(path, ROOT), i, line))
    return lines


def load_allowlist():
    path = os.path.join(ROOT, "scripts", "check-diagnostics.allow")
    allowed = {}
    if os.path.exists(path):
        for raw in open(path, encoding="utf-8"):
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.lstrip().startswith("#"):
                continue
            message, _, reason = raw.partition(" | ")
            if not reason.strip():
                sys.exit(f"check-diagnostics.allow: no reason given for '{message}'")
            allowed[message.strip()] = reason.strip()
    return allowed


def main():
    verbose = "-v" in sys.argv[1:]
    lines = test_lines()
    allowed = load_allowlist()
    used_allow = set()
    covered, uncovered, allowlisted = [], [], []
    for path, line, frags, message in sites():
        where = next(((p, i) for p, i, text in lines if covers(text, frags)),
                     None)
        key = f"{path}: {message}"
        if where:
            covered.append((path, line, message, where))
        elif key in allowed:
            used_allow.add(key)
            allowlisted.append((path, line, message, allowed[key]))
        else:
            uncovered.append((path, line, message))
    total = len(covered) + len(uncovered) + len(allowlisted)
    if verbose:
        for path, line, message, (tpath, tline) in covered:
            print(f"covered      {path}:{line}: {message!r} <- {tpath}:{tline}")
        for path, line, message, reason in allowlisted:
            print(f"allowlisted  {path}:{line}: {message!r} ({reason})")
    for path, line, message in uncovered:
        print(f"UNCOVERED    {path}:{line}: {message!r}")
    stale = sorted(set(allowed) - used_allow)
    for message in stale:
        print(f"STALE ALLOW  '{message}' matches no untested diagnostic")
    print(f"diagnostics: {total} in lib/, {len(covered)} tested, "
          f"{len(allowlisted)} allowlisted, {len(uncovered)} untested")
    return 1 if uncovered or stale else 0


if __name__ == "__main__":
    sys.exit(main())
