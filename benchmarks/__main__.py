"""python -m benchmarks [--quick] [--out FILE] [--only CASE ...]

Runs each case (a module here with `run(quick) -> dict`), prints its table, then a summary
of every ratio against its target, and writes all figures as JSON. Every ratio is measured
side by side in this run; nothing is compared with stored numbers.
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

from .common import fmt, met, table

CASES = ("wavelet_hops", "task_dispatch", "memcpy", "idle_scaling", "footprint",
         "stream_footprint", "compile_scaling", "sdklayout_compile", "task_compile", "edit_loop",
         "examples", "timing_fidelity", "pictures", "trace")


def run_case(name: str, quick: bool) -> dict:
    """One case's result dict; an exception becomes {"status": "failed", "error": ...}."""
    t0 = time.perf_counter()
    try:
        res = importlib.import_module(f"benchmarks.{name}").run(quick)
        res.setdefault("status", "ok")
    except Exception as e:           # report, go on with the other cases
        res = {"status": "failed", "error": f"{type(e).__name__}: {e}",
               "traceback": traceback.format_exc().splitlines()[-6:], "rows": [], "ratios": []}
    res["case_s"] = time.perf_counter() - t0
    return res


def print_case(name: str, res: dict) -> None:
    print(f"\n== {name} ({res['case_s']:.1f} s) ==")
    if res["status"] != "ok":
        print(f"  {res['status'].upper()}: {res.get('error', '')}")
        for line in res.get("traceback", []):
            print("   ", line)
    params = res.get("params")
    if params:
        print("  " + ", ".join(f"{k}={v}" for k, v in params.items()))
    if res.get("rows"):
        print(table(res["rows"]))
    for note in res.get("notes", []):
        print(f"  note: {note}")
    sys.stdout.flush()


def summary(results: dict) -> list[dict]:
    rows = []
    for name, res in results.items():
        if res["status"] != "ok":
            rows.append({"ratio": f"{name}: case {res['status']}", "value": None, "target": "",
                         "status": res["status"]})
        for r in res.get("ratios", []):
            sign = ">=" if r["better"] == "higher" else "<="
            target = "" if r["target"] is None else f"{sign} {fmt(r['target'])}"
            rows.append({"ratio": r["name"], "value": r["value"], "target": target,
                         "status": met(r)})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (the test suite's run)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results.json"),
                        help="JSON output file (default: benchmarks/results.json)")
    parser.add_argument("--only", nargs="+", choices=CASES, metavar="CASE",
                        help=f"run only these cases ({', '.join(CASES)})")
    args = parser.parse_args(argv)
    os.environ.setdefault("CI", "1")      # pywse's progress bar would cut into the tables
    t0 = time.perf_counter()
    results = {}
    for name in args.only or CASES:
        results[name] = run_case(name, args.quick)
        print_case(name, results[name])
    rows = summary(results)
    total = time.perf_counter() - t0
    print(f"\n== summary ({'quick' if args.quick else 'full'} run, {total:.1f} s) ==")
    print(table(rows))
    import numba
    import numpy
    doc = {"meta": {"quick": args.quick, "total_s": total, "python": platform.python_version(),
                    "numpy": numpy.__version__, "numba": numba.__version__,
                    "cpus": os.cpu_count(), "machine": platform.machine(),
                    "when": time.strftime("%Y-%m-%dT%H:%M:%S")},
           "cases": results, "summary": rows}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1, default=str))
    print(f"\nwrote {out}")
    return 1 if any(r["status"] != "ok" for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
