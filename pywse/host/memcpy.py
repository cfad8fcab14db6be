"""memcpy: host tensors <-> exported symbols (copy mode) or wavelets (streaming mode).

The host tensor is `A[h][w][l]` (h rows, w columns of PEs, l elements each). ROW_MAJOR is its
C order (l fastest); COL_MAJOR its Fortran order (h fastest, then w, then l), as the SDK's
own examples use it. With MEMCPY_16BIT the host array is 32-bit, one element per 16-bit
value: the low half goes in (a `MemcpyWarning` if an upper half was not zero: it is lost),
and comes back zero-extended. Every check runs before any byte moves, so a bad call writes
nothing.
"""
from __future__ import annotations

import enum

import numba
import numpy as np

from ..dsl.symbols import Var
from ..errors import MemcpyError, MemcpyWarning, ResourceError, caller_site, warn_at_user
from ..sim import state


class MemcpyDataType(enum.Enum):
    """The element width of a copy-mode memcpy (the SDK's): 32-bit words, or 16-bit values
    each carried in a 32-bit host element. A streamed wavelet always carries 32 bits."""

    MEMCPY_32BIT = 32
    MEMCPY_16BIT = 16


class MemcpyOrder(enum.Enum):
    """How a host tensor `A[h][w][l]` is laid out (the SDK's): ROW_MAJOR is its C order (l
    fastest), COL_MAJOR its Fortran order (h fastest)."""

    ROW_MAJOR = 0
    COL_MAJOR = 1


def check_region(engine, px, py, w, h, what: str) -> np.ndarray:
    """PE indices (h, w) of the rectangle, or a MemcpyError naming the overflow."""
    for name, v in (("px", px), ("py", py), ("w", w), ("h", h)):
        if not isinstance(v, (int, np.integer)):
            raise MemcpyError(f"{what}: {name}={v!r} must be an integer")
    if w < 1 or h < 1 or px < 0 or py < 0 or px + w > engine.width or py + h > engine.height:
        raise MemcpyError(f"{what}: region x={px}..{px + w - 1}, y={py}..{py + h - 1} is outside "
                          f"the {engine.width}x{engine.height} kernel (coordinates are relative "
                          "to the kernel's north-west PE)")
    ys, xs = np.mgrid[py:py + h, px:px + w]
    return ys * engine.width + xs


def _check_enums(data_type, order, what):
    if not isinstance(data_type, MemcpyDataType):
        raise MemcpyError(f"{what}: data_type must be a MemcpyDataType, got {data_type!r}")
    if not isinstance(order, MemcpyOrder):
        raise MemcpyError(f"{what}: order must be a MemcpyOrder, got {order!r}")


def symbol_addresses(engine, name: str, pes: np.ndarray, elems: int, data_type, what: str,
                     exported: bool = True) -> tuple[np.ndarray, int]:
    """Byte address of element 0 of `name` on each PE in `pes`, and the element size."""
    width = data_type.value // 8
    addr = np.empty(pes.shape, np.int64)
    for k in np.unique(engine.pe_image[pes]):
        image = engine.images[k]
        var: Var | None = image.symbol(name)
        sel = engine.pe_image[pes] == k
        x, y = engine.pe_xy(int(pes[sel].flat[0]))
        where = f"{what}: symbol '{name}' on PE ({x}, {y}) [program {image.program.name}]"
        if var is None:
            raise MemcpyError(f"{where} does not exist; symbols there: "
                              f"{', '.join(v.name for v in image.vars if v.export) or 'none exported'}")
        if exported and not var.export:
            raise MemcpyError(f"{where} is not exported; declare it with p.var(..., export=True)")
        if var.dtype.itemsize != width:
            want = "MEMCPY_16BIT" if var.dtype.itemsize == 2 else "MEMCPY_32BIT"
            raise MemcpyError(f"{where} has {8 * var.dtype.itemsize}-bit elements; use "
                              f"data_type=MemcpyDataType.{want}")
        if elems > var.size:
            raise MemcpyError(f"{where} holds {var.size} elements; {elems} per PE requested")
        addr[sel] = engine.mem_base[pes[sel]] + var.offset
    return addr, width


def _host_words(arr, n: int, data_type, what: str, out: bool) -> np.ndarray:
    """The host array as a flat uint32 view (checked: numpy, 4-byte elements, n long)."""
    if not isinstance(arr, np.ndarray):
        raise MemcpyError(f"{what}: the host buffer must be a numpy array, got {type(arr).__name__}")
    if arr.dtype.itemsize != 4:
        hint = (" (MEMCPY_16BIT host arrays are 32-bit, one element per 16-bit value: use "
                "pywse.sdk_utils.input_array_to_u32 / memcpy_view)"
                if data_type is MemcpyDataType.MEMCPY_16BIT else "")
        raise MemcpyError(f"{what}: host array has dtype {arr.dtype}; memcpy needs 4-byte "
                          f"elements (float32, int32, uint32){hint}")
    if arr.size != n:
        raise MemcpyError(f"{what}: host array has {arr.size} elements; the region needs "
                          f"w*h*elem_per_pe = {n}")
    if out and not (arr.flags.c_contiguous and arr.flags.writeable):
        raise MemcpyError(f"{what}: the destination array must be writeable and C-contiguous")
    return np.ascontiguousarray(arr).reshape(-1).view(np.uint32)


