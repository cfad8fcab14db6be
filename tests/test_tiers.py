"""Tiered execution (jit="auto", the default; pywse/sim/tiers.py): plain Python first,
compiled code from a task boundary on once a background compiler has built it.

The suite itself runs every task-running test with jit=True and jit=False explicitly; the
tests here are the only ones that fork compilers. Tests that only need a compiler process to
exist (kill, one per process) make its compile sleep instead of compiling."""
import contextlib
import importlib.util
import io
import json
import os
import runpy
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from progs import scale_prog
from pywse.host import runcheck
from pywse.sim import dispatch, tiers
from pywse.testing import Harness

ROOT = Path(__file__).parent.parent
EXAMPLES = ROOT / "examples"

SPIN = '''
import pywse as pw


@pw.program
def spin(p, *, limit: int):
    """`step` runs again and again (forever if limit is 0), halving its way to 2.0."""
    n = p.var("n", pw.i32, 1, export=True)
    acc = p.var("acc", pw.f32, 4, export=True)

    def halve(i):
        acc[i] = acc[i] * 0.5 + 1.0

    @p.on_start
    @p.local_task(10)
    def step():
        n[0] += 1
        for i in range(4):
            halve(i)
        if limit == 0 or n[0] < limit:
            pw.activate(step)


@pw.program
def spin_host(p, *, memcpy_params, limit: int):
    """`go` runs `again` `limit` times, then lets the host go on."""
    sys = p.memcpy(memcpy_params)
    n = p.var("n", pw.i32, 1, export=True)

    @p.local_task(10)
    def again():
        n[0] += 1
        if n[0] < limit:
            pw.activate(again)
        else:
            sys.unblock_cmd_stream()

    @p.export
    def go():
        pw.activate(again)
'''


def spin_module(folder: Path, name: str = "spin_prog"):
    """SPIN written to `folder` and imported: programs whose tasks no cache holds yet."""
    path = folder / f"{name}.py"
    path.write_text(SPIN)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def expected_acc(n: int) -> np.ndarray:
    acc = np.zeros(4, np.float32)
    for _ in range(n):
        acc = acc * np.float32(0.5) + np.float32(1.0)
    return acc


@pytest.fixture
def eager(monkeypatch):
    """Fork the compiler at the first look instead of after AUTO_AFTER_S of plain work."""
    monkeypatch.setattr(tiers, "AUTO_AFTER_S", 0.0)
    monkeypatch.setattr(tiers, "POLL_S", 0.01)


@pytest.fixture
def sleeping_compiler(monkeypatch, eager):
    """A compiler process that never finishes, for a program the cache never has."""
    monkeypatch.setattr(dispatch.Plan, "load", lambda self, groups=None: False)
    monkeypatch.setattr(dispatch.Plan, "compile", lambda self, keep_going=False, wanted=None: time.sleep(600))


def gone(pid: int, within: float = 5.0) -> bool:
    """Has process `pid` ended (reaped, or a zombie nobody reaped yet)?"""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


# -- modes -------------------------------------------------------------------------------------
def test_jit_modes_resolve(monkeypatch):
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, scale_prog, memcpy_params=layout.memcpy().get_params(0))
    art = pw.compile(layout)
    monkeypatch.delenv("PYWSE_JIT", raising=False)
    assert pw.SdkRuntime(art).jit == "auto"
    for env, mode in (("auto", "auto"), ("1", True), ("on", True), ("0", False), ("off", False)):
        monkeypatch.setenv("PYWSE_JIT", env)
        assert pw.SdkRuntime(art).jit == mode
        assert pw.SdkRuntime(art, jit="auto").jit == "auto"      # the argument wins
        assert pw.SdkRuntime(pw.compile(layout, jit=True)).jit is True   # then pw.compile's
        assert pw.SdkRuntime(pw.compile(layout, jit=True), jit=False).jit is False
    monkeypatch.setenv("PYWSE_JIT", "sometimes")
    with pytest.raises(pw.PywseError, match="PYWSE_JIT='sometimes': use 1 .* 0 .* or auto"):
        pw.SdkRuntime(art)
    with pytest.raises(pw.PywseError, match=r"jit=1: use True"):
        pw.SdkRuntime(art, jit=1)
    with pytest.raises(pw.LayoutError, match=r"pw.compile: jit='yes'"):
        pw.compile(layout, jit="yes")
    monkeypatch.setenv("PYWSE_JIT", "1")
    assert Harness(scale_prog, jit="auto").runtime.jit == "auto"
    assert Harness(scale_prog).runtime.jit is True


