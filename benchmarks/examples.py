"""examples: wall time of every examples/*.py compiled (PYWSE_JIT=1) and as plain Python
(--no-jit).

Each example is imported and its `main(["--arch", "wse3"(, "--no-jit")])` called with stdout
captured, as tests/test_examples.py does; a run counts only if it printed SUCCESS. The first
jit run includes numba compiling or loading from its disk cache the example's own task
bodies (pywse's shared compiled code is already loaded by then: earlier examples and cases
ran in this process); "best" is the fastest of the next runs. Speedup = best --no-jit /
best jit. Quick: two small examples.
"""
import contextlib
import importlib.util
import io
import math
import os
import sys
import time
from pathlib import Path

from .common import REPO, ratio

QUICK_EXAMPLES = ("gemv_01_complete_program", "pipeline_01_basic")
SIZES = {False: {"repeats": 3}, True: {"repeats": 2}}


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def timed_main(module, argv) -> float:
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        module.main(argv)
    s = time.perf_counter() - t0
    if "SUCCESS" not in out.getvalue():
        raise AssertionError(f"{module.__name__} {' '.join(argv)} did not print SUCCESS")
    return s


@contextlib.contextmanager
def compiled():
    """PYWSE_JIT=1: the examples' default (jit=None) runs compiled from the first task, as
    this case measures compiled code (the tiered default would start as plain Python)."""
    before = os.environ.get("PYWSE_JIT")
    os.environ["PYWSE_JIT"] = "1"
    try:
        yield
    finally:
        if before is None:
            del os.environ["PYWSE_JIT"]
        else:
            os.environ["PYWSE_JIT"] = before


def measure(path: Path, repeats: int) -> dict:
    module = load(path)
    row = {"example": path.stem}
    for mode, argv in (("jit", ["--arch", "wse3"]), ("nojit", ["--arch", "wse3", "--no-jit"])):
        with compiled():
            row[f"{mode} first s"] = timed_main(module, argv)
            row[f"{mode} best s"] = min(timed_main(module, argv) for _ in range(repeats))
    row["speedup"] = row["nojit best s"] / row["jit best s"]
    return row


def run(quick: bool) -> dict:
    paths = sorted((REPO / "examples").glob("*.py"))
    if quick:
        chosen = [p for p in paths if p.stem in QUICK_EXAMPLES]
        paths = chosen if len(chosen) == 2 else paths[:2]
    rows, failed = [], []
    for path in paths:
        try:
            rows.append(measure(path, SIZES[quick]["repeats"]))
        except Exception as e:          # one broken example must not hide the others
            failed.append(f"{path.stem}: {type(e).__name__}: {str(e).splitlines()[0][:200]}")
    speedups = [r["speedup"] for r in rows]
    geo = math.exp(sum(map(math.log, speedups)) / len(speedups)) if speedups else None
    total_jit = sum(r["jit best s"] for r in rows)
    total_nojit = sum(r["nojit best s"] for r in rows)
    if rows:
        rows.append({"example": "TOTAL", "jit first s": sum(r["jit first s"] for r in rows),
                     "jit best s": total_jit,
                     "nojit first s": sum(r["nojit first s"] for r in rows),
                     "nojit best s": total_nojit, "speedup": total_nojit / total_jit})
    return {"params": {"examples": len(paths), "repeats": SIZES[quick]["repeats"]},
            "rows": rows,
            "ratios": [ratio("examples: geometric mean speedup jit vs --no-jit", geo, None),
                       ratio("examples: total time --no-jit / jit",
                             total_nojit / total_jit if rows else None, None)],
            "notes": [f"FAILED {f}" for f in failed],
            **({"status": "failed", "error": "; ".join(failed)} if failed else {})}
