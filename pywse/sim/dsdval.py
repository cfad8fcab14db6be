"""Run-time values of DSDs: what task bodies see, and the numba helpers that read them.

The simulator lowers each comptime descriptor a task captured (dsl/dsd.py) to a plain
namedtuple: a `MemDSD` holds a flat view of the PE's array plus offset/extents/strides, which
numba types as a tuple and plain Python reads as one; a `FabDSD` names a color and queue.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba.core import types as nbtypes
from numba.extending import overload, register_jitable

from ..dsl.dsd import FIFO, FabDesc, Fifo, MemDesc

MemDSD = namedtuple("MemDSD", "arr offset e0 s0 e1 s1 e2 s2 e3 s3")
"""Run-time value of a memory DSD (what task bodies see)."""

FabDSD = namedtuple("FabDSD", "kind color queue extent control")
"""Run-time value of a fabric DSD or FIFO: kind dsd.FABIN, FABOUT or FIFO (then `queue` is
the FIFO's index); see ops.K_FABIN/K_FABOUT/K_FIFO."""


DsrVal = namedtuple("DsrVal", "reg")
"""Run-time value of a DSR (dsl/dsr.py): its register, an int32 view of PE memory."""


def lower_mem(desc: MemDesc, flat: np.ndarray) -> MemDSD:
    """A memory DSD over `flat`, the PE's copy of `desc.var`."""
    e, s = desc.extents, desc.strides
    return MemDSD(flat, desc.offset, e[0], s[0], e[1], s[1], e[2], s[2], e[3], s[3])


def lower_fab(desc: FabDesc, queue: int) -> FabDSD:
    """A fabric DSD on the queue the compiler bound to its color."""
    return FabDSD(desc.kind, desc.color, queue, desc.extent, int(desc.control))


def lower_fifo(fifo: Fifo) -> FabDSD:
    return FabDSD(FIFO, -1, fifo.index, -1, 0)


def dsd_load(st, pe, reg, proto):
    """The current value of a mutable DSD (plain Python twin of the numba overload); a
    fabric one is `proto` (its color and queue) with the length kept in word E0."""
    if isinstance(proto, FabDSD):
        return FabDSD(proto.kind, proto.color, proto.queue, np.int64(reg.view(np.int32)[3]),
                      proto.control)
    base = st.mem_base[pe] + reg[0]
    arr = st.arena[base:base + reg[1]].view(proto.arr.dtype)
    r = reg.view(np.int32).astype(np.int64)     # offsets and strides may be negative
    return MemDSD(arr, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10])


@overload(dsd_load)
def _ol_dsd_load(st, pe, reg, proto):
    if isinstance(proto, nbtypes.BaseNamedTuple) and proto.instance_class is FabDSD:
        def fab(st, pe, reg, proto):
            return FabDSD(proto.kind, proto.color, proto.queue,
                          np.int64(reg.view(np.int32)[3]), proto.control)
        return fab
    np_type = np.dtype(str(proto.types[0].dtype)).type

    def impl(st, pe, reg, proto):
        base = st.mem_base[pe] + np.int64(reg[0])
        arr = st.arena[base:base + np.int64(reg[1])].view(np_type)
        r = reg.view(np.int32)                   # offsets and strides may be negative
        return MemDSD(arr, np.int64(r[2]), np.int64(r[3]), np.int64(r[4]),
                      np.int64(r[5]), np.int64(r[6]), np.int64(r[7]), np.int64(r[8]),
                      np.int64(r[9]), np.int64(r[10]))
    return impl


def dsd_store(st, pe, reg, d):
    """Write a DSD value back to its mutable DSD's fields in PE memory (plain Python twin of
    the numba overload); a fabric one keeps only its length."""
    if isinstance(d, FabDSD):
        reg.view(np.int32)[3] = d.extent
        return
    _store_mem(st, pe, reg, d)


@overload(dsd_store)
def _ol_dsd_store(st, pe, reg, d):
    if isinstance(d, nbtypes.BaseNamedTuple) and d.instance_class is FabDSD:
        def fab(st, pe, reg, d):
            reg.view(np.int32)[3] = d.extent
        return fab
    return lambda st, pe, reg, d: _store_mem(st, pe, reg, d)


@register_jitable
def _store_mem(st, pe, reg, d):
    addr = d.arr.ctypes.data - st.arena.ctypes.data - st.mem_base[pe]
    if addr < 0 or addr >= 0xFFFFFFFF:
        raise ValueError("a mutable DSD can only point into its own PE's memory")
    r = reg.view(np.int32)                       # offsets and strides may be negative
    r[0] = addr
    r[1] = d.arr.size * d.arr.itemsize
    r[2] = d.offset
    r[3] = d.e0
    r[4] = d.s0
    r[5] = d.e1
    r[6] = d.s1
    r[7] = d.e2
    r[8] = d.s2
    r[9] = d.e3
    r[10] = d.s3


@register_jitable
def dsd_length(d) -> int:
    return d.e0 * d.e1 * d.e2 * d.e3


@register_jitable
def dsd_addr(d, i):
    """Array index of element i (i0 fastest)."""
    if d.e1 == 1 and d.e2 == 1 and d.e3 == 1:
        return d.offset + i * d.s0
    i0 = i % d.e0
    r = i // d.e0
    i1 = r % d.e1
    r = r // d.e1
    i2 = r % d.e2
    i3 = r // d.e2
    return d.offset + i0 * d.s0 + i1 * d.s1 + i2 * d.s2 + i3 * d.s3


@register_jitable
def dsd_in_bounds(d) -> bool:
    n = d.arr.size
    lo = d.offset
    hi = d.offset
    if dsd_length(d) == 0:
        return True
    for e, s in ((d.e0, d.s0), (d.e1, d.s1), (d.e2, d.s2), (d.e3, d.s3)):
        step = (e - 1) * s
        if step < 0:
            lo += step
        else:
            hi += step
    return lo >= 0 and hi < n
