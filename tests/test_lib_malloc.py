"""`<malloc>`: an arena in PE memory handing out arrays that task bodies index and use as DSD
operands, compiled and plain alike; its buffer counted in the PE's memory; an allocation
that does not fit stops the task at its line."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

N = 6


@pw.program
def arena(p, *, n: int):
    mem = p.import_module("<malloc>", buffer_num_words=64)
    out = p.var("out", pw.f32, n, export=True)
    ints = p.var("ints", pw.i32, n, export=True)
    shorts = p.var("shorts", pw.i16, n, export=True)
    halves = p.var("halves", pw.f16, n, export=True)
    src = p.const(pw.f32, np.arange(n, dtype=np.float32) * 0.5)
    flags = p.var("flags", pw.u16, 6, export=True)
    d_out, d_ints, d_shorts = pw.mem1d(out), pw.mem1d(ints), pw.mem1d(shorts)
    d_src, d_halves = pw.mem1d(src), pw.mem1d(halves)

    @p.on_start
    @p.local_task(10)
    def go():
        s = mem.malloc_i16(1)                 # one word: the next 32-bit allocation pads
        s[0] = -7
        a = mem.malloc_f32(n)                 # generic and typed forms, every type
        b = mem.malloc(pw.f32, n)
        c = mem.malloc(pw.i32, n)
        h = mem.malloc_f16(n)
        flags[0] = 1 if mem.has_enough_space(pw.f32, 64) else 0
        flags[1] = 1 if mem.has_enough_words(64 - 2 - 7 * n) else 0
        flags[2] = 1 if mem.has_enough_words(64 - 2 - 7 * n + 1) else 0
        pw.fmovs(pw.mem1d(a), d_src)          # DSD operands, like any var
        pw.fadds(pw.mem1d(b), pw.mem1d(a), 1.0)
        for i in range(n):
            a[i] = a[i] * b[i]                # and indexed
            c[i] = i * -3
        pw.fadds(d_out, pw.mem1d(a), pw.mem1d(b))
        pw.mov32(d_ints, pw.mem1d(c))
        pw.fs2h(pw.mem1d(h), d_src)           # f16 bit patterns through the f16 builtins
        pw.fmovh(d_halves, pw.mem1d(h))
        d = mem.malloc_i16(n)
        for i in range(n):
            d[i] = s[0] + i
        pw.mov16(d_shorts, pw.mem1d(d))
        mem.free()                            # everything is free again: s's word comes back
        e = mem.malloc_i16(1)
        flags[3] = 1 if e[0] == -7 else 0
        flags[4] = 1 if mem.has_enough_double_words(31) else 0
        flags[5] = 1 if mem.has_enough_double_words(32) else 0


def test_the_arena_hands_out_arrays_task_bodies_use(jit):
    h = Harness(arena, jit=jit, n=N)
    h.run_until_idle()
    src = np.arange(N, dtype=np.float32) * np.float32(0.5)
    b = src + np.float32(1.0)
    a = src * b
    assert h.peek("out").tolist() == (a + b).tolist()
    assert h.peek("ints").tolist() == [i * -3 for i in range(N)]
    assert h.peek("halves").tolist() == src.astype(np.float16).tolist()
    assert h.peek("shorts").tolist() == [-7 + i for i in range(N)]
    # 64 words: 1 (s) + 1 pad + 2n + 2n + 2n (a, b, c) + n (h) = 7n + 2 used
    assert h.peek("flags").tolist() == [0, 1, 0, 1, 1, 0]
    buf = h.peek("malloc.buffer")
    assert buf.dtype == np.uint16 and buf.size == 64          # the arena is PE memory
    assert buf[2:2 + 2 * N].view(np.float32).tolist() == a.tolist()
