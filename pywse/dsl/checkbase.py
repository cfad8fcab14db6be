"""The task-body checker's shared vocabulary: what Python it refuses and why, operand-form
legends, and the small functions on kinds and AST nodes that the statement, call and operand
checks (stmtcheck.py, callcheck.py, operandcheck.py) and the checker itself (taskcheck.py) all
use. Plain data and functions, no checker state."""
from __future__ import annotations

import ast

import attrs
import numpy as np

from . import dsd as _dsd
from .kinds import NONE, Kind, kind_of
from .tasksource import UNASSIGNED

CHECKED: dict = {}
"""(code, captured kinds, ...) -> what checking a body or helper found, so each is checked once."""

REFUSED = {
    ast.Try: "`try` is not supported in task bodies: CSL has no exceptions; test the "
             "condition with `if` instead",
    ast.With: "`with` is not supported in task bodies",
    ast.FunctionDef: "a function defined inside a task body is not supported: define the "
                     "helper in the program body (or at module level) and call it",
    ast.AsyncFunctionDef: "`async def` is not supported in task bodies",
    ast.ClassDef: "a class defined inside a task body is not supported",
    ast.Import: "`import` is not supported in task bodies: import at module level",
    ast.ImportFrom: "`import` is not supported in task bodies: import at module level",
    ast.Delete: "`del` is not supported in task bodies",
    ast.Global: "'global' is not supported in task bodies: keep state in p.var arrays",
    ast.List: "a list is not a CSL value: keep data in a p.var array (or use a tuple of "
              "DSDs or numbers)",
    ast.ListComp: "a list comprehension is not a CSL value: loop over a p.var array",
    ast.SetComp: "a set is not a CSL value", ast.Set: "a set is not a CSL value",
    ast.Dict: "a dict is not a CSL value: keep data in p.var arrays",
    ast.DictComp: "a dict is not a CSL value: keep data in p.var arrays",
    ast.GeneratorExp: "a generator is not a CSL value: use a for loop",
    ast.Lambda: "`lambda` is not supported in task bodies: define a helper with `def` in "
                "the program body",
    ast.JoinedStr: "f-strings are not supported in task bodies (compiled code has no string "
                   "formatting): print(...) the values instead",
    ast.Starred: "`*args` is not supported in task bodies",
    ast.NamedExpr: "`:=` is not supported in task bodies: assign on its own line",
    ast.Yield: "`yield` is not supported in task bodies",
    ast.YieldFrom: "`yield` is not supported in task bodies",
    ast.Await: "`await` is not supported in task bodies",
}


for _name in ("AsyncFor", "AsyncWith", "Match", "TryStar"):
    if hasattr(ast, _name):
        REFUSED[getattr(ast, _name)] = f"`{_name.lower()}` is not supported in task bodies"


DSD_KINDS = ("mem", "fabin", "fabout", "fifo")


FORM_LEGEND = "D: a DSD, s: a scalar (a number or a one-element var), p: a one-element var"


def forms_of(b) -> str:
    """The operand forms a DSD op takes, for a message about an operand it refused."""
    if not b.forms:
        return ""
    forms = " or ".join("(" + ", ".join(f) + ")" for f in b.forms)
    return f"; pw.{b.name} takes {forms} [{FORM_LEGEND}]"


LOCAL = "local"
"""The `obj` of a function-local array's kind (`np.zeros(4, pw.f32)` in a task body)."""


LOCAL_NOT_MEMORY = ("local array '{}' lives in the task, not in PE memory, so no DSD can "
                     "reach it: declare it with p.var in the program body")


def free_key(free: dict, valued: bool) -> tuple:
    out = []
    for name, v in free.items():
        k = captured_kind(v, valued)
        out.append((name, k if k is not None else ("bad", type(v).__name__, id(v))))
    return tuple(out)


def comptime_is_value(e, free: dict, globals_: dict, local_names=()) -> bool | None:
    """The value of `name is None` / `name is not None` (either side None) when `name` is a
    captured or global value (not a local): it is known at comptime. None if the test is not
    of that form."""
    if len(e.ops) != 1 or not isinstance(e.ops[0], (ast.Is, ast.IsNot)):
        return None
    sides = [e.left, e.comparators[0]]
    if not any(isinstance(x, ast.Constant) and x.value is None for x in sides):
        return None
    other = sides[1] if isinstance(sides[0], ast.Constant) and sides[0].value is None \
        else sides[0]
    if isinstance(other, ast.Constant) and other.value is None:
        is_none = True
    elif isinstance(other, ast.Name) and other.id not in local_names and \
            (other.id in free or other.id in globals_):
        is_none = (free[other.id] if other.id in free else globals_[other.id]) is None
    else:
        return None
    return is_none if isinstance(e.ops[0], ast.Is) else not is_none


