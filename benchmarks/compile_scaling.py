"""compile_scaling: do layout, compile and load grow linearly with the number of PEs?

The layout is examples/game_of_life.py's `layout(n, n)`: every PE gets code (one of 16
tile kinds: column and row parity, edges) and its own routes on 8 colors, the shape of a
real stencil program. For sides 50, 100, 200 (quick: 10, 20, 40) a child process
per run (fresh memory; numba's engine code loaded on an 8x8 layout first) times, best of
three runs (quick: one):

- layout: `layout(n, n)`, the user's loop of set_tile_code / set_color_config calls;
- compile: `pw.compile(..., out_dir=...)`: checks, comptime, out.json and layout.pkl;
- load: `SdkRuntime(out_dir)` (reads the out dir back, which compiles again: "reopen") and
  `.load()` (the engine's load: state arrays, images, router tables: "engine").

Doubling the side quadruples the PEs, so linear growth is 4x per doubling; the target is at
most 4.5x, for compile + load and for all three phases, and 200x200 compile + load <= 5 s.
"""
import tempfile
import time

import pywse as pw

from .common import REPO, ratio, run_child
from .examples import load as load_example

SIZES = {False: {"sides": (50, 100, 200), "repeats": 3, "timeout_s": 300},
         True: {"sides": (10, 20, 40), "repeats": 1, "timeout_s": 120}}
GROWTH_TARGET = 4.5          # per doubling of the side (4x the PEs); linear is 4
SECONDS_TARGET = 5.0         # compile + load of the 200x200 layout (full run)
PHASES = ("layout_s", "compile_s", "reopen_s", "engine_s")


def measure(gol, side: int) -> dict:
    """Phase times of one layout, compile and load of the side x side game of life."""
    params = {"x_dim": side, "y_dim": side}
    with tempfile.TemporaryDirectory(prefix="pywse-bench-") as out_dir:
        t = [time.perf_counter()]
        layout = gol.layout(side, side)
        t.append(time.perf_counter())
        pw.compile(layout, arch="wse3", params=params, out_dir=out_dir)
        t.append(time.perf_counter())
        runner = pw.SdkRuntime(out_dir, jit=True)
        t.append(time.perf_counter())
        runner.load()
        t.append(time.perf_counter())
    return dict(zip(PHASES, (b - a for a, b in zip(t, t[1:]))))


def child(side: int) -> dict:
    """Runs in a fresh process, so no size reuses memory an earlier one had the OS map (a
    fresh page costs a fault on first write): warm up on 8x8, then one measurement."""
    gol = load_example(REPO / "examples" / "game_of_life.py")
    measure(gol, 8)
    return measure(gol, side)


def run(quick: bool) -> dict:
    s = SIZES[quick]
    sides = list(s["sides"])
    pairs = list(zip(sides, sides[1:]))
    names = [f"compile_scaling: {what} growth {a}x{a} -> {b}x{b}" for a, b in pairs
             for what in ("compile + load", "layout + compile + load")]
    big = f"compile_scaling: {sides[-1]}x{sides[-1]} compile + load seconds"
    params = {"layout": "examples/game_of_life.py layout(n, n)",
              "sides": ", ".join(map(str, sides)), "best of": s["repeats"]}
    rows = []
    for side in sides:
        runs = [run_child("compile_scaling.child", {"side": side}, timeout=s["timeout_s"])
                for _ in range(s["repeats"])]
        failed = [r for r in runs if r["status"] != "ok"]
        if failed:
            return {"status": failed[0]["status"], "params": params, "rows": rows,
                    "error": failed[0].get("error", f"{side}x{side}: after {s['timeout_s']} s"),
                    "ratios": [ratio(n, None, GROWTH_TARGET, "lower") for n in names]
                    + [ratio(big, None, SECONDS_TARGET, "lower")],
                    "notes": [f"a child process {failed[0]['status']}"], "child": failed[0]}
        row = {"side": side, "pes": side * side, **{k: min(r[k] for r in runs) for k in PHASES}}
        row["load_s"] = row["reopen_s"] + row["engine_s"]
        row["compile+load_s"] = row["compile_s"] + row["load_s"]
        row["total_s"] = row["layout_s"] + row["compile+load_s"]
        rows.append(row)
    ratios = []
    for prev, row in zip(rows, rows[1:]):
        row["growth c+l"] = row["compile+load_s"] / prev["compile+load_s"]
        row["growth all"] = row["total_s"] / prev["total_s"]
        ratios += [ratio(names[len(ratios)], row["growth c+l"], GROWTH_TARGET, "lower"),
                   ratio(names[len(ratios) + 1], row["growth all"], GROWTH_TARGET, "lower")]
    ratios.append(ratio(big, rows[-1]["compile+load_s"], SECONDS_TARGET, "lower"))
    return {"params": params, "rows": rows, "ratios": ratios,
            "notes": ["load_s = reopen_s (SdkRuntime(out_dir): read the out dir, compile "
                      "again) + engine_s (.load()); growth: time / the previous side's time "
                      "(4x the PEs; linear is 4)",
                      "each phase: the best of its runs, each run in a fresh process"]}
