"""Data structure descriptors (DSDs): comptime descriptions and their run-time values.

At comptime `pw.mem1d(var, ...)` returns a `MemDesc` naming a `Var` symbolically. When a task
runs on a PE, each `MemDesc` it captured is lowered to a `MemDSD`: a plain namedtuple holding a
flat view of the PE's array plus offset/extents/strides, which numba types as a tuple and
plain Python reads as one. The same mutators (`increment_dsd_offset`, ...) work on both.

Addressing (in elements of the array): element i of a DSD with extents (e0..e3) and strides
(s0..s3), innermost first, is `offset + i0*s0 + i1*s1 + i2*s2 + i3*s3` where (i0, i1, i2, i3)
unravels i with i0 fastest. A `mem1d` is the 4-D case with e1 = e2 = e3 = 1.
"""
from __future__ import annotations

from collections import namedtuple

import attrs
import numpy as np
from numba.extending import overload, register_jitable

from .errors import ProgramError
from .program import Var

MemDSD = namedtuple("MemDSD", "arr offset e0 s0 e1 s1 e2 s2 e3 s3")
"""Run-time value of a memory DSD (what task bodies see)."""

FabDSD = namedtuple("FabDSD", "kind color queue extent control")
"""Run-time value of a fabric DSD or FIFO: kind 3 = fabin, 4 = fabout, 5 = FIFO (then `queue`
is the FIFO's index); see ops.K_FABIN/K_FABOUT/K_FIFO."""
FABIN, FABOUT, FIFO = 3, 4, 5


@attrs.frozen(eq=False)
class Fifo:
    """A FIFO over an array (CSL `@allocate_fifo`), from `p.fifo(var)`: one async op pushes
    into it while another pops; a push to a full FIFO or a pop from an empty one waits."""

    var: Var
    index: int

    def lower(self) -> FabDSD:
        return FabDSD(FIFO, -1, self.index, -1, 0)


@attrs.frozen
class MemDesc:
    """A comptime memory DSD over `var` (lowered per PE to a `MemDSD`)."""

    var: Var
    offset: int
    extents: tuple[int, int, int, int]
    strides: tuple[int, int, int, int]

    @property
    def length(self) -> int:
        e = self.extents
        return e[0] * e[1] * e[2] * e[3]

    def lower(self, flat: np.ndarray) -> MemDSD:
        e, s = self.extents, self.strides
        return MemDSD(flat, self.offset, e[0], s[0], e[1], s[1], e[2], s[2], e[3], s[3])


@attrs.frozen
class FabDesc:
    """A comptime fabric DSD: `extent` wavelets in (fabin) or out (fabout) on `color`.

    `queue` None means: the compiler binds a free queue to the color (never a memcpy one).
    """

    kind: int
    color: int
    extent: int
    queue: int | None = None
    control: bool = False

    @property
    def length(self) -> int:
        return self.extent

    def lower(self, queue: int) -> FabDSD:
        return FabDSD(self.kind, self.color, queue, self.extent, int(self.control))


def _fab(kind, color, extent, queue, control, what) -> FabDesc:
    from .types import color_id
    try:
        cid = color_id(color)
    except (TypeError, ValueError):
        raise ProgramError(f"{what}: {color!r} is not a color 0..23") from None
    if not 0 <= int(extent) <= 0x7FFF:
        raise ProgramError(f"{what}: extent {extent} out of range 0..32767")
    q = None if queue is None else int(getattr(queue, "id", queue))
    if q is not None and not 0 <= q <= 7:
        raise ProgramError(f"{what}: queue {q} out of range 0..7")
    return FabDesc(kind, cid, int(extent), q, bool(control))


def fabin(color, extent: int, queue=None) -> FabDesc:
    """Receive `extent` wavelets of `color` (CSL `fabin_dsd`); queue picked when omitted."""
    return _fab(FABIN, color, extent, queue, False, "pw.fabin")


def fabout(color, extent: int, queue=None, control: bool = False) -> FabDesc:
    """Send `extent` wavelets on `color` (CSL `fabout_dsd`); `control=True` sends control
    wavelets. The queue is picked when omitted."""
    return _fab(FABOUT, color, extent, queue, control, "pw.fabout")


@attrs.frozen(eq=False)
class DsdVar:
    """A mutable memory DSD (CSL `var d = @get_dsd(...)`), from `p.dsd_var(desc)`.

    Its fields live in PE memory (the hidden var `reg`), so a task that reassigns it
    (`nonlocal d; d = pw.increment_dsd_offset(d, 1, pw.f32)`) changes what every task sees.
    """

    initial: MemDesc
    reg: Var

    @staticmethod
    def encode(desc: MemDesc) -> list[int]:
        e, s = desc.extents, desc.strides
        return [desc.var.offset, desc.var.nbytes, desc.offset, e[0], s[0], e[1], s[1], e[2],
                s[2], e[3], s[3]]


DSD_REG_WORDS = 11


def dsd_load(st, pe, reg, proto):
    """The current value of a mutable DSD (plain Python twin of the numba overload)."""
    base = st.mem_base[pe] + reg[0]
    arr = st.arena[base:base + reg[1]].view(proto.arr.dtype)
    r = reg.astype(np.int64)
    return MemDSD(arr, r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10])


@overload(dsd_load)
def _ol_dsd_load(st, pe, reg, proto):
    np_type = np.dtype(str(proto.types[0].dtype)).type

    def impl(st, pe, reg, proto):
        base = st.mem_base[pe] + np.int64(reg[0])
        arr = st.arena[base:base + np.int64(reg[1])].view(np_type)
        return MemDSD(arr, np.int64(reg[2]), np.int64(reg[3]), np.int64(reg[4]),
                      np.int64(reg[5]), np.int64(reg[6]), np.int64(reg[7]), np.int64(reg[8]),
                      np.int64(reg[9]), np.int64(reg[10]))
    return impl


