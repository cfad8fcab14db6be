"""A progress bar (simulated cycles) for long host waits, shown on a terminal only."""
from __future__ import annotations

import os
import sys
import time


class Progress:
    """A progress bar (simulated cycles) for host waits longer than `AFTER_SECONDS`: shown
    only on a terminal and never when `CI` is set, so logs and tests stay clean."""

    AFTER_SECONDS = 2.0

    def __init__(self):
        self._since: float | None = None
        self._bar = None

    def update(self, cycles: int) -> None:
        now = time.perf_counter()
        if self._since is None:
            self._since = now
        if self._bar is None and now - self._since > self.AFTER_SECONDS and self.enabled():
            from tqdm import tqdm
            self._bar = tqdm(desc="pywse", unit=" cycles", unit_scale=True, leave=False)
        if self._bar is not None:
            self._bar.update(cycles - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
        self._bar = self._since = None

    @staticmethod
    def enabled() -> bool:
        return sys.stderr.isatty() and not os.environ.get("CI")