def test_no_jit_compile_flag_is_recorded(tmp_path, monkeypatch):
    """`pywse compile --no-jit` records plain Python, which beats PYWSE_JIT; without it the
    runtime takes PYWSE_JIT, else "auto"."""
    from pywse.tools.cli import main
    layout_file = tmp_path / "layout_file.py"
    layout_file.write_text("import pywse as pw\nfrom progs import scale_prog\n"
                           "layout = pw.Layout(1, 1)\n"
                           "layout.set_tile_code(0, 0, scale_prog, "
                           "memcpy_params=layout.memcpy().get_params(0))\n")
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    for flags, out in (([], "plain_default"), (["--no-jit"], "no_jit")):
        assert main(["compile", str(layout_file), "--memcpy", "-o", str(tmp_path / out)] + flags) == 0
    monkeypatch.setenv("PYWSE_JIT", "1")
    assert pw.SdkRuntime(str(tmp_path / "no_jit")).jit is False
    assert pw.SdkRuntime(str(tmp_path / "plain_default")).jit is True
    monkeypatch.delenv("PYWSE_JIT")
    assert pw.SdkRuntime(str(tmp_path / "plain_default")).jit == "auto"


def test_jit_true_runs_compiled_from_the_first_task(monkeypatch):
    from pywse.sim.engine import Engine
    from_python = []
    run_row = Engine._run_row
    monkeypatch.setattr(Engine, "_run_row", lambda self, pe, row, w: (
        from_python.append(row), run_row(self, pe, row, w))[1])
    h = Harness(scale_prog, jit=True)
    assert h.engine.compiled and h.engine.tiers is None
    h.poke("data", [1, 2, 3, 4])
    h.launch("scale")
    np.testing.assert_array_equal(h.peek("data"), [2, 4, 6, 8])
    assert from_python == [] and h.engine.tasks_run == 2
    assert sorted((name, len(sigs)) for name, sigs in h.engine.compiled_tasks()) == \
        [("done", 1), ("scale", 1)]


# -- switching tiers at a chosen task: identical memory, outputs and cycles --------------------
def run_example(name: str, argv: list[str], monkeypatch, schedule=None) -> dict:
    """Run examples/`name` in the tiered mode with the tier switches `schedule` (None: jit=
    False, "jit": jit=True); everything the host read, the printed output, and every state
    array at stop()."""
    monkeypatch.setenv("PYWSE_JIT", "0" if schedule is None else "1" if schedule == "jit"
                       else "auto")
    load, stop = pw.SdkRuntime.load, pw.SdkRuntime.stop
    seen = {}

    def scheduled_load(self):
        load(self)
        if isinstance(schedule, list):
            self.engine.tiers.schedule(schedule)

    def recording_stop(self):
        stop(self)
        seen["state"] = {k: np.array(v, copy=True) for k, v in self.engine.st._asdict().items()
                         if k != "config"}       # config holds the engine's own id
        seen["cycles"], seen["tasks"] = self.cycles, self.engine.tasks_run
        seen["compiled at the end"] = self.engine.compiled

    monkeypatch.setattr(pw.SdkRuntime, "load", scheduled_load)
    monkeypatch.setattr(pw.SdkRuntime, "stop", recording_stop)
    runcheck.RECORDER = record = []
    argv_before = sys.argv
    sys.argv = [str(EXAMPLES / f"{name}.py"), *argv]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pw.RoutingWarning)
            with contextlib.redirect_stdout(io.StringIO()) as out:
                runpy.run_path(str(EXAMPLES / f"{name}.py"), run_name="__main__")
    finally:
        runcheck.RECORDER = None
        sys.argv = argv_before
        monkeypatch.setattr(pw.SdkRuntime, "load", load)
        monkeypatch.setattr(pw.SdkRuntime, "stop", stop)
    assert "SUCCESS" in out.getvalue()
    seen["outputs"] = [(label, a.tobytes()) for label, a in record]
    seen["printed"] = out.getvalue()
    return seen


