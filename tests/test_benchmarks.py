"""`python -m benchmarks --quick` runs every case and records its figures.

Only that the figures exist and are sane numbers is checked, never how fast pywse is: speed
targets are for people reading the report, not for CI. A quick run takes 30-50 s (the
longer when numba's cache is cold); the timeout only catches a hang.
"""
import json
import math
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

FIGURES = {   # case -> keys every table row must have, as positive numbers
    "wavelet_hops": ("wavelets", "hops/wavelet", "seconds", "sim cycles", "hops/s"),
    "task_dispatch": ("invocations", "seconds", "invocations/s"),
    "memcpy": ("MiB", "seconds", "bytes/s", "vs copyto"),
    "idle_scaling": ("pes", "layout_s", "compile_s", "load_s", "on_start_s", "launch1_s",
                     "launch2_s"),
    "footprint": ("pes", "load_s", "peak GiB", "peak B/PE"),
    "stream_footprint": ("cycles", "load_s", "run_s", "load peak MiB", "peak MiB"),
    "compile_scaling": ("pes", "layout_s", "compile_s", "reopen_s", "engine_s", "load_s",
                        "compile+load_s", "total_s"),
    "sdklayout_compile": ("regions", "connections", "hops", "layout_s", "plan_s", "lower_s",
                          "compile_s", "us/hop"),
    "task_compile": ("first s", "cached s", "first / cached"),
    "edit_loop": ("first s", "no-jit s"),
    "examples": ("jit first s", "jit best s", "nojit first s", "nojit best s", "speedup"),
    "timing_fidelity": ("ref cycles",),
    "pictures": ("layout_s", "draw_png_s", "draw_svg_s", "stats_s", "heatmap_busy_s",
                 "heatmap_stalled_s", "heatmap_wavelets_s", "heatmap_busy_svg_s"),
    "trace": ("seconds", "sim cycles", "rate/s"),
}
RATIOS = {"wavelet_hops": 4, "task_dispatch": 4, "memcpy": 5, "idle_scaling": 2,
          "footprint": 1, "stream_footprint": 1, "compile_scaling": 5, "sdklayout_compile": 3,
          "task_compile": 1, "edit_loop": 1, "examples": 2, "timing_fidelity": 6,
          "pictures": 2, "trace": 2}


def positive(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0


def test_quick_run_records_every_figure(tmp_path):
    out = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "== summary" in res.stdout
    doc = json.loads(out.read_text())
    assert doc["meta"]["quick"] is True
    cases = doc["cases"]
    assert set(cases) == set(FIGURES)
    for name, keys in FIGURES.items():
        case = cases[name]
        assert case["status"] == "ok", (name, case.get("error"))
        assert case["rows"], name
        for row in case["rows"]:
            bad = {k: row.get(k) for k in keys if not positive(row.get(k))}
            assert not bad, (name, row, bad)
        assert len(case["ratios"]) == RATIOS[name], name
        for r in case["ratios"]:
            assert positive(r["value"]), (name, r)
    assert len(doc["summary"]) == sum(RATIOS.values())
    assert all(r["status"] in ("met", "missed", "(no target)") for r in doc["summary"])



def test_timing_fidelity_meets_its_targets_on_the_check_set(tmp_path):
    """Every check row with a confirmed reference is within 25 % of it (docs/semantics.md,
    "Calibration"); the table has fit, check and advisory rows; a row without pywse's figure
    says why in the notes."""
    out = tmp_path / "r.json"
    res = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--only",
                          "timing_fidelity", "--out", str(out)],
                         cwd=REPO, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    case = json.loads(out.read_text())["cases"]["timing_fidelity"]
    rows = case["rows"]
    assert {row["set"] for row in rows} == {"fit", "check", "advisory"}
    checked = [row for row in rows if row["set"] == "check" and row["status"] == "confirmed"
               and row["pywse cycles"] != "-"]
    assert len(checked) >= 3
    for row in checked:
        assert abs(row["pywse cycles"] / row["ref cycles"] - 1) <= 0.25, row
    assert all(row["pywse cycles"] != "-" for row in rows if row["set"] == "fit")
    for row in rows:
        if row["pywse cycles"] == "-":
            note = next(n for n in case["notes"] if row["reference"] in n)
            assert len(note) > len(row["reference"]) + 20, note


def test_the_engine_ab_script_times_its_four_cases(capsys):
    """benchmarks.engine_ab (docs/performance.md, "Tracing") stays runnable: one JSON line
    with a positive time per case."""
    from benchmarks import engine_ab
    engine_ab.main(["--rounds", "1"])
    got = json.loads(capsys.readouterr().out)
    assert set(got) == {"chain", "broadcast", "local task", "data task"}
    assert all(positive(v) for v in got.values())
