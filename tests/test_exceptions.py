"""<tile_config>'s exceptions: a PE that unmasks a floating-point exception stops when a DSD
op (sync or async) or a scalar operator raises it, with an error naming the PE, the task and
line (or the microthread), the exception and the mask call; masked (the default) the same
operations give IEEE's results. Compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.dsl import configspace as cs
from pywse.testing import Harness

BIG = np.float32(3e38)
TINY = np.float32(1e-30)


@pw.program
def dsd_ops(p, *, unmask: int = 1, which: int = 0):
    """fmuls of `a` by `b` into `c`: with which=0 a * 10 (overflow), 1 tiny * tiny
    (underflow), 2 0 * inf (invalid), 3 subnormal + subnormal (exact: nothing)."""
    exc = p.import_module("<tile_config>").exceptions
    a = p.var("a", pw.f32, 3, init=np.array([1.0, BIG, 2.0], np.float32))
    b = p.var("b", pw.f32, 3, init=np.full(3, 10.0, np.float32))
    c = p.var("c", pw.f32, 3)
    tiny = p.var("tiny", pw.f32, 2, init=np.array([TINY, 2e-45], np.float32))
    inf = p.var("inf", pw.f32, 1, init=np.float32(np.inf))
    done = p.var("done", pw.u16, 1)
    mask = exc.FP_OVERFLOW & exc.FP_UNDERFLOW & exc.FP_INVALID if unmask else 0xFFFF

    @p.on_start
    @p.local_task(10)
    def go():
        exc.set_exception_mask(mask)
        if which == 0:
            pw.fmuls(pw.mem1d(c), pw.mem1d(a), pw.mem1d(b))
        elif which == 1:
            pw.fmuls(pw.mem1d(c, extent=1), pw.mem1d(tiny, extent=1), pw.mem1d(tiny, extent=1))
        elif which == 2:
            pw.fmuls(pw.mem1d(c, extent=1), 0.0, pw.mem1d(inf))
        else:
            pw.fadds(pw.mem1d(c, extent=1), pw.mem1d(tiny, extent=1, offset=1),
                     pw.mem1d(tiny, extent=1, offset=1))
        done[0] = 1


@pytest.mark.parametrize("which, name, element", [(0, "FP_OVERFLOW", 1),
                                                   (1, "FP_UNDERFLOW", 0),
                                                   (2, "FP_INVALID", 0)])
def test_unmasked_dsd_op_stops_the_pe(jit, which, name, element):
    h = Harness(dsd_ops, jit=jit, which=which)
    with pytest.raises(pw.TaskError, match=rf"PE \(0, 0\) task 'go': {name} in pw.fmuls, "
                       rf"element {element}(.|\n)*unmasked by this set_exception_mask call:\n"
                       r".*\n +exc.set_exception_mask\(mask\)(.|\n)*line \d+, in go\n +pw.fmuls"):
        h.run_until_idle(max_cycles=1000)
    assert h.peek("done")[0] == 0
    if which == 0:       # stopped at the element: the one before it was written
        assert list(h.peek("c")) == [10.0, 0.0, 0.0]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_masked_by_default_gives_ieee_results(jit, which):
    h = Harness(dsd_ops, jit=jit, which=which, unmask=0)
    h.run_until_idle(max_cycles=1000)
    c = h.peek("c")
    assert h.peek("done")[0] == 1
    if which == 0:
        assert c[0] == 10.0 and np.isinf(c[1]) and c[2] == 20.0
    elif which == 1:
        assert c[0] == 0.0
    else:
        assert np.isnan(c[0])


def test_exact_subnormal_sum_raises_nothing(jit):
    h = Harness(dsd_ops, jit=jit, which=3)
    h.run_until_idle(max_cycles=1000)
    assert h.peek("done")[0] == 1
    assert h.peek("c")[0] == np.float32(2e-45) * 2


@pw.program
def scalars(p):
    """A scalar operator in a helper of another task than the one that unmasks (the PE's
    mask is what counts)."""
    exc = p.import_module("<tile_config>").exceptions
    x = p.var("x", pw.f32, 2, init=np.array([1.0, 0.0], np.float32))
    out = p.var("out", pw.f32, 1)
    mask = p.var("mask", pw.u16, 1, init=exc.FP_DIV_BY_0 & exc.FP_INVALID)

    def ratio(a, b):
        return a / b

    @p.local_task(11)
    def compute():
        out[0] = ratio(x[0], x[1])                    # 1 / 0

    @p.on_start
    @p.local_task(10)
    def setup():
        exc.set_exception_mask(mask[0])           # a run-time mask
        pw.activate(compute)


def test_scalar_division_by_zero(jit):
    h = Harness(scalars, jit=jit)
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'compute': FP_DIV_BY_0 in the "
                       r"scalar operation 1.0 / 0.0(.|\n)*exc.set_exception_mask\(mask\[0\]\)"
                       r"(.|\n)*in ratio\n +return a / b"):
        h.run_until_idle(max_cycles=1000)
    assert all(t.fp_checked for t in h.engine.images[0].tasks)


@pw.program
def quiet(p):
    """No set_exception_mask anywhere: scalar operators are not checked at all."""
    x = p.var("x", pw.f32, 2, init=np.array([1.0, 0.0], np.float32))

    @p.on_start
    @p.local_task(10)
    def go():
        x[0] = x[0] / x[1]


def test_programs_that_never_unmask_are_not_checked(jit):
    h = Harness(quiet, jit=jit)
    h.run_until_idle(max_cycles=1000)
    assert np.isinf(h.peek("x")[0])
    assert not any(t.fp_checked for t in h.engine.images[0].tasks)


@pw.program
def async_add(p, *, C=pw.Color(4), n: int = 3, remask: int = 0):
    """An async fadds from the fabric into memory, on its queue's microthread."""
    exc = p.import_module("<tile_config>").exceptions
    acc = p.var("acc", pw.f32, n, init=np.full(n, BIG, np.float32))
    iq = p.input_queue(3, C)
    inp = pw.fabin(C, extent=n, queue=iq)

    @p.on_start
    @p.local_task(10)
    def go():
        exc.set_exception_mask(exc.FP_OVERFLOW)
        if remask:
            exc.set_exception_mask(0xFFFF)
        pw.fadds(pw.mem1d(acc), pw.mem1d(acc), inp, async_=True)


