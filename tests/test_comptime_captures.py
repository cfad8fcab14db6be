"""Per-PE specialisation as in CSL: a task capturing None, or a tuple of DSDs and numbers,
resolved at comptime. `if relay is not None:` on a captured value folds (CSL's comptime
`if`): only the branch it takes is checked and compiled; a captured tuple is unpacked or
indexed by a constant."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness


@pw.program
def roles(p, *, relay_on: bool):
    src = p.var("src", pw.u32, 4, init=np.array([1, 2, 3, 4], np.uint32))
    dst = p.var("dst", pw.u32, 4, export=True)
    out = p.var("out", pw.u32, 2, export=True)
    relay = (pw.mem1d(src, extent=4), pw.mem1d(dst, extent=4), 7) if relay_on else None
    pair = (pw.mem1d(src, extent=2, offset=2), pw.mem1d(dst, extent=2))

    @p.on_start
    @p.local_task(10)
    def go():
        if relay is not None:
            fwd, back, k = relay
            pw.mov32(back, fwd)
            out[0] = k
        else:
            pw.mov32(pair[1], pair[0])
            out[0] = 99
        if None is relay:
            out[1] = 1
        else:
            out[1] = relay[2] + 1


@pytest.mark.parametrize("relay_on", [True, False])
def test_a_captured_none_or_tuple_folds_at_comptime(relay_on, jit):
    h = Harness(roles, jit=jit, relay_on=relay_on)
    h.run_until_idle(max_cycles=1000)
    if relay_on:
        assert h.peek("dst").tolist() == [1, 2, 3, 4]
        assert h.peek("out").tolist() == [7, 8]
    else:
        assert h.peek("dst").tolist() == [3, 4, 0, 0]
        assert h.peek("out").tolist() == [99, 1]


@pw.program
def uses_none(p):
    a = p.var("a", pw.u32, 4)
    relay = None

    @p.on_start
    @p.local_task(10)
    def go():
        if relay is None:
            a[0] = 1
        pw.mov32(relay, 1)


def test_a_captured_none_used_outside_a_comptime_test_is_refused():
    with pytest.raises(pw.TaskError, match=r"'relay' is None here, which a task body cannot "
                                           r"use: .*\(or test it at comptime: `if relay is not "
                                           r"None:`\)"):
        Harness(uses_none)


@pw.program
def is_on_a_local(p):
    a = p.var("a", pw.u32, 4)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def go():
        x = d
        if x is d:
            a[0] = 1


def test_is_compares_a_captured_value_with_none_only():
    with pytest.raises(pw.TaskError, match=r"`is` / `is not` test whether a captured value is "
                                           r"None \(a comptime `if`\)"):
        Harness(is_on_a_local)


GLOBAL_COLOR = pw.Color(3)      # a module-level color, as CSL files declare `const c = @get_color(3)`
GLOBAL_COUNT = 5


@pw.program
def reads_globals(p):
    out = p.var("out", pw.i32, 3, export=True)
    local = pw.Color(4)

    @p.on_start
    @p.local_task(10)
    def go():
        out[0] = int(GLOBAL_COLOR)
        out[1] = int(local)
        out[2] = GLOBAL_COUNT


def test_a_task_reads_module_level_colors_and_numbers(jit):
    h = Harness(reads_globals, jit=jit)
    h.run_until_idle()
    assert h.peek("out").tolist() == [3, 4, 5]
