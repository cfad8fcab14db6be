"""Errors point at the user's line: file, line and the source quoted with carets, and the
traceback shows the user's frames only (PYWSE_FULL_TRACEBACK=1 keeps pywse's and numba's).

Expected lines are found by the marker comments on them, never written as numbers."""
import os
import pickle
import sys
import traceback

import pytest

import pywse as pw
from pywse import errors
from pywse.testing import Harness

HERE = os.path.abspath(__file__)
PYWSE_DIR = os.path.dirname(os.path.abspath(pw.__file__)) + os.sep


def line_of(marker: str) -> int:
    """The number of the line of this file that ends with the comment `# <marker>`."""
    with open(HERE) as f:
        hits = [n for n, text in enumerate(f, 1) if text.rstrip().endswith(f"# {marker}")]
    assert len(hits) == 1, marker
    return hits[0]


def assert_cites(err: pw.PywseError, marker: str, source: str) -> None:
    """The error names this file and the marked line, quotes `source` and underlines it."""
    line = line_of(marker)
    text = str(err)
    assert (err.file, err.line) == (HERE, line)
    head = f'File "{HERE}", line {line}'
    assert head in text, text
    after = text.split(head, 1)[1].splitlines()
    assert source in after[1], text
    carets = after[2]
    assert carets.strip() and set(carets.strip()) == {"^"}, text
    start = len(carets) - len(carets.lstrip())
    assert after[1][start:].startswith(source[:1]), text     # the carets start under it


def one_pe(program, **params):
    layout = pw.Layout(1, 1)
    mc = layout.memcpy()
    layout.set_tile_code(0, 0, program, memcpy_params=mc.get_params(0), **params)
    return layout


# -- TaskError: a construct the task compiler or numba rejects ------------------------------------

def test_a_construct_the_checker_refuses_fails_at_compile_and_cites_its_line(jit):
    @pw.program
    def uses_object(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)

        @p.export
        def go():
            d = {"a": object()}  # unsupported
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError) as err:
        Harness(uses_object, jit=jit)              # at compile time, before any run
    assert "task 'go' (line" in str(err.value) and "a dict is not a CSL value" in str(err.value)
    assert_cites(err.value, "unsupported", '{"a": object()}')


def test_a_construct_the_dsl_rejects_cites_its_line_with_columns(jit):
    @pw.program
    def calls_a_task(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)

        @p.local_task(10)
        def helper():
            sys.unblock_cmd_stream()

        @p.export
        def go():
            x = 1; helper()  # rejected
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="tasks cannot be called") as err:
        Harness(calls_a_task, jit=jit).launch("go")
    assert_cites(err.value, "rejected", "helper()")   # the carets start under the call


# -- TaskError: a task body raises at run time -----------------------------------------------------

@pw.program
def divides(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.i32, 4)

    @p.export
    def go():  # def of go
        a[1] = a[2] // a[0]  # divides by zero
        sys.unblock_cmd_stream()


def test_a_task_failing_as_plain_python_cites_the_failing_line():
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': ZeroDivisionError") as err:
        Harness(divides, jit=False).launch("go")
    assert_cites(err.value, "divides by zero", "a[2] // a[0]")
    assert "in go\n" in str(err.value)        # the user's name, not the rewritten one


def test_a_compiled_task_failing_cites_the_failing_line():
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': ZeroDivisionError") as err:
        Harness(divides, jit=True).launch("go")
    assert_cites(err.value, "divides by zero", "a[1] = a[2] // a[0]")
    assert "jit=False" not in str(err.value)       # no need to rerun for the line


def test_a_raise_in_a_task_body_cites_the_raise_in_both_modes(jit):
    @pw.program
    def raises(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)
        a = p.var("a", pw.i32, 4)

        @p.export
        def go():
            if a[0] == 0:
                raise ValueError("a[0] must not be zero")  # raises
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="ValueError: a.0. must not be zero") as err:
        Harness(raises, jit=jit).launch("go")
    assert_cites(err.value, "raises", "raise ValueError")


MOVED_TASK = """
import pywse as pw


@pw.program
def raises(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)

    @p.export
    def go():
        raise ValueError("from here")
        sys.unblock_cmd_stream()
"""


def test_a_moved_checkout_cites_its_new_path_not_the_cached_one(tmp_path):
    """numba's cache travels with a moved folder (same mtimes) and compiled code keeps the
    path it was built from: a compiled task must still cite where its file is now."""
    import importlib.util
    import shutil

    def fails_at(folder):
        spec = importlib.util.spec_from_file_location("moved_task", folder / "moved_task.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with pytest.raises(pw.TaskError) as err:
            Harness(module.raises, jit=True).launch("go")
        return err.value.file

    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "moved_task.py").write_text(MOVED_TASK)
    assert fails_at(tmp_path / "old") == str(tmp_path / "old" / "moved_task.py")
    shutil.copytree(tmp_path / "old", tmp_path / "new")          # cache files and mtimes too
    assert fails_at(tmp_path / "new") == str(tmp_path / "new" / "moved_task.py")


