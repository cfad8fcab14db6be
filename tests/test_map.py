"""`pw.map` (CSL `@map`): a Python callback called once per element of DSD operands, in both
modes, bit-exact against numpy: element-wise with scalar extras, several inputs, reductions
into a one-element var, void callbacks, module and numpy callbacks; its cost; its mistakes."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

N = 6


def scale(value, c1, c2):
    """topic-10's `transformation`: value * (c1 + c2), in the element's type (f32)."""
    return value * (c1 + c2)


def mix(a, b):
    return a * 3 + b          # u16 wraps, as CSL's u16 arithmetic


def reduction(value, total):
    """topic-10's reduction: `total` arrives as a pointer (a one-element var)."""
    return value + total[0]


@pw.module
def squares(p, *, offset: int):
    """A library-style module whose function is a map callback."""
    def square_plus(x):
        return x * x + offset
    return dict(square_plus=square_plus)


@pw.program
def mapper(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    fa = p.var("fa", pw.f32, N, export=True)
    fw = p.var("fw", pw.f32, N, export=True)
    ua = p.var("ua", pw.u16, N, export=True)
    ub = p.var("ub", pw.u16, N, export=True)
    uc = p.var("uc", pw.u16, N, export=True)
    ib = p.var("ib", pw.i32, N, export=True)
    total = p.var("total", pw.i32, 1, export=True)
    count = p.var("count", pw.i32, 1, export=True)
    sq = p.var("sq", pw.i32, N, export=True)
    roots = p.var("roots", pw.f32, N, export=True)
    m = p.import_module(squares, offset=5)
    d_fa, d_fw, d_ua, d_ub, d_uc = (pw.mem1d(v) for v in (fa, fw, ua, ub, uc))
    d_ib, d_sq, d_roots = pw.mem1d(ib), pw.mem1d(sq), pw.mem1d(roots)

    def tally(v):
        """A void callback: no output operand."""
        if v > 0:
            count[0] += 1

    @p.export
    def go():
        pw.map(scale, d_fa, 2.0, 6.0, d_fw)
        pw.map(mix, d_ua, d_ub, d_uc)
        total[0] = 0
        pw.map(reduction, d_ib, total, total)
        pw.map(tally, d_ib)
        pw.map(m.square_plus, d_ib, d_sq)
        pw.map(np.sqrt, d_fa, d_roots)
        pw.map(mix, pw.mem1d(ua, 3, 1, 2), 7, pw.mem1d(ub, 3))   # run-time DSDs, a stride
        sys.unblock_cmd_stream()


def test_map_matches_numpy(jit):
    rng = np.random.default_rng(5)
    fa = (rng.random(N) * 100).astype(np.float32)
    ua, ub = (rng.integers(0, 2**16, N).astype(np.uint16) for _ in range(2))
    ib = rng.integers(-2**31, 2**31, N).astype(np.int32)
    h = Harness(mapper, jit=jit)
    for name, v in dict(fa=fa, ua=ua, ub=ub, ib=ib).items():
        h.poke(name, v)
    before = h.cycles
    h.launch("go")
    np.testing.assert_array_equal(h.peek("fw").view(np.uint32),
                                  (fa * np.float32(8.0)).view(np.uint32))
    with np.errstate(over="ignore"):
        uc = (ua * np.uint16(3) + ub).astype(np.uint16)
        assert h.peek("total")[0] == ib.sum(dtype=np.int32)
        np.testing.assert_array_equal(h.peek("sq"), ib * ib + np.int32(5))
    assert h.peek("count")[0] == (ib > 0).sum()
    np.testing.assert_array_equal(h.peek("roots").view(np.uint32),
                                  np.sqrt(fa).view(np.uint32))
    want_ub = ub.copy()
    with np.errstate(over="ignore"):
        want_ub[:3] = (ua[1::2] * np.uint16(3) + np.uint16(7)).astype(np.uint16)
    np.testing.assert_array_equal(h.peek("uc"), uc)
    np.testing.assert_array_equal(h.peek("ub"), want_ub)
    assert h.cycles > before


@pw.program
def costs(p, *, memcpy_params, n: int):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.i32, 64, export=True)
    d = pw.mem1d(a, n)

    @p.export
    def go():
        pw.map(mix, d, 1, d)
        sys.unblock_cmd_stream()


