"""`pw.bitcast` (CSL `@bitcast` on scalars), `pw.get_int`, `pw.get_rectangle`: in task bodies
in both modes and at comptime, bit-exact; what the checker refuses."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.program
def casts(p, *, memcpy_params, c: pw.Color):
    sys = p.memcpy(memcpy_params)
    words = p.var("words", pw.u32, 2, export=True)
    halves = p.var("halves", pw.u16, 2, export=True)
    floats = p.var("floats", pw.f32, 2, export=True)
    ints = p.var("ints", pw.i16, 2, export=True)
    ids = p.var("ids", pw.u16, 3, export=True)
    rect_width, rect_height = pw.get_rectangle().width, pw.get_rectangle().height
    one = pw.bitcast(pw.f32, pw.u32(0x3F800000))          # comptime: 1.0

    @p.local_task(12)
    def other():
        pass

    @p.export
    def go():
        # single-tile-matvec packs two u16 halves into an f32's bits
        floats[0] = pw.bitcast(pw.f32, (pw.u32(halves[1]) << 16) | pw.u32(halves[0]))
        words[0] = pw.bitcast(pw.u32, floats[1])
        ints[0] = pw.bitcast(pw.i16, halves[0])
        ints[1] = pw.bitcast(pw.i16, pw.bitcast(pw.u16, ints[1]) + 1)
        words[1] = pw.bitcast(pw.u32, pw.f32(one) * 2.0)
        ids[0] = pw.get_int(c)
        ids[1] = pw.get_int(other)
        ids[2] = rect_width * 10 + rect_height
        sys.unblock_cmd_stream()


def test_bitcast_and_get_int_in_task_bodies(jit):
    h = Harness(casts, c=pw.Color(7), jit=jit)
    h.poke("halves", np.array([0xFFFE, 0x4049], np.uint16))
    h.poke("floats", np.array([0, -2.5], np.float32))
    h.poke("ints", np.array([0, -1], np.int16))
    h.launch("go")
    want = np.array([0x4049FFFE], np.uint32).view(np.float32)[0]
    assert h.peek("floats")[0].view(np.uint32) == want.view(np.uint32)
    assert h.peek("words").tolist() == [int(np.float32(-2.5).view(np.uint32)),
                                        int(np.float32(2.0).view(np.uint32))]
    assert h.peek("ints").tolist() == [-2, 0]
    assert h.peek("ids").tolist() == [7, 12, 11]


def test_comptime_twins():
    assert pw.bitcast(pw.i32, pw.f32(-0.0)) == np.int32(-2**31)
    assert pw.get_int(pw.Color(21)) == 21
    with pytest.raises(pw.ProgramError, match="differ in width"):
        pw.bitcast(pw.u16, pw.f32(1.0))
    with pytest.raises(pw.ProgramError, match="give the value a type first"):
        pw.bitcast(pw.f32, 5)
    with pytest.raises(pw.ProgramError, match="pw.get_rectangle belongs in a program body"):
        pw.get_rectangle()


@pw.program
def cast_mistakes(p):
    a = p.var("a", pw.u32, 2)
    b = p.var("b", pw.u16, 2)

    @p.on_start
    @p.local_task(10)
    def go():
        a[0] = pw.bitcast(pw.u32, b[0])
        a[1] = pw.bitcast(pw.u32, 7)
        r = pw.get_rectangle()
        pw.bitcast(pw.u16, b[1])
        a[0] = pw.get_int(1.5)


def test_cast_mistakes_are_refused():
    with pytest.raises(pw.TaskError) as err:
        Harness(cast_mistakes)
    text = str(err.value)
    assert "pw.bitcast: u16 value (16-bit) and u32 (32-bit) differ in width" in text
    assert "pw.bitcast(u32, 7): give the value a type first" in text
    assert "`@get_rectangle` is comptime: call pw.get_rectangle in the program body" in text
    assert "the result of pw.bitcast is dropped (CSL refuses an unused value): assign it" in text
    assert "pw.get_int needs a color, task or integer, got an untyped number" in text


def test_var_align_places_the_array_as_csl_does():
    @pw.program
    def aligned(p):
        p.var("pad", pw.u16, 1)
        a = p.var("a", pw.f32, 4, align=16)
        b = p.var("b", pw.u16, 3)
        c = p.var("c", pw.u32, 2, align=64)
        assert (a.offset, b.offset, c.offset) == (16, 32, 64)

    Harness(aligned)

    @pw.program
    def odd(p):
        p.var("a", pw.f32, 4, align=12)

    with pytest.raises(pw.ProgramError, match=r"align=12 must be a power of two"):
        Harness(odd)


@pw.program
def locals_(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    out = p.var("out", pw.i16, 4, export=True)
    k = p.var("k", pw.i16, 1, init=[4], export=True)

    def reverse_into(dst, n):
        tmp = np.zeros(4, pw.i16)                   # CSL: var tmp = @zeros([4]i16);
        for i in range(n):
            tmp[i] = dst[i] * 3
        for i in range(n):
            dst[i] = tmp[n - 1 - i]

    @p.export
    def go():
        grid = np.zeros((2, 2), pw.i32)
        grid[1, 0] = 40000
        for i in range(4):
            out[i] = i - 2
        reverse_into(out, 4)
        out[0] += pw.i16(grid[1, 0] // 10000)
        sys.unblock_cmd_stream()

    @p.export
    def past():
        tmp = np.zeros(4, pw.i16)
        tmp[k[0]] = 1
        sys.unblock_cmd_stream()


def test_function_local_arrays(jit):
    h = Harness(locals_, jit=jit)
    h.launch("go")
    assert h.peek("out").tolist() == [3 + 4, 0, -3, -6]
    with pytest.raises(pw.TaskError, match=r"index 4 is out of range for 'tmp' \(4 element"
                                           r"\(s\), index 0..3\)(.|\n)*tmp\[k\[0\]\] = 1"):
        h.launch("past")


@pw.program
def local_mistakes(p):
    a = p.var("a", pw.i16, 4)
    n = p.var("n", pw.i16, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        tmp = np.zeros(4, pw.i16)
        pw.add16(pw.mem1d(a), pw.mem1d(tmp), 1)
        pw.mov16(pw.mem1d(a), tmp)
        sized = np.zeros(n[0], pw.i16)
        untyped = np.zeros(3)
        tmp[4] = 1


def test_local_array_mistakes():
    with pytest.raises(pw.TaskError) as err:
        Harness(local_mistakes)
    text = str(err.value)
    assert "pw.mem1d: local array 'tmp' lives in the task, not in PE memory" in text
    assert "operand 2 of pw.mov16: local array 'tmp' lives in the task" in text
    assert "a local array needs a size known at comptime" in text
    assert "a local array needs an element type of pywse other than f16" in text
    assert "index 4 is past the end of 'tmp' (4 element(s), index 0..3)" in text


@pw.program
def untyped_overflow(p):
    """An untyped number (int() of an i16) met a u32 it does not fit: numpy names the number,
    compiled code cannot; both modes must say the same (found by the fuzzer)."""
    h = p.var("h", pw.i16, 1, init=-3)
    u = p.var("u", pw.u32, 1)

    @p.on_start
    @p.local_task(10)
    def body():
        m = int(h[0])
        u[0] = u[0] + m


def test_an_untyped_overflow_reads_the_same_compiled_and_not():
    said = []
    for jit in (False, True):
        with pytest.raises(pw.TaskError) as e:
            Harness(untyped_overflow, jit=jit).run_until_idle(max_cycles=1000)
        said.append(str(e.value).splitlines()[0])   # the quoted line's carets may differ
    assert said[0] == said[1]
    assert "Python integer out of bounds for uint32 (an untyped number" in said[0]
