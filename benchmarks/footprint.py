"""footprint: peak memory of compiling and loading a big program.

Every PE of a 1000 x 1000 grid (quick: 100 x 100) gets 1 KiB of variables (256 u32,
programs.store). A child process builds the layout, compiles and loads it, and reports its
peak resident set (VmHWM, the kernel's high-water mark) and the resident set before it
started (after imports), so the parent's own memory never counts. A timeout or a crash
(out of memory) is reported as such.
"""
import time

import pywse as pw

from . import programs as P
from .common import ratio, run_child

WORDS = 256                       # u32 per PE: 1 KiB
SIZES = {False: {"grid": 1000, "timeout_s": 180}, True: {"grid": 100, "timeout_s": 60}}


def _status_bytes(field: str) -> int:
    """A /proc/self/status memory field (VmHWM, VmRSS) in bytes."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def child(grid: int) -> dict:
    """Runs in a fresh process: layout, compile and load, with the peak memory after."""
    base = _status_bytes("VmRSS")
    t0 = time.perf_counter()
    layout = pw.Layout(grid, grid)
    mc = layout.memcpy()
    for y in range(grid):
        for x in range(grid):
            layout.set_tile_code(x, y, P.store, memcpy_params=mc.get_params(x), words=WORDS,
                                 dtype16=False)
    t1 = time.perf_counter()
    art = pw.compile(layout, arch="wse3")
    t2 = time.perf_counter()
    runner = pw.SdkRuntime(art)
    runner.load()
    t3 = time.perf_counter()
    return {"baseline_bytes": base, "peak_bytes": _status_bytes("VmHWM"),
            "virtual_peak_bytes": _status_bytes("VmPeak"),
            "layout_s": t1 - t0, "compile_s": t2 - t1, "load_s": t3 - t2}


def run(quick: bool) -> dict:
    s = SIZES[quick]
    grid = s["grid"]
    pes = grid * grid
    res = run_child("footprint.child", {"grid": grid}, timeout=s["timeout_s"])
    params = {"pes": f"{grid}x{grid}", "var_bytes_per_pe": 4 * WORDS}
    if res["status"] != "ok":
        return {"status": res["status"], "error": res.get("error", f"after {s['timeout_s']} s"),
                "params": params, "rows": [],
                "ratios": [ratio("footprint: peak GiB (compile + load)", None, 4, "lower")],
                "notes": [f"the child process {res['status']}"], "child": res}
    peak, base = res["peak_bytes"], res["baseline_bytes"]
    row = {"pes": pes, "layout_s": res["layout_s"], "compile_s": res["compile_s"],
           "load_s": res["load_s"], "baseline GiB": base / 2**30, "peak GiB": peak / 2**30,
           "peak B/PE": peak / pes, "added B/PE": (peak - base) / pes,
           "virtual peak GiB": res["virtual_peak_bytes"] / 2**30}
    return {"params": params, "rows": [row],
            "ratios": [ratio("footprint: peak GiB (compile + load)", peak / 2**30, 4, "lower")],
            "notes": ["baseline: the child's resident set after imports; added B/PE: "
                      "(peak - baseline) / PEs",
                      "virtual peak: address space reserved (VmPeak); zeroed state arrays are "
                      "only resident once a run touches them",
                      f"child process wall time {res['child_wall_s']:.1f} s"]}
