"""Data structure descriptors (DSDs) at comptime: what a program body declares.

`pw.mem1d(var, ...)` returns a `MemDesc` naming a `Var` symbolically; `pw.fabin`/`pw.fabout`
a `FabDesc`. When a task runs on a PE, the simulator lowers each to its run-time value
(sim/dsdval.py). The comptime mutators here (`increment_dsd_offset`, ...) have run-time twins
in sim/builtins.py.

Addressing (in elements of the array): element i of a DSD with extents (e0..e3) and strides
(s0..s3), innermost first, is `offset + i0*s0 + i1*s1 + i2*s2 + i3*s3` where (i0, i1, i2, i3)
unravels i with i0 fastest. A `mem1d` is the 4-D case with e1 = e2 = e3 = 1.
"""
from __future__ import annotations

import attrs
import numpy as np

from ..errors import ProgramError, caller_site
from ..types import color_id
from .symbols import Var

FABIN, FABOUT, FIFO = 3, 4, 5
"""Descriptor kinds, as the simulator encodes them (ops.K_FABIN / K_FABOUT / K_FIFO)."""


@attrs.frozen(eq=False)
class Fifo:
    """A FIFO over an array (CSL `@allocate_fifo`), from `p.fifo(var)`: one async op pushes
    into it while another pops; a push to a full FIFO or a pop from an empty one waits."""

    var: Var
    index: int


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
    site: object = attrs.field(default=None, eq=False, repr=False)   # where the user made it

    @property
    def length(self) -> int:
        return self.extent


def _fab(kind, color, extent, queue, control, what) -> FabDesc:
    try:
        cid = color_id(color)
    except (TypeError, ValueError):
        raise ProgramError(f"{what}: {color!r} is not a color 0..23") from None
    if not 0 <= int(extent) <= 0x7FFF:
        raise ProgramError(f"{what}: extent {extent} out of range 0..32767")
    q = None if queue is None else int(getattr(queue, "id", queue))
    if q is not None and not 0 <= q <= 7:
        raise ProgramError(f"{what}: queue {q} out of range 0..7")
    return FabDesc(kind, cid, int(extent), q, bool(control), caller_site())


def fabin(color, extent: int, queue=None, control_transform: bool = False) -> FabDesc:
    """Receive `extent` wavelets of `color` (CSL `fabin_dsd`); queue picked when omitted.
    `control_transform=True` is not supported yet (docs/semantics.md, "Control transform")."""
    _no_control_transform(control_transform, "pw.fabin")
    return _fab(FABIN, color, extent, queue, False, "pw.fabin")


def fabout(color, extent: int, queue=None, control: bool = False,
           control_transform: bool = False) -> FabDesc:
    """Send `extent` wavelets on `color` (CSL `fabout_dsd`); `control=True` sends control
    wavelets. The queue is picked when omitted. `control_transform=True` is not supported
    yet."""
    _no_control_transform(control_transform, "pw.fabout")
    return _fab(FABOUT, color, extent, queue, control, "pw.fabout")


def _no_control_transform(on, what: str) -> None:
    """CSL's `.control_transform`: received control wavelets become data words marked in
    their top two index bits, and a transforming fabout rebuilds them. The SDK documents
    neither the marks nor where `<tile_config>`'s control_transform mask applies, so pywse
    cannot reproduce the words a program would read (docs/semantics.md)."""
    if on:
        raise ProgramError(f"{what}(..., control_transform=True): CSL's `.control_transform` "
                           "is not supported yet: the SDK does not document how it marks a "
                           "control wavelet turned into data, so pywse cannot give the words "
                           "a program would read. Receive control wavelets with a control "
                           "task instead")


@attrs.frozen(eq=False)
class DsdVar:
    """A mutable DSD (CSL `var d = @get_dsd(...)`), from `p.dsd_var(desc)`.

    Its fields live in PE memory (the hidden var `reg`), so a task that reassigns it
    (`nonlocal d; d = pw.increment_dsd_offset(d, 1, pw.f32)`) changes what every task sees.
    A fabric one (fabin or fabout) keeps its color and queue from `initial`, as CSL fixes
    them at comptime; only its length changes (`pw.set_dsd_length`), kept in word E0.
    """

    initial: "MemDesc | FabDesc"
    reg: Var

    @property
    def fabric(self) -> bool:
        return isinstance(self.initial, FabDesc)

    @staticmethod
    def encode(desc: "MemDesc | FabDesc") -> list[int]:
        if isinstance(desc, FabDesc):
            return [0, 0, 0, desc.extent, 0, 0, 0, 0, 0, 0, 0]
        e, s = desc.extents, desc.strides
        return [desc.var.offset, desc.var.nbytes, desc.offset, e[0], s[0], e[1], s[1], e[2],
                s[2], e[3], s[3]]


DSD_REG_WORDS = 11


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
    """Point a DSD at the start of another array, keeping its extents and strides (CSL
    `@set_dsd_base_addr` replaces the base address, into which the DSD's offset is folded:
    the new DSD starts at element 0)."""
    if isinstance(dsd, MemDesc):
        return _replace(dsd, var=_check_var(arr, "pw.set_dsd_base_addr"), offset=0)
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
