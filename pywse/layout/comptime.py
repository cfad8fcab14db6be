"""A bound on a program's comptime: a program whose comptime (the @pw.program function run
for a PE) takes longer than `COMPTIME_SECONDS` (env `PYWSE_COMPTIME_SECONDS`) stops with a
`pw.ResourceError` naming the program and the PE, instead of hanging the compile.

The bound is a wall-clock alarm (SIGALRM), so it applies in the main thread of a Unix
process; elsewhere comptime runs unbounded.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading

from ..errors import ResourceError

COMPTIME_SECONDS = 60.0


def bound() -> float:
    value = os.environ.get("PYWSE_COMPTIME_SECONDS", "").strip()
    try:
        return float(value) if value else COMPTIME_SECONDS
    except ValueError:
        raise ResourceError(f"PYWSE_COMPTIME_SECONDS={value!r}: give a number of seconds") from None


class ComptimeLimit:
    """Installed once around a compile's comptime runs; `run(what)` bounds one of them."""

    def __init__(self):
        self.seconds = bound()
        self.on = self.seconds > 0 and hasattr(signal, "setitimer") and \
            threading.current_thread() is threading.main_thread()
        self.what = ""

    @contextlib.contextmanager
    def installed(self):
        if not self.on:
            yield self
            return
        previous = signal.signal(signal.SIGALRM, self._expired)
        try:
            yield self
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    @contextlib.contextmanager
    def run(self, what: str):
        """Raise a ResourceError in the block if it runs past the bound; `what` names the
        program and PE."""
        if not self.on:
            yield
            return
        self.what = what
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _expired(self, signum, frame):
        raise ResourceError(f"{self.what}: comptime ran longer than {self.seconds:g} s "
                            "(PYWSE_COMPTIME_SECONDS): a loop that never ends at comptime, or "
                            "work that belongs in a task; raise the bound if it is just slow")
