"""Argument rules of library functions, which the task-body checker applies at each call.

A library function (pywse/lib/) may carry `fn.check_call = rule(...)`: dsl/taskcheck.py calls
it with the kinds of the call's arguments, and it returns a message (the call is refused at
the user's line, when the program is compiled), a Kind (what the call returns), or None.
Categories of an argument: "float" (f16, f32 or an untyped number), "typed" (f16 or f32
only: run-time generic functions), "typed-or-literal" (f16, f32 or a float literal),
"number" (any integer or float), "int", "type" (pw.f16 or pw.f32, known at comptime).
"""
from __future__ import annotations

import numpy as np

from ..dsl.kinds import BOOL, WEAK_FLOAT, Kind
from ..types import DTYPES


def _typed_float(k: Kind) -> bool:
    return k.what == "scalar" and not k.weak and k.dtype is not None and k.dtype.kind == "f"


def _number(k: Kind, ints: bool = True, weak_float: bool = True) -> bool:
    if k.what == "unknown":
        return True
    if k.what != "scalar" or k.dtype is None:
        return False
    if k.weak:
        return k.dtype.kind in "iu" or (k.dtype.kind == "f" and weak_float)
    return k.dtype.kind == "f" or (ints and k.dtype.kind in "iu")


_WHAT = {"float": "a float (f16 or f32, or an untyped number)",
         "typed": "an f16 or f32 value (it is run time only: an untyped number has no type; "
                  "convert it, pw.f32(2.0), or call the _f32 twin)",
         "typed-or-literal": "a float (f16 or f32, or a float literal)",
         "number": "a number (an integer or a float)",
         "int": "an integer",
         "type": "a float type known at comptime (pw.f16 or pw.f32), not a value"}


def _fits(k: Kind, what: str) -> bool:
    if what == "float":
        return _number(k, ints=False)
    if what == "typed":
        return k.what == "unknown" or _typed_float(k)
    if what == "typed-or-literal":
        return k.what == "unknown" or _typed_float(k) or (k.what == "scalar" and k.weak
                                                           and k.dtype.kind == "f")
    if what == "number":
        return _number(k)
    if what == "int":
        return k.what == "unknown" or (k.what == "scalar" and k.dtype is not None
                                       and k.dtype.kind in "iub")
    return k.what == "type" and k.dtype is not None and k.dtype.kind == "f"


def rule(library: str, name: str, wants: tuple[str, ...], returns: str,
         same_type: bool = False):
    """The `check_call` of function `name`: each argument's category, and what it returns:
    a type name ("f32", "u32", ...), "bool", or "same" (the first argument's kind);
    `same_type`: typed arguments must have one type."""
    def check_call(args: list[Kind]):
        if len(args) != len(wants):
            return f"{library}.{name} takes {len(wants)} argument(s), got {len(args)}"
        for n, (k, what) in enumerate(zip(args, wants), 1):
            if not _fits(k, what):
                return f"{library}.{name} takes {_WHAT[what]} as argument {n}, got " \
                       f"{k.describe()}"
        typed = [k.dtype for k in args if k.what == "scalar" and not k.weak]
        if same_type and len(set(typed)) > 1:
            return f"{library}.{name} takes values of one type, got " + \
                " and ".join(k.describe() for k in args)
        if returns in DTYPES:
            return Kind("scalar", np.dtype(DTYPES[returns]))
        if returns == "bool":
            return BOOL
        first = args[0] if args else None
        if first is not None and first.what == "scalar":
            return WEAK_FLOAT if first.weak and first.dtype.kind == "f" else \
                Kind("scalar", first.dtype, weak=first.weak)
        return None
    return check_call