def test_map_costs_a_cycle_per_element_plus_its_callback():
    c = pw.Costs()
    for table, per_element in ((c, 1 + c.int_mul + c.int_alu),   # mix: a * 3 + b
                               (c.without_scalar(), 1)):          # the map's own cycle alone
        ran = []
        for n in (8, 40):
            h = Harness(costs, n=n, jit=False, costs=table)
            start = h.cycles
            h.launch("go")
            ran.append(h.cycles - start)
        assert ran[1] - ran[0] == 32 * per_element


@pw.program
def off_the_end(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.i32, 4, export=True)
    k = p.var("k", pw.i16, 1, init=[2], export=True)

    @p.export
    def go():
        pw.map(mix, pw.mem1d(a, 3, k[0]), 1, pw.mem1d(a, 3))
        sys.unblock_cmd_stream()


def test_map_over_a_dsd_off_its_array_is_an_error(jit):
    with pytest.raises(pw.TaskError, match=r"source 1 of this op is a DSD over 'a' \(4 element"
                                           r"\(s\), index 0..3\) that reaches element 4"
                                           r"(.|\n)*pw.map\(mix, pw.mem1d\(a, 3, k\[0\]\)"):
        Harness(off_the_end, jit=jit).launch("go")


# -- mistakes the checker finds ----------------------------------------------------------------

def uses_a_dict(v):
    table = {"k": 1}
    return v + table["k"]


def two(a, b):
    return a + b


def to_float(v):
    return v * 0.5


def pair(v):
    return v, v


@pw.program
def map_mistakes(p, *, c: pw.Color):
    a = p.var("a", pw.i32, 4)
    big = p.var("big", pw.i32, 4)
    d = pw.mem1d(a)
    d_in = pw.fabin(c, 4)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.map(uses_a_dict, d, d)
        pw.map(two, d, d)
        pw.map(to_float, d, d)
        pw.map(two, d_in, d, d)
        pw.map(two, d, big, d)
        pw.map(pw.fadds, d, d)
        pw.map(two, 1, 2, a)
        pw.map(pair, d, d)


def test_map_mistakes_are_refused_at_their_lines():
    with pytest.raises(pw.TaskError) as err:
        Harness(map_mistakes, c=pw.Color(3))
    text = str(err.value)
    assert "helper 'uses_a_dict' (called by task 'go')" in text and \
        'table = {"k": 1}' in text                     # the callback's own line
    assert "pw.map: callback 'two' takes 2 argument(s) but gets 1 (one per input; the last " \
           "operand is the output" in text
    assert "pw.map stores callback 'to_float''s float result in an i32 output: convert it" \
        in text
    assert "operand 1 of pw.map: a fabin DSD in pw.map is not supported yet" in text
    assert "operand 2 of pw.map: i32 array 'big' of 4 element(s) is no operand" in text
    assert "pw.map's callback must be a function defined with `def`" in text
    assert "pw.map needs at least one memory DSD operand" in text
    assert "pw.map: callback 'pair' must return a number (the element it writes), not a " \
        "tuple" in text


def reduce_dot(xval, yval, total):
    return total[0] + xval * yval


@pw.program
def blas(p, *, memcpy_params):
    """conjugate-gradient's blas.csl `dot`: DSDs pointed at the arrays the helper is given,
    cut to n, reduced by @map into a function-local scalar (CSL `var sum: f32` and `&sum`)."""
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.f32, 8, export=True)
    b = p.var("b", pw.f32, 8, export=True)
    out = p.var("out", pw.f32, 1, export=True)
    n = p.var("n", pw.i16, 1, init=[5], export=True)
    mem_x_dsd = pw.mem1d(a, 8)
    mem_y_dsd = pw.mem1d(b, 8)

    def dot(k, x, y):
        dx = pw.set_dsd_length(pw.set_dsd_base_addr(mem_x_dsd, x), k)
        dy = pw.set_dsd_length(pw.set_dsd_base_addr(mem_y_dsd, y), k)
        total = np.zeros(1, pw.f32)
        pw.map(reduce_dot, dx, dy, total, total)
        return total[0]

    @p.export
    def go():
        out[0] = dot(n[0], b, a)
        sys.unblock_cmd_stream()


def test_map_reduces_into_a_function_local_scalar(jit):
    rng = np.random.default_rng(8)
    a, b = (rng.standard_normal(8).astype(np.float32) for _ in range(2))
    h = Harness(blas, jit=jit)
    h.poke("a", a)
    h.poke("b", b)
    h.launch("go")
    want = np.float32(0)
    for i in range(5):                    # in element order, rounded to f32 at each step
        want = np.float32(want + np.float32(b[i] * a[i]))
    assert h.peek("out")[0].view(np.uint32) == want.view(np.uint32)
