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
    if not isinstance(array, np.ndarray) or array.dtype.itemsize != 4:
        got = array.dtype if isinstance(array, np.ndarray) else type(array).__name__
        raise MemcpyError(f"{what}: the host array must be a numpy array of 4-byte elements "
                          f"(uint32, int32 or float32; 16-bit data goes in the low half of each "
                          f"word, see pywse.sdk_utils.input_array_to_u32), got {got}")
    flat = array.reshape(-1)
    if n is not None and not 1 <= n <= flat.size:
        raise MemcpyError(f"{what}: cannot receive {n} words into an array of {flat.size}; "
                          "give 1 <= n <= the array's size")
    if n is None and flat.size == 0:
        raise MemcpyError(f"{what}: nothing to send (the array is empty)")
    return flat.view(np.uint32)


class StreamSend:
    def __init__(self, engine, spec, array, what: str):
        self.engine, self.spec = engine, spec
        self.words = _words(array, what).copy()
        self.pes = np.array([engine.pe_index(spec.x, spec.y)])

    def start(self) -> None:
        self.engine.start_h2d(self.spec.index, self.spec.color, self.pes, self.words[None, :],
                              into_router=True)

    def done(self) -> bool:
        return self.engine.h2d_done(self.spec.index, self.pes)

    def progress(self) -> str:
        left = int(self.engine.st.h2d_left[self.pes[0], self.spec.index])
        return f"{self.words.size - left} of {self.words.size} words entered the fabric"


class StreamReceive:
    def __init__(self, engine, spec, array, n: int, what: str):
        self.engine, self.spec, self.n = engine, spec, int(n)
        self.out = _words(array, what, self.n)
        self.pes = np.array([engine.pe_index(spec.x, spec.y)])

    def start(self) -> None:
        self.engine.start_d2h(self.spec.index, self.spec.color, self.pes, self.n)

    def done(self) -> bool:
        words = self.engine.d2h_result(self.spec.index, self.pes, self.n)
        if words is None:
            return False
        self.out[:self.n] = words.reshape(-1)
        return True

    def progress(self) -> str:
        got = int(self.engine.st.d2h_done[self.pes[0], self.spec.index])
        return f"{got} of {self.n} words arrived"
