"""`<time>`: the PE's timestamp counter (CSL `@import_module("<time>")`).

    tsc = p.import_module("<time>")           # or: from pywse.lib import time
    start = p.var("start", pw.u16, tsc.tsc_size_words)   #     p.import_module(time.library)

    @p.export
    def f_tic():
        tsc.enable_tsc()                      # starts at 0 (SDK >= 1.1 clears it)
        tsc.get_timestamp(start)              # 48 bits as three u16, least significant first

The counter counts the PE's clock cycles since `enable_tsc()`, read at the point of the task
body where the call is, so two stamps differ by exactly what pywse charged in between (DSD
ops, task switches, idle time: docs/semantics.md); a stopped counter keeps its value. Before
any enable it counts from the start of the run (the SDK does not say; this lets `<debug>`'s
`trace_timestamp` work without one, as topic-12 expects). There is one counter per PE, as on
the hardware: every module that imports `<time>` on a PE reads and drives the same one (a
sync module may enable it, the kernel read it). These functions cost what any helper costs (a
call and `get_timestamp`'s stores after its read; docs/semantics.md, "Timing"); reading the
counter itself is free.

`get_perf_cntr` (the hardware performance counters) is not supported yet, and calling it says
so when the program is compiled: no csl-example calls it and its events are not documented.

On the host, `make_u48(words)` turns stamps back into cycle counts, as the benchmarks'
run.py do: `make_u48(buf)` for one `[3]u16` stamp or an array whose last axis holds them.
"""
from __future__ import annotations

import numpy as np

from ..dsl import primitives as prim
from ..dsl.modules import library

TSC_SIZE_WORDS = 3


@library("<time>")
def time(p):
    """The `<time>` module: its functions are helpers for task bodies."""
    tsc_size_words = TSC_SIZE_WORDS

    def enable_tsc():
        """Start the counter at 0."""
        prim.tsc_enable()

    def disable_tsc():
        """Stop the counter; it keeps its value."""
        prim.tsc_disable()

    def reset_tsc_counter():
        """Set the counter to 0 (it keeps running if it was)."""
        prim.tsc_reset()

    get_perf_cntr = prim.get_perf_cntr      # a call is a compile error: not supported yet

    def get_timestamp(result):
        """Store the counter's 48 bits in `result` (a [3]u16 var), least significant first."""
        t = prim.tsc_read()
        result[0] = t & 0xFFFF
        result[1] = (t >> 16) & 0xFFFF
        result[2] = (t >> 32) & 0xFFFF

    return locals()


library = time
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(time.library)`)."""


def make_u48(words) -> int | np.ndarray:
    """Cycles from `<time>` stamps: w[0] + (w[1] << 16) + (w[2] << 32) over the last axis
    (three u16, or three 32-bit memcpy words holding a u16 each); an int for one stamp."""
    w = np.asarray(words)
    if w.shape[-1:] != (3,):
        raise ValueError(f"make_u48: a timestamp is 3 words (tsc_size_words), got shape "
                         f"{w.shape}")
    w = w.astype(np.int64) & 0xFFFF
    out = w[..., 0] + (w[..., 1] << 16) + (w[..., 2] << 32)
    return int(out) if out.ndim == 0 else out
