"""<time>: the PE's timestamp counter reads the engine's clock, compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import time as tsc_lib
from pywse.lib.time import make_u48
from pywse.sim import ops, sched
from pywse.testing import Harness

N = 40


@pw.module
def stamper(p):
    """A second module importing <time>: it reads the counter the program drives."""
    tsc = p.import_module("<time>")
    stamp = p.var("stamp", pw.u16, tsc.tsc_size_words)

    def read():
        tsc.get_timestamp(stamp)

    return dict(read=read)


@pw.program
def timed(p):
    tsc = p.import_module(tsc_lib.library)          # the Pythonic spelling
    other = p.import_module(stamper)
    a = p.var("a", pw.f32, N)
    da = pw.mem1d(a)
    t = [p.var(f"t{i}", pw.u16, tsc.tsc_size_words) for i in range(6)]
    t0, t1, t2, t3, t4, t5 = t

    @p.local_task(11)
    def later():
        tsc.get_timestamp(t5)

    @p.on_start
    @p.local_task(10)
    def go():
        tsc.get_timestamp(t0)        # never enabled: the clock since the run started
        tsc.enable_tsc()
        tsc.get_timestamp(t1)        # enable clears it
        pw.fadds(da, da, da)
        tsc.get_timestamp(t2)        # exactly the op's charge
        tsc.disable_tsc()
        pw.fadds(da, da, da)
        tsc.get_timestamp(t3)        # stopped: unchanged
        tsc.reset_tsc_counter()
        tsc.get_timestamp(t4)        # stopped and reset: 0
        tsc.enable_tsc()
        pw.fadds(da, da, da)
        other.read()                 # the same counter, read through another module
        pw.activate(later)


def test_stamps_differ_by_what_the_engine_charges(jit):
    h = Harness(timed, jit=jit)
    h.run_until_idle()
    t = [make_u48(h.peek(f"t{i}")) for i in range(6)]
    simd = ops.OP_SIMD[ops.OPS["fadds"][0], 1]           # wse3, the harness's arch
    op = (N + simd - 1) // simd + 1                       # what builtins._start charges
    assert t[0] == sched.TASK_SWITCH_CYCLES               # the first task starts at cycle 0
    assert t[1:5] == [0, op, op, 0]
    assert make_u48(h.peek("stamper.stamp")) == op        # one counter per PE
    # `later` starts when `go` ends (one op after the last enable) plus a task switch
    assert t[5] == op + sched.TASK_SWITCH_CYCLES


def test_make_u48_decodes_the_three_words_low_first():
    assert make_u48([0x1234, 0x5678, 0x9ABC]) == 0x9ABC_5678_1234
    words = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.uint32)
    assert list(make_u48(words)) == [1, 1 << 16, 1 << 32]
    with pytest.raises(ValueError, match="a timestamp is 3 words"):
        make_u48([1, 2])


def test_the_primitives_are_not_public():
    assert not hasattr(pw, "tsc_read") and "tsc_read" not in pw.__all__
    from pywse.tools.builtins_doc import markdown
    assert "tsc_read" not in markdown() and "simprint_fmt" not in markdown()


@pw.program
def perf(p):
    tsc = p.import_module("<time>")
    out = p.var("out", pw.u16, 3)

    @p.on_start
    @p.local_task(10)
    def go():
        tsc.get_perf_cntr(out, 0)


def test_get_perf_cntr_is_not_supported_yet():
    with pytest.raises(pw.TaskError, match="`<time>'s get_perf_cntr` is not supported yet"):
        Harness(perf)