# -- ProgramError: p.var misuse and memory ------------------------------------------------------

def test_a_var_declared_twice_cites_the_second_declaration():
    @pw.program
    def twice(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        p.var("x", pw.f32, 4)
        p.var("x", pw.f32, 8)  # declared twice

    with pytest.raises(pw.ProgramError, match="var 'x' is declared twice") as err:
        pw.compile(one_pe(twice))
    assert_cites(err.value, "declared twice", 'p.var("x", pw.f32, 8)')


def test_a_bad_shape_cites_the_p_var_call():
    @pw.program
    def empty(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        p.var("y", pw.f32, 0)  # empty shape

    with pytest.raises(pw.ProgramError, match="every extent must be >= 1") as err:
        pw.compile(one_pe(empty))
    assert_cites(err.value, "empty shape", 'p.var("y", pw.f32, 0)')


def test_memory_over_the_limit_cites_the_largest_declaration():
    @pw.program
    def big(p, *, memcpy_params):
        p.var("small", pw.f32, 10)
        p.var("huge", pw.f32, 12000)  # the largest
        p.var("medium", pw.u16, 1000)

    layout = pw.Layout(2, 1)
    mc = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, big, memcpy_params=mc.get_params(x))  # gets the program
    with pytest.raises(pw.ProgramError, match=r"PE \(0, 0\).*'huge' 48000 B") as err:
        pw.compile(layout)
    assert "the largest, 'huge', is declared here" in str(err.value)
    assert_cites(err.value, "the largest", 'p.var("huge", pw.f32, 12000)')
    # and, second, where the PE got that program and its params
    text = str(err.value)
    second = text.index("PE (0, 0) got program 'big' and its params here:")
    assert f'File "{HERE}", line {line_of("gets the program")}' in text[second:]
    assert "layout.set_tile_code(x, 0, big" in text[second:]


def test_a_comptime_failure_cites_the_failing_line():
    @pw.program
    def fails(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        n = int("not a number")  # comptime failure
        p.var("z", pw.f32, n)

    with pytest.raises(pw.ProgramError, match="failed at comptime.*ValueError") as err:
        pw.compile(one_pe(fails))
    assert_cites(err.value, "comptime failure", 'int("not a number")')


# -- LayoutError, RoutingError: found at compile time, about a line that configured them ---------

def test_a_reserved_task_id_cites_the_task():
    @pw.program
    def reserved(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)

        @p.local_task(27)
        def t():  # reserved id
            sys.unblock_cmd_stream()

    with pytest.raises(pw.LayoutError, match="uses id 27, which is reserved by memcpy") as err:
        pw.compile(one_pe(reserved))
    assert_cites(err.value, "reserved id", "def t():")


def test_a_set_tile_code_mistake_cites_the_call():
    layout = pw.Layout(2, 1)
    with pytest.raises(pw.LayoutError, match="outside the 2x1 rectangle") as err:
        layout.set_tile_code(5, 0, divides, memcpy_params=None)  # outside
    assert_cites(err.value, "outside", "layout.set_tile_code(5, 0")


def test_a_route_leaving_the_fabric_cites_the_set_color_config_that_made_it():
    layout = pw.Layout(3, 2)
    for x in range(3):
        for y in range(2):
            layout.set_tile_code(x, y, divides, memcpy_params=None)
    layout.set_color_config(1, 1, 2, rx=[pw.RAMP], tx=[pw.RAMP])
    layout.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.NORTH])  # leaves the fabric
    with pytest.raises(pw.RoutingError, match=r"PE \(0, 0\) color 1: tx NORTH leaves") as err:
        pw.compile(layout, arch="wse3", memcpy=False, fabric_offsets=(0, 0))
    assert "its route was set here" in str(err.value)
    assert_cites(err.value, "leaves the fabric", "layout.set_color_config(0, 0, 1")


def test_a_routing_error_from_a_loop_cites_the_loops_call():
    layout = pw.Layout(3, 1)
    for x in range(3):
        layout.set_tile_code(x, 0, divides, memcpy_params=None)
        layout.set_color_config(x, 0, 4, rx=[pw.WEST], tx=[pw.RAMP, pw.EAST])  # a chain
    with pytest.raises(pw.RoutingError, match=r"PE \(2, 0\) color 4: tx EAST leaves") as err:
        pw.compile(layout, arch="wse3", memcpy=False, fabric_offsets=(0, 0))
    assert_cites(err.value, "a chain", "layout.set_color_config(x, 0, 4")


