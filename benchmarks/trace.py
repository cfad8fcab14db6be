"""trace: what writing a Perfetto trace (`SdkRuntime(..., trace=PATH)`) costs a run.

The chain of wavelet_hops (every hop a flow, every data task a slice, every queue change a
counter: the heaviest trace per simulated cycle) and task_dispatch's self-activating local
task (a slice per task), compiled, each run with tracing off and on, alternated, the best of
`repeats` each. The "on" time includes writing the file (at `stop()`). Tracing off against
main (the same code without the recording points) is measured across two worktrees:
docs/performance.md, "Tracing".
"""
import os
import tempfile

from . import programs as P
from .common import ratio
from .task_dispatch import local_tasks
from .wavelet_hops import _pywse

SIZES = {False: {"chain_w": 16, "chain_n": 131068, "spin_n": 1_000_000, "repeats": 3},
         True: {"chain_w": 8, "chain_n": 500, "spin_n": 2_000, "repeats": 1}}


def run(quick: bool) -> dict:
    s = SIZES[quick]
    w, n = s["chain_w"], s["chain_n"]
    hops = P.chain_hops(w)
    folder = tempfile.mkdtemp(prefix="pywse_trace_bench_")
    path = os.path.join(folder, "run.pftrace")
    cases = {"chain": lambda **kw: _pywse(lambda k: P.chain_layout(w, k), n, hops, True,
                                          (w - 1, 0), **kw),
             "local task": lambda **kw: local_tasks(s["spin_n"], True, kw)}
    rows, ratios, sizes = [], [], {}
    for name, fn in cases.items():
        fn()                                          # warm up: numba compile / cache load
        fn(trace=path)
        runs = {"off": [], "on": []}
        for _ in range(s["repeats"]):                 # alternated: the machine drifts
            runs["off"].append(fn())
            runs["on"].append(fn(trace=path))
            sizes[name] = os.path.getsize(path)
        off = min(runs["off"], key=lambda r: r["s"])
        on = min(runs["on"], key=lambda r: r["s"])
        for mode, m in (("off", off), ("on", on)):
            rows.append({"case": name, "trace": mode, "seconds": m["s"], "sim cycles": m["cycles"],
                         "rate/s": m["rate"],
                         "file MB": sizes[name] / 1e6 if mode == "on" else None})
        ratios.append(ratio(f"trace {name}: time on / off", on["s"] / off["s"], None, "lower"))
    os.remove(path)
    os.rmdir(folder)
    return {"params": dict(s), "rows": rows, "ratios": ratios,
            "notes": ["on: the file written too (stop() drains the last events); rate: hops/s "
                      "for the chain, tasks/s for the local task",
                      "tracing off against main: docs/performance.md, 'Tracing'"]}
