"""`<timer>`: numbered timers on the PE's timestamp counter (CSL-LIBRARIES §1.15).

    tm = p.import_module("<timer>", timerCount=2)     # or: from pywse.lib import timer
    took = p.var("took", pw.u16, 3)                    #     p.import_module(timer.library, ...)

    def work():                                        # in a task body
        tm.start(0)
        pw.fadds(d, d, d)
        tm.stop(0)
        tm.elapsed(0, took)            # the cycles between start and stop, as three u16

The timers read the counter `<time>` reads (one per PE, pywse's clock: docs/semantics.md),
so `<timer>` and `<time>` agree to the cycle: an elapsed time is exactly what pywse charged
between the two calls. `timerType` is `[3]u16`, as in CSL.

What pywse assumes (the SDK says only "the elapsed time is stored in result in an internal
format"): `elapsed(id, result)` stores the cycle count stop - start (modulo 2**48, as the
48-bit counter wraps), least significant word first, the layout of `<time>` stamps, so the
host reads it with `make_u48`; a timer still running counts to now; a timer never started
counts from 0. A timer id outside 0..timerCount-1 stops the task with an error naming the
call's line. The timers read the counter whether or not `<time>.enable_tsc()` ran (before any
enable it counts from the start of the run, as `<time>`'s does in pywse).
"""
from __future__ import annotations

from ..dsl import primitives as prim
from ..dsl.modules import library
from ..errors import ProgramError
from ..types import u16, u32

TIMER_TYPE_WORDS = 3


def _store(words, k, t):
    """The 48-bit counter value `t` as three u16 at words[3k..3k+2], low word first."""
    words[3 * k] = t & 0xFFFF
    words[3 * k + 1] = (t >> 16) & 0xFFFF
    words[3 * k + 2] = (t >> 32) & 0xFFFF


def _difference(later, earlier, k, result):
    """result = later[k] - earlier[k] over three u16 words each, with borrows (mod 2**48)."""
    borrow = u32(0)
    for w in range(3):
        d = u32(later[3 * k + w]) - u32(earlier[3 * k + w]) - borrow
        result[w] = d & 0xFFFF
        borrow = (d >> 16) & 1


@library("<timer>")
def timer(p, *, timerCount):
    """The `<timer>` module: `timerCount` timers; its functions are helpers for task bodies."""
    if isinstance(timerCount, bool) or not isinstance(timerCount, int) or timerCount < 1:
        raise ProgramError(f"<timer>: timerCount must be a positive integer, got "
                           f"{timerCount!r}")
    timerType = (u16, TIMER_TYPE_WORDS)     # noqa: N806  (CSL's name: a [3]u16)
    starts = p.var("starts", u16, TIMER_TYPE_WORDS * timerCount)
    stops = p.var("stops", u16, TIMER_TYPE_WORDS * timerCount)
    running = p.var("running", u16, timerCount)
    count = timerCount

    def start(timerId):  # noqa: N803  (CSL's names)
        """Start timer `timerId` at the counter's present value."""
        if timerId < 0 or timerId >= count:
            raise ValueError("<timer>.start: the timer id is outside 0..timerCount-1")
        _store(starts, timerId, prim.tsc_read())
        running[timerId] = 1

    def stop(timerId):  # noqa: N803
        """Stop timer `timerId`: its elapsed time stays what it is now."""
        if timerId < 0 or timerId >= count:
            raise ValueError("<timer>.stop: the timer id is outside 0..timerCount-1")
        _store(stops, timerId, prim.tsc_read())
        running[timerId] = 0

    def elapsed(timerId, result):  # noqa: N803
        """Store timer `timerId`'s cycles (stop - start, or now - start while it runs) in
        `result`, a [3]u16 var, least significant word first."""
        if timerId < 0 or timerId >= count:
            raise ValueError("<timer>.elapsed: the timer id is outside 0..timerCount-1")
        if running[timerId] != 0:
            _store(stops, timerId, prim.tsc_read())
        _difference(stops, starts, timerId, result)

    return dict(timerType=timerType, timerCount=timerCount, start=start, stop=stop,
                elapsed=elapsed)


library = timer
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(timer.library,
timerCount=...)`)."""
