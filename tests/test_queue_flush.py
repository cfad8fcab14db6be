"""wse3 queue flushes (`pw.queue_flush`, `p.set_empty_queue_handler`, `<tile_config>`'s
`queue_flush`) and the queue status submodules, compiled and as plain Python: a flushed input
queue runs its handler once the CE has taken its last wavelet, an empty one at once; an output
queue once its router has taken its last wavelet; the teardown task runs the color teardown
handler and the empty-queue handlers on one PE; queue status bits follow queue contents."""
import numpy as np
import pytest

import pywse as pw
from pywse.sim import fabric
from pywse.testing import Harness

C = pw.Color(3)
D = pw.Color(5)


@pw.program
def drains(p, *, unblock: bool = True):
    """recv starts blocked, so the test's wavelets wait in input queue 2; `go` flushes the
    queue and unblocks recv; the handler records how many recv took by then."""
    tc = p.import_module("<tile_config>")
    qf = tc.queue_flush
    iq = p.input_queue(2, C)
    got = p.var("got", pw.u32, 1)
    seen = p.var("seen", pw.u32, 5)    # recv runs at the handler; status in it; after exit;
    #                                    handler runs; status before the flush emptied it

    @p.data_task(iq)
    def recv(v: pw.u32):
        got[0] = got[0] + 1

    p.block(recv)

    @p.local_task(10)
    def go():
        pw.queue_flush(iq)
        seen[4] = qf.iq_status()     # armed, not emptied yet: nothing flushed
        if unblock:
            pw.unblock(recv)

    def emptied():
        seen[0] = got[0]
        seen[1] = qf.iq_status()
        if qf.is_flushed(qf.iq_status(), iq):
            qf.exit(iq)
        seen[2] = qf.iq_status()
        seen[3] = seen[3] + 1

    p.set_empty_queue_handler(emptied, iq)


def test_a_flushed_input_queue_runs_its_handler_once_drained(jit):
    h = Harness(drains, jit=jit)
    h.send(C, np.array([7, 8, 9], np.uint32))
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("got")[0] == 0                       # recv is blocked: all three wait
    assert h.engine.st.iq_count[0, 2] == 3
    h.activate("go")
    h.run_until_idle(max_cycles=10_000)
    # the handler ran once, after recv took all three; status bit 2 set in it, 0 after exit
    assert list(h.peek("seen")) == [3, 1 << 2, 0, 1, 0]
    assert not h.engine.st.qflush[0].any()


def test_a_queue_that_never_drains_keeps_the_flush_waiting_and_says_so():
    h = Harness(drains, unblock=False, jit=False)
    h.send(C, np.array([7], np.uint32))
    h.run_until_idle(max_cycles=10_000)
    h.activate("go")
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("seen")[3] == 0                      # no handler run
    assert "pw.queue_flush waits for input queue 2 to be empty" in h.engine.describe(0)


def test_a_flush_of_an_empty_queue_runs_the_handler_at_once(jit):
    h = Harness(drains, jit=jit)
    h.activate("go")
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("seen")) == [0, 1 << 2, 0, 1, 1 << 2]   # flushed in go already


@pw.program
def sends(p, *, n: int = 8):
    """`go` sends n words east through output queue 3 (async) and, once the microthread has
    pushed the last one into the queue, `pushed` flushes the queue: the handler runs once the
    router has taken them all."""
    tc = p.import_module("<tile_config>")
    qs = tc.output_queue_status
    oq = p.output_queue(3, D)
    vals = p.var("vals", pw.u32, n, init=np.arange(1, n + 1))
    seen = p.var("seen", pw.u32, 4)     # status when pushed ran; in the handler; runs; empty?
    out = pw.fabout(D, extent=n, queue=oq)

    @p.local_task(11)
    def pushed():
        seen[0] = qs.get()
        pw.queue_flush(oq)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out, pw.mem1d(vals), async_=True, activate=pushed)

    def emptied():
        s = qs.get()
        seen[1] = s
        seen[2] = seen[2] + 1
        if qs.is_empty(s, oq) and tc.queue_flush.is_flushed(tc.queue_flush.oq_status(), oq):
            seen[3] = 1
        tc.queue_flush.exit(oq)

    pw.set_empty_queue_handler(emptied, oq)       # CSL's spelling, the same call


