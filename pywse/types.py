"""CSL scalar types as numpy dtypes, and colors/directions."""
from __future__ import annotations

import attrs
import numpy as np

f16 = np.float16
f32 = np.float32
i16 = np.int16
u16 = np.uint16
i32 = np.int32
u32 = np.uint32

DTYPES = {"f16": f16, "f32": f32, "i16": i16, "u16": u16, "i32": i32, "u32": u32}
"""The element types a PE program may declare."""

PE_MEMORY_BYTES = 48 * 1024
"""Local memory of one PE (code is not modelled; data only)."""

N_COLORS = 24
"""Routable colors 0..23 on WSE-2 and WSE-3."""

ARCHES = ("wse2", "wse3")


def dtype_of(t) -> np.dtype:
    """Normalise a user type (pw.f32, 'f32', np.float32, dtype) to a supported numpy dtype."""
    if isinstance(t, str) and t in DTYPES:
        t = DTYPES[t]
    try:
        dt = np.dtype(t)
    except TypeError:
        dt = None
    if dt is None or dt.type not in DTYPES.values():
        raise TypeError(f"unsupported element type {t!r}; use one of pw.f16, pw.f32, pw.i16, "
                        "pw.u16, pw.i32, pw.u32")
    return dt


def type_name(dt) -> str:
    dt = np.dtype(dt)
    for k, v in DTYPES.items():
        if dt.type is v:
            return k
    return str(dt)


@attrs.frozen(repr=False)
class Color:
    """A routable color 0..23 (CSL `@get_color(n)`)."""

    id: int = attrs.field(converter=int)

    def __attrs_post_init__(self):
        if not 0 <= self.id < N_COLORS:
            raise ValueError(f"color {self.id} is out of range: colors are 0..{N_COLORS - 1}")

    def __int__(self) -> int:
        return self.id

    __index__ = __int__

    def __repr__(self) -> str:
        return f"Color({self.id})"


def color_id(c) -> int:
    """The integer id of a Color or int, validated."""
    if c.__class__ is Color:
        return c.id          # validated when it was made (layouts call this per route)
    return Color(int(c)).id


class Direction(str):
    """A router port: RAMP (the PE's own CE) or a neighbour."""

    __slots__ = ()


RAMP = Direction("RAMP")
NORTH = Direction("NORTH")
SOUTH = Direction("SOUTH")
EAST = Direction("EAST")
WEST = Direction("WEST")
DIRECTIONS = (RAMP, NORTH, SOUTH, EAST, WEST)
