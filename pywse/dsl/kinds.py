"""What a value in a task body is, as the checker sees it at compile time: its `Kind`.

A kind is what CSL's type checker knows of a value: a typed scalar (`f32`, `i16`, ...) or an
untyped number (a Python literal, a `range()` counter or a number param: CSL's
`comptime_int` / `comptime_float`, which take the other operand's type), an array (a `p.var`
of a known element type and shape), a DSD of one kind, a task, a color, a type. Kinds hold
types only, never values (but for literals), so one check serves every PE that captures
values of the same types (dsl/taskcheck.py).
"""
from __future__ import annotations

import types as pytypes
from typing import Any

import attrs
import numpy as np

from ..types import Color, Direction, dtype_of
from .dsd import FABIN, DsdVar, FabDesc, Fifo, MemDesc
from .dsr import Dsr
from .image import MemcpyModule, Task
from .modules import ModuleInstance
from .queues import Queue
from .signatures import Builtin
from .symbols import Var
from .tasksource import is_user_function
from .twins import UtId
from .typedops import TypedBuiltin


@attrs.frozen
class Kind:
    """`what` is one of: scalar, array, mem, fabin, fabout, fifo, task, color, type, module,
    builtin, typed, pyfunc, callable, helper, memcpy, seq, str, none, utid, queue, unknown.
    A queue's `name` says which ("input queue 2"), so kinds of two queues differ."""

    what: str
    dtype: np.dtype | None = None     # scalars and arrays
    weak: bool = False                # an untyped number (takes the other operand's type)
    shape: tuple = ()                 # arrays
    name: str = ""                    # arrays, tasks: the symbol's name
    const: bool = False               # arrays: read-only (p.const)
    task_kind: str = ""               # tasks: local, data, control, export
    obj: Any = attrs.field(default=None, eq=False, hash=False)   # what it stands for
    value: Any = None                 # literals only: the constant, for index checks
    items: tuple = ()                 # seq: the kinds of its items

    @property
    def size(self) -> int:
        return int(np.prod(self.shape)) if self.shape else 0

    def describe(self) -> str:
        """A few words for messages: "an f32 array 'a' of 4 elements", "a fabin DSD"."""
        if self.what == "scalar":
            return "an untyped number" if self.weak else f"an {_name(self.dtype)} value"
        if self.what == "array":
            return f"{_name(self.dtype)} array '{self.name}' of {self.size} element(s)"
        if self.what in ("mem", "fabin", "fabout"):
            return {"mem": "a memory DSD", "fabin": "a fabin DSD", "fabout": "a fabout DSD"}[self.what]
        return {"fifo": "a FIFO", "dsr": f"DSR {self.name}", "task": f"task '{self.name}'", "color": "a color",
                "type": "a type", "seq": "a tuple", "str": "a string", "none": "None",
                "module": "a module", "builtin": "a builtin", "helper": "a function",
                "memcpy": "the memcpy module", "utid": f"microthread id {self.value}",
                "queue": self.name,
                "instance": f"module instance '{self.name}'"}.get(self.what, "a value")


def _name(dt) -> str:
    if dt is None:
        return "a number"
    dt = np.dtype(dt)
    return {"float16": "f16", "float32": "f32", "int16": "i16", "uint16": "u16",
            "int32": "i32", "uint32": "u32", "float64": "float", "int64": "int",
            "bool": "bool"}.get(dt.name, dt.name)


UNKNOWN = Kind("unknown")
NONE = Kind("none")
WEAK_INT = Kind("scalar", np.dtype(np.int64), weak=True)
WEAK_FLOAT = Kind("scalar", np.dtype(np.float64), weak=True)
BOOL = Kind("scalar", np.dtype(np.bool_), weak=True)


def literal(value) -> Kind:
    if isinstance(value, bool):
        return attrs.evolve(BOOL, value=value)
    if isinstance(value, int):
        return attrs.evolve(WEAK_INT, value=value)
    if isinstance(value, float):
        return attrs.evolve(WEAK_FLOAT, value=value)
    if isinstance(value, str):
        return Kind("str", value=value)
    if value is None:
        return NONE
    return UNKNOWN


