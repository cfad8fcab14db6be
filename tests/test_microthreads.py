"""Microthreads: wse3's `ut_id=` (CSL `.ut_id = @get_ut_id(n)`) runs an async op on the
microthread it names; two async ops meeting on one microthread are a compile-time error when
the checker can prove it, else a run-time error naming both ops, their queues and the fix."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

N = 4


@pw.program
def clash(p, *, rx: pw.Color, tx: pw.Color):
    """Receives on input queue 3 and, from another task, sends on output queue 3: input and
    output queue 3 share microthread 3, and the receive is still waiting."""
    got = p.var("got", pw.u32, N, export=True)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd = pw.fabin(rx, extent=N, queue=p.input_queue(3, rx))
    tx_dsd = pw.fabout(tx, extent=N, queue=p.output_queue(3, tx))

    @p.local_task(11)
    def send():
        pw.mov32(tx_dsd, mine_dsd, async_=True)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True)
        pw.activate(send)


@pw.program
def moved(p, *, rx: pw.Color, tx: pw.Color):
    """The same, with the send on microthread 5 (`ut_id=`): both run at once."""
    got = p.var("got", pw.u32, N, export=True)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd = pw.fabin(rx, extent=N, queue=p.input_queue(3, rx))
    tx_dsd = pw.fabout(tx, extent=N, queue=p.output_queue(3, tx))
    send_ut = pw.get_ut_id(5)
    done = p.var("done", pw.u32, 1, export=True)

    @p.local_task(12)
    def finished():
        done[0] = done[0] + 1

    @p.local_task(11)
    def send():
        pw.mov32(tx_dsd, mine_dsd, async_=True, ut_id=send_ut, activate=finished)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True)
        pw.activate(send)


COLORS = dict(rx=pw.Color(3), tx=pw.Color(4))


def test_ut_id_runs_the_op_on_that_microthread(jit):
    h = Harness(moved, arch="wse3", jit=jit, **COLORS)
    h.send(pw.Color(3), np.array([1, 2, 3, 4], np.uint32), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(pw.Color(4), [7, 8, 9, 10], direction=pw.EAST)
    assert h.peek("got").tolist() == [1, 2, 3, 4]
    assert h.peek("done")[0] == 1


@pytest.mark.parametrize("arch", ["wse3", "wse2"])
def test_two_async_ops_on_one_microthread_name_both_and_the_fix(arch, jit):
    h = Harness(clash, arch=arch, jit=jit, **COLORS)
    with pytest.raises(pw.TaskError) as err:
        h.run_until_idle(max_cycles=10_000)
    text = str(err.value)
    assert "task 'send'" in text
    assert ("two async ops on microthread 3 at once: mov32 (input queue 3) still runs there "
            "when this mov32 (output queue 3) starts") in text
    assert "ut_id=pw.get_ut_id(n)" in text and "a queue of another id" in text
    assert "once the mov32 has completed (its activate=/unblock= task)" in text
    assert err.value.line is not None


@pw.program
def same_ut(p, *, rx: pw.Color, tx: pw.Color):
    got = p.var("got", pw.u32, N)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd, tx_dsd = pw.fabin(rx, extent=N), pw.fabout(tx, extent=N)
    ut = pw.get_ut_id(6)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True, ut_id=ut)
        pw.mov32(tx_dsd, mine_dsd, async_=True, ut_id=ut)


def test_the_same_ut_id_twice_in_one_task_is_a_compile_time_error():
    with pytest.raises(pw.TaskError) as err:
        Harness(same_ut, arch="wse3", **COLORS)
    text = str(err.value)
    assert ("pw.mov32 (line" in text and "ut_id=ut) and pw.mov32 (this line, ut_id=ut) would "
            "run on microthread 6 at once") in text
    assert "give one another microthread" in text


@pw.program
def queue_then_ut(p, *, rx: pw.Color, tx: pw.Color):
    got = p.var("got", pw.u32, N)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd = pw.fabin(rx, extent=N, queue=p.input_queue(4, rx))
    tx_dsd = pw.fabout(tx, extent=N)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True)
        pw.mov32(tx_dsd, mine_dsd, async_=True, ut_id=pw.get_ut_id(4))


@pw.program
def queue_and_ut(p, *, rx: pw.Color, tx: pw.Color):
    got = p.var("got", pw.u32, N)
    mine = p.const(pw.u32, [7, 8, 9, 10])
    got_dsd, mine_dsd = pw.mem1d(got, extent=N), pw.mem1d(mine, extent=N)
    rx_dsd = pw.fabin(rx, extent=N, queue=p.input_queue(4, rx))
    tx_dsd = pw.fabout(tx, extent=N)
    ut = pw.get_ut_id(4)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True)
        pw.mov32(tx_dsd, mine_dsd, async_=True, ut_id=ut)


def test_a_ut_id_equal_to_a_busy_queue_s_microthread_is_a_compile_time_error():
    with pytest.raises(pw.TaskError, match=r"pw.mov32 \(line \d+, rx_dsd on input queue 4\) "
                                           r"and pw.mov32 \(this line, ut_id=ut\) would run on "
                                           "microthread 4 at once"):
        Harness(queue_and_ut, arch="wse3", **COLORS)


def test_get_ut_id_belongs_in_the_program_body():
    with pytest.raises(pw.TaskError, match=r"`@get_ut_id` is comptime: call pw.get_ut_id in "
                                           "the program body"):
        Harness(queue_then_ut, arch="wse3", **COLORS)


@pw.program
def literal_ut(p, *, rx: pw.Color, tx: pw.Color):
    mine = p.const(pw.u32, [7, 8, 9, 10])
    mine_dsd = pw.mem1d(mine, extent=N)
    tx_dsd = pw.fabout(tx, extent=N)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(tx_dsd, mine_dsd, async_=True, ut_id=4)


def test_ut_id_needs_get_ut_id_and_async():
    with pytest.raises(pw.TaskError) as err:
        Harness(literal_ut, arch="wse3", **COLORS)
    assert "ut_id= needs a microthread id from pw.get_ut_id(n) (wse3; call it in the program " \
           "body), got 4 (an untyped number)" in str(err.value)


@pw.program
def sync_ut(p, *, rx: pw.Color, tx: pw.Color):
    mine = p.const(pw.u32, [7, 8, 9, 10])
    mine_dsd = pw.mem1d(mine, extent=N)
    tx_dsd = pw.fabout(tx, extent=N)
    ut = pw.get_ut_id(3)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(tx_dsd, mine_dsd, ut_id=ut)


def test_ut_id_on_a_sync_op_is_refused():
    with pytest.raises(pw.TaskError, match="ut_id= picks the microthread an async op runs on; "
                                           "give async_=True too"):
        Harness(sync_ut, arch="wse3", **COLORS)


def test_wse2_has_no_microthread_ids():
    with pytest.raises(pw.ProgramError, match=r"pw.get_ut_id\(5\): wse2 has no microthread ids"
                                              r".*leave ut_id= out"):
        Harness(moved, arch="wse2", **COLORS)


@pw.program
def bad_ids(p, *, memcpy_params, n: int):
    p.memcpy(memcpy_params)
    pw.get_ut_id(n)


@pytest.mark.parametrize("n, message", [(0, "microthread 0 is memcpy's"),
                                        (8, "a microthread id is an integer 0..7")])
def test_get_ut_id_refuses_memcpy_s_and_out_of_range(n, message):
    lay = pw.Layout(1, 1)
    mc = lay.memcpy()
    lay.set_tile_code(0, 0, bad_ids, memcpy_params=mc.get_params(0), n=n)
    with pytest.raises(pw.ProgramError, match=message):
        pw.compile(lay, arch="wse3", fabric_dims=(8, 3), fabric_offsets=(4, 1), memcpy=True,
                   channels=1)


@pw.program
def auto_and_ut(p, *, rx: pw.Color, tx: pw.Color):
    got = p.var("got", pw.u32, N)
    got_dsd = pw.mem1d(got, extent=N)
    rx_dsd = pw.fabin(rx, extent=N)
    ut = pw.get_ut_id(0)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True, ut_id=ut)


def test_the_automatic_queue_choice_keeps_off_a_named_microthread():
    from pywse.dsl.dsd import FABIN
    from pywse.dsl.image import PEContext
    image = auto_and_ut.instantiate(PEContext("wse3", 0, 0, 1, 1, memcpy=False), COLORS)
    assert image.auto_queue[(FABIN, 3)] == 1       # 0 would be the first free one
