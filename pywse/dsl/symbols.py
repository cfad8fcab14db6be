"""Symbols in PE memory: a `Var` names an array (`p.var` / `p.const`) by offset and type.

Symbolic until the runtime binds it to a PE's memory; DSDs and task bodies refer to these.
"""
from __future__ import annotations

import attrs
import numpy as np

from ..errors import ProgramError
from ..types import type_name


@attrs.frozen(eq=False)
class Var:
    """A symbol in PE memory: `p.var(...)` or `p.const(...)`. Symbolic until bound to a PE."""

    name: str
    dtype: np.dtype
    shape: tuple[int, ...]
    offset: int  # bytes from the start of the PE's memory
    export: bool = False
    const: bool = False

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    def __repr__(self) -> str:
        return f"<var {self.name}: {type_name(self.dtype)}{list(self.shape)}>"

    def __getitem__(self, _):
        raise ProgramError(f"var '{self.name}' has no value at comptime: index it inside a task "
                           "body, or give its initial value with p.var(..., init=...)")
