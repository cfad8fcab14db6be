"""idle_scaling: does a small active workload slow down when the grid around it is huge?

The workload: a 10-PE chain in row 0 forwarding N wavelets (programs.chain_layout); every
other PE is idle (code that only unblocks the host). It runs on a small grid and on a big
one, twice each:

- on_start: the source starts by itself when the device starts and the sink streams its
  count to the host (memcpy_d2h streaming), so no host command touches the idle PEs — the
  engine's own cost of idle PEs;
- launch: the host launches `go` (every PE runs it, as the SDK's launch does), twice; the
  first launch also binds every PE's task arguments.

Full: 10x10 vs 1000x1000 (quick: 10x10 vs 100x100). Both sizes run in one child process
(fresh memory, a timeout, numba warmed up on a tiny grid first). Layout, compile and load
times are reported separately from run times.
"""
import time

import numpy as np

import pywse as pw

from . import programs as P
from .common import ratio, run_child

CHAIN = 10
SIZES = {False: {"small": 10, "big": 1000, "n": 20_000, "timeout_s": 240},
         True: {"small": 10, "big": 100, "n": 2_000, "timeout_s": 60}}


def _wait_report(runner, n_expected: int) -> None:
    out = np.zeros(1, np.uint32)
    d2h = runner.artifacts.layout.memcpy_info.MEMCPYD2H_1
    runner.memcpy_d2h(out, d2h, CHAIN - 1, 0, 1, 1, 1, streaming=True)
    if int(out[0]) != n_expected:
        raise AssertionError(f"the sink reported {int(out[0])} wavelets, expected {n_expected}")


def measure(grid: int, n: int) -> dict:
    """Phase times for the chain on a grid x grid layout."""
    t = [time.perf_counter()]
    layout = P.chain_layout(CHAIN, n, grid=(grid, grid), autostart=True)
    t.append(time.perf_counter())
    art = pw.compile(layout, arch="wse3")
    t.append(time.perf_counter())
    runner = pw.SdkRuntime(art, jit=True)
    runner.load()
    runner.run()
    t.append(time.perf_counter())
    _wait_report(runner, n)                       # the on_start round
    t.append(time.perf_counter())
    for k in (2, 3):                              # two launched rounds
        runner.launch("go")
        _wait_report(runner, k * n)
        t.append(time.perf_counter())
    runner.stop()
    d = np.diff(t)
    return {"grid": grid, "pes": grid * grid, "layout_s": d[0], "compile_s": d[1], "load_s": d[2],
            "on_start_s": d[3], "launch1_s": d[4], "launch2_s": d[5], "cycles": runner.cycles}


def child(small: int, big: int, n: int) -> dict:
    """Runs in a fresh process: warm up numba, then the small and the big grid."""
    import resource
    measure(CHAIN, 8)
    out = {"small": measure(small, n), "big": measure(big, n)}
    out["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return out


def run(quick: bool) -> dict:
    s = SIZES[quick]
    res = run_child("idle_scaling.child", {"small": s["small"], "big": s["big"], "n": s["n"]},
                    timeout=s["timeout_s"])
    params = {"chain_pes": CHAIN, "wavelets": s["n"], "small": f"{s['small']}x{s['small']}",
              "big": f"{s['big']}x{s['big']}"}
    if res["status"] != "ok":
        return {"status": res["status"], "error": res.get("error", f"after {s['timeout_s']} s"),
                "params": params, "rows": [],
                "ratios": [ratio("idle_scaling on_start: big / small run time", None, 2, "lower"),
                           ratio("idle_scaling launch (2nd): big / small run time", None, None, "lower")],
                "notes": [f"the child process {res['status']}"], "child": res}
    small, big = res["small"], res["big"]
    rows = [dict(m) for m in (small, big)]
    return {"params": params, "rows": rows,
            "ratios": [ratio("idle_scaling on_start: big / small run time",
                             big["on_start_s"] / small["on_start_s"], 2, "lower"),
                       ratio("idle_scaling launch (2nd): big / small run time",
                             big["launch2_s"] / small["launch2_s"], None, "lower")],
            "notes": ["on_start_s: device start to the sink's report; launchK_s: launch('go') "
                      "to the report (every PE runs go: a launch is work on every PE, so it "
                      "has no idle-scaling target)",
                      f"child process wall time {res['child_wall_s']:.1f} s, peak RSS "
                      f"{res['peak_rss_bytes'] / 2**30:.2f} GiB (both grids, launches included)"],
            "peak_rss_bytes": res["peak_rss_bytes"]}
