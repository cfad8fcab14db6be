"""What benchmark-libs' stencil module needed of pywse, each on its own: a fabric DSD a task
cuts with `set_dsd_length` and another uses (`p.dsd_var(pw.fabin(...))`), `ut_id=` on an
async `load_to_dsr`, `set_dsd_base_addr` starting at element 0, and wse2 fabouts of several
colors on one output queue."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

RX, TX, TX2 = pw.Color(3), pw.Color(4), pw.Color(5)


@pw.program
def cut_fabin(p):
    """`cut` shortens a mutable fabin to 2 wavelets; `recv`, another task, receives through
    it: the length it set is what every task sees."""
    got = p.var("got", pw.u32, 4, export=True)
    fab = p.dsd_var(pw.fabin(RX, extent=4))
    got_dsd = p.dsd_var(pw.mem1d(got, extent=4))

    @p.local_task(11)
    def recv():
        pw.mov32(got_dsd, fab)

    @p.on_start
    @p.local_task(10)
    def cut():
        nonlocal fab, got_dsd
        fab = pw.set_dsd_length(fab, 2)
        got_dsd = pw.set_dsd_length(got_dsd, 2)
        pw.activate(recv)


def test_a_fabric_dsd_var_keeps_the_length_a_task_set(jit):
    h = Harness(cut_fabin, arch="wse3", jit=jit)
    h.send(RX, np.array([5, 6], np.uint32), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("got").tolist() == [5, 6, 0, 0]


@pw.program
def dsr_ut(p):
    """A receive on input queue 3 runs on microthread 3; the send, loaded into a DSR on
    output queue 3 with `ut_id=` 5 on the load only, runs beside it on microthread 5."""
    got = p.var("got", pw.u32, 2, export=True)
    mine = p.const(pw.u32, [7, 8])
    got_dsd, mine_dsd = pw.mem1d(got, extent=2), pw.mem1d(mine, extent=2)
    rx_dsd = pw.fabin(RX, extent=2, queue=p.input_queue(3, RX))
    tx_dsd = pw.fabout(TX, extent=2, queue=p.output_queue(3, TX))
    dest, src = pw.get_dsr("dsr_dest", 1), pw.get_dsr("dsr_src1", 1)
    ut = pw.get_ut_id(5)
    done = p.var("done", pw.u32, 1, export=True)

    @p.local_task(12)
    def finished():
        done[0] = done[0] + 1

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(got_dsd, rx_dsd, async_=True)
        pw.load_to_dsr(dest, tx_dsd, async_=True, activate=finished, ut_id=ut)
        pw.load_to_dsr(src, mine_dsd)
        pw.mov32(dest, src, async_=True)


def test_load_to_dsr_ut_id_moves_the_ops_on_the_dsr(jit):
    h = Harness(dsr_ut, arch="wse3", jit=jit)
    h.run_until(lambda: h.peek("done")[0] == 1, max_cycles=10_000)   # the send, alone
    h.send(RX, np.array([1, 2], np.uint32), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(TX, [7, 8], direction=pw.EAST)
    assert h.peek("got").tolist() == [1, 2]


@pw.program
def rebase(p):
    """A DSD built at offset 1 of `a`, pointed at `b`: CSL's base address holds the offset,
    so the new DSD starts at b[0]."""
    a = p.var("a", pw.u32, 3)
    b = p.var("b", pw.u32, 3, export=True)

    @p.on_start
    @p.local_task(10)
    def go():
        d = pw.set_dsd_base_addr(pw.mem1d(a, extent=2, offset=1), b)
        pw.mov32(d, 9)


def test_set_dsd_base_addr_starts_at_element_0(jit):
    h = Harness(rebase, arch="wse3", jit=jit)
    h.run_until_idle(max_cycles=1_000)
    assert h.peek("b").tolist() == [9, 9, 0]


@pw.program
def one_queue_two_colors(p):
    """wse2: two fabouts of different colors on output queue 2 (wse2's output queues take
    no color), the second started by the first's completion."""
    mine = p.const(pw.u32, [1, 2, 3])
    mine_dsd = pw.mem1d(mine, extent=3)
    east = pw.fabout(TX, extent=3, queue=2)
    south = pw.fabout(TX2, extent=3, queue=2)

    @p.local_task(11)
    def second():
        pw.mov32(south, mine_dsd, async_=True)

    @p.on_start
    @p.local_task(10)
    def first():
        pw.mov32(east, mine_dsd, async_=True, activate=second)


def test_wse2_fabouts_of_two_colors_share_an_output_queue(jit):
    h = Harness(one_queue_two_colors, arch="wse2", jit=jit,
                routes={TX: dict(rx=[pw.RAMP], tx=[pw.EAST]),
                        TX2: dict(rx=[pw.RAMP], tx=[pw.SOUTH])})
    h.run_until_idle(max_cycles=10_000)
    h.expect(TX, [1, 2, 3], direction=pw.EAST)
    h.expect(TX2, [1, 2, 3], direction=pw.SOUTH)


def test_wse3_still_binds_an_output_queue_to_one_color():
    with pytest.raises(pw.ProgramError, match="queue 2 is used for colors (4 and 5|5 and 4)"):
        Harness(one_queue_two_colors, arch="wse3")
