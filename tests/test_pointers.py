"""Pointers (CSL-LIBRARIES §4.5): an array handed to a helper is CSL's `*[n]T` (the helper
writes the caller's array); `pw.ptr(arr, i)` is `&arr[i]`, a one-element array over that
element, read and written as `q[0]` (CSL `q.*`); `np.array((1, 2, 3), pw.i16)` is a
function-local array with values (CSL `var data = [3]i16 { 1, 2, 3 };`)."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.program
def pointers(p):
    result = p.var("result", pw.i16, 2, export=True)
    grid = p.var("grid", pw.f32, (2, 3), export=True)
    at = p.var("at", pw.u16, 1, init=np.array([4], np.uint16))
    d_one = pw.mem1d(p.const(pw.f32, [1.0]), extent=1)

    def increment_and_sum(data, total):
        data[0] += 1
        data[1] += 1
        data[2] += 1
        total[0] = data[0] + data[1] + data[2]

    def bump(q):
        q[0] = q[0] + 10

    @p.on_start
    @p.local_task(10)
    def go():
        data = np.array((1, 2, -3), pw.i16)
        increment_and_sum(data, pw.ptr(result, 1))          # a pointer into a p.var
        second = pw.ptr(data, 1)                             # into a local array
        bump(second)
        result[0] = data[1]
        cell = pw.ptr(grid, at[0])                           # flat index, run-time: grid[1, 1]
        cell[0] = 2.5
        pw.fadds(cell, cell, d_one)                          # a DSD op's pointer operands
        pw.fadds(pw.ptr(grid, 0), cell, d_one)


def test_pointers_to_arrays_and_elements(jit):
    h = Harness(pointers, jit=jit)
    h.run_until_idle(max_cycles=1000)
    assert h.peek("result").tolist() == [13, 3]
    assert h.peek("grid").reshape(2, 3).tolist() == [[4.5, 0, 0], [0, 3.5, 0]]


@pw.program
def ptr_off_the_end(p):
    result = p.var("result", pw.i16, 2)
    at = p.var("at", pw.u16, 1, init=np.array([2], np.uint16))

    @p.on_start
    @p.local_task(10)
    def go():
        q = pw.ptr(result, at[0])
        q[0] = 1


def test_a_pointer_off_the_end_at_run_time(jit):
    h = Harness(ptr_off_the_end, jit=jit)
    with pytest.raises(pw.TaskError, match=r"task 'go'.*pw.ptr: the element is outside the "
                                           r"array"):
        h.run_until_idle(max_cycles=1000)


@pw.program
def bad_pointers(p):
    result = p.var("result", pw.i16, 2)
    d = pw.mem1d(result)

    @p.on_start
    @p.local_task(10)
    def go():
        q = pw.ptr(result, 2)
        r = pw.ptr(d, 0)
        local = np.array((1, 2), pw.i16)
        pw.add16(pw.ptr(local, 0), q, 1)
        bad = np.array(local, pw.i16)
        big = np.array((1, 70000), pw.i16)


def test_pointer_mistakes_are_refused_at_compile():
    with pytest.raises(pw.TaskError) as err:
        Harness(bad_pointers)
    text = str(err.value)
    assert "pw.ptr: element 2 is outside 'result' (2 element(s), index 0..1)" in text
    assert "pw.ptr points into an array (a p.var or a local array), not a memory DSD" in text
    assert "local array 'local' lives in the task, not in PE memory, so no DSD can reach it" \
        in text
    assert "a local array's values must be a tuple of numbers" in text
    assert "70000 does not fit i16" in text
