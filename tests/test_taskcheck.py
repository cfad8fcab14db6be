"""Task bodies are checked when the program is compiled (dsl/taskcheck.py): each mistake is a
TaskError at the user's line before anything runs, the same compiled or as plain Python; what
only a run can tell (an index computed at run time) is an error at its line in both modes."""
import numpy as np
import pytest

import pywse as pw
from pywse.dsl import taskcheck
from pywse.testing import Harness


def refused(program, jit=True, **params) -> pw.TaskError:
    """The TaskError compiling `program` alone on one PE raises (no task runs)."""
    with pytest.raises(pw.TaskError) as err:
        Harness(program, jit=jit, **params)
    return err.value


def quoted(err: pw.TaskError, source: str) -> bool:
    """Does the error quote `source` (a line of this file) with carets under it?"""
    lines = str(err).splitlines()
    return any(source in ln and i + 1 < len(lines) and set(lines[i + 1].strip()) == {"^"}
               for i, ln in enumerate(lines))


# -- names --------------------------------------------------------------------------------------

def test_a_library_function_says_where_csl_has_it(jit):
    @pw.program
    def prog(p):
        stamp = p.var("stamp", pw.u16, 3)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.get_timestamp(stamp)

    err = refused(prog, jit)
    assert "pw.get_timestamp is no CSL builtin: CSL has `get_timestamp` in the `<time>` " \
        "library" in str(err)
    assert quoted(err, "pw.get_timestamp(stamp)") and err.line is not None


def test_a_builtin_not_supported_yet_says_so_by_its_csl_name(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.u32, 4)

        @p.on_start
        @p.local_task(10)
        def go():
            a[0] = pw.get_xdsr(1)

    assert "`@get_xdsr` is not supported yet" in str(refused(prog, jit))


def test_a_misspelt_builtin_gets_a_suggestion_and_a_param_that_does_not_exist_the_params(jit):
    @pw.program
    def prog(p, *, size: int):
        a = p.var("a", pw.f32, 4)
        d = pw.mem1d(a)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.fads(d, d, d)
            a[0] = n_iter

    text = str(refused(prog, jit, size=4))
    assert "pywse has no pw.fads (did you mean pw.fadds?)" in text
    assert "name 'n_iter' is not defined (program 'prog' has params: size)" in text


# -- builtins against their signatures -------------------------------------------------------------

def test_a_dropped_dsd_result_is_an_error_and_an_i16_length_works_in_both_modes(jit):
    @pw.program
    def dropped(p):
        a = p.var("a", pw.f32, 4)
        d = pw.mem1d(a)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.set_dsd_length(d, 2)

    err = refused(dropped, jit)
    assert "the result of pw.set_dsd_length is dropped" in str(err)
    assert quoted(err, "pw.set_dsd_length(d, 2)")

    @pw.program
    def kept(p):
        a = p.var("a", pw.f32, 4)
        n = p.var("n", pw.i16, 1, init=[2])
        d = pw.mem1d(a)

        @p.on_start
        @p.local_task(10)
        def go():
            short = pw.set_dsd_length(d, n[0])
            pw.fadds(short, short, 1.0)

    h = Harness(kept, jit=jit)
    h.run_until_idle()
    np.testing.assert_array_equal(h.peek("a"), [1, 1, 0, 0])


def test_operand_forms_kinds_widths_and_options_are_checked(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)
        h = p.var("h", pw.i16, 4)
        d, dh = pw.mem1d(a), pw.mem1d(h)
        fin = pw.fabin(pw.Color(1), extent=4, queue=p.input_queue(2, pw.Color(1)))

        @p.local_task(11)
        def later():
            pass

        @p.on_start
        @p.local_task(10)
        def go():
            pw.fmacs(d, d, d, d)
            pw.fmovs(fin, d)
            pw.fadds(dh, dh, dh)
            pw.fadds(d, [1, 2], d)
            pw.fmovs(d, 1.0, priority=4)
            pw.fmovs(d, 1.0, activate=d)
            pw.fmovs(d, 1.0, later=True)

    text = str(refused(prog, jit))
    assert "7 mistakes in task bodies" in text
    assert "pw.fmacs takes (D, D, D, s), got (D, D, D, D)" in text
    assert "a fabin DSD cannot be a destination (operand 1 of pw.fmovs)" in text
    assert "pw.fadds works on 32-bit elements; operand 1 of pw.fadds holds i16" in text
    assert "a list is not a CSL value" in text
    assert "`.priority` is not supported yet" in text
    assert "activate= needs a task, got d (a memory DSD)" in text
    assert "pw.fmovs has no option 'later' (options: async_, activate, unblock, ut_id)" in text


