"""task_compile: what a new (or edited) task costs on its first compiled run, against loading
it from numba's disk cache in a later process.

Each program is written to a fresh folder and run by a fresh Python (run_child), so nothing is
compiled or cached in memory: "first s" compiles its task bodies, with jit=True, into their
dispatch wrappers (pywse's engine, its dispatch loop and DSD-op code are already in numba's
disk cache, as after any earlier run), "cached s" is a second process on the same unchanged
file. Both time the harness run after
the imports, so both include numba's once-per-process start-up (~0.5 s). Quick: the
scalar program only.
"""
import tempfile
import time
from pathlib import Path

from .common import ratio, run_child
from .examples import load

PROGRAMS = {
    "relay (1 DSD op)": '''
import pywse as pw


@pw.program
def prog(p):
    iq = p.input_queue(1, pw.Color(1))
    oq = p.output_queue(2, pw.Color(2))
    out = pw.fabout(pw.Color(2), extent=1, queue=oq)

    @p.data_task(iq)
    def forward(v: pw.u32):
        pw.mov32(out, v * 2)


def drive(h):
    h.send(pw.Color(1), [1, 2, 3], direction=pw.WEST)
    h.run_until_idle()
    h.expect(pw.Color(2), [2, 4, 6], direction=pw.EAST)


KWARGS = {}
''',
    "scalar arithmetic only": '''
import pywse as pw


@pw.program
def prog(p):
    acc = p.var("acc", pw.f32, 4)

    @p.on_start
    @p.local_task(10)
    def step():
        for i in range(4):
            acc[i] = acc[i] * 0.5 + i


def drive(h):
    h.run_until_idle()


KWARGS = {}
''',
    "three DSD ops, two tasks": '''
import pywse as pw


@pw.program
def prog(p, *, n):
    a = p.var("a", pw.f32, n)
    b = p.var("b", pw.f32, n)
    iq = p.input_queue(1, pw.Color(1))
    oq = p.output_queue(2, pw.Color(2))
    da, db = pw.mem1d(a), pw.mem1d(b)
    fin = pw.fabin(pw.Color(1), extent=n, queue=iq)
    fout = pw.fabout(pw.Color(2), extent=n, queue=oq)

    @p.local_task(11)
    def reply():
        pw.fadds(db, db, da)
        pw.fmovs(fout, db)

    @p.on_start
    @p.local_task(10)
    def start():
        pw.fmovs(da, fin, async_=True, activate=reply)


def drive(h):
    h.send(pw.Color(1), [1.0, 2.0, 3.0, 4.0], direction=pw.WEST)
    h.run_until_idle()
    h.expect(pw.Color(2), [1.0, 2.0, 3.0, 4.0], direction=pw.EAST)


KWARGS = {"n": 4}
''',
}


def first_run(folder: str) -> dict:
    """In a fresh process: import the program in `folder`, then time one harness run."""
    from pywse.testing import Harness
    module = load(Path(folder) / "bench_task.py")
    t0 = time.perf_counter()
    module.drive(Harness(module.prog, jit=True, **module.KWARGS))
    return {"s": time.perf_counter() - t0}


QUICK = ("scalar arithmetic only",)


def run(quick: bool) -> dict:
    rows = []
    chosen = QUICK if quick else tuple(PROGRAMS)
    for name in chosen:
        text = PROGRAMS[name]
        with tempfile.TemporaryDirectory(prefix="pywse-bench-") as folder:
            (Path(folder) / "bench_task.py").write_text(text)
            first = run_child("task_compile.first_run", {"folder": folder}, timeout=300)
            cached = run_child("task_compile.first_run", {"folder": folder}, timeout=300)
        if first["status"] != "ok" or cached["status"] != "ok":
            return {"status": "failed", "error": f"{name}: {first.get('error')} "
                    f"{cached.get('error')}", "rows": rows, "ratios": []}
        rows.append({"program": name, "first s": first["s"], "cached s": cached["s"],
                     "first / cached": first["s"] / cached["s"]})
    return {"params": {"programs": len(chosen), "processes": 2 * len(chosen)},
            "rows": rows,
            "ratios": [ratio(f"task_compile: first run / cached run, {rows[0]['program']}",
                             rows[0]["first / cached"], None, better="lower")],
            "notes": ["before DSD-op helpers were compiled once (sim/precompiled.py) the relay's "
                      "first run took ~12.7 s (docs/performance.md)"]}
