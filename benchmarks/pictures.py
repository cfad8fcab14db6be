"""pictures: how long a 1000x1000 layout picture and heatmap take (docs/pictures.md).

The layout: the multicast tree (programs.broadcast_layout: routes on every PE, row 0 east,
every column south, two tile kinds). `layout.draw` draws it as PNG and as SVG; the kernel
then runs (the source sends a few wavelets to every PE) and `runner.heatmap` draws busy,
stalled and wavelets. PEs are binned into 16x16 blocks (pictures.MAX_CELLS cells a side), so
the picture's cost is the binning of the arrays plus a fixed ~64x64-cell drawing. Full:
1000x1000 (quick: 200x200); in a child process (fresh memory, a timeout).
"""
import time

import pywse as pw

from . import programs as P
from .common import ratio, run_child

SIZES = {False: {"grid": 1000, "n": 2, "timeout_s": 900}, True: {"grid": 200, "n": 2,
                                                                 "timeout_s": 300}}
TARGET_S = 10.0        # a picture of a million PEs within this many seconds


def child(grid: int, n: int, out_dir: str) -> dict:
    out = {"grid": grid}
    t = time.perf_counter()
    layout = P.broadcast_layout(grid, grid, n)
    out["layout_s"] = time.perf_counter() - t
    for suffix in ("png", "svg"):
        t = time.perf_counter()
        layout.draw(f"{out_dir}/layout.{suffix}")
        out[f"draw_{suffix}_s"] = time.perf_counter() - t
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=True)
    runner.load()
    runner.run()
    runner.launch("go")
    t = time.perf_counter()
    runner.stats()
    out["stats_s"] = time.perf_counter() - t
    for metric in ("busy", "stalled", "wavelets"):
        t = time.perf_counter()
        runner.heatmap(f"{out_dir}/{metric}.png", metric)
        out[f"heatmap_{metric}_s"] = time.perf_counter() - t
    t = time.perf_counter()
    runner.heatmap(f"{out_dir}/busy.svg", "busy")
    out["heatmap_busy_svg_s"] = time.perf_counter() - t
    runner.stop()
    return out


def run(quick: bool) -> dict:
    import tempfile
    s = SIZES[quick]
    with tempfile.TemporaryDirectory() as tmp:
        res = run_child("pictures.child", {"grid": s["grid"], "n": s["n"], "out_dir": tmp},
                        timeout=s["timeout_s"])
    params = {"grid": f"{s['grid']}x{s['grid']}", "wavelets": s["n"]}
    names = ("layout.draw PNG", "runner.heatmap busy PNG")
    if res["status"] != "ok":
        return {"status": res["status"], "error": res.get("error", f"after {s['timeout_s']} s"),
                "params": params, "rows": [],
                "ratios": [ratio(f"pictures {n} (s)", None, TARGET_S, "lower") for n in names]}
    rows = [{k: v for k, v in res.items() if k.endswith("_s") or k == "grid"}]
    return {"params": params, "rows": rows,
            "ratios": [ratio("pictures layout.draw PNG (s)", res["draw_png_s"], TARGET_S, "lower"),
                       ratio("pictures runner.heatmap busy PNG (s)", res["heatmap_busy_s"],
                             TARGET_S, "lower")],
            "notes": ["layout_s: building the layout (set_tile_code / set_color_config per PE), "
                      "not part of the picture; stats_s: the whole account (runner.stats()), for "
                      "comparison: a heatmap reads only its per-PE part"]}
