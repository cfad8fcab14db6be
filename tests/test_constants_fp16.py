"""`@constants` (`pw.constants`: an array all of one value, as a var's init or a const's
values; `np.full` in a task body) and `@fp16()` / `--fp16-format` (pywse simulates IEEE f16
only: `pw.fp16()` is `pw.f16`, and cb16 / bf16 are refused at compile, never run as f16)."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness
from pywse.tools.cli import main as cli


@pw.program
def filled(p, *, nop: int):
    """CSL: `var x = @constants([4]f32, 1.5);`, `const cmds = @constants([8]u16, nop);`, and a
    task's local `var row = @constants([3]i16, -2);`."""
    x = p.var("x", pw.f32, 4, export=True, init=pw.constants(4, pw.f32, 1.5))
    cmds = p.const(pw.u16, pw.constants(8, pw.u16, nop))
    out = p.var("out", pw.u16, 8, export=True)
    total = p.var("total", pw.i16, 1, export=True)
    half = p.var("half", pw.fp16(), 2, export=True, init=pw.constants(2, pw.fp16(), 0.5))

    @p.on_start
    @p.local_task(10)
    def go():
        row = np.full(3, -2, pw.i16)
        for i in range(8):
            out[i] = cmds[i]
        for i in range(3):
            total[0] = total[0] + row[i]
        pw.fadds(pw.mem1d(x), pw.mem1d(x), pw.mem1d(x))


def test_constants_in_the_program_and_a_task(jit):
    h = Harness(filled, jit=jit, nop=7)
    h.run_until_idle(max_cycles=1000)
    assert h.peek("x").tolist() == [3.0] * 4
    assert h.peek("out").tolist() == [7] * 8
    assert h.peek("total").tolist() == [-6]
    assert h.peek("half").view(np.float16).tolist() == [0.5, 0.5]


def test_constants_mistakes():
    with pytest.raises(pw.ProgramError, match=r"pw.constants: 70000 does not fit uint16 "
                                              r"\(0..65535\)"):
        pw.constants(4, pw.u16, 70000)
    with pytest.raises(pw.ProgramError, match=r"pw.constants: 1.5 does not fit int16"):
        pw.constants(4, pw.i16, 1.5)
    with pytest.raises(pw.ProgramError, match=r"every extent must be >= 1"):
        pw.constants(0, pw.f32, 1.0)
    assert pw.constants((2, 3), pw.f32, 2.0).tolist() == [[2.0] * 3] * 2
    assert pw.constants(2, pw.u16, pw.Color(5)).tolist() == [5, 5]


@pw.program
def constants_in_a_task(p):
    out = p.var("out", pw.f32, 4)

    @p.on_start
    @p.local_task(10)
    def go():
        row = pw.constants(4, pw.f32, 1.0)
        out[0] = row[0]


def test_constants_in_a_task_body_says_np_full():
    with pytest.raises(pw.TaskError, match=r"`@constants` in a task body is a local array: "
                                           r"write np.full\(shape, value, T\)"):
        Harness(constants_in_a_task)


def test_fp16_is_ieee_f16():
    assert pw.fp16() is pw.f16


@pw.program
def empty(p):
    """Nothing to do."""


def test_fp16_formats_other_than_f16_are_refused():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, empty)
    pw.compile(layout, fp16_format="f16")
    with pytest.raises(pw.LayoutError, match=r"--fp16-format=cb16: pywse simulates IEEE f16 "
                                             r"only"):
        pw.compile(layout, fp16_format="cb16")
    with pytest.raises(pw.LayoutError, match=r"--fp16-format='fp8': unknown format; cslc's "
                                             r"are f16, cb16, bf16"):
        pw.compile(layout, fp16_format="fp8")


def test_the_compile_command_takes_fp16_format(tmp_path, capsys):
    src = tmp_path / "layout.py"
    src.write_text("import pywse as pw\n\n@pw.program\ndef empty(p):\n    pass\n\n"
                   "layout = pw.Layout(1, 1)\nlayout.set_tile_code(0, 0, empty)\n")
    out = str(tmp_path / "out")
    assert cli(["compile", str(src), "--fp16-format=f16", "--memcpy", "-o", out]) == 0
    assert cli(["compile", str(src), "--fp16-format=bf16", "--memcpy", "-o", out]) == 1
    assert "--fp16-format=bf16: pywse simulates IEEE f16 only" in capsys.readouterr().err
