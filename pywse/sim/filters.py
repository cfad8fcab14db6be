"""What the filter builtins do: `pw.dfilt`, `pw.get_filter_id` and `<tile_config>`'s
`filters` functions (signatures: dsl/signatures.py, dsl/filterprims.py; the router's filter
model: routerfilter.py; docs/semantics.md, "Filters").

- `pw.dfilt(fabin, async_=True)` starts an op (ops.DFILT) on the fabin's microthread: its
  input queue drops data wavelets until `extent` control wavelets have reached it
  (`ops._dfilt_run`); completion activates or unblocks as any async op's.
- `pw.get_filter_id(c)`: this PE's filter id for color c (`flt[pe, c, F_ID]`).
- `filters.set_active_limit / set_max_counter / set_counter(id, n)` write limit1,
  max_counter and the counter. wse3's PASS / DROP view of the same words: a filter passes
  `max_counter + 1` wavelets, then drops `limit1 - max_counter` (0 if max_counter >= limit1);
  it is in PASS while the counter is <= max_counter, and its counter value is the wavelets
  counted in that state (the counter, or the counter - (max_counter + 1)). Counts and
  counter values of that view are in half-wavelets: twice the wavelets (pywse moves whole
  32-bit wavelets, so they are even).

A mistake (an id that is no counter filter of this PE, a value out of range) is a fault
the engine reports at the user's line (`fault_message`).
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from ..dsl import filterprims as fp
from ..types import N_COLORS
from . import faults
from . import routerfilter as rf
from .builtins import LOWERINGS, Lowering, _op, lowers
from .ops import DFILT
from .precompiled import precompiled

# fault[LIMIT]: what went wrong (fault[OPERAND]: the function code, fault[VALUE] / [ADDR]: values)
NOT_AN_ID, RANGE_FILTER, NO_FILTER, ODD_HALVES, OUT_OF_RANGE, BAD_STATE = range(1, 7)
GET_FILTER_ID = -1       # fault[OPERAND] of pw.get_filter_id


def _dfilt(st, pe, src, async_, activate, unblock, ut_id):
    """`@dfilt`: an op on the fabin's microthread with no destination (ops._dfilt_run)."""
    _op(st, pe, np.int64(DFILT), None, src, None, None, async_, activate, unblock, ut_id)


LOWERINGS["dfilt"] = Lowering(_dfilt)


@register_jitable
def _fault(st, what, code, value, other):
    st.fault[faults.KIND] = faults.FILTER
    st.fault[faults.OPERAND] = code
    st.fault[faults.LIMIT] = what
    st.fault[faults.VALUE] = value
    st.fault[faults.ADDR] = other
    raise ValueError("filter")


@lowers("get_filter_id")
def _get_filter_id(st, pe, c):
    return _filter_id(st, pe, np.int64(c))


@precompiled
def _filter_id(st, pe, c):
    if c < 0 or c >= N_COLORS or st.flt_on[pe, c] == rf.NONE:
        _fault(st, NO_FILTER, GET_FILTER_ID, c, 0)
    return np.uint16(st.flt[pe, c, rf.F_ID])


@precompiled
def _counter_color(st, pe, fid, code):
    """The color of this PE's filter `fid`, which must be a counter filter."""
    n = 0
    for c in range(N_COLORS):
        if st.flt_on[pe, c] != rf.NONE:
            n += 1
            if st.flt[pe, c, rf.F_ID] == fid:
                if st.flt_on[pe, c] == rf.RANGE:
                    _fault(st, RANGE_FILTER, code, fid, c)
                return c
    _fault(st, NOT_AN_ID, code, fid, n)
    return -1


@precompiled
def _halves(st, v, code):
    """A count in half-wavelets, as wavelets."""
    if v < 0 or v > 2 * 0xFFFF + 2:
        _fault(st, OUT_OF_RANGE, code, v, 2 * 0xFFFF + 2)
    if v % 2:
        _fault(st, ODD_HALVES, code, v, 0)
    return v // 2


