"""Helpers the cases share: timing, ratios with targets, tables, and child processes.

A case's `run(quick)` returns a dict with
  "params": what was run (sizes, so figures are never read without them),
  "rows":   table rows (dicts with the same keys), printed as an aligned table,
  "ratios": [{"name", "value", "target", "better": "higher" | "lower"}], listed in the summary,
  "notes":  short remarks (what was chosen, what failed).
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def best_of(k: int, fn):
    """Run fn() k times; return the result whose "s" (seconds) is smallest."""
    results = [fn() for _ in range(k)]
    return min(results, key=lambda r: r["s"])


def timed(fn, *args, **kwargs):
    """(result, seconds) of one call, by time.perf_counter."""
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def best_seconds(k: int, fn, *args) -> float:
    """The fastest of k timed calls fn(*args), in seconds."""
    return min(timed(fn, *args)[1] for _ in range(k))


def ratio(name: str, value, target: float | None, better: str = "higher") -> dict:
    """A measured ratio and its target; `value` None means it could not be measured,
    `target` None that it is reported for information only."""
    return {"name": name, "value": value, "target": target, "better": better}


def met(r: dict) -> str:
    v = r["value"]
    if v is None or not math.isfinite(v):
        return "not measured"
    if r["target"] is None:
        return "(no target)"
    ok = v >= r["target"] if r["better"] == "higher" else v <= r["target"]
    return "met" if ok else "missed"


def fmt(v) -> str:
    """Numbers with 3 significant digits (k/M/G from 10^3 up); anything else as str."""
    if v is None or isinstance(v, (bool, str)):
        return str(v)
    if isinstance(v, int) and abs(v) < 10**6:
        return str(v)
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(v) >= scale:
            return f"{v / scale:.3g}{unit}"
    return f"{v:.3g}"


def table(rows: list[dict]) -> str:
    """An aligned text table over the union of the rows' keys (in first-seen order)."""
    if not rows:
        return "  (no rows)"
    keys = list(dict.fromkeys(k for r in rows for k in r))
    cells = [keys] + [[fmt(r.get(k, "")) for k in keys] for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(keys))]
    lines = ["  " + "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in
                              enumerate(zip(line, widths))) for line in cells]
    lines.insert(1, "  " + "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run_child(func: str, kwargs: dict, timeout: float) -> dict:
    """Run `benchmarks.<module>.<function>(**kwargs)` in a fresh Python, return its dict.

    For figures a parent process would spoil (peak memory) or that may take too long: the
    child prints its result as JSON on its last stdout line. A timeout or crash becomes
    {"status": "timeout" | "failed", ...} instead of an exception.
    """
    module, name = func.rsplit(".", 1)
    code = (f"import json, sys; from benchmarks.{module} import {name}; "
            f"print(json.dumps({name}(**json.loads(sys.argv[1]))))")
    env = dict(os.environ, CI="1")       # no progress bars in a child's pipes
    t0 = time.perf_counter()
    try:
        res = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"status": "timeout", "timeout_s": timeout}
    wall = time.perf_counter() - t0
    lines = res.stdout.strip().splitlines()
    if res.returncode != 0 or not lines:
        err = (res.stderr.strip().splitlines() or ["(no output)"])[-3:]
        return {"status": "failed", "returncode": res.returncode, "error": " | ".join(err),
                "child_wall_s": wall}
    out = json.loads(lines[-1])
    out.setdefault("status", "ok")
    out["child_wall_s"] = wall
    return out
