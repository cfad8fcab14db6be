"""Type-dispatched DSD builtins: `<dsd_ops>`'s wrappers (`ops.mov(pw.f32, dst, src)`).

CSL's `<dsd_ops>` library wraps the DSD op builtins in functions whose first argument (or
first two) is an element type known at comptime, and documents that each call "expands to a
single call to a DSD op builtin" whose config must be comptime-known. pywse keeps exactly
that: a `TypedBuiltin` is a table from element types to one builtin of dsl/signatures.py. The
task-body checker (dsl/taskcheck.py) resolves the call to that builtin and checks the rest as
a call of it (operand forms, options), refusing an option given a run-time value; the task
compiler (sim/jit.py) rewrites the call into that builtin's call. Nothing else runs: the
wrapper costs what the builtin costs.

This layer only holds the shape of a typed wrapper; pywse/lib/dsd_ops.py fills in the tables.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from ..errors import ProgramError
from ..types import dtype_of
from .signatures import TABLE, Builtin


def type_name(dt) -> str:
    """pywse's short name of an element type (f16, f32, i16, u16, i32, u32)."""
    return {"float16": "f16", "float32": "f32", "int16": "i16", "uint16": "u16",
            "int32": "i32", "uint32": "u32"}.get(np.dtype(dt).name, np.dtype(dt).name)


class TypedBuiltin:
    """A wrapper `name(T..., operands..., **config)` of library `library`: `n_types` leading
    element types pick one builtin from `table` (tuple of type names -> builtin name)."""

    def __init__(self, library: str, name: str, n_types: int,
                 table: Mapping[tuple[str, ...], str], doc: str = ""):
        self.library, self.name, self.n_types = library, name, n_types
        self.table = dict(table)
        for target in self.table.values():
            assert target in TABLE, target
        self.__name__ = name
        self.__doc__ = doc or f"{library}.{name}: one DSD builtin chosen by element type"

    def __repr__(self) -> str:
        return f"<pywse {self.library} wrapper {self.name}>"

    def resolve(self, types) -> Builtin | str:
        """The builtin for these element types, or why there is none (a message)."""
        try:
            key = tuple(type_name(dtype_of(t)) for t in types)
        except TypeError as e:
            return f"{self.library}.{self.name}: {e}"
        target = self.table.get(key)
        if target is None:
            have = ", ".join("(" + ", ".join(k) + ")" for k in self.table)
            return (f"{self.library}.{self.name} has no form for element type(s) "
                    f"({', '.join(key)}); it takes {have}")
        return TABLE[target]

    def __call__(self, *args, **kwargs):
        raise ProgramError(f"{self.library}.{self.name} can only be called inside a task "
                           "body (it is one DSD operation)")