def same_run(a: dict, b: dict) -> None:
    assert (a["cycles"], a["tasks"], a["printed"]) == (b["cycles"], b["tasks"], b["printed"])
    assert a["outputs"] == b["outputs"]
    for name, arr in a["state"].items():
        np.testing.assert_array_equal(arr, b["state"][name], err_msg=f"state array {name}")


@pytest.mark.parametrize("name, argv, switches", [
    ("residual", [], [[(3, True)], [(9, True)], [(0, True), (5, False)],
                      [(2, True), (8, False), (12, True)]]),
    ("game_of_life", ["--iters", "2"], [[(1, True)], [(500, True)], [(0, True), (700, False)]]),
    ("topic_09_fifos", [], [[(40, True)], [(0, True), (25, False)]]),
], ids=["residual", "game_of_life", "topic_09_fifos"])
def test_switching_tiers_changes_nothing(name, argv, switches, monkeypatch):
    """Plain -> compiled, compiled -> plain and back, at chosen task counts: the same memory,
    outputs, cycle counts and every other state array as runs that never switched."""
    plain = run_example(name, argv, monkeypatch)
    compiled = run_example(name, argv, monkeypatch, "jit")
    same_run(plain, compiled)
    for schedule in switches:
        switched = run_example(name, argv, monkeypatch, schedule)
        assert switched["compiled at the end"] == schedule[-1][1]
        same_run(switched, plain)


def test_a_task_using_an_f16_array_stays_plain(kept_file, monkeypatch):
    """Compiled code cannot do f16 arithmetic: under jit=True such a task is an error, in the
    tiered mode it keeps running as plain Python beside the compiled ones."""
    path = kept_file("f16_prog.py", textwrap.dedent('''
        import pywse as pw


        @pw.program
        def halves(p):
            h = p.var("h", pw.f16, 2, export=True)
            n = p.var("n", pw.i32, 1, export=True)

            @p.local_task(11)
            def half():
                h[0] = h[0] * 0.5
                n[0] += 1

            @p.on_start
            @p.local_task(10)
            def count():
                n[0] += 1
                pw.activate(half)
    '''))
    spec = importlib.util.spec_from_file_location("f16_prog", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "f16_prog", module)     # numba's cache imports it
    spec.loader.exec_module(module)
    with pytest.raises(pw.TaskError, match="uses f16 array 'h' directly"):
        Harness(module.halves, jit=True).run_until_idle()
    h = Harness(module.halves, jit="auto")
    h.poke("h", [3.0, 0.0])
    h.engine.tiers.schedule([(0, True)])
    h.run_until_idle()
    assert h.engine.compiled
    groups = h.engine.tiers.plan.group[:len(h.engine._rows)]
    assert sorted(h.engine._rows[r][1].name for r in np.flatnonzero(groups < 0)) == ["half"]
    assert h.peek("h")[0] == 1.5 and h.peek("n")[0] == 2


# -- the background compiler ------------------------------------------------------------------
def test_compiled_code_takes_over_once_ready(tmp_path, eager):
    """A program no cache holds starts plain; a forked compiler builds it and the run goes
    on compiled, ending in the very state of a run compiled from the first task."""
    spin = spin_module(tmp_path).spin
    limit = 2_000_000                  # ~1 min as plain Python: the compile comes first
    h = Harness(spin, jit="auto", limit=limit)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pw.JitWarning)
        h.run_until(lambda: h.engine.compiled, max_cycles=10**12)
        switched_at = h.engine.tasks_run
        h.run_until_idle(max_cycles=10**12)
    assert 0 < switched_at < limit
    assert h.engine.tiers.state == tiers.COMPILED and tiers.Compiler.running is None
    np.testing.assert_array_equal(h.peek("acc"), expected_acc(limit))
    compiled = Harness(spin, jit=True, limit=limit)
    compiled.run_until_idle(max_cycles=10**12)
    assert (h.cycles, h.peek("n")[0]) == (compiled.cycles, limit)
    for name, arr in compiled.engine.st._asdict().items():
        if name != "config":
            np.testing.assert_array_equal(getattr(h.engine.st, name), arr, err_msg=name)
    # now that the cache holds it, a new run is compiled from the first task, with no fork
    again = Harness(spin, jit="auto", limit=3)
    again.run_until_idle()
    assert again.engine.tiers.state == tiers.COMPILED and again.engine.tiers.compiler is None


