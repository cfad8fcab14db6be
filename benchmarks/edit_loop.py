"""edit_loop: what a user waits for when a program is new or was just edited, against the
same script once everything is compiled and cached.

Each program (three examples and benchmarks/thirty_tasks.py) is copied to fresh folders,
so its task bodies are cold (nothing cached for that path) while pywse's engine is cached
as after any earlier run. Every figure is the whole script, `python prog.py`, in a fresh
process: wall time from start to exit, imports included.

- copy A, default mode (jit "auto"): "first" (cold), "second" (the same file again),
  and "no-jit" (`--no-jit`, plain Python throughout);
- copy B: "jit=True cold" (PYWSE_JIT=1: every task compiled before the first runs, what
  the default did before tiering), then "cached" (default mode, everything in numba's
  cache: compiled from the first task); then one task body is edited (one line, the same
  meaning) and run again: "edited" (default mode) and "edited jit=True" (PYWSE_JIT=1: what
  compiling that one task costs).

Target: first / cached <= 1.5 for every program. Quick: one example, first and no-jit only.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import REPO, ratio

PROGRAMS = {
    "topic_08_filters": (REPO / "examples" / "topic_08_filters.py",
                         "result[it[0]] = data / 2.0", "result[it[0]] = data * 0.5"),
    "gemv_07_routes_2": (REPO / "examples" / "gemv_07_routes_2.py",
                         "num_recv_x[0] += 1", "num_recv_x[0] = num_recv_x[0] + 1"),
    "residual": (REPO / "examples" / "residual.py",
                 "if nrm[0] < local_nrm[0]:", "if local_nrm[0] > nrm[0]:"),
    "thirty_tasks": (REPO / "benchmarks" / "thirty_tasks.py",
                     "t[i] = c[i] - a[i] * 0.25", "t[i] = c[i] - 0.25 * a[i]"),
}
QUICK = ("topic_08_filters",)
TIMEOUT_S = 900


def script(path: Path, jit: str | None, *args: str) -> float:
    """Wall seconds of `python path args` in a fresh process (PYWSE_JIT=jit, unset if
    None); it must print SUCCESS."""
    env = {k: v for k, v in os.environ.items() if k != "PYWSE_JIT"}
    env.update(CI="1", PYTHONPATH=str(REPO), **({"PYWSE_JIT": jit} if jit else {}))
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, path.name, *args], cwd=path.parent, env=env,
                         capture_output=True, text=True, timeout=TIMEOUT_S)
    s = time.perf_counter() - t0
    if res.returncode != 0 or "SUCCESS" not in res.stdout:
        tail = " | ".join((res.stderr.strip().splitlines() or ["(no output)"])[-3:])
        raise RuntimeError(f"{path.name} (PYWSE_JIT={jit}) failed: {tail}")
    return s


def fresh_copy(source: Path, root: Path, label: str) -> Path:
    folder = root / label
    folder.mkdir()
    shutil.copy(source, folder / source.name)
    return folder / source.name


def measure(name: str, quick: bool, root: Path) -> dict:
    source, old, new = PROGRAMS[name]
    a = fresh_copy(source, root, f"{name}_a")
    row = {"program": name, "first s": script(a, None)}
    if not quick:
        row["second s"] = script(a, None)
    row["no-jit s"] = script(a, None, "--no-jit")
    if quick:
        return row
    b = fresh_copy(source, root, f"{name}_b")
    row["jit=True cold s"] = script(b, "1")
    row["cached s"] = script(b, None)
    text = b.read_text()
    assert text.count(old) == 1, (name, old)
    b.write_text(text.replace(old, new))
    row["edited s"] = script(b, None)
    row["edited jit=True s"] = script(b, "1")
    row["first / cached"] = row["first s"] / row["cached s"]
    row["edited / cached"] = row["edited s"] / row["cached s"]
    return row


def run(quick: bool) -> dict:
    chosen = QUICK if quick else tuple(PROGRAMS)
    with tempfile.TemporaryDirectory(prefix="pywse-edit-loop-") as root:
        rows = [measure(name, quick, Path(root)) for name in chosen]
    ratios = [ratio(f"edit_loop {r['program']}: first / cached run", r["first / cached"],
                    1.5, better="lower") for r in rows if "first / cached" in r]
    ratios += [ratio(f"edit_loop {r['program']}: edited / cached run", r["edited / cached"],
                     1.5, better="lower") for r in rows if "edited / cached" in r]
    if quick:
        ratios = [ratio(f"edit_loop {r['program']}: first run / --no-jit run",
                        r["first s"] / r["no-jit s"], None, better="lower") for r in rows]
    return {"params": {"programs": len(chosen), "processes": len(chosen) * (2 if quick else 7)},
            "rows": rows, "ratios": ratios,
            "notes": ["whole scripts in fresh processes; copies in fresh folders (cold task "
                      "bodies), pywse's engine cached",
                      "jit=True cold: the first run as it was before tiering (the default "
                      "compiled every task first)"]}
