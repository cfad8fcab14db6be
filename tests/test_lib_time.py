"""<time>: the PE's timestamp counter reads the engine's clock, compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import time as tsc_lib
from pywse.lib.time import make_u48
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
    c = pw.Costs()
    simd = dict(c.simd)["fadds"][1]                       # wse3, the harness's arch
    op = (N + simd - 1) // simd + c.dsd_start             # what builtins._start charges
    call = c.call                                         # each library function is a helper
    rest = 5 * c.int_alu + 3 * c.store                    # get_timestamp after its read
    assert t[0] == c.task_switch + call                   # the first task starts at cycle 0
    # enable clears it; then a call, the op, a call; stopped after the stores and a call
    assert t[1:5] == [call, call + rest + op + call, 3 * call + 2 * rest + op, 0]
    # the same counter, read through another module: enable, the op, two nested calls
    assert make_u48(h.peek("stamper.stamp")) == op + 2 * call
    # `later` starts when `go` ends (the stores after that read) plus a task switch
    assert t[5] == op + 2 * call + rest + c.task_switch + call


def test_scalar_free_costs_leave_only_what_the_ops_charge(jit):
    c = pw.Costs().without_scalar()
    h = Harness(timed, jit=jit, costs=c)
    h.run_until_idle()
    t = [make_u48(h.peek(f"t{i}")) for i in range(6)]
    simd = dict(c.simd)["fadds"][1]
    op = (N + simd - 1) // simd + c.dsd_start
    assert t == [c.task_switch, 0, op, op, 0, op + c.task_switch]


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