def test_async_op_on_a_microthread(jit):
    h = Harness(async_add, jit=jit)
    h.send(pw.Color(4), np.array([0.0, 3e38, 1.0], np.float32), direction=pw.WEST)
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\): FP_OVERFLOW in pw.fadds, element 1 "
                       r"\(3e\+38 \+ 3e\+38\), an async op on microthread 3"
                       r"(.|\n)*unmasked by this set_exception_mask call:\n.*line \d+, in go\n"
                       r" +exc.set_exception_mask\(exc.FP_OVERFLOW\)"):
        h.run_until_idle(max_cycles=1000)


def test_masked_again_runs_through(jit):
    h = Harness(async_add, jit=jit, remask=1)
    h.send(pw.Color(4), np.array([0.0, 3e38, 1.0], np.float32), direction=pw.WEST)
    h.run_until_idle(max_cycles=1000)
    acc = h.peek("acc")
    assert acc[0] == BIG and np.isinf(acc[1]) and acc[2] == BIG
    assert h.engine.st.fp_info[0] == 0        # no PE has anything unmasked


def test_mask_constants_follow_the_sdk_example():
    """Each constant unmasks its own exception; `&` of two unmasks both."""
    both = cs.mask_constant("FP_OVERFLOW") & cs.mask_constant("FP_UNDERFLOW")
    assert ~both & 0xFFFF == cs.EXCEPTION_BIT["FP_OVERFLOW"] | cs.EXCEPTION_BIT["FP_UNDERFLOW"]
    assert len({cs.mask_constant(n) for n in cs.EXCEPTIONS}) == 8


@pw.program
def inexact(p, *, literal: int = 1):
    exc = p.import_module("<tile_config>").exceptions
    m = p.var("m", pw.u16, 1, init=exc.FP_INEXACT)

    @p.on_start
    @p.local_task(10)
    def go():
        if literal:
            exc.set_exception_mask(0xFFDF)          # FP_INEXACT (bit 5) unmasked
        else:
            exc.set_exception_mask(m[0])


def test_fp_inexact_cannot_be_unmasked(jit):
    with pytest.raises(pw.TaskError, match=r"set_exception_mask: this mask unmasks FP_INEXACT, "
                                           r"which pywse does not model"):
        Harness(inexact, jit=jit)
    h = Harness(inexact, jit=jit, literal=0)
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': exceptions."
                       r"set_exception_mask\(0xffdf\): this mask unmasks FP_INEXACT"):
        h.run_until_idle(max_cycles=1000)
