"""Cycles per task-body line, on request: `SdkRuntime(..., line_cycles=True)`,
`Harness(..., line_cycles=True)` or `PYWSE_LINE_CYCLES=1`.

In that mode the task compiler (jit.py) writes a mark before every statement of a task body
or helper, and before every charge (charges.py): `line_mark(st, pe, site)` books what the
PE's task was charged since its previous mark (scalar code, DSD ops, calls) to the previous
mark's statement, and `line_end` at the end of a task books the rest. A statement's cycles
are so the cycles charged from its mark to the next one: a helper's statements book their
own, its call the call. The task switch and blocking waits belong to no line (the tasks
table has them). Without the mode the task bodies have none of this code: a run that does
not ask pays nothing, and the rewritten bodies (and their numba cache) are apart.

A mark names its statement's site (faults.py: the same number in every process), so the
cycles go into a small open-addressing table in the state keyed by site (`line_keys`,
`line_cyc`), read back through `faults.SITES` into file and line. Per PE, `line_pe` holds
the site of the last mark and the cycles charged at it.
"""
from __future__ import annotations

import linecache
import os

import numpy as np
from numba.extending import register_jitable

from . import faults
from .table import Table

SLOTS = 1 << 14        # distinct statements a run can book (more are not counted)
ENV = "PYWSE_LINE_CYCLES"


def wanted(line_cycles: bool | None) -> bool:
    """The runtime's choice: the argument, else `PYWSE_LINE_CYCLES` (1 / 0)."""
    if line_cycles is None:
        return os.environ.get(ENV, "").strip() not in ("", "0")
    return bool(line_cycles)


def arrays(npe: int) -> dict:
    """The state arrays of the mode (the default state has one-element stand-ins)."""
    return {"line_pe": np.zeros((npe, 2), np.int64), "line_keys": np.zeros(SLOTS, np.int64),
            "line_cyc": np.zeros(SLOTS, np.int64)}


@register_jitable
def line_start(st, pe):
    """A task begins: no statement yet."""
    st.line_pe[pe, 0] = 0
    st.line_pe[pe, 1] = st.cycles[pe]


@register_jitable
def line_mark(st, pe, site):
    """Statement `site` begins: the cycles since the previous mark are that one's."""
    _book(st, pe)
    st.line_pe[pe, 0] = site
    st.line_pe[pe, 1] = st.cycles[pe]


@register_jitable
def line_end(st, pe):
    """The task ends: the last statement's cycles."""
    _book(st, pe)
    st.line_pe[pe, 0] = 0


@register_jitable
def _book(st, pe):
    site = st.line_pe[pe, 0]
    spent = st.cycles[pe] - st.line_pe[pe, 1]
    if site == 0 or spent == 0:
        return
    n = st.line_keys.shape[0]
    i = site % n
    for _ in range(n):
        key = st.line_keys[i]
        if key == site or key == 0:
            st.line_keys[i] = site
            st.line_cyc[i] += spent
            return
        i = (i + 1) % n


def table(st) -> Table:
    """The cycles booked, per line of the user's code (lines of one statement's charge and
    of its index checks add up), most first."""
    per: dict[tuple, int] = {}
    for key, cycles in zip(st.line_keys.tolist(), st.line_cyc.tolist()):
        if key and cycles:
            site = faults.SITES.get(key, (None,))[0]
            at = (site.file, site.line, site.name) if site is not None else ("?", 0, "?")
            per[at] = per.get(at, 0) + cycles
    rows = [(_shown(f), line, name, cycles, linecache.getline(f, line).strip())
            for (f, line, name), cycles in per.items()]
    rows.sort(key=lambda r: (-r[3], r[0], r[1]))
    return Table("lines", ("file", "line", "function", "cycles", "code"), rows)


def _shown(path: str) -> str:
    """A file as the table names it: relative to the working directory when inside it."""
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return path if rel.startswith("..") else rel
