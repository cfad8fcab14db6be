"""The router's filters: whether a wavelet routed to RAMP reaches the CE, and how a counter
filter counts (docs/semantics.md, "Filters"; the configs are layout/filters.py's).

Per (PE, color) the state holds `flt_on` (the kind: 0 none, `RANGE`, `COUNTER`, `SPARSE`)
and `flt[pe, c, :]`, `N_FIELDS` int32 words:

- range: `F_A` min_idx, `F_B` max_idx;
- counter and sparse_counter: `F_A` the counter, `F_B` limit1 (the counter runs 0..limit1,
  then wraps to 0), `F_LIMIT2` limit2, `F_MAX` max_counter, `F_FLAGS` what it counts and
  where a sparse_counter is;
- every kind: `F_ID`, the filter's id on its PE (layout/filters.py `filter_ids`).

The fabric asks `passes` whether a wavelet moving down RAMP is delivered (before it moves,
so the question never changes the answer), and after a wavelet has left a router whose
color has a counter filter, `count` counts it: every wavelet the router moves, whichever
way it goes. A color without a filter costs one byte read where it reaches RAMP.
"""
from __future__ import annotations

import numba
import numpy as np

from ..layout.filters import filter_ids
from ..types import N_COLORS

NONE, RANGE, COUNTER, SPARSE = 0, 1, 2, 3
KINDS = {"range": RANGE, "counter": COUNTER, "sparse_counter": SPARSE}
F_A, F_B, F_LIMIT2, F_MAX, F_FLAGS, F_ID = range(6)
N_FIELDS = 6
COUNT_DATA, COUNT_CONTROL, FILTER_CONTROL, WRAPPED, OFF = 1, 2, 4, 8, 16
"""`F_FLAGS` bits: counts data / control wavelets, filters control wavelets, a
sparse_counter has wrapped once (limit2 is in force) / twice (it filters no more)."""


@numba.njit(cache=True)
def passes(st, pe, c, w, ctl):
    """Is this wavelet, about to leave the router down RAMP, delivered to the CE?"""
    kind = st.flt_on[pe, c]
    if kind == NONE:
        return True
    if kind == RANGE:
        if ctl:
            return True
        idx = (w >> 16) & 0xFFFF
        return st.flt[pe, c, F_A] <= idx <= st.flt[pe, c, F_B]
    flags = st.flt[pe, c, F_FLAGS]
    if flags & OFF:
        return True
    if ctl:
        return not flags & FILTER_CONTROL or st.flt[pe, c, F_A] == st.flt[pe, c, F_MAX]
    return st.flt[pe, c, F_A] <= st.flt[pe, c, F_MAX]


@numba.njit(cache=True)
def count(st, pe, c, ctl):
    """A wavelet has left the router of (pe, c), which has a counter filter: count it if the
    filter counts its kind. Past limit1 the counter wraps to 0; a sparse_counter's first
    wrap puts limit2 in limit1's place, its second turns the filter off."""
    flags = st.flt[pe, c, F_FLAGS]
    if flags & OFF or not flags & (COUNT_CONTROL if ctl else COUNT_DATA):
        return
    if st.flt[pe, c, F_A] < st.flt[pe, c, F_B]:
        st.flt[pe, c, F_A] += 1
        return
    st.flt[pe, c, F_A] = 0
    if st.flt_on[pe, c] == SPARSE:
        if flags & WRAPPED:
            st.flt[pe, c, F_FLAGS] = flags | OFF
        else:
            st.flt[pe, c, F_B] = st.flt[pe, c, F_LIMIT2]
            st.flt[pe, c, F_FLAGS] = flags | WRAPPED


def rows(patterns) -> tuple[np.ndarray, np.ndarray]:
    """Per route pattern number (0: none): its filter's kind and its `flt` words (id -1)."""
    kinds = np.zeros(len(patterns) + 1, np.uint8)
    words = np.zeros((len(patterns) + 1, N_FIELDS), np.int32)
    for k, cfg in enumerate(patterns, 1):
        f = cfg.filter
        if f is None:
            continue
        kinds[k] = KINDS[f.kind]
        if f.kind == "range":
            words[k, F_A], words[k, F_B] = f.min_idx, f.max_idx
        else:
            words[k, F_A], words[k, F_B], words[k, F_MAX] = f.init_counter, f.limit1, f.max_counter
            words[k, F_LIMIT2] = f.limit2 or 0
            words[k, F_FLAGS] = (COUNT_DATA * f.count_data | COUNT_CONTROL * f.count_control
                                 | FILTER_CONTROL * f.filter_control)
        words[k, F_ID] = -1
    return kinds, words


def load(st, table) -> None:
    """Write the layout's filters into the state: only the ports that have one (a layout
    without filters touches nothing)."""
    kinds, words = rows(table.patterns)
    if not kinds.any():
        return
    ids = filter_ids(table)
    ys, xs, cs = np.nonzero(ids >= 0)
    pids = table.pid[ys, xs, cs]
    port = (ys * table.width + xs) * N_COLORS + cs
    st.flt_on.reshape(-1)[port] = kinds[pids]
    block = words[pids]
    block[:, F_ID] = ids[ys, xs, cs]
    st.flt.reshape(-1, N_FIELDS)[port] = block
