"""A 16-bit DSD op over 32-bit memory, which cslc accepts (csl-examples topic-14 sends a u32
buffer with @mov16): it reads and writes the low half of each 32-bit element."""
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.program
def halves(p):
    words = p.var("words", pw.u32, 3, init=[0x1234_0001, 0x5678_0002, 0x9ABC_0003])
    shorts = p.var("shorts", pw.u16, 3)
    into = p.var("into", pw.u32, 3, init=[0xFFFF_FFFF] * 3)
    added = p.var("added", pw.u32, 3, init=[0xAAAA_0010] * 3)
    words_d, shorts_d = pw.mem1d(words, extent=3), pw.mem1d(shorts, extent=3)
    into_d, added_d = pw.mem1d(into, extent=3), pw.mem1d(added, extent=3)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov16(shorts_d, words_d)
        pw.mov16(into_d, shorts_d)
        pw.add16(added_d, added_d, words_d)


def test_a_16_bit_op_on_32_bit_memory_uses_the_low_halves(jit):
    h = Harness(halves, jit=jit)
    h.run_until_idle(max_cycles=1000)
    assert h.peek("shorts").tolist() == [1, 2, 3]
    assert h.peek("into").tolist() == [0xFFFF_0001, 0xFFFF_0002, 0xFFFF_0003]
    assert h.peek("added").tolist() == [0xAAAA_0011, 0xAAAA_0012, 0xAAAA_0013]


@pw.program
def wide_on_narrow(p):
    shorts = p.var("shorts", pw.u16, 2)
    words = p.var("words", pw.u32, 2)
    words_d, shorts_d = pw.mem1d(words, extent=2), pw.mem1d(shorts, extent=2)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(words_d, shorts_d)


@pw.program
def f16_op_on_f32(p):
    wide = p.var("wide", pw.f32, 2)
    wide_d = pw.mem1d(wide, extent=2)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.faddh(wide_d, wide_d, 1.0)


def test_an_f32_array_as_an_f16_operand_is_refused():
    with pytest.raises(pw.TaskError, match=r"pw.faddh works on 16-bit elements; operand 1 of "
                                           r"pw.faddh holds f32 \(32-bit\)"):
        Harness(f16_op_on_f32, jit=False)


def test_a_32_bit_op_on_16_bit_memory_is_still_refused():
    with pytest.raises(pw.TaskError, match=r"pw.mov32 works on 32-bit elements; operand 2 of "
                                           r"pw.mov32 holds u16 \(16-bit\)"):
        Harness(wide_on_narrow, jit=False)
