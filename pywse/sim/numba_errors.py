"""A numba failure on a task body, in words, at the user's line.

The task-body checker (dsl/taskcheck.py) refuses at compile time what numba cannot compile,
so a numba failure on a body it accepted is pywse's own bug. The user still gets a
`TaskError` at their line, the cause in one sentence without numba's vocabulary, what to do
now (run that program as plain Python) and a request to report it; numba's own text stays
on the error (`err.numba_text`) and is printed only under `PYWSE_FULL_TRACEBACK=1`.
"""
from __future__ import annotations

import ast
import os
import re

from ..errors import Site, TaskError, def_site, full_traceback, internal

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FILE = re.compile(r'File "([^"]+)", line (\d+)|During: [^\n]* at (\S+) \((\d+)\)')
_PATTERNS = [
    (re.compile(r"Use of unsupported NumPy function '([\w.]+)'"),
     lambda m: f"`{m[1]}` cannot be used in compiled code"),
    (re.compile(r"Cannot unify (.+?) and (.+?) for '(\w+)'"),
     lambda m: f"'{m[3]}' holds {_type(m[1])} on one path and {_type(m[2])} on another; "
               "give it one type on every path"),
    (re.compile(r"Unknown attribute '(\w+)' of type (.+?)(?:\n|$)"),
     lambda m: f"{_type(m[2])} has no attribute '{m[1]}' in compiled code"),
    (re.compile(r"No implementation of function Function\(<(?:built-in )?function (\w+)>\) "
                r"found for signature:\s*\n?\s*>*\s*\w+\((.*?)\)"),
     lambda m: f"`{m[1]}` cannot take ({', '.join(_type(t) for t in _split(m[2]))}) in "
               "compiled code"),
    (re.compile(r"Cannot determine Numba type of <class '([\w.]+)'>"),
     lambda m: f"a value of Python type {m[1].rsplit('.', 1)[-1]} cannot be used in compiled "
               "code"),
    (re.compile(r"Untyped global name '(\w+)'"),
     lambda m: f"'{m[1]}' is a value compiled code cannot use"),
    (re.compile(r"NameError: name '(\w+)' is not defined"),
     lambda m: f"name '{m[1]}' is not defined"),
]


def _split(args: str) -> list[str]:
    depth, part, out = 0, "", []
    for ch in args:
        depth += ch in "([" and 1 or (-1 if ch in ")]" else 0)
        if ch == "," and depth == 0:
            out.append(part.strip())
            part = ""
        else:
            part += ch
    return out + ([part.strip()] if part.strip() else [])


_SCALARS = {"float32": "f32", "float16": "f16", "int16": "i16", "uint16": "u16",
            "int32": "i32", "uint32": "u32"}
_OTHERS = {"int64": "an untyped integer", "float64": "an untyped float", "bool": "a bool",
           "none": "None"}


def _type(numba_type: str) -> str:
    """A numba type in CSL's words: array(float32, 1d, C) -> an f32 array."""
    t = numba_type.strip()
    m = re.match(r"(?:readonly )?array\((\w+), \d+d", t)
    if m:
        return f"{_article(_SCALARS.get(m[1], m[1]))} array"
    m = re.match(r"Literal\[\w+\]\((.*)\)$", t)
    if m:
        return f"the literal {m[1]}"
    if t in _SCALARS:
        return f"{_article(_SCALARS[t])} value"
    if "MemDSD" in t:
        return "a memory DSD"
    if "FabDSD" in t:
        return "a fabric DSD"
    return _OTHERS.get(t, t)


def _article(word: str) -> str:
    return ("an " if word[:1] in "aefhilmnorsx" else "a ") + word


def explain(e: BaseException) -> str:
    """numba's error in one sentence (its first line, cleaned, when no pattern fits)."""
    text = _ANSI.sub("", str(e))
    for pattern, words in _PATTERNS:
        m = pattern.search(text)
        if m:
            return words(m)
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("File \"", "During:", "-", "^")):
            return line.rstrip(":.")[:200]
    return type(e).__name__


def site(e: BaseException, fn) -> Site | None:
    """The user's line a numba error is about: the innermost line of the user's it names
    (numba nests the failure of a helper or an @map callback inside the call that reached
    it, innermost first), else its own location, else the `def` line of `fn` (the task)."""
    text = _ANSI.sub("", str(e))
    found = [(m[1] or m[3], int(m[2] or m[4])) for m in _FILE.finditer(text)]
    loc = getattr(e, "loc", None)
    if loc is not None and getattr(loc, "line", None):
        found.append((loc.filename, loc.line))
    for file, line in found:
        path = os.path.abspath(file)
        if not internal(path) and not file.startswith("<") and os.path.exists(path):
            return Site(path, line, _function_at(path, line) or "?")
    return def_site(fn)


def _function_at(path: str, line: int) -> str | None:
    """The name of the innermost function of `path` whose body holds `line` (a task, a
    helper or an @map callback), for the quote of a compile failure."""
    try:
        with open(path, encoding="utf-8") as f:
            tree = ast.parse(f.read(), path)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return None
    best = None
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and \
                node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or node.lineno > best.lineno:
                best = node
    return best.name if best is not None else None


def compile_error(task, e: BaseException) -> TaskError:
    """The error a user sees when numba cannot compile a task body pywse accepted."""
    text = _ANSI.sub("", str(e))
    where = site(e, task.fn)
    inner = "" if where is None or where.name in ("?", task.name) else \
        f" (in '{where.name}', line {where.line}, which it calls)"
    err = TaskError(f"task '{task.name}' could not be compiled{inner}: {explain(e)}. pywse's "
                    "checks accepted this code, so this is a pywse bug: please report it with "
                    "the task's code")
    err.numba_text = text
    hint = "Meanwhile run the program as plain Python: jit=False (or PYWSE_JIT=0)."
    if full_traceback():
        hint += "\nnumba said:\n" + text
    return err.at(where, hint=hint)