@register_jitable
def dsd_store(st, pe, reg, d):
    """Write a DSD value back to its mutable DSD's fields in PE memory."""
    addr = d.arr.ctypes.data - st.arena.ctypes.data - st.mem_base[pe]
    if addr < 0 or addr >= 0xFFFFFFFF:
        raise ValueError("a mutable DSD can only point into its own PE's memory")
    reg[0] = addr
    reg[1] = d.arr.size * d.arr.itemsize
    reg[2] = d.offset
    reg[3] = d.e0
    reg[4] = d.s0
    reg[5] = d.e1
    reg[6] = d.s1
    reg[7] = d.e2
    reg[8] = d.s2
    reg[9] = d.e3
    reg[10] = d.s3


def _check_var(arr, what) -> Var:
    if not isinstance(arr, Var):
        raise ProgramError(f"{what} needs an array declared with p.var/p.const, got {arr!r}")
    return arr


def _check_fits(desc: MemDesc, what: str) -> MemDesc:
    lo, hi = dsd_span(desc.offset, desc.extents, desc.strides)
    if desc.length > 0 and (lo < 0 or hi >= desc.var.size):
        raise ProgramError(f"{what} over '{desc.var.name}' (size {desc.var.size}) reaches element "
                           f"{lo if lo < 0 else hi}: check extent, offset and stride")
    return desc


def mem1d(arr: Var, extent: int | None = None, offset: int = 0, stride: int = 1) -> MemDesc:
    """A 1-D memory DSD: elements `arr.flat[offset + i*stride]` for i < extent.

    `extent` defaults to the elements that fit from `offset` with `stride` (CSL's
    `tensor_access = |i|{extent} -> arr[offset + stride*i]`).
    """
    var = _check_var(arr, "pw.mem1d")
    if extent is None:
        extent = var.size if stride == 0 else max(0, (var.size - offset + abs(stride) - 1) // abs(stride)) \
            if stride > 0 else (offset // -stride + 1)
    desc = MemDesc(var, int(offset), (int(extent), 1, 1, 1), (int(stride), 0, 0, 0))
    if not 0 <= desc.extents[0] <= 0x7FFF:
        raise ProgramError(f"pw.mem1d over '{var.name}': extent {extent} out of range 0..32767")
    return _check_fits(desc, "pw.mem1d")


def mem4d(arr: Var, extents, strides, offset: int = 0) -> MemDesc:
    """A memory DSD with up to 4 nested loops; extents/strides innermost first."""
    var = _check_var(arr, "pw.mem4d")
    extents, strides = tuple(int(e) for e in extents), tuple(int(s) for s in strides)
    if not 1 <= len(extents) <= 4 or len(extents) != len(strides):
        raise ProgramError(f"pw.mem4d over '{var.name}': give 1 to 4 extents and as many strides")
    pad = 4 - len(extents)
    desc = MemDesc(var, int(offset), extents + (1,) * pad, strides + (0,) * pad)
    return _check_fits(desc, "pw.mem4d")


def dsd_span(offset, extents, strides):
    """Lowest and highest element address a DSD touches."""
    lo = hi = offset
    for e, s in zip(extents, strides):
        if e > 0:
            lo += min(0, (e - 1) * s)
            hi += max(0, (e - 1) * s)
    return lo, hi


# -- helpers shared by comptime and run time (plain Python that numba compiles) ------------

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


# -- mutators (CSL @increment_dsd_offset and friends) --------------------------------------

def _replace(d, **kw):
    if isinstance(d, MemDesc):
        new = attrs.evolve(d, **kw)
        return _check_fits(new, "DSD mutator")
    raise TypeError("not a DSD")


def increment_dsd_offset(dsd, n, dtype):
    """Move a DSD's start by `n` elements of `dtype` (CSL `@increment_dsd_offset`)."""
    if isinstance(dsd, MemDesc):
        step = _element_step(np.dtype(dtype).itemsize, dsd.var.dtype.itemsize)
        return _replace(dsd, offset=dsd.offset + n * step)
    raise ProgramError(f"pw.increment_dsd_offset needs a memory DSD, got {dsd!r}")


def set_dsd_base_addr(dsd, arr):
    """Point a DSD at another array, keeping its shape (CSL `@set_dsd_base_addr`)."""
    if isinstance(dsd, MemDesc):
        return _replace(dsd, var=_check_var(arr, "pw.set_dsd_base_addr"))
    raise ProgramError(f"pw.set_dsd_base_addr needs a memory DSD, got {dsd!r}")


def set_dsd_length(dsd, n):
    """Change a 1-D DSD's extent (CSL `@set_dsd_length`)."""
    if isinstance(dsd, MemDesc):
        return _replace(dsd, extents=(int(n),) + dsd.extents[1:])
    raise ProgramError(f"pw.set_dsd_length needs a memory DSD, got {dsd!r}")


def set_dsd_stride(dsd, s):
    """Change a 1-D DSD's stride (CSL `@set_dsd_stride`)."""
    if isinstance(dsd, MemDesc):
        return _replace(dsd, strides=(int(s),) + dsd.strides[1:])
    raise ProgramError(f"pw.set_dsd_stride needs a memory DSD, got {dsd!r}")


def _element_step(type_size, elem_size):
    if type_size % elem_size:
        raise ProgramError(f"cannot step a DSD of {elem_size}-byte elements by {type_size}-byte units")
    return type_size // elem_size