def changes_kind(before: Kind, after: Kind) -> bool:
    """A local that was a number and becomes a DSD (or the like): compiled code cannot hold
    both. (Numbers of different types can: an untyped number takes the other's type.)"""
    kinds = {before.what, after.what}
    return len(kinds) == 2 and "unknown" not in kinds and not kinds <= {"scalar", "none"}


def map_operand(k: Kind, output: bool) -> str | None:
    """Why `k` cannot be an input (or the output) of pw.map, or None if it can."""
    if k.what == "mem" and element_type(k) == np.float16:
        return "f16 DSDs in pw.map are not supported yet (compiled code has no float16)"
    if k.what in ("mem", "unknown"):
        return None
    if k.what == "array":
        if k.size != 1 and k.shape:
            return (f"{k.describe()} is no operand: an array must be a one-element var (a "
                    "pointer to a scalar); wrap arrays in pw.mem1d(...)")
        if output and k.const:
            return f"the output {k.describe()} is read-only (p.const)"
        return None
    if k.what in ("fabin", "fabout"):
        return f"{k.describe()} in pw.map is not supported yet: move the wavelets into " \
               "memory with pw.mov32 / pw.fmovs and map over that"
    if k.what == "fifo":
        return "CSL does not allow a FIFO in @map"
    if k.what == "dsr":
        return "a DSR in pw.map is not supported yet (use it in the callback's DSD ops)"
    if k.what == "scalar":
        return "the output of pw.map must be a memory DSD or a one-element var, not a " \
               "number" if output else None
    return f"{k.describe()} cannot be an operand of pw.map (give DSDs, one-element vars " \
           "or numbers)"


def returned_kind(b, args: list[Kind]) -> Kind:
    """What a builtin call gives: a DSD like its argument (set_dsd_length keeps a fabric DSD
    one), one over its array (mem1d, set_dsd_base_addr), or nothing."""
    if b.returns != "dsd":
        return Kind("scalar", np.dtype(b.returns)) if b.returns not in (None, "value") \
            else NONE
    arrays = [k for k in args if k.what == "array"]
    if arrays:
        return Kind("mem", arrays[0].dtype)
    if args and args[0].what in ("mem", "fabin", "fabout"):
        return args[0]
    return Kind("mem")


def element_type(k: Kind):
    if k.what in ("array", "mem") and k.dtype is not None:
        return k.dtype
    obj = k.obj
    if isinstance(obj, _dsd.DsdVar):
        obj = obj.initial
    if isinstance(obj, _dsd.MemDesc):
        return obj.var.dtype
    if isinstance(obj, _dsd.Fifo):
        return obj.var.dtype
    return None


def type_text(dt) -> str:
    return {"float16": "f16", "float32": "f32", "int16": "i16", "uint16": "u16",
            "int32": "i32", "uint32": "u32"}.get(np.dtype(dt).name, str(dt))


def position(node) -> tuple:
    return (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)


def as_load(target):
    load = ast.parse(ast.unparse(target), mode="eval").body
    ast.copy_location(load, target)
    ast.fix_missing_locations(load)
    return load


def capture_message(name: str, value, what: str = "captured") -> str:
    """Why a task body cannot use `value`, and what to do instead."""
    if value is UNASSIGNED:
        return (f"variable '{name}' is used before it is assigned in the program; declare it "
                "above the task")
    if value is None:
        return (f"'{name}' is None here, which a task body cannot use: build the DSD (or "
                "value) in the program body, or keep the name out of this task (or test it "
                f"at comptime: `if {name} is not None:`)")
    if isinstance(value, np.ndarray):
        return (f"'{name}' is a numpy array: task bodies read PE memory; declare it with "
                "p.const(dtype, values) (read-only) or p.var(..., init=values)")
    if isinstance(value, (list, tuple)):
        bad = next((v for v in value if kind_of(v) is None), None)
        if not value or bad is None:
            return (f"'{name}' is a {type(value).__name__} a task body cannot use: a task may "
                    "capture tuples and lists of DSDs, arrays, tasks, colors and numbers only")
        return (f"'{name}' is a {type(value).__name__} holding {type(bad).__name__} "
                f"{bad!r}: a task may capture tuples and lists of DSDs, arrays, tasks, colors "
                "and numbers only")
    return (f"'{name}' ({type(value).__name__}) is a Python object a task body cannot "
            f"{'capture' if what == 'captured' else 'use'}: use p.var/p.const for arrays, and "
            "numbers, colors, DSDs or tasks for the rest")

def captured_kind(value, valued: bool) -> Kind | None:
    """A captured value's kind; with `valued`, numbers keep their value (for comptime `if`)."""
    k = kind_of(value)
    if valued and k is not None and k.what == "scalar" and \
            isinstance(value, (bool, int, float, np.number)):
        return attrs.evolve(k, value=value.item() if isinstance(value, np.generic) else value)
    return k
