"""A task body's source as an AST that keeps the user's lines and columns.

The checker (taskcheck.py) and the engine's lowering (sim/jit.py) both start here, so an error
either reports and a compiled task's tracebacks quote the user's file exactly where the code is.
"""
from __future__ import annotations

import ast
import inspect
import textwrap
import types as pytypes

from ..errors import Site, TaskError


def parse_function(fn, task_name: str) -> tuple[ast.FunctionDef, str]:
    """(the `def` of `fn` as an AST with the user's line numbers and columns, its file)."""
    try:
        lines, first = inspect.getsourcelines(fn)
        filename = inspect.getsourcefile(fn) or "<task>"
    except (OSError, TypeError):
        raise TaskError(f"task '{task_name}': the source of '{fn.__name__}' is not available "
                        "(tasks and helpers must be defined with `def` in a file, not in a REPL "
                        "or with lambda)") from None
    text = textwrap.dedent("".join(lines))
    try:
        tree = ast.parse(text)
    except SyntaxError:
        tree = None
    fdef = tree.body[0] if tree is not None and tree.body else None
    if not isinstance(fdef, ast.FunctionDef):
        raise TaskError(f"task '{task_name}': '{fn.__name__}' must be a plain `def` function"
                        ).at(Site(filename, first, fn.__name__))
    ast.increment_lineno(tree, first - 1)
    _shift_columns(tree, len(lines[0]) - len(text.splitlines(True)[0]))
    return fdef, filename


def _shift_columns(tree: ast.AST, indent: int) -> None:
    """Columns of the dedented source -> columns in the user's file (what tracebacks and
    errors underline)."""
    if indent:
        for node in ast.walk(tree):
            if getattr(node, "col_offset", None) is not None:
                node.col_offset += indent
                if getattr(node, "end_col_offset", None) is not None:
                    node.end_col_offset += indent


def node_site(node, filename: str, fname: str) -> Site | None:
    """The user's line of an AST node of a task body, with its columns."""
    line = getattr(node, "lineno", None)
    if line is None:
        return None
    one_line = getattr(node, "end_lineno", None) == line
    return Site(filename, line, fname,
                cols=(node.col_offset, node.end_col_offset) if one_line else None)


UNASSIGNED = type("Unassigned", (), {"__repr__": lambda self: "<unassigned>"})()
"""What `closure` gives for a variable the program assigns only after defining the task."""


def closure(fn) -> dict:
    """The values a function's free variables hold (what a task body captured)."""
    out = {}
    for name, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        try:
            out[name] = cell.cell_contents
        except ValueError:
            out[name] = UNASSIGNED
    return out


def in_sdk_library(obj) -> bool:
    """Is `obj` (a function or module) part of pywse's SDK libraries, pywse/lib/?"""
    module = getattr(obj, "__module__", None) or getattr(obj, "__name__", "") or ""
    return module == "pywse.lib" or module.startswith("pywse.lib.")


def is_user_function(v) -> bool:
    """A plain function a task calls (a helper): the user's, or a library's (pywse/lib/ is
    user code that ships with pywse): checked and lowered like the task itself. numba's,
    numpy's and the rest of pywse's functions are not."""
    if not isinstance(v, pytypes.FunctionType) or hasattr(v, "py_func"):
        return False
    if in_sdk_library(v):
        return True
    module = getattr(v, "__module__", "") or ""
    return module.split(".")[0] not in ("numpy", "numba", "pywse", "math", "builtins")


def returns_value(fn) -> bool:
    """Does `fn` (a plain function) return a value anywhere (`return x`)? CSL's `@map` takes an
    output operand exactly when its callback is not void."""
    try:
        fdef, _ = parse_function(fn, fn.__name__)
    except TaskError:
        return True
    todo = list(fdef.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Return) and node.value is not None and \
                not (isinstance(node.value, ast.Constant) and node.value.value is None):
            return True
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda,
                                 ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(node))
    return False
