"""`<layout>`: the PE's coordinates inside its program rectangle (CSL-LIBRARIES §1.9).

    lay = p.import_module("<layout>")
    ...
    x = lay.get_x_coord()          # in a task body: a u16, 0-based column

CSL reads the coordinates at run time so one code image serves many PEs. pywse builds each
PE's program with its own `p.x` / `p.y` (its place in the classic layout's rectangle, or in
its SdkLayout code region): the functions return those, captured per PE, so a task body
compiles once for every PE. Importing `<layout>` makes the program's image depend on the
coordinates (as reading `p.x` in the program body does).
"""
from __future__ import annotations

from ..dsl.modules import library
from ..types import u16


@library("<layout>")
def library(p) -> dict:
    """`p.import_module("<layout>")`: `get_x_coord()` and `get_y_coord()` of this PE."""
    x, y = p.x, p.y

    def get_x_coord():
        return u16(x)

    def get_y_coord():
        return u16(y)

    return dict(get_x_coord=get_x_coord, get_y_coord=get_y_coord)
