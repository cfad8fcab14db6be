"""Every example prints SUCCESS on both arches, compiled and as plain Python."""
import ast
import importlib.util
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from conftest import arch_legs, heavy_compile
from pywse.host import runcheck

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def load(path: Path):
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path, arch", [
    pytest.param(path, *leg.values, marks=leg.marks, id=f"{path.stem}-{leg.values[0]}")
    for path in EXAMPLES for leg in arch_legs(path)])
def test_example(path, arch, jit, capsys, monkeypatch):
    # the examples pass jit=None unless --no-jit: PYWSE_JIT=1 makes that compiled from the
    # first task (the default would start as plain Python)
    monkeypatch.setenv("PYWSE_JIT", "1")
    module = load(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pw.RoutingWarning)
        module.main(["--arch", arch] + ([] if jit else ["--no-jit"]))
    assert "SUCCESS" in capsys.readouterr().out
    lints = [w for w in caught if issubclass(w.category, pw.RoutingWarning)]
    assert not lints, [str(w.message) for w in lints]   # game-of-life, gemv-08/09 included


def test_example_runs_as_a_script():
    res = subprocess.run([sys.executable, str(EXAMPLES[0])], capture_output=True, text=True)
    assert res.returncode == 0 and "SUCCESS" in res.stdout, res.stderr


def test_pipeline_01_stalls_above_its_queue_capacity():
    """As its README says: 14 wavelets fit in the hardware queues (wse3), 15 stall."""
    module = load(next(p for p in EXAMPLES if p.stem == "pipeline_01_basic"))
    module.main(["--arch", "wse3", "--size", "14"])
    with pytest.raises(pw.DeadlockError) as err:
        module.main(["--arch", "wse3", "--size", "15"])
    text = str(err.value)
    assert "memcpy_h2d(color 0, streaming) is still waiting" in text
    assert "queued behind it: memcpy_d2h(color 1, streaming)" in text
    assert "microthread 3: add16 stalled" in text


def test_pipeline_02_stalls_once_its_fifo_is_full():
    """The 1024-element FIFO absorbs what the queues could not; past it, the stream stalls."""
    module = load(next(p for p in EXAMPLES if p.stem == "pipeline_02_fifo"))
    module.main(["--size", "1024"])
    with pytest.raises(pw.DeadlockError) as err:
        module.main(["--size", "1100"])
    text = str(err.value)
    assert "memcpy_h2d(color 0, streaming) is still waiting" in text
    assert "mov16 stalled at element 1048 of 32767" in text   # 1024 in the FIFO + 24 in flight


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs_are_deterministic(path, monkeypatch, capsys):
    """Run twice: bit-identical output arrays, cycle counts and printed output."""
    monkeypatch.setenv("PYWSE_JIT", "1")
    module = load(path)
    runs = []
    stop = pw.SdkRuntime.stop

    def recording_stop(self):
        stop(self)
        runcheck.RECORDER.append(("cycles", np.array([self.cycles])))

    monkeypatch.setattr(pw.SdkRuntime, "stop", recording_stop)
    for _ in range(2):
        runcheck.RECORDER = record = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", pw.RoutingWarning)
                # a HEAVY_COMPILE example runs as plain Python here (the same scheduler and
                # engine; its compiled leg is in the slow tier)
                module.main(["--arch", arch_legs(path)[0].values[0]]
                            + (["--no-jit"] if heavy_compile(path) else []))
        finally:
            runcheck.RECORDER = None
        runs.append(([(label, a.tobytes()) for label, a in record], capsys.readouterr().out))
    assert runs[0] == runs[1] and runs[0][0]


FULL_SIZES = {"gemm_collectives_2d": "4,14,14,14", "fft_3d": "16,4"}
"""Examples whose default size is smaller than their original's (for the fast tier): the
original's size runs in the slow tier."""


@pytest.mark.slow
@pytest.mark.parametrize("stem, size", sorted(FULL_SIZES.items()))
def test_example_at_the_originals_size(stem, size, jit, capsys, monkeypatch):
    monkeypatch.setenv("PYWSE_JIT", "1")
    module = load(next(p for p in EXAMPLES if p.stem == stem))
    module.main(["--size", size] + ([] if jit else ["--no-jit"]))
    assert "SUCCESS" in capsys.readouterr().out


def test_topic_11_port_is_no_longer_than_its_original():
    """Issue 20: with `<collectives_2d>` a port reads like the original. csl-examples v1.4.0's
    topic-11 has 221 code lines (non-blank, non-comment): layout.csl 47, pe_program.csl 102,
    run.py 72; the port (kernel, layout and host in one file) may have at most 1.2x that."""
    path = next(p for p in EXAMPLES if p.stem == "topic_11_collectives")
    src = path.read_text()
    body = src.splitlines()[ast.parse(src).body[0].end_lineno:]     # after the docstring
    code = [line for line in body if line.strip() and not line.strip().startswith("#")]
    assert len(code) <= 1.2 * 221, len(code)