def test_a_flushed_output_queue_runs_its_handler_once_its_router_took_all(jit):
    h = Harness(sends, jit=jit, routes={D: dict(rx=[pw.RAMP], tx=[pw.EAST])})
    h.run_until_idle(max_cycles=10_000)
    h.expect(D, np.arange(1, 9), direction=pw.EAST)
    seen = h.peek("seen")
    assert not seen[0] & (1 << 3)                      # words still in oq 3 at the flush
    assert seen[1] & (1 << 3) and not seen[1] & (1 << (8 + 3))    # empty in the handler
    assert list(seen[2:]) == [1, 1]
    assert not h.engine.st.qflush[0].any()


@pw.program
def both(p):
    """Color C starts in teardown with a teardown handler; `go` flushes the empty input
    queue 2: the teardown task runs the color handler (C is pending), then the queue's."""
    tc = p.import_module("<tile_config>")
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    iq = p.input_queue(2, D)
    log = p.var("log", pw.u32, 4)
    n = p.var("n", pw.u32, 1)

    @p.data_task(iq)
    def recv(v: pw.u32):
        pass

    @p.on_start
    @p.local_task(10)
    def go():
        pw.queue_flush(iq)

    def on_teardown():
        log[n[0]] = 1
        n[0] = n[0] + 1
        tc.teardown.exit(C)

    def emptied():
        log[n[0]] = 2
        n[0] = n[0] + 1
        tc.queue_flush.exit(iq)

    p.set_teardown_handler(on_teardown, C)
    p.set_empty_queue_handler(emptied, iq)


def test_the_teardown_task_runs_the_color_and_the_queue_handler(jit):
    h = Harness(both, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("log")) == [1, 2, 0, 0]         # each once, color handler first
    st = h.engine.st
    assert not st.tip[0, 3] & fabric.TIP_ON and not st.qflush[0].any()


@pw.program
def status(p):
    """recv blocked: the test fills input queue 2 (depth 4); `look` reads both statuses."""
    tc = p.import_module("<tile_config>")
    iqs, oqs = tc.input_queue_status, tc.output_queue_status
    iq = p.input_queue(2, C)
    oq = p.output_queue(4, D)
    seen = p.var("seen", pw.u32, 8)

    @p.data_task(iq)
    def recv(v: pw.u32):
        pass

    p.block(recv)

    @p.local_task(10)
    def look():
        s = iqs.get()
        seen[0] = s
        seen[1] = iqs.get_raw()
        seen[2] = iqs.is_full(s, iq) + 2 * iqs.is_empty(s, iq)
        seen[3] = iqs.all_full(s) + 2 * iqs.all_empty(s) + 4 * iqs.none_full(s) + \
            8 * iqs.none_empty(s)
        t = oqs.get()
        seen[4] = t
        seen[5] = oqs.is_full(t, oq) + 2 * oqs.is_empty(t, oq)
        seen[6] = oqs.all_full(t) + 2 * oqs.all_empty(t) + 4 * oqs.none_full(t) + \
            8 * oqs.none_empty(t)


@pytest.mark.parametrize("fill", [0, 2, 4])
def test_queue_status_bits_follow_the_queues(jit, fill):
    h = Harness(status, jit=jit)
    if fill:
        h.send(C, np.arange(fill, dtype=np.uint32))
    h.run_until_idle(max_cycles=10_000)
    h.activate("look")
    h.run_until_idle(max_cycles=10_000)
    seen = [int(v) for v in h.peek("seen")]
    empty = 0xFF & ~(1 << 2) if fill else 0xFF
    full = 1 << 2 if fill == 4 else 0
    assert seen[0] == seen[1] == empty | full << 8
    assert seen[2] == (fill == 4) + 2 * (fill == 0)
    assert seen[3] == 2 * (fill == 0) + 4 * (fill < 4)      # never all full, some empty
    assert seen[4] == 0xFF and seen[5] == 2 and seen[6] == 2 + 4   # every output queue empty