def test_a_failed_background_compile_warns_and_stays_plain(tmp_path, eager, monkeypatch):
    from numba.core.errors import TypingError
    load_module = dispatch.load_module

    def refusing(text):          # numba refuses the task (the compile of its wrapper)
        module = load_module(text)
        if "Calls task step__task" in text:
            def compile(sig):
                raise TypingError("Cannot determine Numba type of <class 'object'>")
            module.wrapper.compile = compile
        return module
    monkeypatch.setattr(dispatch, "load_module", refusing)
    spin = spin_module(tmp_path, "spin_refused").spin
    h = Harness(spin, jit="auto", limit=0)       # runs until the test stops it, however long
    with pytest.warns(pw.JitWarning, match=r"(?s)task 'step' could not be compiled: a value of "
                                            r"Python type object cannot be used.*as plain Python"):
        h.run_until(lambda: h.engine.tiers.state not in (tiers.NEW, tiers.PLAIN), max_cycles=10**12)
    assert h.engine.tiers.state is tiers.STAY
    more = h.peek("n")[0] + 1000
    h.run_until(lambda: h.peek("n")[0] >= more, max_cycles=10**12)    # and it goes on, plain
    assert not h.engine.compiled
    np.testing.assert_array_equal(h.peek("acc"), expected_acc(int(h.peek("n")[0])))


def test_a_cache_miss_after_the_compiler_stays_plain(tmp_path, eager, monkeypatch):
    """The compiler finished, but its work cannot be read back (nothing was saved, as in a
    read-only folder): one warning, and the run goes on plain without waiting."""
    from numba.core import caching
    monkeypatch.setattr(caching.Cache, "save_overload", lambda self, sig, data: None)
    spin = spin_module(tmp_path, "spin_unsaved").spin
    h = Harness(spin, jit="auto", limit=0)
    with pytest.warns(pw.JitWarning) as caught:
        h.run_until(lambda: h.engine.tiers.state not in (tiers.NEW, tiers.PLAIN), max_cycles=10**12)
        n = int(h.peek("n")[0])
        h.run_until(lambda: h.peek("n")[0] >= n + 2000, max_cycles=10**12)
    messages = [str(w.message) for w in caught if issubclass(w.category, pw.JitWarning)]
    assert len(messages) == 1 and "could not be read back from numba's cache" in messages[0]
    assert h.engine.tiers.state == tiers.STAY and not h.engine.compiled
    np.testing.assert_array_equal(h.peek("acc"), expected_acc(int(h.peek("n")[0])))


def test_stop_and_close_end_the_compiler(tmp_path, sleeping_compiler):
    module = spin_module(tmp_path, "spin_stopped")
    h = Harness(module.spin, jit="auto", limit=0)
    h.run_until(lambda: tiers.Compiler.running is not None, max_cycles=10**12)
    pid = tiers.Compiler.running.pid
    other = Harness(module.spin, jit="auto", limit=0)          # one compiler per process
    other.run_until(lambda: other.engine.tiers.plain_s > 0.1, max_cycles=10**12)
    assert other.engine.tiers.compiler is None and tiers.Compiler.running.pid == pid
    h.close()
    assert tiers.Compiler.running is None and gone(pid, 0.1)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    other.close()
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, module.spin_host, memcpy_params=layout.memcpy().get_params(0),
                         limit=20_000)
    r = pw.SdkRuntime(pw.compile(layout), jit="auto")
    r.load()
    r.run()
    r.launch("go")                     # ~0.5 s of plain Python: the compiler forks meanwhile
    pid = tiers.Compiler.running.pid
    r.stop()
    assert tiers.Compiler.running is None and gone(pid, 0.1)


