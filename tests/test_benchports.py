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


# -- the figures they print (issue 21, part 3): copy-mode memcpy costs what the I/O channels
# -- carry (docs/semantics.md, "Timing"); 7 Gbit/s per channel is 875 MB/s

CHANNEL_MB_S = 7000 / 8


def bandwidth(*argv: str) -> tuple[int, float]:
    return example("bandwidth_test").main([*argv, "--no-jit"])


@pytest.fixture
def plain(monkeypatch, capsys):
    monkeypatch.setenv("PYWSE_JIT", "0")
    yield
    capsys.readouterr()


def test_one_channel_stays_under_its_7_gbits_and_reaches_half_of_it(plain):
    for args in (("-m", "2", "-n", "2", "-k", "5"), ("-m", "2", "-n", "2", "-k", "4096"),
                 ("--d2h", "-m", "3", "-n", "2", "-k", "2048")):
        _, mb_s = bandwidth(*args)
        assert mb_s <= CHANNEL_MB_S, args
    assert mb_s >= CHANNEL_MB_S / 2          # a large transfer comes within 2x of it


def test_four_times_the_data_costs_three_to_four_and_a_half_times_the_cycles(plain):
    small, _ = bandwidth("-m", "2", "-n", "2", "-k", "1024")
    large, _ = bandwidth("-m", "2", "-n", "2", "-k", "4096")
    assert 3 <= large / small <= 4.5, (small, large)


def test_more_channels_help_up_to_about_eight(plain):
    cycles = {c: bandwidth("-m", "16", "-n", "2", "-k", "256", "--channels", str(c))[0]
              for c in (1, 2, 8, 16)}
    assert cycles[1] > 1.8 * cycles[2] and cycles[2] > 3 * cycles[8], cycles
    assert cycles[16] == cycles[8], cycles   # the SDK: no gain past about 8 channels


def test_column_major_beats_row_major(plain):
    rcb = example("row_col_broadcast")
    roi = ["-m", "4", "-n", "4", "-k", "256", "--roi_px", "0", "--roi_py", "0", "--roi_w", "4",
           "--roi_h", "4", "--is_row_bcast", "--no-jit"]
    row_major, _ = rcb.main(roi)
    col_major, _ = rcb.main(roi + ["--use_col_major"])
    assert col_major < row_major, (col_major, row_major)
