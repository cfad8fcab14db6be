"""SdkLayout host streams: `runtime.send(stream, array)` and `runtime.receive(stream, array, n)`.

A stream is attached to a one-PE port. Sent words enter the port PE's router as if they
came across the port's edge, and its route takes them on; words the port PE sends out of
the region are collected for `receive`. Each stream runs on its own, beside the memcpy
command stream and the other streams (so two sends that feed one kernel can both be under
way, as sdklayout-05 needs); the calls on one stream run in order.
"""
from __future__ import annotations

import numpy as np

from ..errors import MemcpyError
from .memcpy import host_copy


def stream_spec(artifacts, stream, kind: str, what: str):
    """The compiled record of `stream` (a Stream from the layout, or its compiled spec)."""
    if getattr(stream, "kind", None) not in ("input", "output") or not hasattr(stream, "index"):
        raise MemcpyError(f"{what}: expected a stream from layout.create_{kind}_stream, got "
                          f"{stream!r}")
    if stream.kind != kind:
        verb = "send" if stream.kind == "input" else "receive"
        raise MemcpyError(f"{what}: {stream!r} is an {stream.kind} stream; use runtime.{verb}")
    for spec in artifacts.streams:
        if spec.kind == kind and spec.index == stream.index:
            return spec
    raise MemcpyError(f"{what}: {stream!r} is not part of the loaded program (its layout has "
                      f"{sum(s.kind == kind for s in artifacts.streams)} {kind} streams)")


def _words(array, what: str, n: int | None = None) -> np.ndarray:
    """The array's words, flat, as uint32: a view of it where one exists (any 1-D array, a
    C-contiguous one), else None (a copy would be needed)."""
    if not isinstance(array, np.ndarray) or array.dtype.itemsize != 4:
        got = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise MemcpyError(f"{what}: the host array must be a numpy array of 4-byte elements "
                          f"(uint32, int32 or float32; 16-bit data goes in the low half of each "
                          f"word, see pywse.sdk_utils.input_array_to_u32), got {got}")
    if n is not None and not 1 <= n <= array.size:
        raise MemcpyError(f"{what}: cannot receive {n} words into an array of {array.size}; "
                          "give 1 <= n <= the array's size")
    if n is None and array.size == 0:
        raise MemcpyError(f"{what}: nothing to send (the array is empty)")
    if array.ndim <= 1 or array.flags.c_contiguous:
        return array.reshape(-1).view(np.uint32)
    return None


SEND_FIX = ("send without nonblock=True (a blocking send reads your array in place as the "
            "fabric takes it), send the data in smaller pieces one after another, or preload "
            "it (set_symbol_all)")


class StreamSend:
    """`send`: the words enter the port PE's router one per cycle, read from the host's array
    as the fabric takes them. A nonblocking send keeps its own copy (the caller may reuse
    its array), a blocking one reads the caller's array in place."""

    def __init__(self, engine, spec, array, what: str, copy: bool = False):
        self.engine, self.spec = engine, spec
        words = _words(array, what)
        if words is None:          # not contiguous: copied, flat
            words = host_copy(array, what, "the host array is not contiguous: sending it "
                              "needs a flat copy of", SEND_FIX).reshape(-1).view(np.uint32)
        elif copy:
            words = host_copy(words, what, "a nonblocking send keeps its own copy of the "
                              "words until the fabric has taken them:", SEND_FIX)
        engine.check_stream(1, words.size, what)
        self.words = words
        self.pes = np.array([engine.pe_index(spec.x, spec.y)])

    def start(self) -> None:
        self.engine.start_h2d(self.spec.index, self.spec.color, self.pes,
                              self.words[None, None, :], into_router=True)

    def done(self) -> bool:
        return self.engine.h2d_done(self.spec.index, self.pes)

    def progress(self) -> str:
        left = int(self.engine.st.h2d_left[self.pes[0], self.spec.index])
        return f"{self.words.size - left} of {self.words.size} words entered the fabric"


class StreamReceive:
    """`receive`: the port PE's words go straight into the host's array as they arrive (a
    non-contiguous array gets them at the end, through a flat buffer)."""

    def __init__(self, engine, spec, array, n: int, what: str):
        self.engine, self.spec, self.n = engine, spec, int(n)
        self.array = array
        self.out = _words(array, what, self.n)
        self.buffered = self.out is None
        if self.buffered:
            self.out = np.empty(self.n, np.uint32)
        engine.check_stream(1, self.n, what)
        self.pes = np.array([engine.pe_index(spec.x, spec.y)])

    def start(self) -> None:
        self.engine.start_d2h(self.spec.index, self.spec.color, self.pes,
                              self.out[None, None, :self.n])

    def done(self) -> bool:
        if not self.engine.d2h_finish(self.spec.index, self.pes):
            return False
        if self.buffered:
            self.array.flat[:self.n] = self.out.view(self.array.dtype)
        return True

    def progress(self) -> str:
        got = int(self.engine.st.d2h_done[self.pes[0], self.spec.index])
        return f"{got} of {self.n} words arrived"
