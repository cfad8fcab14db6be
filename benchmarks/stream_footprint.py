"""stream_footprint: the memory of host streams, against the same program preloaded.

examples/sdklayout/allreduce.py on a W x H grid (16 f32 per PE), its input streamed from the
host through a scatter column or preloaded with `set_symbol_all`. A child process per run
builds, compiles and loads it, issues its host commands and runs a bounded number of cycles
(`SdkRuntime(max_cycles=...)`: the run stops with a `pw.CycleLimitError` unless it finishes
first), then reports its peak resident set (VmHWM) and the one after imports. Streams used to
keep a buffer per PE of the whole fabric per word sent (256x256 streamed: 1 TiB); they are
sized by the PEs on the stream and the words in flight, so streamed should cost about what
preloaded does. Ratio: streamed peak / preloaded peak, at each size (target <= 2).
"""
from __future__ import annotations

import time

import pywse as pw

from .common import REPO, ratio, run_child
from .examples import load
from .footprint import _status_bytes

SIZES = {False: {"grids": (64, 256), "cycles": 100_000, "timeout_s": 600},
         True: {"grids": (8,), "cycles": 5_000, "timeout_s": 120}}
TARGET = 2.0


def child(grid: int, streamed: bool, cycles: int) -> dict:
    """Runs in a fresh process: build, compile, load, start the allreduce, run `cycles`."""
    base = _status_bytes("VmRSS")
    example = load(REPO / "examples" / "sdklayout" / "allreduce.py")
    t0 = time.perf_counter()
    runtime, result, _ = example.start(grid, grid, streamed, out=None, max_cycles=cycles)
    t1 = time.perf_counter()
    loaded = _status_bytes("VmHWM")
    finished = True
    try:
        runtime.stop()
    except pw.CycleLimitError:
        finished = False
    t2 = time.perf_counter()
    return {"baseline_bytes": base, "load_peak_bytes": loaded, "peak_bytes": _status_bytes("VmHWM"),
            "cycles": runtime.cycles, "finished": finished, "load_s": t1 - t0, "run_s": t2 - t1}


def run(quick: bool) -> dict:
    s = SIZES[quick]
    rows, ratios, notes = [], [], []
    for grid in s["grids"]:
        peaks = {}
        for mode in ("preloaded", "streamed"):
            res = run_child("stream_footprint.child", {"grid": grid, "streamed": mode == "streamed",
                                                       "cycles": s["cycles"]},
                            timeout=s["timeout_s"])
            if res["status"] != "ok":
                notes.append(f"{grid}x{grid} {mode}: the child process {res['status']}: "
                             f"{res.get('error', '')}")
                continue
            peaks[mode] = res["peak_bytes"]
            rows.append({"grid": f"{grid}x{grid}", "input": mode, "cycles": res["cycles"],
                         "finished": res["finished"], "load_s": res["load_s"],
                         "run_s": res["run_s"], "baseline MiB": res["baseline_bytes"] / 2**20,
                         "load peak MiB": res["load_peak_bytes"] / 2**20,
                         "peak MiB": res["peak_bytes"] / 2**20,
                         "added MiB": (res["peak_bytes"] - res["baseline_bytes"]) / 2**20})
        value = peaks["streamed"] / peaks["preloaded"] if len(peaks) == 2 else None
        ratios.append(ratio(f"stream_footprint {grid}x{grid}: streamed / preloaded peak RSS",
                            value, TARGET, "lower"))
    notes.append(f"each run: compile, load, the host's commands, then at most {s['cycles']:,} "
                 "cycles (finished: the allreduce completed within them)")
    params = {"grids": ", ".join(f"{g}x{g}" for g in s["grids"]), "f32_per_pe": 16,
              "cycles": s["cycles"]}
    return {"params": params, "rows": rows, "ratios": ratios, "notes": notes}