def test_a_color_configured_twice_cites_the_second_call():
    layout = pw.Layout(1, 1)
    layout.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.RAMP])
    with pytest.raises(pw.RoutingError, match="configured twice") as err:
        layout.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.RAMP])  # second
    assert_cites(err.value, "second", "layout.set_color_config(0, 0, 3")


def test_a_layout_function_error_cites_the_line_in_the_layout_function():
    def make_layout():
        layout = pw.Layout(1, 1)
        layout.set_color_config(0, 0, "red", rx=[pw.RAMP])  # not a color
        return layout

    with pytest.raises(pw.RoutingError, match="'red' is not a color") as err:
        pw.compile(make_layout)
    assert_cites(err.value, "not a color", 'layout.set_color_config(0, 0, "red"')


# -- the traceback the user sees ------------------------------------------------------------------

def _pywse_frames(exc: BaseException) -> list[str]:
    """Frames in pywse's folder in the tracebacks of `exc` and its cause/context chain."""
    found, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found += [f"{f.filename}:{f.lineno}" for f in traceback.extract_tb(exc.__traceback__)
                  if f.filename.startswith(PYWSE_DIR)]
        exc = exc.__cause__ or exc.__context__
    return found


def test_the_traceback_shows_only_the_users_frames(monkeypatch):
    monkeypatch.delenv("PYWSE_FULL_TRACEBACK", raising=False)
    with pytest.raises(pw.TaskError) as err:
        Harness(divides, jit=False).launch("go")
    assert _pywse_frames(err.value) == []
    frames = traceback.extract_tb(err.value.__cause__.__traceback__)
    assert [(f.filename, f.lineno) for f in frames] == [(HERE, line_of("divides by zero"))]
    assert traceback.extract_tb(err.value.__traceback__)[0].filename == HERE

    with pytest.raises(pw.ProgramError) as err:
        Harness(divides, jit=False, bogus=1)
    assert _pywse_frames(err.value) == []


def test_the_traceback_of_a_compile_error_shows_only_the_users_frames(monkeypatch):
    monkeypatch.delenv("PYWSE_FULL_TRACEBACK", raising=False)

    @pw.program
    def twice(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        p.var("x", pw.f32, 4)
        p.var("x", pw.f32, 8)

    with pytest.raises(pw.ProgramError) as err:
        pw.compile(one_pe(twice))
    frames = traceback.extract_tb(err.value.__traceback__)
    assert _pywse_frames(err.value) == []
    assert [f.name for f in frames] == ["test_the_traceback_of_a_compile_error_shows_only_the_"
                                        "users_frames", "twice"]


def test_pywse_full_traceback_keeps_every_frame(monkeypatch):
    monkeypatch.setenv("PYWSE_FULL_TRACEBACK", "1")
    with pytest.raises(pw.TaskError) as err:
        Harness(divides, jit=False).launch("go")
    assert any("sim/engine.py" in f for f in _pywse_frames(err.value))
    assert_cites(err.value, "divides by zero", "a[2] // a[0]")    # still points at the line


# -- errors cross processes intact ----------------------------------------------------------------

def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


@pytest.mark.parametrize("cls", [pw.PywseError, *_all_subclasses(pw.PywseError)],
                         ids=lambda c: c.__name__)
def test_every_error_pickles_intact(cls):
    plain = cls("PE (1, 2): something is wrong")
    pointed = cls("PE (1, 2): something is wrong").at(
        errors.Site(HERE, line_of("a pickled line"), "test_every_error_pickles_intact"))  # a pickled line
    for err in (plain, pointed):
        copy = pickle.loads(pickle.dumps(err))
        assert type(copy) is cls and str(copy) == str(err) and copy.args == err.args
        assert (copy.file, copy.line) == (err.file, err.line)
    assert (pointed.file, pointed.line) == (HERE, line_of("a pickled line"))
    assert "a pickled line" in str(pointed)


def test_every_error_class_is_checked():
    names = {c.__name__ for c in _all_subclasses(pw.PywseError)}
    assert names >= {"ProgramError", "TaskError", "LayoutError", "RoutingError", "MemcpyError",
                     "DeadlockError", "CycleLimitError", "ScriptError"}


def test_a_site_taken_from_a_frame_pickles_as_plain_values():
    site = errors.Site.of_frame(sys._getframe())  # a live frame
    copy = pickle.loads(pickle.dumps(site))
    assert (copy.file, copy.line, copy.name) == (HERE, line_of("a live frame"), site.name)
    assert "errors.Site.of_frame(" in copy.quote() and copy.quote().endswith("^")
    assert site.cols() is not None                 # from the frame: the call's columns
    again = pickle.loads(pickle.dumps(site))       # once worked out, they travel too
    assert again.cols() == site.cols() and again.quote() == site.quote()
