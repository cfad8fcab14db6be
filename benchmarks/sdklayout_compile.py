"""sdklayout_compile: how does SdkLayout's compile grow with the number of connections?

N 1x1 regions in a grid on a 200x200 fabric (10 PEs apart across, 20 down), each with an
input port on its LEFT and TOP edges and an output port on its RIGHT and BOTTOM edges.
Region k connects RIGHT -> LEFT to region k+1 and BOTTOM -> TOP to region k+cols (both
wrapping around, so a fifth of the paths cross the fabric): 2N `connect` calls, every path
and color found by the compiler. For N = 50, 100, 200 (quick: 10, 20, 40), in a child
process each (best of three, quick: one):

- layout: the API calls that build it;
- plan: placement, every path (networkx A*) and the color allocation;
- lower: tiles, routes and the shared compile path (`layout.compile` after the plan);
- hops: the found paths' total length, and plan time per hop.

Targets: 200 regions / 400 connections compile (plan + lower) in <= 10 s, and growth per
doubling of the connections no worse than n log n's.
"""
import math
import time

import pywse as pw
from pywse.sdkruntime import (
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkTarget,
    SimfabConfig,
    get_platform,
)

from .common import ratio, run_child

SIZES = {False: {"regions": ((50, 10), (100, 10), (200, 20)), "repeats": 3, "timeout_s": 300},
         True: {"regions": ((10, 5), (20, 5), (40, 10)), "repeats": 1, "timeout_s": 120}}
SECONDS_TARGET = 10.0
PHASES = ("layout_s", "plan_s", "lower_s")


@pw.program
def node(p, *, w_in: pw.Color, n_in: pw.Color, e_out: pw.Color, s_out: pw.Color):
    """Binds its four port colors (the allocator must keep them apart) and runs nothing."""


def build(n: int, cols: int) -> SdkLayout:
    layout = SdkLayout(get_platform(None, SimfabConfig(fabric_dims=(200, 200)), SdkTarget.WSE3))
    take = RoutingPosition().set_output([Route.RAMP])
    give = RoutingPosition().set_input([Route.RAMP])
    ports = []
    for k in range(n):
        region = layout.create_code_region(node, f"n{k}", 1, 1)
        colors = {name: region.color(name) for name in ("w_in", "n_in", "e_out", "s_out")}
        for color in colors.values():
            region.set_param_all(color)
        region.place(3 + 10 * (k % cols), 3 + 20 * (k // cols))
        ports.append((region.create_input_port(colors["w_in"], Edge.LEFT, [take], 4),
                      region.create_input_port(colors["n_in"], Edge.TOP, [take], 4),
                      region.create_output_port(colors["e_out"], Edge.RIGHT, [give], 4),
                      region.create_output_port(colors["s_out"], Edge.BOTTOM, [give], 4)))
    for k in range(n):
        layout.connect(ports[k][2], ports[(k + 1) % n][0])
        layout.connect(ports[k][3], ports[(k + cols) % n][1])
    return layout


def child(n: int, cols: int) -> dict:
    build(4, 2).compile(out_prefix=None)          # warm up (imports, first networkx calls)
    t = [time.perf_counter()]
    layout = build(n, cols)
    t.append(time.perf_counter())
    plan = layout.plan()
    t.append(time.perf_counter())
    layout.compile(out_prefix=None)               # reuses the plan
    t.append(time.perf_counter())
    hops = sum(len(cells) - 1 for _, _, pairs in plan.paths for cells in pairs)
    return {"hops": hops, **dict(zip(PHASES, (b - a for a, b in zip(t, t[1:]))))}


def run(quick: bool) -> dict:
    s = SIZES[quick]
    params = {"fabric": "200x200", "regions": ", ".join(str(n) for n, _ in s["regions"]),
              "connections": "2 per region", "best of": s["repeats"]}
    rows = []
    for n, cols in s["regions"]:
        runs = [run_child("sdklayout_compile.child", {"n": n, "cols": cols},
                          timeout=s["timeout_s"]) for _ in range(s["repeats"])]
        failed = [r for r in runs if r["status"] != "ok"]
        if failed:
            return {"status": failed[0]["status"], "params": params, "rows": rows,
                    "error": failed[0].get("error", f"{n} regions: after {s['timeout_s']} s"),
                    "ratios": []}
        row = {"regions": n, "connections": 2 * n, "hops": runs[0]["hops"],
               **{k: min(r[k] for r in runs) for k in PHASES}}
        row["compile_s"] = row["plan_s"] + row["lower_s"]
        row["us/hop"] = 1e6 * row["plan_s"] / row["hops"]
        rows.append(row)
    ratios = []
    for prev, row in zip(rows, rows[1:]):
        a, b = prev["connections"], row["connections"]
        row["growth"] = row["compile_s"] / prev["compile_s"]
        bound = b * math.log(b) / (a * math.log(a))
        ratios.append(ratio(f"sdklayout_compile: growth {a} -> {b} connections "
                            f"(n log n: {bound:.2f})", row["growth"], round(bound, 2), "lower"))
    last = rows[-1]
    ratios.append(ratio(f"sdklayout_compile: {last['regions']} regions / {last['connections']} "
                        "connections compile seconds", last["compile_s"], SECONDS_TARGET, "lower"))
    return {"params": params, "rows": rows, "ratios": ratios,
            "notes": ["compile_s = plan_s (paths and colors) + lower_s (tiles, routes, the "
                      "shared compile); growth: compile_s / the previous size's",
                      "hops: the found paths' total length (the wrap-around paths grow with "
                      "the grid's height); us/hop: plan time per hop"]}