@lowers("tc_filter_set")
def _filter_set(st, pe, fid, code, a, b):
    _set(st, pe, np.int64(fid), np.int64(code), np.int64(a), np.int64(b))


@precompiled
def _set(st, pe, fid, code, a, b):
    c = _counter_color(st, pe, fid, code)
    if code <= 2:                    # set_active_limit, set_max_counter, set_counter
        if a < 0 or a > 0xFFFF:
            _fault(st, OUT_OF_RANGE, code, a, 0xFFFF)
        field = rf.F_B if code == 0 else (rf.F_MAX if code == 1 else rf.F_A)
        st.flt[pe, c, field] = a
        return
    n_pass, n_drop, state, value = _view(st, pe, c)
    if code == 3:
        value = _halves(st, a, code)
    elif code == 4:
        state = _state(st, a, code)
    elif code == 5:
        n_pass = _halves(st, a, code)
    elif code == 6:
        n_drop = _halves(st, a, code)
    else:                            # set_counter_and_state
        value = _halves(st, a, code)
        state = _state(st, b, code)
    st.flt[pe, c, rf.F_MAX] = n_pass - 1
    st.flt[pe, c, rf.F_B] = max(n_pass + n_drop - 1, 0)
    st.flt[pe, c, rf.F_A] = value if state == fp.PASS else n_pass + value


@precompiled
def _state(st, s, code):
    if s != fp.PASS and s != fp.DROP:
        _fault(st, BAD_STATE, code, s, 0)
    return s


@precompiled
def _view(st, pe, c):
    """(pass count, drop count, state, counter value) of a counter filter, in wavelets."""
    limit = np.int64(st.flt[pe, c, rf.F_B])
    top = np.int64(st.flt[pe, c, rf.F_MAX])
    counter = np.int64(st.flt[pe, c, rf.F_A])
    n_pass = min(top + 1, limit + 1)
    n_drop = limit + 1 - n_pass
    if counter < n_pass:
        return n_pass, n_drop, np.int64(fp.PASS), counter
    return n_pass, n_drop, np.int64(fp.DROP), counter - n_pass


@lowers("tc_filter_get")
def _filter_get(st, pe, fid, code):
    return _get(st, pe, np.int64(fid), np.int64(code))


@precompiled
def _get(st, pe, fid, code):
    c = _counter_color(st, pe, fid, code)
    n_pass, n_drop, state, value = _view(st, pe, c)
    if code == 8:
        return np.uint32(2 * value)
    if code == 9:
        return np.uint32(state)
    if code == 10:
        return np.uint32(2 * n_pass)
    return np.uint32(2 * n_drop)


def fault_message(fault: np.ndarray) -> str:
    """A filter fault (`faults.FILTER`) in words."""
    code, what = int(fault[faults.OPERAND]), int(fault[faults.LIMIT])
    value, other = int(fault[faults.VALUE]), int(fault[faults.ADDR])
    if code == GET_FILTER_ID:
        return (f"pw.get_filter_id(color {value}): color {value} has no filter on this PE; "
                "give it one (filter=pw.Filter(...) in its set_color_config or "
                "p.set_local_color_config)")
    fn = f"<tile_config> filters.{fp.FUNCTIONS[code]}"
    if what == NOT_AN_ID:
        ids = f"ids 0..{other - 1}" if other else "none"
        return (f"{fn}({value}): {value} is no filter of this PE (its filters: {ids}); pass "
                "pw.get_filter_id(color)")
    if what == RANGE_FILTER:
        return (f"{fn}({value}): filter {value} (color {other}) is a range filter; the "
                "filters functions work on counter and sparse_counter filters")
    if what == ODD_HALVES:
        return (f"{fn}: {value} half-wavelets is no whole number of wavelets (pywse moves "
                "32-bit wavelets, two halves each); pass an even count")
    if what == BAD_STATE:
        return (f"{fn}: state {value} is neither counter_filter_state.PASS (0) nor DROP "
                "(1)")
    return f"{fn}: {value} is out of range 0..{other}"


faults.register(faults.FILTER, fault_message)