CHILD_SCRIPT = '''
import os, signal, sys, time
from pathlib import Path
sys.path.insert(0, {tests!r})
from pywse.sim import dispatch, tiers
from pywse.testing import Harness
from test_tiers import spin_module

tiers.AUTO_AFTER_S, tiers.POLL_S = 0.0, 0.01
dispatch.Plan.load = lambda self, groups=None: False
dispatch.Plan.compile = lambda self, keep_going=False, wanted=None: time.sleep(600)
h = Harness(spin_module(Path({folder!r})).spin, jit="auto", limit=0)
h.run_until(lambda: tiers.Compiler.running is not None, max_cycles=10**12)
print(tiers.Compiler.running.pid, flush=True)
if sys.argv[1] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
'''


@pytest.mark.parametrize("how", ["exits", "killed"])
def test_no_compiler_outlives_its_process(tmp_path, how):
    """At exit (atexit) or killed (PR_SET_PDEATHSIG), the compiler goes with its parent."""
    script = tmp_path / "user_script.py"
    script.write_text(CHILD_SCRIPT.format(tests=str(Path(__file__).parent), folder=str(tmp_path)))
    res = subprocess.run([sys.executable, str(script), how], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    pid = int(res.stdout.split()[0])
    assert res.returncode == (-signal.SIGKILL if how == "killed" else 0), res.stderr
    assert gone(pid), f"compiler {pid} survived its parent"


EDITED = '''
import pywse as pw

SCALE = 3


@pw.program
def two(p):
    a = p.var("a", pw.i32, 2, export=True)

    @p.local_task(11)
    def second():
        a[1] = a[0] * SCALE

    @p.on_start
    @p.local_task(10)
    def first():
        a[0] = a[0] + 1
        pw.activate(second)
'''

LOADED = '''
import json, sys
sys.path.insert(0, sys.argv[1])
from edited_prog import two
from pywse.testing import Harness
h = Harness(two, jit=True)
h.run_until_idle()
plan = h.engine._plan
print(json.dumps({"a": h.peek("a").tolist(), **{g.task.name: "cache" if g.wrapper._cache_hits[g.sig]
                  else "compiled" for g in plan.groups}}))
'''


def test_an_edit_recompiles_only_the_task_edited(tmp_path):
    """numba's own cache keys on the whole file; pywse's on what each task's code depends on:
    its lines and where they are, and the values it reads."""
    prog, driver = tmp_path / "edited_prog.py", tmp_path / "driver.py"
    driver.write_text(LOADED)

    def run(text):
        prog.write_text(text)
        res = subprocess.run([sys.executable, str(driver), str(tmp_path)], capture_output=True,
                             text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert res.returncode == 0, res.stderr
        return json.loads(res.stdout)

    assert run(EDITED) == {"a": [1, 3], "first": "compiled", "second": "compiled"}
    assert run(EDITED) == {"a": [1, 3], "first": "cache", "second": "cache"}
    edited = EDITED.replace("a[0] = a[0] + 1", "a[0] = 1 + a[0]")            # same meaning
    assert run(edited) == {"a": [1, 3], "first": "compiled", "second": "cache"}
    scaled = edited.replace("SCALE = 3", "SCALE = 4")      # a global only `second` reads
    assert run(scaled) == {"a": [1, 4], "first": "cache", "second": "compiled"}
    moved = scaled.replace("    @p.on_start", "\n    @p.on_start")       # `first` one line down
    assert run(moved) == {"a": [1, 4], "first": "compiled", "second": "cache"}


def test_a_library_helpers_captured_constants_are_part_of_the_cache_stamp():
    """pywse/lib helpers are lowered like the user's: what each instance froze into its
    compiled code (a constant) must change the task's disk-cache stamp, or a second
    instance would load the first one's code."""
    from pywse.sim.taskcache import stamp

    def task_calling_helper_with(constant):
        lib = {"__name__": "pywse.lib.example", "K": constant}
        exec("def helper():\n    return K\n", lib)
        user = {"__name__": "user_program", "H": lib["helper"]}
        exec("def task():\n    return H()\n", user)
        return user["task"]

    assert stamp(task_calling_helper_with(1)) != stamp(task_calling_helper_with(2))
    assert stamp(task_calling_helper_with(1)) == stamp(task_calling_helper_with(1))
