"""`pywse run --perturb N`: run a host script unperturbed, then under N perturbation seeds,
and report the seeds whose outputs differ — a kernel whose answer depends on the order the
hardware leaves open (which ready task or PE goes first, host latency) has a race.

Each run records, bit for bit, every array a host command filled (memcpy_d2h, receive) and
how the script ended; the script's own output is shown for the unperturbed run only.
"""
from __future__ import annotations

import contextlib
import io
import os
import sys
from typing import Callable

import numpy as np

from ..host import runcheck
from .run import run_script

SHOWN = 5


def sweep(script: str, args: list[str], seeds: int) -> int:
    """0 when every seed reproduces the unperturbed outputs, 1 when some differ."""
    outputs = []
    differ = racy_seeds(lambda: run_script(script, args), seeds, outputs)
    print(f"pywse run --perturb {seeds}: ", end="")
    if not differ:
        print(f"all {seeds} seeds reproduce the unperturbed run's "
              f"{len(outputs)} output array(s) bit for bit")
        return 0
    print(f"{len(differ)} of {seeds} seeds change the results: the program has a race "
          "(its answer depends on an order the hardware leaves open)")
    for seed, diff in differ[:SHOWN]:
        print(f"  seed {seed} (PYWSE_PERTURB={seed}): {diff}")
    if len(differ) > SHOWN:
        print(f"  ... and {len(differ) - SHOWN} more seeds")
    return 1


def racy_seeds(run_once: Callable[[], object], seeds: int, base_outputs: list | None = None
               ) -> list[tuple[int, str]]:
    """Run `run_once()` unperturbed (its output shown), then under seeds 0..seeds-1 (quiet):
    the (seed, what differs) of every seed whose outputs are not bit-identical.
    `base_outputs` receives the unperturbed run's (label, array) outputs."""
    base = _run(run_once, None, show=True)
    if base_outputs is not None:
        base_outputs.extend(base[1])
    found = []
    for seed in range(seeds):
        diff = _difference(base, _run(run_once, seed, show=False))
        if diff:
            found.append((seed, diff))
    return found


def _run(run_once, seed, show: bool):
    """(how it ended, [(label, array)]) of one run."""
    saved = os.environ.get("PYWSE_PERTURB")
    if seed is None:
        os.environ.pop("PYWSE_PERTURB", None)
    else:
        os.environ["PYWSE_PERTURB"] = str(seed)
    runcheck.RECORDER = outputs = []
    quiet = contextlib.nullcontext() if show else contextlib.redirect_stdout(io.StringIO())
    try:
        with quiet:
            result = run_once()
        ended = f"exit code {result}" if isinstance(result, int) else "the end"
    except Exception as e:
        ended = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
        if show:
            print(f"the unperturbed run ended with {ended}", file=sys.stderr)
    finally:
        runcheck.RECORDER = None
        if saved is None:
            os.environ.pop("PYWSE_PERTURB", None)
        else:
            os.environ["PYWSE_PERTURB"] = saved
    return ended, outputs


def _difference(base, run) -> str | None:
    (ended0, out0), (ended1, out1) = base, run
    if ended0 != ended1:
        return f"the run ended with {ended1} instead of {ended0}"
    if len(out0) != len(out1):
        return f"{len(out1)} output array(s) instead of {len(out0)}"
    for k, ((label, a), (_, b)) in enumerate(zip(out0, out1)):
        if a.shape != b.shape or a.tobytes() != b.tobytes():
            flat_a, flat_b = a.reshape(-1), b.reshape(-1)
            i = int(np.flatnonzero(flat_a != flat_b)[0]) if a.shape == b.shape else 0
            return (f"output {k + 1} ({label}) differs first at element {i}: "
                    f"{flat_b[i]} instead of {flat_a[i]}")
    return None
