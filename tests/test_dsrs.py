"""DSRs (CSL `@get_dsr`, `@load_to_dsr`): DSD ops on DSR operands, `.save_address` walking
an array, loads at comptime and at run time, fabric DSDs in DSRs with async options, and
what the checker refuses; both modes, bit-exact against numpy."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

NB, PAD = 4, 6          # single-tile-matvec's shapes, small: x has NB, columns PAD rows


@pw.program
def matvec(p, *, memcpy_params):
    """y = A x with A column-major, as csl-examples' single-tile-matvec computes it: one
    `fmacs` per element of x over DSRs, the A DSR moving to the next column each time."""
    sys = p.memcpy(memcpy_params)
    A = p.var("A", pw.f32, NB * PAD + 1, export=True)
    x = p.var("x", pw.f32, NB, export=True)
    y = p.var("y", pw.f32, PAD, export=True)
    A_dsd = pw.mem1d(A, PAD, 1)                 # |i|{PAD} -> A[i + 1]
    x_dsd, y_dsd = pw.mem1d(x), pw.mem1d(y)
    y_dest = pw.get_dsr("dsr_dest", 0)
    y_src0 = pw.get_dsr("dsr_src0", 0)
    A_src1 = pw.get_dsr("dsr_src1", 0)
    pw.load_to_dsr(y_dest, y_dsd)               # at comptime

    def step(cur_x):
        pw.fmacs(y_dest, y_src0, A_src1, cur_x)

    @p.export
    def compute():
        pw.load_to_dsr(y_src0, y_dsd, save_address=False)
        pw.load_to_dsr(A_src1, A_dsd, save_address=True)
        pw.map(step, x_dsd)
        sys.unblock_cmd_stream()


def test_matvec_over_dsrs_walks_a_with_save_address(jit):
    rng = np.random.default_rng(3)
    A = rng.standard_normal(NB * PAD + 1).astype(np.float32)
    x = rng.standard_normal(NB).astype(np.float32)
    h = Harness(matvec, jit=jit)
    h.poke("A", A)
    h.poke("x", x)
    h.launch("compute")
    want = np.zeros(PAD, np.float32)
    cols = A[1:].reshape(NB, PAD)
    for j in range(NB):                       # fmacs rounds the product, then the sum
        want = (want + (cols[j] * x[j]).astype(np.float32)).astype(np.float32)
    np.testing.assert_array_equal(h.peek("y").view(np.uint32), want.view(np.uint32))
    h.launch("compute")                       # loaded again: A from its first column
    want2 = want.copy()
    for j in range(NB):
        want2 = (want2 + (cols[j] * x[j]).astype(np.float32)).astype(np.float32)
    np.testing.assert_array_equal(h.peek("y").view(np.uint32), want2.view(np.uint32))


@pw.program
def streams(p, *, rx: pw.Color, tx: pw.Color):
    """Integer ops on DSRs holding fabric DSDs: received words + 5 sent on, the fabout
    DSR loaded async so the op runs on a microthread and activates `done`."""
    buf = p.var("buf", pw.u16, 4)
    got = p.var("got", pw.u16, 4, export=True)
    flag = p.var("flag", pw.u16, 1, export=True)
    d_in = pw.fabin(rx, 4)
    d_out = pw.fabout(tx, 4)
    src = pw.get_dsr("dsr_src1", 1)
    dst = pw.get_dsr("dsr_dest", 1)
    d_buf, d_got = pw.mem1d(buf), pw.mem1d(got)

    @p.local_task(11)
    def done():
        flag[0] = 1

    @p.on_start
    @p.local_task(10)
    def go():
        pw.load_to_dsr(src, d_in)
        pw.add16(d_buf, src, 5)
        pw.mov16(d_got, d_buf)
        pw.load_to_dsr(dst, d_out, async_=True, activate=done)
        pw.mov16(dst, d_buf)


def test_fabric_dsds_in_dsrs_and_async_loads(jit):
    h = Harness(streams, rx=pw.Color(3), tx=pw.Color(4), jit=jit)
    words = np.array([1, 2, 0xFFFF, 40], np.uint16)
    h.send(pw.Color(3), words, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    want = (words + np.uint16(5)).astype(np.uint16)
    np.testing.assert_array_equal(h.peek("got"), want)
    h.expect(pw.Color(4), want.tolist(), direction=pw.EAST)
    assert h.peek("flag")[0] == 1


@pw.program
def runs_off(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.u32, 6, export=True)
    d = pw.get_dsr("dsr_dest", 2)

    @p.export
    def go():
        pw.load_to_dsr(d, pw.mem1d(a, 4), save_address=True)
        pw.mov32(d, 1)
        pw.mov32(d, 2)
        sys.unblock_cmd_stream()


def test_a_saved_dsr_walking_off_its_array_is_an_error(jit):
    h = Harness(runs_off, jit=jit)
    with pytest.raises(pw.TaskError, match=r"the destination of this op is a DSD over 'a' \(6 "
                                           r"element\(s\), index 0..5\) that reaches element 7"
                                           r"(.|\n)*pw.mov32\(d, 2\)"):
        h.launch("go")
    assert h.peek("a").tolist() == [1, 1, 1, 1, 0, 0]


@pw.program
def dsr_mistakes(p, *, c: pw.Color):
    a = p.var("a", pw.u32, 4)
    d_a = pw.mem1d(a)
    d_in = pw.fabin(c, 4)
    dest = pw.get_dsr("dsr_dest", 3)
    src1 = pw.get_dsr("dsr_src1", 3)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(src1, d_a)
        pw.mov32(d_a, dest)
        pw.load_to_dsr(dest, d_in)
        pw.load_to_dsr(src1, d_a, async_=True)
        pw.load_to_dsr(src1, d_a, single_step=True)
        other = pw.get_dsr("dsr_src0", 4)
        pw.load_to_dsr(d_a, d_a)


def test_dsr_mistakes_are_refused_at_their_lines():
    with pytest.raises(pw.TaskError) as err:
        Harness(dsr_mistakes, c=pw.Color(3))
    text = str(err.value)
    assert "DSR dsr_src1 cannot be a destination (operand 1 of pw.mov32)" in text
    assert "DSR dsr_dest cannot be a source (operand 2 of pw.mov32)" in text
    assert "7 mistakes in task bodies" in text
    assert "a fabin DSD cannot be loaded into DSR dsr_dest" in text
    assert "async_= is for fabric DSDs loaded into a DSR (CSL)" in text
    assert "`.single_step` is not supported yet" in text
    assert "`@get_dsr` is comptime: call pw.get_dsr in the program body" in text
    assert "pw.load_to_dsr needs a DSR from pw.get_dsr, got a memory DSD" in text


def test_comptime_dsr_mistakes():
    @pw.program
    def twice(p):
        pw.get_dsr("dsr_dest", 1)
        pw.get_dsr("dsr_dest", 1)

    with pytest.raises(pw.ProgramError, match="DSR dsr_dest 1 is taken twice"):
        Harness(twice)

    @pw.program
    def bad_kind(p):
        pw.get_dsr("dest", 1)

    with pytest.raises(pw.ProgramError, match="kind 'dest' is not one of dsr_dest"):
        Harness(bad_kind)
    with pytest.raises(pw.ProgramError, match="pw.get_dsr belongs in a program body"):
        pw.get_dsr("dsr_dest", 0)
