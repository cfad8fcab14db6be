"""One output queue shared by two colors (wse2).

On wse2 a fabout DSD names its queue with `@get_output_queue(n)` and its color with
`.fabric_color`; nothing binds the queue to a color, so fabout DSDs of several colors may go
through one queue (csl-examples' stencil_3d_7pts sends on four colors through one). Each
wavelet keeps its DSD's color in the queue. wse3 binds a queue to one color
(`@initialize_queue`), and an input queue takes one color on either arch: both are refused.
"""
import pytest

import pywse as pw
from pywse.testing import Harness

A, B = pw.Color(1), pw.Color(2)
OQ = 2


@pw.program
def two_colors_one_queue(p, *, a: pw.Color, b: pw.Color, oq: int):
    """Sends 1,2,3 on `a`, 10,20,30 on `b`, then 4,5 on `a` (async, in a chain of tasks) and
    40 on `b`: every send goes through output queue `oq`, so the queue holds wavelets of both
    colors at once (wse2's queue 2 holds 6)."""
    first_a = p.const(pw.u32, [1, 2, 3])
    first_b = p.const(pw.u32, [10, 20, 30])
    then_a = p.const(pw.u32, [4, 5])
    then_b = p.const(pw.u32, [40])
    out_a3, out_b3 = pw.fabout(a, 3, queue=oq), pw.fabout(b, 3, queue=oq)
    out_a2, out_b1 = pw.fabout(a, 2, queue=oq), pw.fabout(b, 1, queue=oq)

    @p.local_task(12)
    def last():
        pw.mov32(out_b1, pw.mem1d(then_b, extent=1))

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out_a3, pw.mem1d(first_a, extent=3))
        pw.mov32(out_b3, pw.mem1d(first_b, extent=3))
        pw.mov32(out_a2, pw.mem1d(then_a, extent=2), async_=True, activate=last)


def test_both_colors_leave_in_order_through_one_queue(jit):
    h = Harness(two_colors_one_queue, arch="wse2", jit=jit, a=A, b=B, oq=OQ)
    h.run_until_idle(max_cycles=10_000)
    h.expect(A, [1, 2, 3, 4, 5], direction=pw.EAST)
    h.expect(B, [10, 20, 30, 40], direction=pw.EAST)


@pw.program
def receiver(p, *, color: pw.Color, n: int):
    """Reads `n` wavelets of `color` into `got`, in a data task."""
    got = p.var("got", pw.u32, n, export=True)
    count = p.var("count", pw.u32, 1)

    @p.data_task(color)
    def recv(w: pw.u32):
        got[count[0]] = w
        count[0] = count[0] + 1


@pw.program
def idle(p):
    """Nothing to do."""


def test_two_receivers_each_get_their_color(jit):
    """The sender in the middle of a row: color A goes west, color B east, both through its
    output queue 2; each receiver gets its own words, in order."""
    layout = pw.Layout(3, 1)
    layout.set_tile_code(1, 0, two_colors_one_queue, a=A, b=B, oq=OQ)
    layout.set_color_config(1, 0, A, rx=[pw.RAMP], tx=[pw.WEST])
    layout.set_color_config(1, 0, B, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_tile_code(0, 0, receiver, color=A, n=5)
    layout.set_color_config(0, 0, A, rx=[pw.EAST], tx=[pw.RAMP])
    layout.set_tile_code(2, 0, receiver, color=B, n=4)
    layout.set_color_config(2, 0, B, rx=[pw.WEST], tx=[pw.RAMP])
    h = Harness(layout, arch="wse2", jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("got", pe=(0, 0)).tolist() == [1, 2, 3, 4, 5]
    assert h.peek("got", pe=(2, 0)).tolist() == [10, 20, 30, 40]


def test_wse3_refuses_two_colors_on_one_output_queue():
    with pytest.raises(pw.ProgramError, match=r"output queue 2 is used for colors (1 and 2|2 and 1): "
                                              r"on wse3 an output queue is bound to one color"):
        Harness(two_colors_one_queue, arch="wse3", a=A, b=B, oq=OQ)


@pw.program
def two_colors_one_input_queue(p):
    """Reads color 1 and color 2 through input queue 3: never legal."""
    got = p.var("got", pw.u32, 2)
    in1, in2 = pw.fabin(pw.Color(1), 1, queue=3), pw.fabin(pw.Color(2), 1, queue=3)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(pw.mem1d(got, extent=1), in1)
        pw.mov32(pw.mem1d(got, extent=1, offset=1), in2)


def test_an_input_queue_still_takes_one_color():
    with pytest.raises(pw.ProgramError, match=r"input queue 3 is used for colors (1 and 2|2 and 1): "
                                              r"an input queue takes one color"):
        Harness(two_colors_one_input_queue, arch="wse2")


@pw.program
def bound_then_shared(p):
    """p.output_queue binds queue 2 to color 1; a fabout DSD then sends color 2 through it."""
    p.output_queue(2, A)
    word = p.const(pw.u32, [7])
    out = pw.fabout(B, 1, queue=2)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out, pw.mem1d(word, extent=1))


def test_a_queue_bound_by_output_queue_keeps_its_color():
    with pytest.raises(pw.ProgramError, match=r"p.output_queue\(2, ...\) bound it to color 1"):
        Harness(bound_then_shared, arch="wse2")