@pw.program
def two_queues(p):
    """One handler function for input queues 2 and 4, both flushed empty: it runs once per
    queue, in queue order, and resets the one whose bit is set."""
    qf = p.import_module("<tile_config>").queue_flush
    iq2, iq4 = p.input_queue(2, C), p.input_queue(4, D)
    log = p.var("log", pw.u32, 4)
    n = p.var("n", pw.u32, 1)

    @p.data_task(iq2)
    def r2(v: pw.u32):
        pass

    @p.data_task(iq4)
    def r4(v: pw.u32):
        pass

    @p.on_start
    @p.local_task(10)
    def go():
        pw.queue_flush(iq4)
        pw.queue_flush(iq2)

    def emptied():
        s = qf.iq_status()
        log[n[0]] = s
        n[0] = n[0] + 1
        if qf.is_flushed(s, iq2):
            qf.exit(iq2)
        else:
            qf.exit(iq4)

    p.set_empty_queue_handler(emptied, iq2)
    p.set_empty_queue_handler(emptied, iq4)


def test_one_function_serves_two_queues(jit):
    h = Harness(two_queues, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("log")) == [(1 << 2) | (1 << 4), 1 << 4, 0, 0]
    assert not h.engine.st.qflush[0].any()


@pw.program
def wse2_calls(p):
    qf = p.import_module("<tile_config>").queue_flush

    @p.on_start
    @p.local_task(10)
    def go():
        qf.iq_status()


def test_wse2_refuses_the_queue_flush_submodule():
    with pytest.raises(pw.TaskError, match=r"<tile_config>'s queue_flush is wse3's: wse2 has "
                                           r"no @queue_flush"):
        Harness(wse2_calls, arch="wse2")


def test_a_handler_needs_a_queue():
    @pw.program
    def color_handler(p):
        def fn():
            pass
        p.set_empty_queue_handler(fn, C)

    with pytest.raises(pw.ProgramError, match=r"set_empty_queue_handler: Color\(3\) is not a "
                                              r"queue; pass what p.input_queue\(q, color\)"):
        Harness(color_handler)


@pw.program
def exits_early(p):
    """`go` flushes the empty queue 2 (activating the teardown task) and resets its status at
    once: the teardown task then has nothing to run, and `after` (8) still runs."""
    qf = p.import_module("<tile_config>").queue_flush
    iq = p.input_queue(2, C)
    seen = p.var("seen", pw.u32, 2)        # handler runs, after ran

    @p.data_task(iq)
    def recv(v: pw.u32):
        pass

    @p.local_task(8)
    def after():
        seen[1] = 1

    @p.on_start
    @p.local_task(10)
    def go():
        pw.queue_flush(iq)
        qf.exit(iq)
        pw.activate(after)            # from 11 on, the teardown task (29) comes first

    def emptied():
        seen[0] = seen[0] + 1
        qf.exit(iq)

    p.set_empty_queue_handler(emptied, iq)


def test_a_teardown_task_with_nothing_to_run_lets_the_others_run(jit):
    h = Harness(exits_early, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("seen")) == [0, 1]


@pw.program
def reads(p):
    """`go` flushes input queue 2 with three wavelets in it, then reads them with an async
    fabin op: the handler runs once the op has taken the last one."""
    qf = p.import_module("<tile_config>").queue_flush
    iq = p.input_queue(2, C)
    buf = p.var("buf", pw.u32, 3)
    seen = p.var("seen", pw.u32, 2)        # the last word read when the handler ran; runs
    d_in = pw.fabin(C, extent=3, queue=iq)

    @p.local_task(10)
    def go():
        pw.queue_flush(iq)
        pw.mov32(pw.mem1d(buf), d_in, async_=True)

    def emptied():
        seen[0] = buf[2]
        seen[1] = seen[1] + 1
        qf.exit(iq)

    p.set_empty_queue_handler(emptied, iq)


def test_a_fabin_op_that_drains_the_queue_fires_the_flush(jit):
    h = Harness(reads, jit=jit)
    h.send(C, np.array([7, 8, 9], np.uint32))
    h.run_until_idle(max_cycles=10_000)
    h.activate("go")
    h.run_until_idle(max_cycles=10_000)
    assert list(h.peek("buf")) == [7, 8, 9]
    assert list(h.peek("seen")) == [9, 1]
