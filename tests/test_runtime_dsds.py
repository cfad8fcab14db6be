"""DSDs built and changed in task bodies from run-time values (CSL `@get_dsd` with run-time
fields, `@set_dsd_length` on fabric DSDs), in both modes, bit-exact against numpy; a
run-time DSD that walks off its array is an error naming the array and the index."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

M, N = 3, 4


@pw.program
def columns(p, *, memcpy_params):
    """A transposed and A's column sums, with DSDs built in the task from run-time values."""
    sys = p.memcpy(memcpy_params)
    A = p.var("A", pw.u16, (M, N), export=True)
    T = p.var("T", pw.u16, M * N, export=True)
    sums = p.var("sums", pw.u16, N, export=True)
    n = p.var("n", pw.i16, 1, init=[N], export=True)
    d_sums = pw.mem1d(sums)

    @p.export
    def go():
        for j in range(n[0]):
            col = pw.mem1d(A, extent=M, offset=j, stride=n[0])    # A[:, j]
            pw.mov16(pw.mem1d(T, M, j * M), col)                  # options by position
        for i in range(M):
            pw.add16(d_sums, d_sums, pw.mem1d(A, offset=i * n[0], extent=n[0]))
        sys.unblock_cmd_stream()


def test_mem1d_from_runtime_values(jit):
    A = (np.arange(M * N).reshape(M, N) * 7919 + 3).astype(np.uint16)
    h = Harness(columns, jit=jit)
    h.poke("A", A)
    h.launch("go")
    np.testing.assert_array_equal(h.peek("T"), A.T.ravel())
    np.testing.assert_array_equal(h.peek("sums"), A.sum(axis=0, dtype=np.uint16))


@pw.program
def walks_off(p, *, memcpy_params):
    """Writes column j of A for j = 0, 1, ...: the stride-N column from offset j ends past A
    once j + (M - 1) * N >= M * N, i.e. never; offset j = N + 1 does."""
    sys = p.memcpy(memcpy_params)
    A = p.var("A", pw.u32, (M, N), export=True)
    after = p.var("after", pw.u32, 8, export=True)      # the next symbol in memory
    last = p.var("last", pw.i16, 1, init=[N + 1], export=True)

    @p.export
    def go():
        for j in range(last[0] + 1):
            col = pw.mem1d(A, extent=M, offset=j, stride=N)
            pw.mov32(col, 7)
        sys.unblock_cmd_stream()


def test_runtime_dsd_walking_off_its_array(jit):
    h = Harness(walks_off, jit=jit)
    with pytest.raises(pw.TaskError) as info:
        h.launch("go")
    text = str(info.value)
    assert "PE (0, 0) task 'go'" in text
    # j = 4: elements 4, 8, 12 of A (12 elements): the first out of range is the last
    assert "the destination of this op is a DSD over 'A' (12 element(s), index 0..11) that " \
           "reaches element 12" in text
    assert "pw.mov32(col, 7)" in text
    assert h.peek("after").tolist() == [0] * 8          # nothing written into the neighbour
    assert h.peek("A").ravel().tolist() == [7] * 12


@pw.program
def walks_back(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.f32, 4, export=True)
    b = p.var("b", pw.f32, 3, export=True)
    k = p.var("k", pw.i16, 1, init=[2], export=True)
    d_b = pw.mem1d(b)

    @p.export
    def go():
        back = pw.mem1d(a, 3, k[0], -1)       # a[2], a[1], a[0]
        pw.fmovs(d_b, back)
        d = pw.increment_dsd_offset(back, -1, pw.f32)    # a[1], a[0], a[-1]
        pw.fadds(d_b, d_b, d)
        sys.unblock_cmd_stream()


def test_runtime_dsd_below_its_array_names_the_source(jit):
    h = Harness(walks_back, jit=jit)
    with pytest.raises(pw.TaskError, match=r"source 2 of this op is a DSD over 'a' \(4 "
                                           r"element\(s\), index 0..3\) that reaches element "
                                           r"-1(.|\n)*pw.fadds\(d_b, d_b, d\)"):
        h.launch("go")


@pw.program
def resend(p, *, rx: pw.Color, tx: pw.Color):
    """Receives n wavelets and sends them on, n read at run time: fabric DSDs declared with
    room for 8 and cut to n in the task (CSL `@set_dsd_length` on fabin/fabout)."""
    buf = p.var("buf", pw.u32, 8)
    n = p.var("n", pw.i16, 1, init=[3], export=True)
    d_in = pw.fabin(rx, extent=8)
    d_out = pw.fabout(tx, extent=8)

    @p.on_start
    @p.local_task(8)
    def go():
        k = n[0]
        pw.mov32(pw.mem1d(buf, k), pw.set_dsd_length(d_in, k))
        out = pw.set_dsd_length(d_out, k)
        pw.mov32(out, pw.mem1d(buf, k))