# -- what a task body captures ----------------------------------------------------------------------

def test_captures_a_task_cannot_use_say_what_to_do(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)
        iq = p.input_queue(2, pw.Color(1))
        nothing = None
        table = np.arange(4)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.mov32(pw.mem1d(a), iq)
            e = nothing
            a[0] = table[1]

    text = str(refused(prog, jit))
    assert "operand 2 of pw.mov32 is input queue 2: queues are comptime" in text
    assert "'nothing' is None here" in text and "build the DSD (or value) in the program body" \
        in text
    assert "'table' is a numpy array" in text and "p.const" in text


def test_a_tuple_of_dsds_is_captured_and_indexed_by_constants(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)
        b = p.var("b", pw.f32, 4)
        both = (pw.mem1d(a), pw.mem1d(b))

        @p.on_start
        @p.local_task(10)
        def go():
            pw.fmovs(both[0], 2.0)
            pw.fadds(both[1], both[0], 1.0)

    h = Harness(prog, jit=jit)
    h.run_until_idle()
    np.testing.assert_array_equal(h.peek("b"), [3.0] * 4)


# -- indices ----------------------------------------------------------------------------------------

def test_constant_indices_out_of_range_are_refused(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)

        @p.on_start
        @p.local_task(10)
        def go():
            a[-1] = 1.0
            a[4] = 1.0

    text = str(refused(prog, jit))
    assert "index -1 is negative: CSL has no negative indices" in text
    assert "index 4 is past the end of 'a' (4 element(s), index 0..3)" in text


@pytest.mark.parametrize("where", [-1, 4])
def test_a_run_time_index_out_of_range_is_an_error_at_its_line_in_both_modes(jit, where):
    @pw.program
    def prog(p, *, at: int):
        a = p.var("a", pw.f32, 4)
        idx = p.var("idx", pw.i16, 1, init=[at])

        @p.on_start
        @p.local_task(10)
        def go():
            a[0] = 1.0
            a[idx[0]] = 2.0          # the failing index

    h = Harness(prog, jit=jit, at=where)
    with pytest.raises(pw.TaskError) as err:
        h.run_until_idle()
    text = str(err.value)
    assert f"PE (0, 0) task 'go': index {where} is out of range for 'a' (4 element(s), " \
        "index 0..3)" in text
    assert quoted(err.value, "a[idx[0]] = 2.0") and "jit=False" not in text
    assert (where < 0) == ("CSL has no negative indices" in text)
    assert h.peek("a")[3] == 0.0               # nothing written through a wrapped index


def test_a_python_int_too_big_for_its_operand_names_its_line_compiled_too(jit):
    @pw.program
    def prog(p):
        a = p.var("a", pw.u16, 1, init=[5])
        k = p.var("k", pw.i32, 1, init=[-1])

        @p.on_start
        @p.local_task(10)
        def go():
            n = int(k[0])
            a[0] = a[0] + n          # -1 does not fit u16

    with pytest.raises(pw.TaskError, match="OverflowError") as err:
        Harness(prog, jit=jit).run_until_idle()
    assert quoted(err.value, "a[0] = a[0] + n")


# -- Python that neither CSL nor numba has, in helpers too -------------------------------------------

def test_helpers_are_checked_with_the_task_and_all_mistakes_come_together(jit):
    def lookup(x):
        return {"k": x}

    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)
        d = pw.mem1d(a)

        @p.on_start
        @p.local_task(10)
        def go():
            lookup(1)
            a[0] == 1.0
            print(f"{a[0]}")
            x = 1
            x = d
            b: pw.i16 = 40000

    err = refused(prog, jit)
    text = str(err)
    assert text.startswith("5 mistakes in task bodies:")
    assert "helper 'lookup' (called by task 'go')" in text and "a dict is not a CSL value" in text
    assert "this expression's value is dropped" in text and "(did you mean `=`?)" in text
    assert "f-strings are not supported in task bodies" in text
    assert "'x' held an untyped number and now a memory DSD" in text
    assert "40000 does not fit i16 (-32768..32767)" in text
    assert len(err.mistakes) == 5 and all(m.line for m in err.mistakes)


def test_only_the_branch_a_comptime_condition_takes_is_checked(jit):
    @pw.program
    def prog(p, *, narrow: bool):
        buf = p.var("buf", pw.u16 if narrow else pw.u32, 4)
        d = pw.mem1d(buf)

        @p.on_start
        @p.local_task(10)
        def go():
            if narrow:
                pw.mov16(d, 7)
            else:
                pw.mov32(d, 7)

    for narrow in (True, False):
        h = Harness(prog, jit=jit, narrow=narrow)
        h.run_until_idle()
        np.testing.assert_array_equal(h.peek("buf"), [7] * 4)


