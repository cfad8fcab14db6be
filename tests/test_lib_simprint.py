"""<simprint>: lines stamped with the PE and the cycle, formats, compile-time format checks."""
import importlib.util
import sys
import warnings
from pathlib import Path

import pytest

import pywse as pw
from pywse.testing import Harness

N = 8


@pw.program
def printer(p, *, enable: bool = True):
    prt = p.import_module("<simprint>", enable=enable)
    u = p.var("u", pw.u32, 1, init=0xBEEF)
    f = p.var("f", pw.f32, 1, init=0.1)
    h = p.var("h", pw.f32, 1, init=1.5)
    a = p.var("a", pw.f32, N)
    da = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def go():
        prt.print_string("dec ")
        prt.print_u16_decimal(u[0])
        prt.print_string(" hex ")
        prt.print_u16_hex(7)
        prt.print_string(" ")
        prt.print_u32_hex(u[0])
        prt.print_string(" bin ")
        prt.print_u16_binary(5)
        prt.print_string(" ")
        prt.print_u32_decimal(u[0])
        pw.fadds(da, da, da)               # the line is stamped at its newline, after this op
        prt.print_string("\n")
        prt.print_u32_binary(1)
        prt.print_string(" f32 ")
        prt.print_f32(f[0])
        prt.print_string(" f16 ")
        prt.print_f16(h[0])
        prt.print_string("\ncut here\n\0not shown\n")
        prt.fmt("d={d} X={X} b={b} f={f} {{literal}}", (u[0], u[0], 5, h[0]))
        prt.fmt_no_nl("no newline, ", ())
        prt.fmt("then {d}", (pw.i16(-3),))
        prt.fmt_with_coords("at {d}", (1,))
        prt.print_string("never ended")   # still buffered when the run ends: lost


def test_lines_formats_and_stamps(jit):
    # the print calls' own cycles: test_costs.py; the prints': below
    costs = pw.Costs().without_scalar().evolve(simprint=0)
    h = Harness(printer, width=2, jit=jit, costs=costs)
    h.run_until_idle()
    start = costs.task_switch                              # the task starts at cycle 0
    simd = dict(costs.simd)["fadds"][1]
    after = start + (N + simd - 1) // simd + costs.dsd_start
    lines = [line for line in h.printed() if line[1:3] == (1, 0)]
    assert lines == [
        (after, 1, 0, "dec 48879 hex 0007 0000BEEF bin 0000000000000101 48879"),
        (after, 1, 0, "00000000000000000000000000000001 f32 0.1 f16 1.5"),
        (after, 1, 0, "cut here"),
        (after, 1, 0, "d=48879 X=BEEF b=101 f=1.5 {literal}"),
        (after, 1, 0, "no newline, then -3"),
        (after, 1, 0, "PE(1,0): at 1"),
    ]
    first = [line for line in h.printed() if line[1:3] == (0, 0)]
    assert [text for *_, text in first[:-1]] == [text for *_, text in lines[:-1]]
    assert first[-1][3] == "PE(0,0): at 1"


@pw.program
def three_lines(p, *, enable: bool = True):
    prt = p.import_module("<simprint>", enable=enable)

    @p.on_start
    @p.local_task(10)
    def go():
        prt.print_string("a")
        prt.print_string("b\n")        # stamped before its own cost: after one print's
        prt.fmt_no_nl("c", ())
        prt.print_u16_decimal(4)
        prt.print_string("\n")


def test_each_print_costs_the_simprint_constant(jit):
    costs = pw.Costs().without_scalar().evolve(simprint=7)   # helper calls cost nothing
    h = Harness(three_lines, jit=jit, costs=costs)
    h.run_until_idle()
    t = costs.task_switch                                  # the task starts at cycle 0
    assert [(c, text) for c, _, _, text in h.printed()] == [(t + 7, "ab"), (t + 28, "c4")]
    assert h.cycles == t + 5 * 7
    off = Harness(three_lines, enable=False, jit=jit, costs=costs)
    off.run_until_idle()
    assert off.cycles == t                                 # a disabled instance: no cost


def test_disabled_instances_print_nothing(jit):
    h = Harness(printer, enable=False, jit=jit)
    h.run_until_idle()
    assert h.printed() == []


@pytest.mark.parametrize("call, message", [
    ('prt.fmt("x = {q}", (a[0],))', "'{q}' in format 'x = {q}' is not a simprint placeholder"),
    ('prt.fmt("{d} {d}", (a[0],))', "has 2 placeholder(s) but 1 value(s) were given"),
    ('prt.fmt("{d}", (f[0],))', "{d} (value 1 of format '{d}') needs an integer, got an f32"),
    ('prt.fmt_with_coords(s, (a[0],))', "must be a string literal"),
])
def test_a_format_that_does_not_fit_is_a_compile_error(kept_file, call, message):
    path = kept_file("bad_fmt.py", f'''
import pywse as pw

@pw.program
def bad(p):
    prt = p.import_module("<simprint>")
    a = p.var("a", pw.u32, 1)
    f = p.var("f", pw.f32, 1)
    s = "{{d}}"

    @p.on_start
    @p.local_task(10)
    def go():
        {call}
''')
    spec = importlib.util.spec_from_file_location("bad_fmt", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(pw.TaskError) as err:
        Harness(module.bad, jit=False)
    assert message in str(err.value)
    assert err.value.file == str(path) and err.value.line == 14    # the user's call


def test_stop_prints_the_log_or_writes_it(tmp_path, monkeypatch, capsys):
    path = Path(__file__).parent.parent / "examples" / "topic_13_simprint.py"
    spec = importlib.util.spec_from_file_location("topic13_for_log", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)   # SdkRuntime(out) imports it again
    spec.loader.exec_module(module)
    module.main(["--no-jit"])
    out = capsys.readouterr().out
    assert "PE(3,0): recv_task: in_data = 4, global = 20\n" in out
    first = [line for line in out.splitlines() if line.startswith("@")][0]
    assert first.endswith(" PE(0,0): sender beginning main_fn")
    monkeypatch.setenv("PYWSE_SIM_LOG", str(tmp_path / "sim.log"))
    module.main(["--no-jit"])
    assert "@" not in capsys.readouterr().out
    log = (tmp_path / "sim.log").read_text().splitlines()
    assert len(log) == 17 and log[0] == first


@pw.program
def stalls(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    prt = p.import_module("<simprint>")
    got = p.var("got", pw.u32, 1)
    never = pw.fabin(pw.Color(3), extent=1, queue=p.input_queue(2, pw.Color(3)))

    @p.export
    def main_fn():
        prt.print_string("waiting for a wavelet\n")
        pw.mov32(got, never)              # nothing ever sends it: the run stalls
        sys_mod.unblock_cmd_stream()


def test_a_stall_report_quotes_the_last_lines():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, stalls, memcpy_params=layout.memcpy().get_params(0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pw.RoutingWarning)     # color 3 comes from nowhere
        art = pw.compile(layout, arch="wse3", memcpy=True)
    runner = pw.SdkRuntime(art, jit=False)
    runner.load()
    runner.run()
    with pytest.raises(pw.DeadlockError) as err:
        runner.launch("main_fn")
    assert "the last <simprint> lines (all 1: runner.simprint_lines()):\n  @" in str(err.value)
    assert str(err.value).endswith(" waiting for a wavelet")