def kind_of(value, depth: int = 0) -> Kind | None:
    """The kind of a value a task body captured or reads from its module, or None if a task
    body cannot use it (the checker says why)."""
    if isinstance(value, Var):
        return Kind("array", value.dtype, shape=tuple(value.shape), name=value.name,
                    const=value.const, obj=value)
    if isinstance(value, DsdVar) and value.fabric:
        return Kind("fabin" if value.initial.kind == FABIN else "fabout", obj=value)
    if isinstance(value, (MemDesc, DsdVar)):
        return Kind("mem", obj=value)
    if isinstance(value, FabDesc):
        return Kind("fabin" if value.kind == FABIN else "fabout", obj=value)
    if isinstance(value, Fifo):
        return Kind("fifo", obj=value)
    if isinstance(value, Dsr):
        return Kind("dsr", name=value.kind, obj=value)
    if isinstance(value, Task):
        return Kind("task", name=value.name, task_kind=value.kind, obj=value)
    if isinstance(value, Color):
        return Kind("color", obj=value)
    if isinstance(value, Direction):       # comptime only: <tile_config>'s route arguments
        return Kind("str", value=str(value))
    if isinstance(value, UtId):
        return Kind("utid", value=int(value))
    if isinstance(value, Queue):
        return Kind("queue", name=str(value), obj=value)
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, int):
        return WEAK_INT
    if isinstance(value, float):
        return WEAK_FLOAT
    if isinstance(value, np.number):
        return Kind("scalar", value.dtype)
    if isinstance(value, Builtin):
        return Kind("builtin", obj=value)
    if isinstance(value, TypedBuiltin):           # <dsd_ops>'s wrappers (dsl/typedops.py)
        return Kind("typed", obj=value)
    if isinstance(value, pytypes.ModuleType):
        return Kind("module", obj=value)
    if isinstance(value, MemcpyModule):
        return Kind("memcpy", obj=value)
    if isinstance(value, ModuleInstance):
        return Kind("instance", name=value._name, obj=value, items=tuple(
            (k, kind_of(v, depth + 1) if depth < 4 else None)
            for k, v in value.members.items()))
    if isinstance(value, type):
        try:
            return Kind("type", dtype_of(value), obj=value)
        except TypeError:
            return Kind("callable", obj=value)
    if is_user_function(value):
        return Kind("helper", obj=value)
    if isinstance(value, (list, tuple)) and value and depth < 4:
        items = tuple(kind_of(v, depth + 1) for v in value)
        if all(k is not None and k.what in _CAPTURABLE for k in items):
            return Kind("seq", items=items)
        return None
    if isinstance(value, np.ndarray):
        return None
    if callable(value) and (getattr(value, "__module__", "") in CALLABLE_MODULES or
                            hasattr(value, "py_func")):
        return Kind("callable", obj=value)
    return None


CALLABLE_MODULES = ("numpy", "math", "pywse.dsl.control", "pywse.sim.mathops",
                    "pywse.sim.complexops")
"""Modules whose functions task bodies may call (numba compiles them; `<control>`'s encoders
and `<math>`'s and `<complex>`'s kernels have numba twins); numba-compiled functions (`@numba.njit`) may be
called too."""

_CAPTURABLE = {"array", "mem", "fabin", "fabout", "fifo", "task", "color", "scalar", "seq",
               "dsr", "utid", "queue"}


def promote(a: Kind, b: Kind, op: str) -> Kind:
    """The kind of `a <op> b` for two scalars: numpy 2's rule with Python numbers weak, as
    sim/cslops.py computes it (untyped op untyped stays untyped, as in Python)."""
    if a.dtype is None or b.dtype is None:
        return Kind("scalar")
    if a.weak and b.weak:
        if op == "truediv" or "f" in (a.dtype.kind, b.dtype.kind):
            return WEAK_FLOAT
        if a.dtype.kind == b.dtype.kind == "b" and op in ("and_", "or_", "xor"):
            return BOOL
        return WEAK_INT
    sa = _stand_in(a)
    sb = _stand_in(b)
    try:
        dt = np.result_type(sa, sb)
    except TypeError:
        return Kind("scalar")
    if op == "truediv" and dt.kind in "iub":
        dt = np.dtype(np.float64)
    return Kind("scalar", dt)


def _stand_in(k: Kind):
    if not k.weak:
        return k.dtype
    return {"b": True, "f": 1.0}.get(k.dtype.kind, 1)
