"""`pw.map` (CSL `@map`): the parts of the loop the task compiler (jit.py) writes at a map's
call site, for both modes."""
from __future__ import annotations

from numba.core import types as nbtypes
from numba.extending import overload, register_jitable

from . import cslops, faults
from .builtins import _address, _dsd_fault, lowers
from .costs import C_DSD_START
from .dsdval import MemDSD, dsd_addr, dsd_in_bounds

# -- @map (CSL `@map(callback, inputs..., output)`) --------------------------------------------------
# The task compiler (jit.py) writes a map as a loop at its call site: operands evaluated once,
# their lengths and bounds checked, the cost charged, then per element the callback called on
# the next element of every DSD input (one-element vars pass as pointers, numbers as they are)
# and its result stored in the output. These helpers are that loop's parts, for both modes.

@lowers("map")
def _map_start(st, pe, n):
    """Charge a map of `n` elements: one cycle per element plus a DSD op's start-up, as a DSD
    op of SIMD width 1 (the callback's own statements and DSD ops charge their own cycles)."""
    st.cycles[pe] += n + st.cost[C_DSD_START]


def map_len(n, x):
    """The map's length so far `n` (-1: none yet) with operand `x`: the shortest DSD."""
    if isinstance(x, MemDSD):
        m = x.e0 * x.e1 * x.e2 * x.e3
        return m if n < 0 or m < n else n
    return n


@overload(map_len)
def _ol_map_len(n, x):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is MemDSD:
        def impl(n, x):
            m = x.e0 * x.e1 * x.e2 * x.e3
            return m if n < 0 or m < n else n
        return impl
    return lambda n, x: n


def map_check(st, x, operand):
    """A DSD operand of a map must lie inside its array (the fault names it, sim/faults.py)."""
    if isinstance(x, MemDSD):
        _map_check_mem(st, x, operand)


@overload(map_check)
def _ol_map_check(st, x, operand):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is MemDSD:
        return lambda st, x, operand: _map_check_mem(st, x, operand)
    return lambda st, x, operand: None


@register_jitable
def _map_check_mem(st, x, operand):
    if not dsd_in_bounds(x):
        st.fault[faults.OPERAND] = operand
        _dsd_fault(st, _address(st, x.arr), x.arr.size, x.offset, x.e0, x.s0, x.e1, x.s1,
                   x.e2, x.s2, x.e3, x.s3)
        raise IndexError("DSD reaches outside its array")


def map_get(x, i):
    """What the callback gets from operand `x` for element `i`: a DSD's element; a
    one-element var itself (a CSL pointer); a number as it is."""
    if isinstance(x, MemDSD):
        return x.arr[dsd_addr(x, i)]
    return x


@overload(map_get)
def _ol_map_get(x, i):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is MemDSD:
        return lambda x, i: x.arr[dsd_addr(x, i)]
    return lambda x, i: x


def map_put(x, i, v):
    """Store the callback's result for element `i`: in a DSD's element, or in a one-element
    var (each result replaces the last: a reduction's running value)."""
    if isinstance(x, MemDSD):
        x.arr[dsd_addr(x, i)] = cslops.store_cast(x.arr, v)
    else:
        x[0] = cslops.store_cast(x, v)


@overload(map_put)
def _ol_map_put(x, i, v):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is MemDSD:
        def impl(x, i, v):
            x.arr[dsd_addr(x, i)] = v
        return impl

    def pointer(x, i, v):
        x[0] = v
    return pointer