def _tensor(flat: np.ndarray, h: int, w: int, l: int, order: MemcpyOrder) -> np.ndarray:
    return flat.reshape((h, w, l), order="C" if order is MemcpyOrder.ROW_MAJOR else "F")


# Host tensors in COL_MAJOR order have h fastest: walking one PE's words would stride
# through the whole tensor, so those copies go in tiles of TILE words across neighbouring PEs.
TILE = 16


@numba.njit(cache=True)
def _scatter(dst, word_addr, src, mask, tiled):
    """dst[word_addr[i, j] + k] = src[i, j, k] & mask: one run of words per PE. Returns the
    bits the mask dropped, OR-ed together (0: nothing was lost)."""
    h, w, n = src.shape
    seen = np.uint32(0)
    if not tiled:
        for i in range(h):
            for j in range(w):
                base = word_addr[i, j]
                for k in range(n):
                    v = src[i, j, k]
                    dst[base + k] = v & mask
                    seen |= v
        return seen & ~mask
    for k0 in range(0, n, TILE):
        k1 = min(k0 + TILE, n)
        for j in range(w):
            for i in range(h):
                base = word_addr[i, j]
                for k in range(k0, k1):
                    v = src[i, j, k]
                    dst[base + k] = v & mask
                    seen |= v
    return seen & ~mask


@numba.njit(cache=True)
def _gather(out, word_addr, src, tiled):
    """out[i, j, k] = src[word_addr[i, j] + k] (16-bit words come back zero-extended)."""
    h, w, n = out.shape
    if not tiled:
        for i in range(h):
            for j in range(w):
                base = word_addr[i, j]
                for k in range(n):
                    out[i, j, k] = src[base + k]
        return
    for k0 in range(0, n, TILE):
        k1 = min(k0 + TILE, n)
        for j in range(w):
            for i in range(h):
                base = word_addr[i, j]
                for k in range(k0, k1):
                    out[i, j, k] = src[base + k]