def test_set_dsd_length_on_fabric_dsds(jit):
    h = Harness(resend, rx=pw.Color(3), tx=pw.Color(4), jit=jit)
    words = np.array([11, 0xFFFFFFFF, 5], np.uint32)
    h.send(pw.Color(3), words, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(pw.Color(4), words.tolist(), direction=pw.EAST)


# -- what the checker refuses: comptime-only fields, kinds, types ---------------------------------

def refused(program, **params) -> str:
    """The TaskError compiling `program` alone on one PE raises, as text (no task runs)."""
    with pytest.raises(pw.TaskError) as err:
        Harness(program, **params)
    return str(err.value)


@pw.program
def comptime_fields(p, *, c: pw.Color):
    a = p.var("a", pw.f32, 4)
    n = p.var("n", pw.i16, 1)
    t = p.var("t", pw.f32, 1)
    d = pw.mem1d(a)
    d_in = pw.fabin(c, extent=4)

    @p.on_start
    @p.local_task(10)
    def go():
        fresh = pw.fabin(c, n[0])
        box = pw.mem4d(a, (2,), (1,))
        moved = pw.increment_dsd_offset(d, 1, t[0])
        back = pw.increment_dsd_offset(d_in, 1, pw.f32)
        odd = pw.mem1d(a, extent=t[0])
        not_array = pw.mem1d(d, 2)
        pw.fmovs(pw.set_dsd_length(d_in, n[0]), d)


def test_comptime_only_fields_and_wrong_kinds_are_refused_at_their_lines():
    text = refused(comptime_fields, c=pw.Color(3))
    assert "pw.fabin cannot be built in a task body: a fabric DSD's color and queue are " \
           "comptime (CSL)" in text and "fresh = pw.fabin(c, n[0])" in text
    assert "pw.mem4d cannot be built in a task body: its extents and strides are comptime" \
        in text
    assert "pw.increment_dsd_offset: this argument must be a type known at comptime (e.g. " \
           "pw.f32), got t[0]" in text
    assert "`@increment_dsd_offset` takes a memory DSD (CSL: mem1d/mem4d), not a fabin DSD" \
        in text
    assert "pw.mem1d: extent= needs an integer, got an f32 value" in text
    assert "pw.mem1d needs an array declared with p.var, got a memory DSD" in text
    # a fabin kept a fabin through set_dsd_length: a destination it cannot be
    assert "a fabin DSD cannot be a destination (operand 1 of pw.fmovs)" in text
    assert "7 mistakes in task bodies" in text


@pw.program
def halves(p, *, memcpy_params):
    """f16 arrays named in a task body only as DSD arrays: compiled code takes their bits."""
    sys = p.memcpy(memcpy_params)
    h = p.var("h", pw.f16, 6, export=True)
    g = p.var("g", pw.f16, 3, export=True)
    k = p.var("k", pw.i16, 1, init=[1], export=True)

    @p.export
    def go():
        pw.faddh(pw.mem1d(g), pw.mem1d(h, 3, k[0], 2), 0.5)    # g = h[1::2] + 0.5
        sys.unblock_cmd_stream()


def test_f16_arrays_in_runtime_dsds(jit):
    hv = np.array([1, 2.5, 3, -4, 5, 1e4], np.float16)
    h = Harness(halves, jit=jit)
    h.poke("h", hv)
    h.launch("go")
    want = (hv[1::2] + np.float16(0.5)).astype(np.float16)
    np.testing.assert_array_equal(h.peek("g").view(np.uint16), want.view(np.uint16))


@pw.program
def backwards(p, *, memcpy_params):
    """A mutable DSD (p.dsd_var) with a negative stride, moved by a task: its fields live in
    PE memory and come back signed."""
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.u32, 6, init=np.arange(1, 7), export=True)
    b = p.var("b", pw.u32, 3, export=True)
    d = p.dsd_var(pw.mem1d(a, 3, 4, -2))                    # a[4], a[2], a[0]
    d_b = pw.mem1d(b)

    @p.export
    def go():
        nonlocal d
        pw.mov32(d_b, d)
        d = pw.mem1d(a, 3, 5, -2)                            # a[5], a[3], a[1]
        sys.unblock_cmd_stream()


def test_a_mutable_dsd_with_a_negative_stride(jit):
    h = Harness(backwards, jit=jit)
    h.launch("go")
    assert h.peek("b").tolist() == [5, 3, 1]
    h.launch("go")
    assert h.peek("b").tolist() == [6, 4, 2]
