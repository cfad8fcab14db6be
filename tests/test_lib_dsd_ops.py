"""`<dsd_ops>`: each typed wrapper is exactly one DSD builtin, chosen by element type: the
results and the cycles of a wrapper call are those of the builtin it names, compiled and
plain alike."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import dsd_ops as ops_lib
from pywse.testing import Harness

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

N = 8


def _program(use_wrappers: bool):
    @pw.program
    def prog(p):
        ops = p.import_module("<dsd_ops>")
        x = p.const(pw.f32, np.linspace(-2.0, 3.0, N, dtype=np.float32))
        y = p.var("y", pw.f32, N, export=True)
        z = p.var("z", pw.f32, N, export=True)
        h = p.var("h", pw.f16, N, export=True)
        k = p.var("k", pw.i16, N, export=True)
        s = p.var("s", pw.f32, 1, export=True)
        dx, dy, dz, dh, dk = (pw.mem1d(v) for v in (x, y, z, h, k))

        @p.local_task(11)
        def done():
            s[0] = s[0] + 100.0

        @p.on_start
        @p.local_task(10)
        def go():
            if use_wrappers:
                ops.mov(pw.f32, dy, dx)
                ops_lib.mul(pw.f32, dz, dx, dx)             # the Pythonic spelling
                ops.fmac(pw.f32, pw.f32, dy, dy, dz, 0.5)
                ops.convert(pw.f16, pw.f32, dh, dy)
                ops.add(pw.f32, pw.f16, dz, dz, dh)
                ops.convert(pw.i16, pw.f32, dk, dz)
                ops.add(pw.i16, pw.i16, dk, dk, 3)
                ops.neg(pw.f32, dy, dy)
                ops.abs(pw.f32, dz, dy)
                ops.max(pw.f32, dz, dz, 1.5)
                ops.sub(pw.f32, dz, dz, dx, activate=done)
                ops.scale(pw.f32, s, -1.5, 2)
            else:
                pw.fmovs(dy, dx)
                pw.fmuls(dz, dx, dx)
                pw.fmacs(dy, dy, dz, 0.5)
                pw.fs2h(dh, dy)
                pw.faddhs(dz, dz, dh)
                pw.fs2xp16(dk, dz)
                pw.add16(dk, dk, 3)
                pw.fnegs(dy, dy)
                pw.fabss(dz, dy)
                pw.fmaxs(dz, dz, 1.5)
                pw.fsubs(dz, dz, dx, activate=done)
                pw.fscales(s, -1.5, 2)
    return prog


def test_each_wrapper_is_its_builtin(jit):
    runs = []
    for wrappers in (True, False):
        h = Harness(_program(wrappers), jit=jit)
        h.run_until_idle()
        runs.append({n: h.peek(n).tolist() for n in ("y", "z", "h", "k", "s")} |
                    {"cycles": h.cycles})
    assert runs[0] == runs[1]                  # same values, same cycles
    x = np.linspace(-2.0, 3.0, N, dtype=np.float32)
    y = x + (x * x) * np.float32(0.5)
    assert runs[0]["h"] == y.astype(np.float16).tolist()
    assert runs[0]["y"] == (-y).tolist()
    assert runs[0]["s"] == [-6.0 + 100.0]
    assert runs[0]["z"] == (np.maximum(np.abs(-y), np.float32(1.5)) - x).tolist()


def test_a_type_pair_the_sdk_lists_picks_its_builtin():
    assert ops_lib.add.resolve([pw.f32, pw.f16]).name == "faddhs"
    assert ops_lib.convert.resolve([pw.i16, pw.f16]).name == "fh2xp16"
    assert ops_lib.mov.resolve([pw.u32]).name == "mov32"
    assert ops_lib.fmac.resolve([pw.f32, pw.f16]).name == "fmachs"
    assert "has no form" in ops_lib.mul.resolve([pw.i16])