def copy_cycles(costs, channels: int, w: int, h: int, l: int, order: MemcpyOrder,
                broadcast: str = "") -> int:
    """Device cycles of a copy-mode memcpy of `l` words per PE over a `w` x `h` region.

    The SDK moves a copy through its I/O channels, each about 7 Gbit/s: the region's rows are
    shared among min(channels, io_channels_useful, h) channels, so the busiest channel carries
    ceil(h / that) rows of w * l words, at 32 * clock_mhz / io_channel_mbit_s cycles a word
    (a ROW_MAJOR tensor whose C and Fortran orders differ: row_major_pct of that), after
    `memcpy_start` cycles, and the last word then crosses the region (hop * (w + h)). A
    broadcast carries one line only: `rows` (memcpy_h2d_rowbcast: one column of h x l words,
    copied along every row by the fabric) or
    `cols` (memcpy_h2d_colbcast: one row of w x l words, through one channel, copied down every
    column). An analytic charge: words do not move through routers (costs.py has each
    constant's source)."""
    shared = max(1, min(channels, costs.io_channels_useful, h))
    if broadcast == "rows":
        words = -(-h // shared) * l
    elif broadcast == "cols":
        words = w * l
    else:
        words = -(-h // shared) * w * l
    reordered = order is MemcpyOrder.ROW_MAJOR and sorted((w, h, l))[1] > 1   # not also F order
    pct = costs.row_major_pct if reordered else 100
    per_word = 32 * costs.clock_mhz * pct
    channel = -(-words * per_word // (costs.io_channel_mbit_s * 100))
    return costs.memcpy_start + channel + costs.hop * (w + h)


class TimedCopy:
    """A copy-mode command: its data moves when it starts (pywse copies memory at once) and
    it is done once its transfer time (`copy_cycles`) has passed on the device's clock;
    `until` tells the runtime when, so an idle device waits for it."""

    cycles = 0
    until: int | None = None

    def start(self) -> None:
        self.move()
        self.until = self.engine.now + self.cycles

    def done(self) -> bool:
        return self.until is not None and self.engine.now >= self.until


class CopyH2D(TimedCopy):
    """`memcpy_h2d` in copy mode, validated at issue time, applied when its turn comes.
    A nonblocking call keeps a copy of the host tensor, so the caller may reuse its array."""

    def __init__(self, engine, name, src, px, py, w, h, l, data_type, order, what,
                 copy: bool = False, broadcast: str = ""):
        _check_enums(data_type, order, what)
        pes = check_region(engine, px, py, w, h, what)
        addr, self.width = symbol_addresses(engine, name, pes, l, data_type, what)
        self.word_addr = addr // self.width
        self.cycles = copy_cycles(engine.costs, engine.art.channels, w, h, l, order, broadcast)
        words = _tensor(_host_words(src, w * h * l, data_type, what, out=False), h, w, l, order)
        self.data = words.copy(order="K") if copy else words
        self.engine = engine
        self.what, self.name, self.origin = what, name, (px, py)
        self.host_dtype = src.dtype                     # checked above: 4-byte elements
        self.site = caller_site() if self.width == 2 else None    # the user's memcpy_h2d

    def move(self) -> None:
        st = self.engine.st
        tiled = not self.data.flags.c_contiguous
        if self.width == 2:
            if _scatter(st.arena16, self.word_addr, self.data, np.uint32(0xFFFF), tiled):
                lost = self._lost()
                if lost:
                    warn_at_user(MemcpyWarning(lost), self.site)
        else:
            _scatter(st.arena32, self.word_addr, self.data, np.uint32(0xFFFFFFFF), tiled)

    def _lost(self) -> str:
        """What a 16-bit copy dropped: how many values do not fit 16 bits, and the first
        ('' if none: a signed host array's negative values fit i16 if they are >= -2**15)."""
        if self.host_dtype.kind == "i":
            signed = self.data.view(np.int32)
            bad = (signed < -(1 << 15)) | (signed >= 1 << 16)
        else:
            bad = self.data >= 1 << 16
        if not bad.any():
            return ""
        i, j, k = (int(v) for v in np.argwhere(bad)[0])
        x, y = self.origin[0] + j, self.origin[1] + i
        return (f"{self.what}: {int(bad.sum())} of {bad.size} value(s) for 16-bit symbol "
                f"'{self.name}' do not fit 16 bits (the first: {self.data.view(self.host_dtype)[i, j, k]}, "
                f"element {k} of PE ({x}, {y})); MEMCPY_16BIT stores the low half of each host "
                "word and drops the upper half. Pass values below 2**16 "
                "(pywse.sdk_utils.input_array_to_u32 packs 16-bit data), or use a 32-bit "
                "symbol and MEMCPY_32BIT")


class CopyD2H(TimedCopy):
    """`memcpy_d2h` in copy mode: reads when its turn comes, into the caller's array."""

    def __init__(self, engine, dest, name, px, py, w, h, l, data_type, order, what):
        _check_enums(data_type, order, what)
        pes = check_region(engine, px, py, w, h, what)
        addr, self.width = symbol_addresses(engine, name, pes, l, data_type, what)
        self.word_addr = addr // self.width
        self.out = _tensor(_host_words(dest, w * h * l, data_type, what, out=True), h, w, l, order)
        self.cycles = copy_cycles(engine.costs, engine.art.channels, w, h, l, order)
        self.engine = engine

    def move(self) -> None:
        st = self.engine.st
        _gather(self.out, self.word_addr, st.arena16 if self.width == 2 else st.arena32,
                not self.out.flags.c_contiguous)


def stream_channel(engine, color, direction: str, what: str) -> int:
    """Which of memcpy's four streams (MEMCPYH2D_1..4 / MEMCPYD2H_1..4) `color` is."""
    info = engine.art.layout.memcpy_info
    colors = {} if info is None else {n: c for n, c in info.colors.items() if direction in n}
    for name, c in colors.items():
        if c == int(color):
            return int(name[-1]) - 1
    raise MemcpyError(f"{what}(streaming=True): color {int(color)} is not a memcpy {direction} "
                      f"stream color; those are {', '.join(f'{n}={c}' for n, c in colors.items())}"
                      " (set them with layout.memcpy(MEMCPY..._n=color))")


def host_copy(words: np.ndarray, what: str, why: str, fix: str) -> np.ndarray:
    """A copy of `words` that a command keeps (`why` says what for), refused with a
    ResourceError before anything is allocated if this machine lacks the memory for it."""
    need, have = 4 * words.size, state.available_bytes()
    if have is not None and need > have:
        raise ResourceError(f"{what}: {why} {words.size:,} words ({state.size_text(need)}), "
                            f"and this machine has {state.size_text(have)} available. "
                            f"Instead: {fix}")
    return words.copy(order="K")


class StreamH2D:
    """Streaming `memcpy_h2d`: each PE of the region receives its elements as wavelets on
    `color`, down its RAMP, in order. Done once every wavelet is in the PEs' input queues.
    The words are read from the host tensor as the PEs take them; a nonblocking call
    (`copy`) keeps its own copy of the tensor, so the caller may reuse its array."""

    def __init__(self, engine, color, src, px, py, w, h, l, data_type, order, what,
                 copy: bool = False):
        _check_enums(data_type, order, what)
        self.k = stream_channel(engine, color, "H2D", what)
        self.pes = check_region(engine, px, py, w, h, what).ravel()
        words = _tensor(_host_words(src, w * h * l, data_type, what, out=False), h, w, l, order)
        if copy:
            words = host_copy(words, what, "a nonblocking streaming memcpy_h2d keeps its own "
                              "copy of the tensor until the PEs have taken it:",
                              "call it without nonblock=True (a blocking call reads your "
                              "array in place), stream smaller pieces one after another, or "
                              "copy the data in with copy mode (streaming=False)")
        engine.check_stream(len(self.pes), l, what)
        self.words = words
        self.color, self.engine = int(color), engine

    def start(self) -> None:
        self.engine.start_h2d(self.k, self.color, self.pes, self.words)

    def done(self) -> bool:
        return self.engine.h2d_done(self.k, self.pes)

    def progress(self) -> str:
        """How far it got, for a DeadlockError: in all and per PE."""
        got = self.words.shape[2] - self.engine.st.h2d_left[self.pes, self.k]
        return (f"{got.sum()} of {self.words.size} wavelet(s) delivered; "
                + per_pe(self.engine, self.pes, got, self.words.shape[2], "got"))


class StreamD2H:
    """Streaming `memcpy_d2h`: collects `l` wavelets that each PE of the region sends on
    `color` (its D2H stream), placed in the host array by the tensor order as they arrive."""

    def __init__(self, engine, dest, color, px, py, w, h, l, data_type, order, what):
        _check_enums(data_type, order, what)
        self.k = stream_channel(engine, color, "D2H", what)
        self.pes = check_region(engine, px, py, w, h, what).ravel()
        self.out = _tensor(_host_words(dest, w * h * l, data_type, what, out=True), h, w, l, order)
        engine.check_stream(len(self.pes), l, what)
        self.color, self.l, self.engine = int(color), l, engine

    def start(self) -> None:
        self.engine.start_d2h(self.k, self.color, self.pes, self.out)

    def done(self) -> bool:
        return self.engine.d2h_finish(self.k, self.pes)

    def progress(self) -> str:
        """How far it got, for a DeadlockError: in all and per PE."""
        got = self.engine.st.d2h_done[self.pes, self.k]
        return (f"{got.sum()} of {self.l * len(self.pes)} wavelet(s) received; "
                + per_pe(self.engine, self.pes, got, self.l, "sent"))


def per_pe(engine, pes: np.ndarray, got: np.ndarray, want: int, verb: str,
           listed: int = 4) -> str:
    """'PE (0, 0) got 3 of 8' for one PE; else how many PEs are complete and the first few
    that are not ('2 of 6 PE(s) got all 4; short: PE (0, 0) got 1, PE (1, 0) got 0, ...')."""
    if len(pes) == 1:
        x, y = engine.pe_xy(int(pes[0]))
        return f"PE ({x}, {y}) {verb} {got[0]} of {want}"
    short = np.flatnonzero(got < want)
    text = f"{len(pes) - len(short)} of {len(pes)} PE(s) {verb} all {want}"
    if len(short):
        named = []
        for i in short[:listed].tolist():
            x, y = engine.pe_xy(int(pes[i]))
            named.append(f"PE ({x}, {y}) {verb} {got[i]}")
        more = f", ... and {len(short) - listed} more" if len(short) > listed else ""
        text += "; short: " + ", ".join(named) + more
    return text


def broadcast_source(src, px, py, w, h, l, order, rows: bool, what: str) -> np.ndarray:
    """Expand a row/column broadcast source to the full (h, w, l) host tensor."""
    if not isinstance(src, np.ndarray) or src.dtype.itemsize != 4:
        raise MemcpyError(f"{what}: the host buffer must be a numpy array of 4-byte elements")
    n = (h if rows else w) * l
    if src.size != n:
        raise MemcpyError(f"{what}: host array has {src.size} elements; a "
                          f"{'column (h*elem_per_pe)' if rows else 'row (w*elem_per_pe)'} needs {n}")
    fortran = order is MemcpyOrder.COL_MAJOR
    flat = np.ascontiguousarray(src).reshape(-1)
    line = flat.reshape((h, 1, l) if rows else (1, w, l), order="F" if fortran else "C")
    full = np.broadcast_to(line, (h, w, l))
    return np.ascontiguousarray(full).reshape(-1, order="F" if fortran else "C")
