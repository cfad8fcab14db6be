"""What the internal primitives of the SDK's libraries do (signatures: dsl/primitives.py).

The PE's timestamp counter and the simulator's print log are hardware and simulator
facilities, not PE code, so they live here, next to the builtins. Both read the PE's clock at
the point of the task body where they are called (`cycle_now`): the cycle the task started
(the scheduler's `task_start`, or later if a blocking op let the clock run on), plus the task
switch, plus what the task has been charged so far. It is the very figure `finish_task` uses
to free the CE, so two stamps differ by exactly what the engine charged between them, the same
compiled and as plain Python.

The timestamp counter is one per PE (`st.tsc`), whatever module enables or reads it, as on
the hardware: [running?, the cycle it started at (running) or its value (stopped)]. It runs
from the start of the run until a program stops it.

The print log (`<simprint>`) is the simulator's, not the PE's: text goes, through numba's
object mode, to a `Console` per engine (this module's `CONSOLES`, by engine id), which ends a
line at each "\\n" and stamps it with the PE and the cycle of the call that ended it. Each
print costs the platform's `simprint` cycles after its stamp: topic-13's sim.log shows the
SDK's simulator charging a print far more than an instruction (docs/semantics.md, Timing).
"""
from __future__ import annotations

import numba
import numpy as np
from numba.core import types as nbtypes
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable
from numba.np.numpy_support import as_dtype

from ..dsl import primitives as prim
from . import cslops, ops
from .builtins import lowers
from .costs import C_SIMPRINT, C_TASK_SWITCH

RUNNING, VALUE = 0, 1


@register_jitable
def cycle_now(st, pe):
    """PE `pe`'s clock at this point of the task it is running."""
    return max(st.task_start[pe], st.now[0]) + st.cost[C_TASK_SWITCH] + st.cycles[pe]


# -- the timestamp counter (<time>) -------------------------------------------------------------

@lowers("tsc_enable")
def _tsc_enable(st, pe):
    """Start the counter at 0 (the SDK's enable_tsc clears it since 1.1)."""
    st.tsc[pe, RUNNING] = 1
    st.tsc[pe, VALUE] = cycle_now(st, pe)


@lowers("tsc_disable")
def _tsc_disable(st, pe):
    """Stop the counter: it keeps the value it has."""
    if st.tsc[pe, RUNNING]:
        st.tsc[pe, VALUE] = cycle_now(st, pe) - st.tsc[pe, VALUE]
        st.tsc[pe, RUNNING] = 0


@lowers("tsc_reset")
def _tsc_reset(st, pe):
    """Set the counter to 0; a running counter goes on counting from there."""
    st.tsc[pe, VALUE] = cycle_now(st, pe) if st.tsc[pe, RUNNING] else 0


@lowers("tsc_read")
def _tsc_read(st, pe):
    """The counter's 48 bits."""
    value = st.tsc[pe, VALUE]
    if st.tsc[pe, RUNNING]:
        value = cycle_now(st, pe) - value
    return np.int64(value) & prim.MAX_TSC


# -- raw bits of numbers (<debug>) --------------------------------------------------------------

@lowers("f32_bits")
def _f32_bits(st, pe, x):
    return ops.f32_bits(st, x)


@lowers("f16_bits")
def _f16_bits(st, pe, x):
    return np.uint16(cslops.f32_to_f16_bits(np.float32(x)))


_NUMBER_KIND = {np.dtype(t): k for k, t in enumerate(
    (np.bool_, np.uint8, np.int8, np.uint16, np.int16, np.float16, np.uint32, np.int32,
     np.float32))}
_NUMBER_KIND.update({np.dtype(np.int64): prim.NUMBER_TYPES.index("i32"),
                     np.dtype(np.float64): prim.NUMBER_TYPES.index("f32")})


def _kind_of(x):
    return _NUMBER_KIND[np.asarray(x).dtype]


@overload(_kind_of)
def _ol_kind_of(x):
    kind = _NUMBER_KIND.get(as_dtype(x)) if isinstance(x, (nbtypes.Number, nbtypes.Boolean)) \
        else None
    if kind is None:
        raise TypingError(f"<debug>'s trace takes a number, not {x}")
    return lambda x: kind


@lowers("number_kind")
def _number_kind(st, pe, x):
    return _kind_of(x)


# -- the simulator's print log (<simprint>) and comptime strings --------------------------------

