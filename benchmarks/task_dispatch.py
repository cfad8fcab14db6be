"""task_dispatch: task invocations per host second when the task body does almost nothing.

- data task: memcpy_h2d streams N words into one PE; a data task counts each.
- local task: one PE's local task re-activates itself N times (no fabric at all).

Set against reference.dispatch_calls (a bare numba queue + switch + call per "task", the
CPU limit) and against the same program with jit=False.
"""
import time

import numpy as np

import pywse as pw

from . import programs as P
from . import reference as R
from .common import best_of, ratio

SIZES = {False: {"n": 1_000_000, "n_nojit": 50_000, "repeats": 2},
         True: {"n": 5_000, "n_nojit": 500, "repeats": 1}}


def _runner(program, n: int, jit: bool, options: dict | None = None, **kw) -> pw.SdkRuntime:
    layout = pw.Layout(1, 1)
    mc = layout.memcpy(MEMCPYH2D_1=0)
    layout.set_tile_code(0, 0, program, memcpy_params=mc.get_params(0), n=n, **kw)
    # a million tasks of ~10 cycles each (scalar code costs cycles) pass the livelock cap of
    # 10 M cycles per host wait: the run's own budget replaces it
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit, max_cycles=100 * n + 10**6,
                           **(options or {}))
    runner.load()
    runner.run()
    return runner


def _count(runner) -> int:
    ox, oy = runner.artifacts.fabric_offsets
    return int(runner.read_symbol(ox, oy, "count")[0])


def data_tasks(n: int, jit: bool) -> dict:
    """Stream n words in; time from the memcpy_h2d call until the device is idle."""
    runner = _runner(P.h2d_counter, n, jit)
    words = np.arange(n, dtype=np.uint32)
    t0 = time.perf_counter()
    runner.memcpy_h2d(0, words, 0, 0, 1, 1, n, streaming=True)
    runner.stop()
    s = time.perf_counter() - t0
    assert _count(runner) == n, (_count(runner), n)
    return {"s": s, "rate": n / s, "cycles": runner.cycles}


def local_tasks(n: int, jit: bool, options: dict | None = None) -> dict:
    """Launch `go`, which starts a local task that re-activates itself n times (`options`:
    more SdkRuntime keywords, the trace case's trace=)."""
    runner = _runner(P.spinner, n, jit, options)
    t0 = time.perf_counter()
    runner.launch("go")
    runner.stop()
    s = time.perf_counter() - t0
    assert _count(runner) == n, (_count(runner), n)
    return {"s": s, "rate": n / s, "cycles": runner.cycles}


def run(quick: bool) -> dict:
    s = SIZES[quick]
    ref = R.time_dispatch(s["n"])
    ref["rate"] = s["n"] / ref["s"]
    rows, ratios, warmup = [], [], {}
    for name, fn in (("data task (H2D stream)", data_tasks), ("local task (self-activating)", local_tasks)):
        for jit in (True, False):     # warm up both modes: numba compile or cache load
            t0 = time.perf_counter()
            fn(8, jit)
            warmup[f"{name} {'jit' if jit else 'jit=False'}"] = time.perf_counter() - t0
        jit_run = best_of(s["repeats"], lambda fn=fn: fn(s["n"], True))
        nojit_run = best_of(s["repeats"], lambda fn=fn: fn(s["n_nojit"], False))
        for run_name, k, m in (("pywse jit", s["n"], jit_run), ("pywse jit=False", s["n_nojit"], nojit_run)):
            rows.append({"task": name, "run": run_name, "invocations": k, "seconds": m["s"],
                         "sim cycles": m["cycles"], "invocations/s": m["rate"]})
        ratios += [ratio(f"task_dispatch {name}: pywse / bare numba", jit_run["rate"] / ref["rate"], 0.3),
                   ratio(f"task_dispatch {name}: jit / jit=False", jit_run["rate"] / nojit_run["rate"], 100)]
    rows.append({"task": "queue + switch + call", "run": "bare numba", "invocations": s["n"],
                 "seconds": ref["s"], "sim cycles": "", "invocations/s": ref["rate"]})
    return {"params": s, "rows": rows, "ratios": ratios, "warmup_s": warmup,
            "notes": ["first (8-invocation) run, numba compile or cache load included: " +
                      ", ".join(f"{k} {v:.2f} s" for k, v in warmup.items()),
                      "jit=False runs fewer invocations; the ratio compares rates"]}
