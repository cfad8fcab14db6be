"""wavelet_hops: simulated wavelet hops per host second, on the fabric's two basic shapes.

- chain: PE (0, 0) sends N wavelets (an async mov32 microthread, in chunks), W - 2 PEs only
  route them east, PE (W - 1, 0) counts them in a data task. Hops per wavelet: W + 1 (up the
  RAMP, W - 1 links, down the RAMP).
- broadcast: PE (0, 0) sends N wavelets that a route multicasts to every PE of a W x H grid
  (row 0 east, every column south, a copy down each RAMP); each PE's data task counts them.
  Hops per wavelet: 1 + 2 (W*H - 1).

Rate = N * hops / wall seconds of the launch (compile and load excluded). It is set against
the bare loop of reference.py moving the same words through the same number of queues (the
practical CPU limit), and against the same program with jit=False (task bodies as Python;
the fabric loop is compiled in both modes, so that ratio mostly prices the data tasks).
"""
import time

from . import programs as P
from . import reference as R
from .common import best_of, ratio

SIZES = {
    False: {"chain_w": 16, "chain_n": 131068, "chain_n_nojit": 16384,
            "bcast": (8, 8), "bcast_n": 20000, "bcast_n_nojit": 400, "repeats": 2},
    True: {"chain_w": 8, "chain_n": 2000, "chain_n_nojit": 300,
           "bcast": (4, 4), "bcast_n": 1000, "bcast_n_nojit": 100, "repeats": 1},
}


def _pywse(make_layout, n: int, hops: int, jit: bool, last: tuple[int, int],
           **options) -> dict:
    """One compile + load + launch; checks the farthest PE counted all n wavelets.
    `options`: more SdkRuntime keywords (the trace case's trace=)."""
    r = P.run_launch(make_layout(n), jit, **options)
    runner = r["runner"]
    ox, oy = runner.artifacts.fabric_offsets
    got = int(runner.read_symbol(ox + last[0], oy + last[1], "count")[0])
    if got != n:
        raise AssertionError(f"PE {last} counted {got} wavelets, expected {n}")
    return {"s": r["run_s"], "cycles": r["cycles"], "rate": n * hops / r["run_s"]}


def _shapes(s: dict) -> list[dict]:
    """The two workloads: how to build them for n wavelets, and what to compare them with."""
    w, (bw, bh) = s["chain_w"], s["bcast"]
    return [{"name": "chain", "make": lambda n: P.chain_layout(w, n), "hops": P.chain_hops(w),
             "tree": R.chain_tree(P.chain_hops(w)), "last": (w - 1, 0),
             "n": s["chain_n"], "n_nojit": s["chain_n_nojit"]},
            {"name": "broadcast", "make": lambda n: P.broadcast_layout(bw, bh, n),
             "hops": P.broadcast_hops(bw, bh), "tree": R.broadcast_tree(bw, bh),
             "last": (bw - 1, bh - 1), "n": s["bcast_n"], "n_nojit": s["bcast_n_nojit"]}]


def _measure(shape: dict, repeats: int, warmup: dict) -> tuple[list, list]:
    name, make, hops, last, n = shape["name"], shape["make"], shape["hops"], shape["last"], shape["n"]
    for jit in (True, False):                       # warm up: numba compile / cache load
        t0 = time.perf_counter()
        _pywse(make, 8, hops, jit, last)
        warmup[f"{name} {'jit' if jit else 'jit=False'}"] = time.perf_counter() - t0
    jit_run = best_of(repeats, lambda: _pywse(make, n, hops, True, last))
    nojit_run = best_of(repeats, lambda: _pywse(make, shape["n_nojit"], hops, False, last))
    ref = R.time_move_words(shape["tree"], n)
    ref["rate"] = n * hops / ref["s"]
    rows = [{"shape": name, "run": run, "wavelets": k, "hops/wavelet": hops,
             "seconds": m["s"], "sim cycles": m["cycles"], "hops/s": m["rate"]}
            for run, k, m in (("pywse jit", n, jit_run),
                              ("pywse jit=False", shape["n_nojit"], nojit_run),
                              ("bare numba", n, ref))]
    ratios = [ratio(f"wavelet_hops {name}: pywse / bare numba", jit_run["rate"] / ref["rate"], 0.3),
              ratio(f"wavelet_hops {name}: jit / jit=False", jit_run["rate"] / nojit_run["rate"], 100)]
    return rows, ratios


def run(quick: bool) -> dict:
    s = SIZES[quick]
    rows, ratios, warmup = [], [], {}
    for shape in _shapes(s):
        r, q = _measure(shape, s["repeats"], warmup)
        rows += r
        ratios += q
    return {"params": dict(s), "rows": rows, "ratios": ratios, "warmup_s": warmup,
            "notes": ["first (8-wavelet) run, numba compile or cache load included: " +
                      ", ".join(f"{k} {v:.2f} s" for k, v in warmup.items()),
                      "sim cycles: pywse's clock; for bare numba, its loop's cycles (its sink takes "
                      "a word per cycle, pywse's data task 32 cycles per wavelet: a task switch, "
                      "a count, a modulo (an integer divide) and a branch)",
                      "jit=False runs fewer wavelets; the ratio compares rates"]}
