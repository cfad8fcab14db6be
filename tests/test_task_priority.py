"""`<tile_config>`'s task_priority: a runnable task at HIGH priority runs before LOW ones
(round robin within each class), set in the program body or at run time, for a local task, a
data task or (wse3) its input queue; main_thread_priority is recorded and changes nothing.
Compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

C = pw.Color(3)


@pw.program
def order(p, *, high: int = 0, at_run_time: bool = False):
    """`start` activates a (10) and b (11); each logs its id. high: 0 none, 1 b HIGH, 2 b
    HIGH then LOW again, 3 both HIGH."""
    tc = p.import_module("<tile_config>")
    prio = tc.task_priority
    log = p.var("log", pw.u32, 4)
    n = p.var("n", pw.u32, 1)

    @p.local_task(10)
    def a():
        log[n[0]] = 10
        n[0] = n[0] + 1

    @p.local_task(11)
    def b():
        log[n[0]] = 11
        n[0] = n[0] + 1

    @p.on_start
    @p.local_task(12)
    def start():
        if at_run_time:
            if high >= 1:
                prio.update_task_priority(b, prio.level.HIGH)
            if high == 2:
                prio.clear_task_priority(b)
            if high == 3:
                prio.set_task_priority(a)
        pw.activate(a)
        pw.activate(b)

    if not at_run_time:
        if high >= 1:
            prio.set_task_priority(b)
        if high == 2:
            prio.update_task_priority(b, prio.level.LOW)
        if high == 3:
            prio.set_task_priority(a)


@pytest.mark.parametrize("at_run_time", [False, True], ids=["comptime", "runtime"])
@pytest.mark.parametrize("high, first", [(0, 10), (1, 11), (2, 10), (3, 10)])
def test_a_high_task_runs_first(jit, at_run_time, high, first):
    h = Harness(order, jit=jit, high=high, at_run_time=at_run_time)
    h.run_until_idle(max_cycles=10_000)
    # after `start` (12) the round robin wraps to 10; b at HIGH goes first; both HIGH: the
    # round robin again
    assert list(h.peek("log")[:2]) == [first, 21 - first]
    hi = int(h.engine.st.task_hi[0])
    assert hi == {0: 0, 1: 1 << 11, 2: 0, 3: (1 << 10) | (1 << 11)}[high]


@pw.program
def data_or_local(p, *, high: str = ""):
    """A data task on input queue 2 (blocked until the test unblocks it) and local task 10,
    both runnable at once; each logs. `init` (8) ran last, so the round robin is at 9."""
    tc = p.import_module("<tile_config>")
    prio = tc.task_priority
    iq = p.input_queue(2, C)
    log = p.var("log", pw.u32, 4)
    n = p.var("n", pw.u32, 1)

    @p.data_task(iq)
    def recv(v: pw.u32):
        log[n[0]] = v
        n[0] = n[0] + 1

    p.block(recv)

    @p.local_task(10)
    def loc():
        log[n[0]] = 10
        n[0] = n[0] + 1

    @p.on_start
    @p.local_task(8)
    def init():
        pass

    if high in ("local", "both"):
        prio.set_task_priority(loc)
    if high in ("queue", "both"):
        prio.set_task_priority(iq)
    elif high == "data":
        prio.set_task_priority(recv)


@pytest.mark.parametrize("high, log", [("", [10, 7]), ("local", [10, 7]), ("queue", [7, 10]),
                                       ("data", [7, 10]), ("both", [10, 7])])
def test_data_tasks_take_their_queues_priority(jit, high, log):
    h = Harness(data_or_local, jit=jit, high=high)
    h.send(C, np.array([7], np.uint32))
    h.run_until_idle(max_cycles=10_000)
    h.activate("loc")
    h.unblock("recv")
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("log")[:2]) == log      # from 9 on: 10, then 2 (unless 2 is HIGH)
    assert int(h.engine.st.task_hi[0]) == {"": 0, "local": 1 << 10,
                                           "both": (1 << 10) | (1 << 2)}.get(high, 1 << 2)


@pw.program
def main_thread(p, *, level: int = -1, at_run_time: bool = False):
    tc = p.import_module("<tile_config>")
    mtp = tc.main_thread_priority
    a = p.var("a", pw.f32, 16, init=np.arange(16))

    @p.on_start
    @p.local_task(10)
    def go():
        if at_run_time and level >= 0:
            mtp.update_main_thread_priority(level)
        pw.fmuls(pw.mem1d(a), pw.mem1d(a), 2.0)

    if not at_run_time and level >= 0:
        mtp.update_main_thread_priority(mtp.level.MEDIUM_HIGH if level == 2 else level)


@pytest.mark.parametrize("at_run_time", [False, True], ids=["comptime", "runtime"])
def test_main_thread_priority_is_recorded_and_changes_nothing(jit, at_run_time):
    plain = Harness(main_thread, jit=jit)
    plain.run_until_idle(max_cycles=10_000)
    h = Harness(main_thread, jit=jit, level=2, at_run_time=at_run_time)
    h.run_until_idle(max_cycles=10_000)
    assert h.engine.st.mt_prio[0] == 2 and plain.engine.st.mt_prio[0] == 0
    assert h.cycles == plain.cycles
    assert np.array_equal(h.peek("a"), plain.peek("a"))
    assert np.array_equal(h.peek("a"), np.arange(16) * 2)
