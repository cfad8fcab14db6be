import ast
import os
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pywse.sim import dispatch, tiers

# Fuzzing profiles (tests/test_fuzz.py; docs/testing.md, "Fuzzing"). "fast", the default:
# deterministic (the same examples every run, so numba's disk cache covers them) and small.
# "long": `--hypothesis-profile=long`, many random examples, failures kept in .hypothesis/.
_SLOW_IS_FINE = [HealthCheck.too_slow, HealthCheck.data_too_large]
settings.register_profile("fast", max_examples=25, derandomize=True, deadline=None,
                          database=None, print_blob=True, suppress_health_check=_SLOW_IS_FINE)
settings.register_profile("long", max_examples=1000, deadline=None, print_blob=True,
                          suppress_health_check=_SLOW_IS_FINE)
settings.load_profile("fast")


@pytest.fixture(params=[True, False], ids=["jit", "nojit"])
def jit(request):
    """Run a test with compiled task bodies and again as plain Python."""
    return request.param


def arch_legs(path=None) -> list:
    """The arches an example (or any test) runs on: the fast tier takes the first, the `slow`
    tier the rest (README: the two test tiers). An example that runs on one arch only, as its
    original does, says so with a literal `ARCHES = ("wse2",)` at module level."""
    arches = ("wse3", "wse2")
    if path is not None:
        for node in ast.parse(Path(path).read_text()).body:
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "ARCHES" for t in node.targets):
                arches = tuple(ast.literal_eval(node.value))
    return [pytest.param(a, marks=() if i == 0 else pytest.mark.slow)
            for i, a in enumerate(arches)]


def heavy_compile(path) -> bool:
    """Does an example declare `HEAVY_COMPILE = True`: its tasks (mostly library modules')
    take numba far beyond a fast-tier leg's 10 s cold, so its compiled leg runs in the slow
    tier (its plain-Python leg stays fast; docs/performance.md has the figures)."""
    for node in ast.parse(Path(path).read_text()).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "HEAVY_COMPILE" for t in node.targets):
            return bool(ast.literal_eval(node.value))
    return False


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A `compile_heavy` test's compiled (jit) leg belongs to the slow tier: CI still runs both
    modes, the fast tier keeps its 10-minute cold budget."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is None or callspec.params.get("jit") is not True:
            continue
        path = callspec.params.get("path")
        if item.get_closest_marker("compile_heavy") or (
                path is not None and heavy_compile(path)):
            item.add_marker(pytest.mark.slow)


pytest_plugins = ["pytester"]     # tests/test_plugin.py runs pytest on test files it writes


def write_kept(path, text: str) -> None:
    """Write `text` unless the file holds it already, so the file keeps its mtime."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


@pytest.fixture
def kept_dir(request, tmp_path):
    """A folder of this test's own that outlives the run (under .pytest_cache), for source
    files of task bodies. numba caches compiled tasks next to their file, keyed by its path
    and mtime: a file written again with the same text (`write_kept`) keeps both, so the
    next run loads its tasks instead of compiling them (~2 s a program). Under
    `-p no:cacheprovider`, a fresh tmp_path."""
    cache = getattr(request.config, "cache", None)
    return cache.mkdir("pywse-" + re.sub(r"\W+", "_", request.node.name)) if cache else tmp_path


@pytest.fixture
def kept_file(kept_dir):
    """kept_file(name, text) -> the path of `text` written in this test's kept_dir."""
    def write(name: str, text: str):
        write_kept(kept_dir / name, text)
        return kept_dir / name
    return write


class KeptProject:
    """A user's project of test files in a `kept_dir`, run by pytest in a subprocess."""

    def __init__(self, pytester, monkeypatch, folder):
        self.pytester, self.folder = pytester, folder
        # pytester points HOME at a fresh folder: keep the generated dispatch code where it is
        monkeypatch.setenv("PYWSE_CACHE_DIR", str(dispatch.CACHE_DIR))
        write_kept(folder / "pytest.ini", "[pytest]\n")   # its own ini: no addopts of ours

    def files(self, **texts: str) -> None:
        """Make the folder hold exactly these test modules (name -> source)."""
        wanted = {self.folder / f"{name}.py": text for name, text in texts.items()}
        for stale in set(self.folder.glob("*.py")) - set(wanted):
            stale.unlink()
        for path, text in wanted.items():
            write_kept(path, text)

    def run(self, *args: str):
        """pytest in a subprocess on this folder, with the plugin found by its entry point
        (pytester's in-process runs re-import modules, which numba's registry refuses)."""
        here = os.getcwd()
        os.chdir(self.folder)          # node ids in the output read as in the user's project
        try:
            return self.pytester.runpytest_subprocess(
                "-c", "pytest.ini", "-p", "no:cacheprovider",
                "-p", "no:hypothesispytest",      # importing hypothesis costs ~1.5 s a process
                *args)
        finally:
            os.chdir(here)


@pytest.fixture
def kept_project(pytester, monkeypatch, kept_dir):
    return KeptProject(pytester, monkeypatch, kept_dir)


@pytest.fixture(autouse=True)
def _no_background_compiler(request, monkeypatch):
    """Tests run both tiers explicitly (the `jit` fixture, `--pywse-jit=both`); one left to
    the default tiered mode stays plain instead of forking a compiler. Only
    tests/test_tiers.py forks them."""
    if request.module.__name__ != "test_tiers":
        monkeypatch.setattr(tiers.Compiler, "start", classmethod(lambda cls, plan: None))
