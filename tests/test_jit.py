"""Task-body compilation: CSL typing agrees bit for bit between jit, jit=False and numpy."""
import importlib.util

import numpy as np
import pytest

import pywse as pw
from progs import typing_prog
from pywse.testing import Harness


def test_scalar_typing_matches_numpy_bit_for_bit(jit):
    rng = np.random.default_rng(0)
    n = 64
    a = (rng.standard_normal(n) * 100).astype(np.float32)
    b = (rng.standard_normal(n) * 100).astype(np.float32)
    i16s = rng.integers(-2**15, 2**15, n).astype(np.int16)
    u16s = rng.integers(0, 2**16, n).astype(np.uint16)
    h = Harness(typing_prog, jit=jit, n=n)
    for name, v in (("a", a), ("b", b), ("i16s", i16s), ("u16s", u16s)):
        h.poke(name, v)
    h.launch("compute")
    with np.errstate(all="ignore"):
        expected = np.array([x / 3.0 + y * 1.7 for x, y in zip(a, b)], np.float32)
        exp_i16 = np.array([v * v + 12345 for v in i16s], np.int16)
        exp_u16 = np.array([v - 40000 for v in u16s], np.uint16)
    np.testing.assert_array_equal(h.peek("out").view(np.uint32), expected.view(np.uint32))
    np.testing.assert_array_equal(h.peek("i16s"), exp_i16)
    np.testing.assert_array_equal(h.peek("u16s"), exp_u16)


def test_program_state_cannot_be_rebound():
    @pw.program
    def rebinding(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)
        k = 3

        @p.export
        def go():
            nonlocal k
            k = 4
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="nonlocal"):
        Harness(rebinding, jit=False).launch("go")


def test_activate_needs_a_local_task():
    @pw.program
    def wrong(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)

        @p.export
        def other():
            sys.unblock_cmd_stream()

        @p.export
        def go():
            pw.activate(other)

    with pytest.raises(pw.TaskError, match="'other' is a host-callable function"):
        Harness(wrong, jit=False).launch("go")


def test_builtin_keyword_typo_is_reported():
    @pw.program
    def typo(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)
        d = pw.mem1d(p.var("a", pw.f32, 2))

        @p.export
        def go():
            pw.fmovs(d, 1.0, activte=go)
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="has no option 'activte'"):
        Harness(typo, jit=False).launch("go")


def test_stores_wrap_like_compiled_code(jit):
    @pw.program
    def stores(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)
        r = p.var("r", pw.i16, 3, export=True)

        @p.export
        def go():
            u = pw.u16(65535)
            r[0] = u
            r[1] = 70000
            r[2] = pw.i32(-32769)
            sys.unblock_cmd_stream()

    h = Harness(stores, jit=jit)
    h.launch("go")
    assert h.peek("r").tolist() == [-1, 70000 - 65536, 32767]


def test_fabric_dsd_built_inside_a_task_is_reported():
    @pw.program
    def builds_dsd(p, *, memcpy_params):
        sys = p.memcpy(memcpy_params)
        a = p.var("a", pw.u32, 4)

        @p.export
        def go():
            pw.mov32(pw.mem1d(a), pw.fabin(pw.Color(3), 4))   # a run-time mem1d is fine
            sys.unblock_cmd_stream()

    with pytest.raises(pw.TaskError, match="pw.fabin cannot be built in a task body"):
        Harness(builds_dsd, jit=False).launch("go")


MANY_LIFTED = '''
import pywse as pw


@pw.program
def many(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
{vars}
    out = p.var("out", pw.f32, 1)

    @p.export
    def go():
        out[0] = {total}
        sys.unblock_cmd_stream()
'''


def test_a_task_lifting_more_than_30_values_compiles(jit, kept_file):
    """A call of over 30 arguments is CALL_FUNCTION_EX in Python, which numba cannot inline:
    such a task is called from its dispatch wrapper rather than inlined into it."""
    n = 34
    text = MANY_LIFTED.format(
        vars="\n".join(f'    v{k} = p.var("v{k}", pw.f32, 1, init=[{k}.0])' for k in range(n)),
        total=" + ".join(f"v{k}[0]" for k in range(n)))
    path = kept_file("many_lifted.py", text)
    spec = importlib.util.spec_from_file_location("many_lifted", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    h = Harness(module.many, jit=jit)
    h.launch("go")
    assert h.peek("out")[0] == sum(range(n))
