"""Wavelets as a test writes and reads them: values <-> 32-bit words, and `expect`'s verdict.

A wavelet carries one 32-bit word. 16-bit values (u16, i16, f16) travel in its low half, as
a fabout DSD of 16-bit elements sends them; 32-bit values (u32, i32, f32) fill it. A failed
`expect` reads like a test-sink report (PyMTL3's `TestSink`): which wavelet, what was
expected, what came, and at which cycle.
"""
from __future__ import annotations

import attrs
import numpy as np

from ..errors import PywseError
from ..types import type_name

WAVELET_TYPES = tuple(np.dtype(t) for t in (np.uint16, np.int16, np.float16,
                                            np.uint32, np.int32, np.float32))
ROWS_SHOWN = 8          # table rows around the first difference in an expect failure


class HarnessError(PywseError):
    """A harness call got bad input: an unknown task, symbol, PE, color or direction, a value
    that does not fit a wavelet, a send nothing would take."""


class ExpectError(PywseError, AssertionError):
    """What left a PE is not what the test expected (a failed `Harness.expect`). An
    AssertionError too, so pytest reports it as a failing test."""


def to_words(values, dtype, what: str) -> np.ndarray:
    """`values` as wavelet words. `dtype` (or an array's own 16/32-bit type) says how each
    value fills the wavelet; plain Python ints must fit 32 bits, Python floats go as f32."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise HarnessError(f"{what}: values must be a 1-D sequence, got shape {arr.shape}")
    if dtype is None:
        dtype = arr.dtype if arr.dtype in WAVELET_TYPES else (
            np.dtype(np.float32) if arr.dtype.kind == "f" else None)
    else:
        dtype = np.dtype(dtype)
        if dtype not in WAVELET_TYPES:
            raise HarnessError(f"{what}: dtype={dtype} is not a wavelet type; use one of "
                               f"{', '.join(type_name(t) for t in WAVELET_TYPES)}")
    if arr.dtype.kind not in "biuf":
        raise HarnessError(f"{what}: values must be numbers, got {arr.dtype}")
    if dtype is None or (dtype.kind in "iu" and arr.dtype.kind in "biu"):
        lo, hi = (-(1 << 31), (1 << 32) - 1) if dtype is None else \
            (np.iinfo(dtype).min, np.iinfo(dtype).max)
        bad = np.flatnonzero((arr < lo) | (arr > hi)) if len(arr) else []
        if len(bad):
            i = int(bad[0])
            kind = "a 32-bit wavelet" if dtype is None else f"a {type_name(dtype)} wavelet"
            raise HarnessError(f"{what}: value {arr[i]} (index {i}) does not fit {kind} "
                               f"({lo}..{hi}); pass dtype= or smaller values")
        if dtype is None:
            return (arr.astype(np.int64) & 0xFFFFFFFF).astype(np.uint32)
    elif dtype.kind in "iu" and arr.dtype.kind == "f":
        raise HarnessError(f"{what}: float values cannot go as {type_name(dtype)} wavelets; "
                           "pass integers or a float dtype")
    typed = arr.astype(dtype)
    bits = typed.view(np.uint16 if dtype.itemsize == 2 else np.uint32)
    return bits.astype(np.uint32)


def from_words(words: np.ndarray, dtype) -> np.ndarray:
    """Wavelet words as `dtype` values (16-bit types: the low half)."""
    dtype = np.dtype(dtype)
    words = np.asarray(words, np.int64).astype(np.uint32)
    if dtype.itemsize == 2:
        return (words & 0xFFFF).astype(np.uint16).view(dtype)
    return words.view(dtype)


@attrs.frozen
class Received:
    """Wavelets that left a PE on one color toward one direction: `values` in the type asked
    for, `cycles` the cycle each one left the PE's router, `control` flags."""

    values: np.ndarray
    cycles: np.ndarray
    control: np.ndarray

    def __len__(self) -> int:
        return len(self.values)


def expected_type(values, dtype):
    """How to read the received words to compare them with `values`."""
    if dtype is not None:
        return np.dtype(dtype)
    arr = np.asarray(values)
    if arr.dtype in WAVELET_TYPES:
        return arr.dtype
    if arr.dtype.kind == "f":
        return np.dtype(np.float32)
    return np.dtype(np.int32) if arr.size and arr.min() < 0 else np.dtype(np.uint32)


def verdict(where: str, expected, got: Received, *, arrival=None, now: int,
            rtol: float = 0.0, atol: float = 0.0) -> str | None:
    """None when `got` matches `expected` (and `arrival` deadlines), else the report."""
    exp = np.asarray(expected).reshape(-1)
    n = max(len(exp), len(got))
    deadlines = None
    if arrival is not None:
        deadlines = np.broadcast_to(np.asarray(arrival, np.int64), (len(exp),)) \
            if np.ndim(arrival) == 0 else np.asarray(arrival, np.int64)
        if len(deadlines) != len(exp):
            raise HarnessError(f"expect {where}: arrival= has {len(deadlines)} deadline(s) for "
                               f"{len(exp)} expected wavelet(s)")
    first, why = None, ""
    for i in range(n):
        if i >= len(exp):
            first, why = i, "an extra wavelet arrived"
        elif i >= len(got):
            first, why = i, "it never arrived"
        elif not _same(exp[i], got.values[i], rtol, atol):
            first, why = i, "a different value arrived"
        elif deadlines is not None and got.cycles[i] > deadlines[i]:
            first, why = i, f"it arrived later than expected (by cycle {deadlines[i]})"
        if first is not None:
            break
    if first is None:
        return None
    lines = [f"expect {where}: wavelet {first}: {why}",
             f"  {'#':>4}  {'expected':>12}  {'received':>12}  {'cycle':>7}"]
    lo = max(0, first - ROWS_SHOWN // 2)
    for i in range(lo, min(n, lo + ROWS_SHOWN)):
        e = _show(exp[i]) if i < len(exp) else "-"
        r, c = (_show(got.values[i]), str(int(got.cycles[i]))) if i < len(got) else ("-", "-")
        mark = ">" if i == first else " "
        lines.append(f"{mark} {i:>4}  {e:>12}  {r:>12}  {c:>7}")
    if n > lo + ROWS_SHOWN:
        lines.append(f"  ... {n - lo - ROWS_SHOWN} more")
    lines.append(f"expected {len(exp)} wavelet(s), {len(got)} left by cycle {now}")
    return "\n".join(lines)


def _same(e, r, rtol, atol) -> bool:
    if isinstance(r, np.floating) or np.asarray(e).dtype.kind == "f":
        e, r = float(e), float(r)
        return (np.isnan(e) and np.isnan(r)) or e == r or abs(e - r) <= atol + rtol * abs(e)
    return int(e) == int(r)


def _show(v) -> str:
    return f"{float(v):.7g}" if isinstance(v, (float, np.floating)) else str(int(v))
