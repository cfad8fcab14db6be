"""The code is ruff-clean under the rules in pyproject.toml ([tool.ruff]): pyflakes,
pycodestyle errors, import order and bugbear. Run here so CI checks it with the suite (ruff
comes with the dev extra; `tox -e lint` runs the same check alone)."""
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
CHECKED = ("pywse", "tests", "examples", "benchmarks")


def test_ruff_finds_nothing():
    assert importlib.util.find_spec("ruff") is not None, \
        'ruff is missing: pip install -e ".[dev]" installs it'
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *CHECKED],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, \
        f"ruff check {' '.join(CHECKED)} (fix with `ruff check --fix` or by hand):\n" \
        f"{res.stdout}{res.stderr}"