def test_a_local_annotation_converts_as_csl_does(jit):
    @pw.program
    def prog(p):
        out = p.var("out", pw.f32, 1)

        @p.on_start
        @p.local_task(10)
        def go():
            x: pw.f32 = 0.1
            out[0] = x * 3.0          # in f32, as CSL's var x: f32 = 0.1

    h = Harness(prog, jit=jit)
    h.run_until_idle()
    assert h.peek("out")[0] == np.float32(0.1) * np.float32(3.0)


# -- a numba failure the checker missed: words, the line, a pywse bug --------------------------------

def test_a_numba_failure_on_an_accepted_body_is_reported_in_words(monkeypatch):
    monkeypatch.setattr(taskcheck, "check_task", lambda fn, ctx: [])   # as if it slipped through

    @pw.program
    def prog(p):
        a = p.var("a", pw.f32, 4)

        @p.on_start
        @p.local_task(10)
        def go():
            a[0] = len(object().__doc__)    # numba has no object()

    with pytest.raises(pw.TaskError) as err:
        Harness(prog, jit=True).run_until_idle()
    text = str(err.value)
    assert "task 'go' could not be compiled:" in text and "this is a pywse bug" in text
    assert "jit=False" in text and "\x1b[" not in text
    for jargon in ("Resolution failure", "During: ", "numba.core", "nopython"):
        assert jargon not in text
    assert err.value.numba_text and err.value.line is not None


def test_docs_builtins_is_the_table_pw_compile_checks_against():
    from pathlib import Path

    from pywse.tools.builtins_doc import markdown
    page = Path(__file__).resolve().parents[1] / "docs" / "builtins.md"
    assert page.read_text() == markdown(), \
        "regenerate it: python -m pywse.tools.builtins_doc > docs/builtins.md"


def test_every_supported_builtin_runs_and_every_public_one_is_in_the_table():
    from pywse.dsl.signatures import TABLE
    from pywse.sim.builtins import LOWERINGS
    supported = {n for n, b in TABLE.items() if b.supported}
    internal = {n for n, b in TABLE.items() if b.kind == "internal"}   # dsl/primitives.py
    program_body = {n for n, b in TABLE.items() if b.kind == "comptime"}
    assert supported - program_body == set(LOWERINGS)
    assert all(getattr(pw, n) is TABLE[n] for n in supported - internal)
    assert not any(hasattr(pw, n) for n, b in TABLE.items() if not b.supported or n in internal)


SDK_SCRIPT = '''
import sys
import pywse as pw
from pywse.sdkruntime import SdkLayout, SdkRuntime, SdkTarget, SimfabConfig, get_platform


@pw.program
def prog(p):
    a = p.var("a", pw.u32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def main():
        pw.mov32(d, 1){mistake}


def main(arch):
    target = SdkTarget.WSE3 if arch == "wse3" else SdkTarget.WSE2
    layout = SdkLayout(get_platform(None, SimfabConfig(dump_core=False), target))
    layout.create_code_region(prog, "one", 1, 1)
    runtime = SdkRuntime(layout.compile(out_prefix=None), memcpy_required=False)
    print("RAN")       # under pywse check nothing runs


if __name__ == "__main__":
    main(sys.argv[1])
'''


@pytest.mark.parametrize("mistake", ["", "\n        pw.get_timestamp(a)"])
def test_pywse_check_runs_a_script_up_to_its_runtime_and_reports_task_body_mistakes(
        tmp_path, capsys, mistake):
    from pywse.tools.cli import main
    script = tmp_path / "run.py"
    script.write_text(SDK_SCRIPT.replace("{mistake}", mistake))
    code = main(["check", str(script), "--", "wse3"])
    out, err = capsys.readouterr()
    assert "RAN" not in out
    if mistake:
        assert code == 1 and "pw.get_timestamp is no CSL builtin" in err
        assert f'File "{script}", line 16, in main' in err
    else:
        assert code == 0 and f"checked {script}: 0 warning(s)" in out


def test_pywse_check_says_when_a_script_makes_no_runtime(tmp_path, capsys):
    from pywse.tools.cli import main
    script = tmp_path / "nothing.py"
    script.write_text("print('hello')\n")
    assert main(["check", str(script)]) == 1
    assert "ended (exit code 0) without making an SdkRuntime" in capsys.readouterr().err