class Console:
    """One run's simprint output: each PE's unfinished line and the lines it ended."""

    def __init__(self):
        self.pending: dict[int, list[str]] = {}
        self.lines: list[tuple[int, int, str]] = []     # (cycle, PE index, text)

    def write(self, pe: int, cycle: int, text: str) -> None:
        buf = self.pending.setdefault(pe, [])
        *ended, rest = text.split("\n")
        for part in ended:
            buf.append(part)
            self.lines.append((cycle, pe, "".join(buf)))
            buf.clear()
        if rest:
            buf.append(rest)


CONSOLES: dict[int, Console] = {}
"""engine id -> its Console (made at the first print)."""
STRINGS: list[str] = []
"""comptime strings a task body handed to `string_id`, numbered for this process."""
_STRING_IDS: dict[str, int] = {}
_FORMATS: dict[str, list] = {}


def console_of(engine_id: int) -> Console:
    return CONSOLES.setdefault(int(engine_id), Console())


def string_of(k: int) -> str:
    """The string `string_id` numbered `k`."""
    return STRINGS[k]


def _string_id(s) -> int:
    s = str(s)
    k = _STRING_IDS.get(s)
    if k is None:
        k = _STRING_IDS[s] = len(STRINGS)
        STRINGS.append(s)
    return k


def _value_text(kind: int, x) -> str:
    if kind in (prim.F16, prim.F32):
        return str(np.float16(float(x)) if kind == prim.F16 else np.float32(float(x)))
    bits = 16 if kind in (prim.U16_DEC, prim.U16_HEX, prim.U16_BIN) else 32
    v = int(x) & ((1 << bits) - 1)
    if kind in (prim.U16_DEC, prim.U32_DEC):
        return str(v)
    if kind in (prim.U16_HEX, prim.U32_HEX):
        return f"{v:0{bits // 4}X}"
    return f"{v:0{bits}b}"


def _formatted(fstr, values) -> str:
    pieces = _FORMATS.get(fstr)
    if pieces is None:
        pieces = _FORMATS[fstr] = prim.parse_format(str(fstr))
    values = values if isinstance(values, tuple) else (values,)
    out, k = [], 0
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
            continue
        v = values[k]
        k += 1
        if piece[0] == "f":
            out.append(str(np.float32(float(v))))
        elif piece[0] == "d":
            out.append(str(int(v)))
        elif piece[0] == "X":
            out.append(f"{int(v) & 0xFFFFFFFF:X}")
        else:
            out.append(f"{int(v) & 0xFFFFFFFF:b}")
    return "".join(out)


def _put_text(engine_id, pe, cycle, s) -> None:
    console_of(engine_id).write(int(pe), int(cycle), str(s).split("\0")[0])


def _put_value(engine_id, pe, cycle, kind, x) -> None:
    console_of(engine_id).write(int(pe), int(cycle), _value_text(int(kind), x))


def _put_format(engine_id, width, pe, cycle, mode, fstr, values) -> None:
    text = _formatted(fstr, values)
    if mode == 2:
        text = f"PE({int(pe) % int(width)},{int(pe) // int(width)}): {text}"
    console_of(engine_id).write(int(pe), int(cycle), text + ("" if mode == 1 else "\n"))


@lowers("string_id")
def _lower_string_id(st, pe, s):
    with numba.objmode(k="int64"):
        k = _string_id(s)
    return k


@register_jitable
def _stamp(st, pe):
    """The cycle a print is stamped with, the cycle it is reached; then its cost (the
    platform's `simprint`, fitted on topic-13's sim.log: costs.py) is charged."""
    t = cycle_now(st, pe)
    st.cycles[pe] += st.cost[C_SIMPRINT]
    return t


@lowers("console_text")
def _console_text(st, pe, s):
    eid, t = st.config[2], _stamp(st, pe)
    with numba.objmode():
        _put_text(eid, pe, t, s)


@lowers("console_value")
def _console_value(st, pe, kind, x):
    eid, t = st.config[2], _stamp(st, pe)
    with numba.objmode():
        _put_value(eid, pe, t, kind, x)


@register_jitable
def _fmt(st, pe, mode, fstr, values):
    eid, width, t = st.config[2], st.config[1], _stamp(st, pe)
    with numba.objmode():
        _put_format(eid, width, pe, t, mode, fstr, values)


@lowers("simprint_fmt")
def _simprint_fmt(st, pe, fstr, values):
    _fmt(st, pe, 0, fstr, values)


@lowers("simprint_fmt_no_nl")
def _simprint_fmt_no_nl(st, pe, fstr, values):
    _fmt(st, pe, 1, fstr, values)


@lowers("simprint_fmt_with_coords")
def _simprint_fmt_with_coords(st, pe, fstr, values):
    _fmt(st, pe, 2, fstr, values)
