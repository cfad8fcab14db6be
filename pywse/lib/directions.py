"""`<directions>`: turning router directions (CSL-LIBRARIES §1.10), at comptime.

    d = p.import_module("<directions>")        # or: from pywse.lib import directions as d
    TO = d.flip(FROM)                          # the opposite direction

On pywse's direction values (`pw.NORTH`, `pw.SOUTH`, `pw.EAST`, `pw.WEST`, `pw.RAMP`);
RAMP, the PE's own CE, stays RAMP. North is up (row 0 at the top) and east is right, so
clockwise is NORTH -> EAST -> SOUTH -> WEST. `flip_vertical` mirrors top and bottom (NORTH <->
SOUTH), `flip_horizontal` left and right (EAST <-> WEST), `flip` both (the opposite). Routes
are comptime in pywse (the layout, or the program body), so these are too.
"""
from __future__ import annotations

from types import SimpleNamespace

from ..dsl.modules import layout_library, library
from ..errors import ProgramError
from ..types import DIRECTIONS, EAST, NORTH, RAMP, SOUTH, WEST, Direction

_CLOCKWISE = {NORTH: EAST, EAST: SOUTH, SOUTH: WEST, WEST: NORTH, RAMP: RAMP}


def _check(d) -> Direction:
    if d not in DIRECTIONS:
        raise ProgramError(f"<directions>: {d!r} is not a direction; use pw.NORTH, pw.SOUTH, "
                           "pw.EAST, pw.WEST or pw.RAMP")
    return Direction(d)


def rotate_clockwise(d: Direction) -> Direction:
    return _CLOCKWISE[_check(d)]


def rotate_counterclockwise(d: Direction) -> Direction:
    return {v: k for k, v in _CLOCKWISE.items()}[_check(d)]


def flip_vertical(d: Direction) -> Direction:
    return {NORTH: SOUTH, SOUTH: NORTH}.get(_check(d), d)


def flip_horizontal(d: Direction) -> Direction:
    return {EAST: WEST, WEST: EAST}.get(_check(d), d)


def flip(d: Direction) -> Direction:
    return flip_vertical(flip_horizontal(d))


MEMBERS = dict(flip=flip, rotate_clockwise=rotate_clockwise,
               rotate_counterclockwise=rotate_counterclockwise, flip_vertical=flip_vertical,
               flip_horizontal=flip_horizontal)


@library("<directions>")
def library(p) -> dict:
    """`p.import_module("<directions>")` in a program."""
    return SimpleNamespace(**MEMBERS)


@layout_library("<directions>")
def layout_side(layout, **params) -> SimpleNamespace:
    """`<directions>` imported on the layout (`layout.import_module("<directions>")`): the
    same functions; it takes no params and needs nothing of the layout."""
    return SimpleNamespace(**MEMBERS)
