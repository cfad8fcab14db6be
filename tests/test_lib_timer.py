"""`<timer>`: numbered timers on the PE's timestamp counter: an elapsed time is exactly the
cycles pywse charged between start and stop, compiled and plain alike."""

import pywse as pw
from pywse.lib import timer as timer_lib
from pywse.lib.time import make_u48
from pywse.testing import Harness

N = 40


@pw.program
def timed(p):
    tm = p.import_module("<timer>", timerCount=3)
    other = p.import_module(timer_lib.library, timerCount=1, name="solo")   # Pythonic
    a = p.var("a", pw.f32, N)
    da = pw.mem1d(a)
    e = [p.var(f"e{i}", *tm.timerType) for i in range(4)]
    e0, e1, e2, e3 = e

    @p.on_start
    @p.local_task(10)
    def go():
        tm.start(0)
        tm.start(2)
        other.start(0)
        pw.fadds(da, da, da)
        tm.stop(0)
        pw.fadds(da, da, da)
        pw.fadds(da, da, da)
        tm.elapsed(0, e0)            # stopped: one op
        tm.elapsed(2, e1)            # still running: three ops
        tm.start(1)
        tm.stop(1)
        tm.elapsed(1, e2)            # nothing in between
        other.elapsed(0, e3)


def test_elapsed_is_what_the_engine_charged(jit):
    c = pw.Costs().without_scalar()      # the ops' cycles alone (the library's own: its calls)
    h = Harness(timed, jit=jit, costs=c)
    h.run_until_idle()
    simd = dict(c.simd)["fadds"][1]                        # wse3, the harness's arch
    op = (N + simd - 1) // simd + c.dsd_start              # what builtins._start charges
    assert [make_u48(h.peek(f"e{i}")) for i in range(4)] == [op, 3 * op, 0, 3 * op]


@pw.program
def bad_id(p):
    tm = p.import_module("<timer>", timerCount=2)
    n = p.var("n", pw.i16, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        tm.start(n[0] + 2)


def test_a_timer_id_out_of_range_stops_the_task(jit):
    h = Harness(bad_id, jit=jit)
    try:
        h.run_until_idle()
    except pw.PywseError as err:
        assert "timer id is outside 0..timerCount-1" in str(err)
        assert "PE (0, 0) task 'go'" in str(err)
    else:
        raise AssertionError("an out-of-range timer id ran")
