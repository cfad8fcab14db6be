"""`<debug>`: record values in a per-PE trace buffer; the host reads them after the run.

    trace = p.import_module("<debug>", key="trace", buffer_size=100, name="trace")

    @p.data_task(iq)
    def recv(x: pw.u32):
        trace.trace_string("Start recv")      # a comptime string
        trace.trace_u32(x)
        trace.trace_timestamp()               # the PE's timestamp counter (<time>)

and on the host, after `runner.stop()`, with fabric coordinates as the SDK takes them:

    from pywse.lib.debug_util import debug_util   # cerebras.sdk.debug.debug_util's twin
    debug_util(out_dir).read_trace(4 + x, 1 + y, "trace")   # ['Start recv', 0, 1234, ...]

The buffer is an ordinary array in the PE's memory, `<instance>._debug_<key>`: a word that
holds the number of words used (low half) and the key's number (high half), then
`buffer_size` 32-bit words of records. Each record takes one header word (a type tag and up
to 16 bits of value) and, for 32-bit values, strings and timestamps, one more word. Recording
costs what its calls cost (helper calls and their statements), like any code. A record that
does not fit stops the task with an error naming the key and the buffer size: nothing is ever
written past the buffer. Two imports on one PE need their own `name=` and their own `key`.

`read_trace` gives the records in order: strings as str, bools as bool, integers as int,
f16/f32 as float, timestamps as int cycle counts (48 bits). `trace_timestamp` reads the
counter `<time>` drives, which runs from the start of the run until a program stops it.
"""
from __future__ import annotations

import re
import weakref

import numpy as np

from .. import types as pwt
from ..dsl import primitives as prim
from ..dsl.modules import library
from ..errors import ProgramError

TAGS = prim.NUMBER_TYPES + ("string", "timestamp")
(BOOL, U8, I8, U16, I16, F16, U32, I32, F32, STRING, TIMESTAMP) = range(1, len(TAGS) + 1)
TWO_WORDS = (U32, I32, F32, STRING, TIMESTAMP)
BUFFER = "_debug_"
_KEY = re.compile(r"\w+", re.ASCII)
_KEYS_ON = weakref.WeakKeyDictionary()     # builder (one PE's program) -> its keys


class TraceFull(IndexError):
    """Raised by a task body when a record does not fit its `<debug>` buffer; its arguments
    are numbers (compiled code raises it with run-time values): the key's number in KEYS and
    the buffer's size in words."""

    def __str__(self) -> str:
        key, size = self.args
        return (f"the <debug> trace '{KEYS[key]}' is full ({size} words); import it with a "
                "larger buffer_size")


KEYS: list[str] = []
"""Every key a `<debug>` import used in this process: TraceFull names a key by its index."""


def _key_number(key: str) -> int:
    if key not in KEYS:
        KEYS.append(key)
    return KEYS.index(key)


def _where(p) -> str:
    """For errors only: reading p.x makes the program's image depend on its coordinates."""
    return f"<debug> on PE ({p.x}, {p.y})"


