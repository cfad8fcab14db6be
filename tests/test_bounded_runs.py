"""Bounded runs: a cycle budget stops a run that would never end, and says what is left."""
import pytest

import pywse as pw
from pywse.testing import Harness

# a route into a PE that reads nothing, on purpose
pytestmark = pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")


@pw.program
def forever(p, *, memcpy_params):
    """A task that activates itself forever (and a host-callable no-op)."""
    sys = p.memcpy(memcpy_params)
    n = p.var("n", pw.u32, 1, export=True)

    @p.on_start
    @p.local_task(10)
    def spin():
        n[0] += 1
        pw.activate(spin)

    @p.export
    def hello():
        sys.unblock_cmd_stream()


@pw.program
def counts_to(p, *, memcpy_params, limit: int):
    """Activates itself `limit` times, then stops."""
    p.memcpy(memcpy_params)
    n = p.var("n", pw.u32, 1, export=True)

    @p.on_start
    @p.local_task(10)
    def step():
        n[0] += 1
        if n[0] < limit:
            pw.activate(step)


def runtime_of(program, **kwargs):
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, program, memcpy_params=layout.memcpy().get_params(0))
    return pw.SdkRuntime(pw.compile(layout, arch="wse3"), **kwargs)


def test_a_self_activating_task_is_stopped_by_the_budget_in_stop(jit):
    rt = runtime_of(forever, jit=jit, max_cycles=5_000)
    rt.load(); rt.run()
    rt.launch("hello")
    with pytest.raises(pw.CycleLimitError) as err:
        rt.stop()
    text = str(err.value)
    assert "the run reached its budget of 5000 cycles (max_cycles / PYWSE_MAX_CYCLES)" in text
    assert "PE (0, 0)" in text and "spin" in text
    assert "a task that activates itself forever never ends" in text
    assert 5_000 <= rt.cycles < 6_000


def test_the_budget_comes_from_the_environment(monkeypatch, jit):
    monkeypatch.setenv("PYWSE_MAX_CYCLES", "3000")
    rt = runtime_of(forever, jit=jit)
    rt.load(); rt.run()
    with pytest.raises(pw.CycleLimitError, match="budget of 3000 cycles"):
        rt.launch("hello")
        rt.stop()


@pytest.mark.parametrize("value, source", [(0, "max_cycles=0"), (-5, "max_cycles=-5"),
                                           (1.5, "max_cycles=1.5"), ("soon", "max_cycles='soon'")])
def test_a_bad_budget_is_refused(value, source):
    with pytest.raises(pw.PywseError, match=f"{source}: a cycle budget is a positive whole"):
        runtime_of(forever, max_cycles=value)


def test_a_bad_budget_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("PYWSE_MAX_CYCLES", "lots")
    with pytest.raises(pw.PywseError, match="PYWSE_MAX_CYCLES='lots'"):
        runtime_of(forever)


def test_a_program_that_ends_within_its_budget_runs_as_without_one(jit):
    results = []
    for budget in (None, 100_000):
        layout = pw.Layout(1, 1)
        layout.set_tile_code(0, 0, counts_to, memcpy_params=layout.memcpy().get_params(0),
                             limit=50)
        rt = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit, max_cycles=budget)
        rt.load(); rt.run(); rt.stop()
        results.append((rt.read_symbol(4, 1, "n")[0], rt.cycles))
    assert results[0] == results[1] and results[0][0] == 50


def test_harness_run_until_idle_with_a_budget(jit):
    h = Harness(forever, jit=jit)
    with pytest.raises(pw.CycleLimitError,
                       match=r"budget of 2000 cycles \(run_until_idle\(max_cycles=...\)\)"):
        h.run_until_idle(max_cycles=2_000)
    assert h.peek("n")[0] > 0
    h2 = Harness(counts_to, jit=jit, limit=20)
    h2.run_until_idle(max_cycles=100_000)
    assert h2.peek("n")[0] == 20


def test_harness_run_for_a_number_of_cycles(jit):
    h = Harness(forever, jit=jit)
    h.run(1_000)
    first = int(h.peek("n")[0])
    assert 0 < first and 1_000 <= h.cycles < 2_000
    h.run(1_000)
    assert int(h.peek("n")[0]) > first
    with pytest.raises(pw.PywseError, match="a cycle budget is a positive whole number"):
        h.run(0)


@pw.program
def sync_sender(p, *, memcpy_params, sends: bool):
    sys = p.memcpy(memcpy_params)
    data_dsd = pw.mem1d(p.var("data", pw.u32, 40))
    out = pw.fabout(pw.Color(3), 40)

    @p.export
    def send_all():
        if sends:
            pw.mov32(out, data_dsd)      # sync: the CE waits until all 40 have left
        sys.unblock_cmd_stream()


def test_a_stuck_sync_op_names_its_task_in_both_modes(jit):
    layout = pw.Layout(2, 1)
    memcpy = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, sync_sender, memcpy_params=memcpy.get_params(x), sends=x == 0)
    layout.set_color_config(0, 0, 3, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(1, 0, 3, rx=[pw.WEST], tx=[pw.RAMP])   # nothing there reads it
    rt = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit)
    rt.load(); rt.run()
    with pytest.raises(pw.DeadlockError, match=r"PE \(0, 0\): a blocking \(sync\) fabric op in "
                                               r"task 'send_all' waits forever"):
        rt.launch("send_all")
