"""bandwidth-test and row-col-broadcast in the modes their scripts take beyond the default
legs of tests/test_examples.py: the row broadcast their commands run, a column-major column
broadcast repeated, and D2H timing. One module (bandwidth_test's sync) serves both."""
import importlib.util
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"


def example(stem: str):
    spec = importlib.util.spec_from_file_location(f"example_{stem}", EXAMPLES / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [
    ["--is_row_bcast"],                                    # commands_wse3.sh's run
    ["--use_col_major", "--loop_count", "2", "--roi_px", "0", "--roi_w", "5", "--roi_h", "2"],
], ids=["row", "col-major-cols"])
def test_row_col_broadcast_modes(argv, capsys, monkeypatch):
    monkeypatch.setenv("PYWSE_JIT", "0")
    example("row_col_broadcast").main(argv + ["--no-jit"])
    out = capsys.readouterr().out
    assert "check E_hwl == B_ext" in out and "SUCCESS" in out


def test_bandwidth_d2h_reads_zeros_and_times_each_copy(capsys, monkeypatch):
    monkeypatch.setenv("PYWSE_JIT", "0")
    example("bandwidth_test").main(["--d2h", "--loop_count", "2", "--no-jit", "-m", "3",
                                    "-n", "4", "-k", "7"])
    out = capsys.readouterr().out
    assert out.count("step 3: measure D2H") == 2 and "SUCCESS" in out


def test_row_col_broadcast_reuses_the_bandwidth_test_module():
    rcb = example("row_col_broadcast")
    assert rcb.layout is sys.modules["bandwidth_test"].layout
    assert rcb.bw.sync.__module__ == "bandwidth_test"