@library("<debug>")
def debug(p, *, key: str, buffer_size: int):
    """The `<debug>` module: trace helpers for task bodies, one buffer per import."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise ProgramError(f"{_where(p)}: key {key!r} must be a name of letters, digits and "
                           "underscores (the host reads the trace by it)")
    if not isinstance(buffer_size, (int, np.integer)) or not 1 <= buffer_size <= 0xFFFF:
        raise ProgramError(f"{_where(p)}: buffer_size must be a number of words from 1 to "
                           f"65535, got {buffer_size!r}")
    keys = _KEYS_ON.setdefault(p, set())
    if key in keys:
        raise ProgramError(f"{_where(p)}: two <debug> imports use key '{key}'; give each its "
                           "own key (the host reads a trace by PE and key)")
    keys.add(key)
    # all in one array (the helpers' captured values become arguments of every task that
    # calls them, and a compiled task takes a limited number of arguments)
    head = _key_number(key) << 16
    buf = p.var(BUFFER + key, pwt.u32, int(buffer_size) + 1, init=[head] + [0] * buffer_size)

    def put(tag, value):
        """One word: the tag and 16 bits of value."""
        n = (int(buf[0]) & 0xFFFF) + 1
        if n + 1 > buf.size:
            raise TraceFull(int(buf[0]) >> 16, buf.size - 1)
        buf[n] = (tag << 16) | (value & 0xFFFF)
        buf[0] = buf[0] + 1

    def put2(tag, high, word):
        """Two words: the tag with 16 high bits, then a 32-bit word."""
        n = (int(buf[0]) & 0xFFFF) + 1
        if n + 2 > buf.size:
            raise TraceFull(int(buf[0]) >> 16, buf.size - 1)
        buf[n] = (tag << 16) | (high & 0xFFFF)
        buf[n + 1] = word & 0xFFFFFFFF
        buf[0] = buf[0] + 2

    def trace_bool(x):
        put(BOOL, int(x))

    def trace_u8(x):
        put(U8, int(x) & 0xFF)

    def trace_i8(x):
        put(I8, int(x) & 0xFF)

    def trace_u16(x):
        put(U16, int(x))

    def trace_i16(x):
        put(I16, int(x))

    def trace_f16(x):
        put(F16, int(prim.f16_bits(x)))

    def trace_u32(x):
        put2(U32, 0, int(x))

    def trace_i32(x):
        put2(I32, 0, int(x))

    def trace_f32(x):
        put2(F32, 0, int(prim.f32_bits(x)))

    def trace_string(s):
        """A comptime string (recorded as a number; the host reads the text)."""
        put2(STRING, 0, prim.string_id(s))

    def trace(x):
        """Any number, recorded as its type (an untyped integer as i32, a float as f32)."""
        tag = prim.number_kind(x) + 1        # TAGS begins with prim.NUMBER_TYPES
        if tag == F32:
            put2(F32, 0, int(prim.f32_bits(x)))
        elif tag == F16:
            put(F16, int(prim.f16_bits(x)))
        elif tag == U32 or tag == I32:
            put2(tag, 0, int(x))
        else:
            put(tag, int(x))

    def trace_timestamp():
        """The PE's timestamp counter, 48 bits."""
        t = prim.tsc_read()
        put2(TIMESTAMP, t >> 32, t)

    return {name: fn for name, fn in locals().items() if name.startswith("trace")}


library = debug
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(debug.library)`)."""


# -- the host side: decoding a PE's buffers ------------------------------------------------------

def decode(words: np.ndarray, strings) -> list:
    """The records of one trace buffer's used words, as Python values (`strings(k)` gives
    the text of string number k)."""
    out, n = [], 0
    words = np.asarray(words, np.uint32)
    while n < len(words):
        tag, low = int(words[n]) >> 16, int(words[n]) & 0xFFFF
        if not 1 <= tag <= len(TAGS):
            raise ValueError(f"word {n} of a <debug> trace has no record tag ({words[n]:#x})")
        word = int(words[n + 1]) if tag in TWO_WORDS else 0
        n += 2 if tag in TWO_WORDS else 1
        if tag == BOOL:
            out.append(bool(low))
        elif tag in (U8, U16):
            out.append(low)
        elif tag == I8:
            out.append(int(np.int8(np.uint8(low & 0xFF))))
        elif tag == I16:
            out.append(int(np.uint16(low).view(np.int16)))
        elif tag == F16:
            out.append(float(np.uint16(low).view(np.float16)))
        elif tag == U32:
            out.append(word)
        elif tag == I32:
            out.append(int(np.uint32(word).view(np.int32)))
        elif tag == F32:
            out.append(float(np.uint32(word).view(np.float32)))
        elif tag == STRING:
            out.append(strings(word))
        else:
            out.append((low << 32) | word)       # TIMESTAMP
    return out


def traces_of(engine, pes=None) -> dict[tuple[int, int], dict[str, list]]:
    """The `<debug>` traces in an engine, of every PE or of the PE indices `pes`:
    {(x, y) in the kernel: {key: records}}."""
    from ..sim.primitives import string_of
    found: dict[tuple[int, int], dict[str, list]] = {}
    for pe in range(engine.width * engine.height) if pes is None else pes:
        image = engine.image(pe)
        for var in image.vars:
            leaf = var.name.rpartition(".")[2]
            if not leaf.startswith(BUFFER):
                continue
            words = engine.view(pe, var, flat=True)
            found.setdefault(engine.pe_xy(pe), {})[leaf[len(BUFFER):]] = \
                decode(words[1:1 + (int(words[0]) & 0xFFFF)], string_of)
    return found
