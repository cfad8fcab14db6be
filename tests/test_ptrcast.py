"""`pw.ptrcast` (CSL `@ptrcast`): an array's memory as another element type, the forms the
csl-examples use: `@ptrcast([*]u32, &a)` handing an f32 array to a library that moves 32-bit
words (collectives_2d's broadcast/scatter/gather), `@ptrcast([*]f32, &a)` back for
`reduce_fadds`, and `@ptrcast([*]f32, &a[i, j])` as a DSD's new base (25-pt-stencil)."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.program
def casts(p):
    data = p.var("data", pw.f32, 4, export=True,
                 init=np.array([1.5, -2.0, 0.25, 8.0], np.float32))
    bits = p.var("bits", pw.u32, 4, export=True)
    grid = p.var("grid", pw.f32, (2, 3), export=True)
    halves = p.var("halves", pw.u16, 4, export=True)
    at = p.var("at", pw.u16, 1, init=np.array([3], np.uint16))
    src = p.const(pw.f32, [1.0, 2.0, 3.0])
    row = pw.mem1d(grid, extent=3)

    def copy_words(dst, words, n):
        """A library-style helper that moves 32-bit words (`[*]u32`)."""
        for i in range(n):
            dst[i] = words[i]

    @p.on_start
    @p.local_task(10)
    def go():
        copy_words(bits, pw.ptrcast(pw.u32, data), 4)        # @ptrcast([*]u32, &data)
        as_f32 = pw.ptrcast(pw.f32, bits)                     # and back: same bits
        as_f32[3] = as_f32[3] + 1.0                           # written through to bits
        second_row = pw.set_dsd_base_addr(row, pw.ptrcast(pw.f32, grid, at=at[0]))
        pw.fmovs(second_row, pw.mem1d(src))                   # grid[1, :] = 1, 2, 3
        words = pw.ptrcast(pw.u32, halves)                    # two u32 over four u16
        words[1] = pw.u32(0x00050004)                         # halves[2], halves[3] = 4, 5
        tail = pw.ptrcast(pw.u16, halves, at=1)               # from element 1 on
        tail[0] = pw.u16(tail.size)


def test_the_examples_forms(jit):
    h = Harness(casts, jit=jit)
    h.run_until_idle(max_cycles=1000)
    expected = np.array([1.5, -2.0, 0.25, 9.0], np.float32).view(np.uint32)
    assert h.peek("bits").tolist() == expected.tolist()
    assert h.peek("grid").reshape(2, 3).tolist() == [[0, 0, 0], [1, 2, 3]]
    assert h.peek("halves").tolist() == [0, 3, 4, 5]


@pw.program
def cast_off_the_end(p):
    data = p.var("data", pw.f32, 2)
    at = p.var("at", pw.u16, 1, init=np.array([2], np.uint16))

    @p.on_start
    @p.local_task(10)
    def go():
        q = pw.ptrcast(pw.u32, data, at=at[0])
        q[0] = 1


def test_a_cast_past_the_end_at_run_time(jit):
    h = Harness(cast_off_the_end, jit=jit)
    with pytest.raises(pw.TaskError, match=r"task 'go'.*pw.ptrcast: the element is outside "
                                           r"the array"):
        h.run_until_idle(max_cycles=1000)


@pw.program
def bad_casts(p):
    odd = p.var("odd", pw.u16, 3)
    data = p.var("data", pw.f32, 2)
    d = pw.mem1d(data)

    @p.on_start
    @p.local_task(10)
    def go():
        a = pw.ptrcast(pw.u32, odd)
        b = pw.ptrcast(pw.f16, data)
        c = pw.ptrcast(pw.u32, d)
        e = pw.ptrcast(pw.u32, data, at=2)
        f = pw.ptrcast(data, data)


def test_cast_mistakes_are_refused_at_compile():
    with pytest.raises(pw.TaskError) as err:
        Harness(bad_casts)
    text = str(err.value)
    assert "u16 array 'odd' of 3 element(s) from element 0 is 6 bytes, not a whole number " \
           "of u32 elements (4 bytes)" in text
    assert "pw.ptrcast to f16 is not supported yet" in text
    assert "pw.ptrcast casts an array (a p.var, a local array, a pw.ptr or an array a helper " \
           "got), not a memory DSD" in text
    assert "pw.ptrcast: element 2 is outside 'data' (2 element(s), index 0..1)" in text
    assert "pw.ptrcast: the first argument must be an element type known at comptime" in text


@pw.program
def dsd_past_a_cast(p):
    grid = p.var("grid", pw.f32, (2, 3))
    after = p.var("after", pw.f32, 4, export=True)     # the next symbol in PE memory
    at = p.var("at", pw.u16, 1, init=np.array([5], np.uint16))
    row = pw.mem1d(grid, extent=3)

    @p.on_start
    @p.local_task(10)
    def go():
        last = pw.set_dsd_base_addr(row, pw.ptrcast(pw.f32, grid, at=at[0]))
        pw.fmovs(last, 1.0)          # 3 elements from grid's last one: past its end


def test_a_dsd_over_a_cast_never_writes_the_next_symbol(jit):
    h = Harness(dsd_past_a_cast, jit=jit)
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': the destination of this "
                                           r"op is a DSD over 'grid\[5:\]' \(1 element\(s\), "
                                           r"index 0..0\) that reaches element 2"):
        h.run_until_idle(max_cycles=1000)
    assert h.peek("after").tolist() == [0.0] * 4
