"""What a run did that it should not: kept the fabric busy while a host command waited (a
livelock), or sent wavelets off the kernel where nothing receives them (lost); and the
record of a run's outputs that `pywse run --perturb` compares across seeds."""
from __future__ import annotations

import os

import numpy as np

from ..errors import MemcpyError
from ..sim import fabric

LIVELOCK_CYCLES = 10_000_000
"""A host command that waits this many cycles while the fabric keeps moving ends the run with
a `pw.LivelockError` (when neither `max_cycles` nor `PYWSE_MAX_CYCLES` sets a budget)."""
SHOWN = 3
SIDES = ("RAMP-out", "NORTH", "SOUTH", "EAST", "WEST")


def activity_lines(engine, before, cycles: int) -> list[str]:
    """What ran in the last `cycles` cycles (counters now minus `before`): the busiest tasks,
    PEs and colors, and busy PEs whose own sends come back to their CE."""
    rows, pes, colors = (now - then for now, then in zip(engine.activity(), before))
    lines = [f"what kept running in the last {cycles:,} cycles:"]
    top = [r for r in np.argsort(-rows, kind="stable")[:SHOWN] if rows[r]]
    if top:
        lines.append("  tasks: " + ", ".join(f"'{engine.row_name(r)}' ran {rows[r]:,} times"
                                             for r in top))
    busy = [p for p in np.argsort(-pes, kind="stable")[:SHOWN] if pes[p]]
    if busy:
        lines.append("  busiest PEs: " + ", ".join(
            f"PE {engine.pe_xy(int(p))} ({pes[p]:,} tasks)" for p in busy))
    hot = [c for c in np.argsort(-colors, kind="stable")[:SHOWN] if colors[c]]
    if hot:
        lines.append("  busiest colors: " + ", ".join(f"color {c} ({colors[c]:,} wavelets)"
                                                      for c in hot))
    for p in busy:
        c = _own_loop(engine, int(p))
        if c is not None:
            lines.append(f"  PE {engine.pe_xy(int(p))} re-triggers itself: its route on color {c} "
                         "takes its own sends (rx RAMP) back to its CE (tx RAMP)")
    if len(lines) == 1:
        lines.append("  only the fabric (wavelets moving, no task ran)")
    return lines


def _own_loop(engine, pe: int) -> int | None:
    st = engine.st
    ramp = fabric.DIR_BITS["RAMP"]
    for c in sorted(engine.image(pe).sent_colors()):
        n = int(st.sw_npos[pe, c])
        if any(st.sw_rx[pe, c, k] & ramp and st.sw_tx[pe, c, k] & ramp for k in range(n)):
            return c
    return None


def lost_report(engine) -> str | None:
    """The wavelets that left the kernel where nothing receives them, or None. PEs, sides
    and colors are named as the layout's route errors name them (an SdkLayout's: regions,
    `Route.*`, its Colors)."""
    lost = engine.count_lost()
    if not lost:
        return None
    names = engine.art.layout.route_names()
    total = sum(lost.values())
    places = sorted(lost.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{names.pe(*engine.pe_xy(pe))} toward {names.side(SIDES[d])} on "
                      f"{names.color(c, *engine.pe_xy(pe))}: {n}"
                      for (pe, d, c), n in places[:SHOWN])
    more = f", and {len(places) - SHOWN} more places" if len(places) > SHOWN else ""
    return (f"{total:,} wavelet(s) left {names.kernel} where nothing receives them and are "
            f"lost ({shown}{more}); compile with strict=True (or `pywse check --strict`) to "
            "see such routes before running (all but a PE's own sends on a route its row or "
            "column uses inside, which the lints take for unused at the edge)")


RECORDER: list | None = None
"""While a list (tools/perturb.py sets it), every host command that fills an array appends
(label, a copy of the array) when it finishes."""


def record(label: str, out) -> None:
    if RECORDER is not None and out is not None:
        RECORDER.append((label, np.array(out, copy=True)))


def perturb_seed(seed) -> int | None:
    """The perturbation seed: the argument, else `PYWSE_PERTURB`, else none."""
    source = "perturb"
    if seed is None:
        seed = os.environ.get("PYWSE_PERTURB", "").strip() or None
        source = "PYWSE_PERTURB"
        if seed is None:
            return None
    try:
        return int(seed)
    except (TypeError, ValueError):
        raise MemcpyError(f"{source}={seed!r}: a perturbation seed is a whole number") from None
