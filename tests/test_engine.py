"""Task picking, async completion actions, deadlocks, jit selection."""
import numpy as np
import pytest

import pywse as pw
from progs import fair_prog, order_prog, scale_prog, stuck_prog
from pywse.testing import Harness


def test_lowest_id_first_blocked_waits_activation_is_a_flag(jit):
    h = Harness(order_prog, jit=jit)
    h.launch("go")
    h.run_until_idle()
    # t9 (lowest id) first and once; t12 is activated but blocked until t11 unblocks it.
    assert h.peek("log")[:3].tolist() == [9, 11, 12]
    assert h.peek("n")[0] == 3


def test_picking_is_round_robin(jit):
    """A task that keeps re-activating itself does not starve a higher id."""
    h = Harness(fair_prog, jit=jit)
    h.launch("go")
    h.run_until_idle()
    assert h.peek("log")[:4].tolist() == [9, 11, 9, 0]   # lowest id first: [9, 9, 11]


def test_async_op_activates_completion_task(jit):
    h = Harness(scale_prog, jit=jit, size=4, factor=3.0)
    h.poke("data", [1, 2, 3, 4])
    h.launch("scale")          # returns only once `done` has unblocked the command stream
    assert h.peek("data").tolist() == [3, 6, 9, 12]
    assert h.cycles > 0


def test_compiled_path_ran_once_for_many_pes_and_param_values():
    n = 100
    layout = pw.Layout(n, n)
    mc = layout.memcpy()
    for x in range(n):
        for y in range(n):
            layout.set_tile_code(x, y, scale_prog, memcpy_params=mc.get_params(x), size=4,
                                 factor=float(x * n + y))
    art = pw.compile(layout, arch="wse3")
    r = pw.SdkRuntime(art, jit=True)
    sym = r.get_id("data")
    r.load()
    r.run()
    r.memcpy_h2d(sym, np.ones(n * n * 4, np.float32), 0, 0, n, n, 4)
    r.launch("scale")
    out = np.zeros(n * n * 4, np.float32)
    r.memcpy_d2h(out, sym, 0, 0, n, n, 4)
    r.stop()
    factors = (np.arange(n)[None, :] * n + np.arange(n)[:, None]).astype(np.float32)
    np.testing.assert_array_equal(out.reshape(n, n, 4), np.repeat(factors[:, :, None], 4, 2))
    compiled = dict(r.engine.compiled_tasks())
    # one numba compilation per task, shared by 10,000 PEs with 10,000 distinct param values
    assert len(compiled["scale"]) == 1 and len(compiled["done"]) == 1


def test_deadlock_names_command_pe_and_blocked_task(jit):
    h = Harness(stuck_prog, jit=jit)
    with pytest.raises(pw.DeadlockError) as err:
        h.launch("go")
    text = str(err.value)
    assert "launch('go')" in text
    assert "PE (0, 0)" in text and "unblock_cmd_stream" in text
    assert "activated but blocked: waits" in text


def test_deadlock_reports_commands_queued_behind(jit):
    h = Harness(stuck_prog, jit=jit)
    r = h.runtime
    r.launch("go", nonblock=True)
    out = np.zeros(1, np.float32)
    with pytest.raises(pw.DeadlockError, match=r"queued behind it: memcpy_d2h\(x\)"):
        r.memcpy_d2h(out, r.get_id("x"), 0, 0, 1, 1, 1)


def test_jit_precedence(monkeypatch):
    layout = pw.Layout(1, 1)
    mc = layout.memcpy()
    layout.set_tile_code(0, 0, scale_prog, memcpy_params=mc.get_params(0))
    monkeypatch.setenv("PYWSE_JIT", "0")
    assert pw.SdkRuntime(pw.compile(layout)).jit is False
    assert pw.SdkRuntime(pw.compile(layout, jit=True)).jit is True
    assert pw.SdkRuntime(pw.compile(layout, jit=True), jit=False).jit is False
    monkeypatch.setenv("PYWSE_JIT", "1")
    assert pw.SdkRuntime(pw.compile(layout)).jit is True


def test_task_runtime_error_names_pe_and_task(jit):
    @pw.program
    def bad(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        a = p.var("a", pw.f32, 4)
        where = p.var("where", pw.i16, 1, init=[7])

        @p.export
        def go():
            a[where[0]] = 1.0

    layout = pw.Layout(2, 1)
    mc = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, bad, memcpy_params=mc.get_params(x))
    r = pw.SdkRuntime(pw.compile(layout), jit=jit)
    r.load()
    r.run()
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': index 7 is out of range "
                                           r"for 'a' \(4 element\(s\), index 0..3\)"):
        r.launch("go")


def test_a_construct_neither_csl_nor_numba_has_is_refused_at_compile_in_both_modes(jit):
    @pw.program
    def uses_dict(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)

        @p.export
        def go():
            d = {"a": object()}
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="task 'go' .*a dict is not a CSL value"):
        Harness(uses_dict, jit=jit)


def test_plain_python_tracebacks_point_at_the_users_line():
    @pw.program
    def faulty(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        a = p.var("a", pw.f32, 2)
        where = p.var("where", pw.i16, 1, init=[5])

        @p.export
        def go():
            a[where[0]] = 1.0  # the faulty line

    with pytest.raises(pw.TaskError) as err:
        Harness(faulty, jit=False).launch("go")
    import traceback
    frames = traceback.extract_tb(err.value.__cause__.__traceback__)
    assert frames[-1].filename == __file__ and "the faulty line" in frames[-1].line
