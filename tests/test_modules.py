"""Modules (CSL's @import_module): a @pw.module imported into a program any number of times,
each instance its own symbols and tasks, what it returns callable from task bodies."""
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.module
def counter(p, *, step: int, task_id: int):
    """A module with state, a helper for the importer and a task of its own."""
    n = p.var("n", pw.u32, 1)
    out = p.var("out", pw.u32, 1, export=True)

    def bump():
        n[0] = n[0] + step

    @p.local_task(task_id)
    def report():
        out[0] = n[0] * 10

    return locals()


@pw.program
def two_counters(p):
    a = p.import_module(counter, step=2, task_id=20)
    b = p.import_module(counter, name="second", step=5, task_id=21)

    @p.on_start
    @p.local_task(10)
    def go():
        a.bump()
        a.bump()
        b.bump()
        pw.activate(a.report)
        pw.activate(b.report)


def test_two_instances_of_one_module_have_their_own_symbols_and_tasks(jit):
    h = Harness(two_counters, jit=jit)
    h.run_until_idle()
    assert h.peek("counter.n")[0] == 4 and h.peek("counter.out")[0] == 40
    assert h.peek("second.n")[0] == 5 and h.peek("second.out")[0] == 50
    assert h.task_state("counter.report") is not None


@pw.module
def outer(p):
    inner = p.import_module(counter, step=1, task_id=22)
    total = p.var("total", pw.u32, 1)

    def run():
        inner.bump()
        total[0] = total[0] + 1

    return dict(run=run, inner=inner)


@pw.program
def nested(p):
    o = p.import_module(outer)

    @p.on_start
    @p.local_task(10)
    def go():
        o.run()
        o.inner.bump()


def test_modules_import_modules_and_names_nest(jit):
    h = Harness(nested, jit=jit)
    h.run_until_idle()
    assert h.peek("outer.counter.n")[0] == 2 and h.peek("outer.total")[0] == 1


@pw.program
def imported_twice(p):
    p.import_module(counter, step=2, task_id=20)
    p.import_module(counter, step=5, task_id=21)


@pw.program
def unknown_library(p):
    p.import_module("<tme>")


@pw.program
def missing_param(p):
    p.import_module(counter, step=2)


@pw.program
def misspelt_member(p):
    c = p.import_module(counter, step=2, task_id=20)

    @p.on_start
    @p.local_task(10)
    def go():
        c.bmp()


@pytest.mark.parametrize("program, error, message", [
    (imported_twice, pw.ProgramError, "module instance 'counter' is imported twice on this PE; "
                                      "give each import its own name="),
    (unknown_library, pw.ProgramError, "pywse has no PE library '<tme>'"),
    (missing_param, pw.ProgramError, "module 'counter' needs param task_id"),
    (misspelt_member, pw.TaskError, "module instance 'counter' has no 'bmp' (it has: bump, n, "
                                    "out, report, step, task_id)"),
])
def test_module_mistakes_are_named(program, error, message):
    with pytest.raises(error) as err:
        Harness(program, jit=False)
    assert message in str(err.value)


def test_memcpy_imports_as_in_csl():
    @pw.program
    def prog(p, *, memcpy_params):
        sys_mod = p.import_module("<memcpy/memcpy>", memcpy_params)
        assert sys_mod is p.memcpy(memcpy_params)

    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, prog, memcpy_params=layout.memcpy().get_params(0))
    pw.compile(layout, arch="wse3")


@pw.module
def notify(p, *, f_callback, task_id: int):
    """A module given a function param (CSL `param f_callback: fn() void;`) that its own task
    calls: bandwidth-test's sync module passes memcpy's unblock_cmd_stream this way."""
    calls = p.var("calls", pw.u32, 1, export=True)

    @p.local_task(task_id)
    def done():
        calls[0] += 1
        f_callback()

    return dict(done=done)


@pw.program
def callback_prog(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    n = p.import_module(notify, f_callback=sys_mod.unblock_cmd_stream, task_id=12)

    @p.export
    def f_go():
        pw.activate(n.done)           # returns without unblocking: the callback does


def test_a_module_calls_memcpy_unblock_given_as_a_function_param(jit):
    layout = pw.Layout(2, 1)
    memcpy = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, callback_prog, memcpy_params=memcpy.get_params(x))
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit)
    runner.load()
    runner.run()
    runner.launch("f_go", nonblock=False)       # returns once every PE's callback unblocked it
    runner.launch("f_go", nonblock=False)
    # read_symbol takes fabric coordinates: the kernel starts at (4, 1)
    assert [int(runner.read_symbol(4 + x, 1, "notify.calls")[0]) for x in range(2)] == [2, 2]
    runner.stop()
