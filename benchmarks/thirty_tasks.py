"""thirty_tasks: a two-PE program of 30 tasks, the edit_loop benchmark's "new program".

Sized like the examples (a whole script of a few seconds, most of it start-up) with bodies
like theirs: DSD ops (async ones that activate the next task), a mutable DSD, loops,
helper functions, a data task, exports. PE (0, 0) runs a chain of twelve stages over
vectors a, b, c, then streams c east; PE (1, 0) receives it in a data task and runs its own
chain of eleven. The host checks both against numpy.

    python benchmarks/thirty_tasks.py [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import SdkRuntime

N = 32
C = pw.Color(1)


@pw.program
def left(p, *, memcpy_params, n: int, color: pw.Color):
    sys = p.memcpy(memcpy_params)
    a = p.var("a", pw.f32, n, export=True)
    b = p.var("b", pw.f32, n, export=True)
    c = p.var("c", pw.f32, n, export=True)
    t = p.var("t", pw.f32, n)
    s = p.var("s", pw.f32, 1, export=True)
    k = p.var("k", pw.i32, 1, export=True)
    da, db, dc, dt = pw.mem1d(a), pw.mem1d(b), pw.mem1d(c), pw.mem1d(t)
    half = p.dsd_var(pw.mem1d(c, extent=n // 2))
    east = pw.fabout(color, extent=n, queue=p.output_queue(2, color))

    def axpy(y, x, alpha):
        for i in range(n):
            y[i] = y[i] + alpha * x[i]

    def total(v):
        acc = pw.f32(0.0)
        for i in range(n):
            acc = acc + v[i]
        return acc

    @p.local_task(22)
    def done():
        sys.unblock_cmd_stream()

    @p.local_task(21)
    def s12():
        pw.fmovs(east, dc, async_=True, activate=done)

    @p.local_task(20)
    def s11():
        s[0] = total(c)
        k[0] += 1
        pw.activate(s12)

    @p.local_task(19)
    def s10():
        nonlocal half
        pw.fnegs(half, half)
        pw.activate(s11)

    @p.local_task(18)
    def s9():
        nonlocal half
        pw.fmuls(half, half, 3.0)
        half = pw.increment_dsd_offset(half, n // 2, pw.f32)
        pw.activate(s10)

    @p.local_task(17)
    def s8():
        pw.fmaxs(dc, dc, dt, async_=True, activate=s9)

    @p.local_task(16)
    def s7():
        pw.fsubs(dt, dc, db, async_=True, activate=s8)

    @p.local_task(15)
    def s6():
        axpy(c, t, 0.125)
        pw.activate(s7)

    @p.local_task(14)
    def s5():
        for i in range(n):
            t[i] = c[i] - a[i] * 0.25
        pw.activate(s6)

    @p.local_task(13)
    def s4():
        pw.fmacs(dc, dc, dt, 2.0, async_=True, activate=s5)

    @p.local_task(12)
    def s3():
        pw.fmuls(dc, dc, 0.5)
        pw.activate(s4)

    @p.local_task(11)
    def s2():
        pw.fadds(dc, da, db, async_=True, activate=s3)

    @p.local_task(10)
    def s1():
        pw.fmovs(dt, da, async_=True, activate=s2)

    @p.export
    def start():
        pw.activate(s1)

    @p.export
    def reset():
        for i in range(n):
            c[i] = 0.0
            t[i] = 0.0
        k[0] = 0
        sys.unblock_cmd_stream()


@pw.program
def right(p, *, memcpy_params, n: int, color: pw.Color):
    sys = p.memcpy(memcpy_params)
    r = p.var("r", pw.f32, n, export=True)
    u = p.var("u", pw.f32, n)
    got = p.var("got", pw.i32, 1)
    m = p.var("m", pw.f32, 1, export=True)
    hist = p.var("hist", pw.i32, 4, export=True)
    dr, du = pw.mem1d(r), pw.mem1d(u)

    def smooth(src, dst):
        for i in range(1, n - 1):
            dst[i] = (src[i - 1] + src[i] + src[i + 1]) / 3.0

    def largest(v):
        best = v[0]
        for i in range(1, n):
            if v[i] > best:
                best = v[i]
        return best

    @p.local_task(21)
    def fin():
        sys.unblock_cmd_stream()

    @p.local_task(20)
    def r11():
        hist[3] = hist[0] * 2 + hist[1]
        pw.activate(fin)

    @p.local_task(19)
    def r10():
        pw.fmaxs(dr, dr, du, async_=True, activate=r11)

    @p.local_task(18)
    def r9():
        pw.fnegs(du, du)
        hist[2] = got[0]
        pw.activate(r10)

    @p.local_task(17)
    def r8():
        m[0] = largest(r)
        pw.activate(r9)

    @p.local_task(16)
    def r7():
        pw.fsubs(dr, dr, du, async_=True, activate=r8)

    @p.local_task(15)
    def r6():
        smooth(r, u)
        pw.activate(r7)

    @p.local_task(14)
    def r5():
        pw.fmacs(du, du, dr, -0.5, async_=True, activate=r6)

    @p.local_task(13)
    def r4():
        for i in range(n):
            if r[i] > 10.0:
                hist[0] += 1
            else:
                hist[1] += 1
        pw.activate(r5)

    @p.local_task(12)
    def r3():
        pw.fadds(dr, dr, du, async_=True, activate=r4)

    @p.local_task(11)
    def r2():
        pw.fmuls(du, du, 0.25)
        pw.activate(r3)

    @p.local_task(10)
    def r1():
        pw.fmovs(du, dr, async_=True, activate=r2)

    @p.data_task(p.input_queue(2, color))
    def recv(v: pw.f32):
        r[got[0]] = v * 2.0 - 1.0
        got[0] += 1
        if got[0] == n:
            pw.activate(r1)

    @p.export
    def start():
        pass   # the data task's chain unblocks the command stream

    @p.export
    def reset():
        got[0] = 0
        for i in range(4):
            hist[i] = 0
        sys.unblock_cmd_stream()


def layout() -> pw.Layout:
    lay = pw.Layout(2, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, left, memcpy_params=memcpy.get_params(0), n=N, color=C)
    lay.set_tile_code(1, 0, right, memcpy_params=memcpy.get_params(1), n=N, color=C)
    lay.set_color_config(0, 0, C, rx=[pw.RAMP], tx=[pw.EAST])
    lay.set_color_config(1, 0, C, rx=[pw.WEST], tx=[pw.RAMP])
    return lay


def expected(a: np.ndarray, b: np.ndarray) -> dict:
    """What the two chains compute, in numpy's f32 arithmetic."""
    f = np.float32
    t = a.copy()
    c = (a + b) * f(0.5)
    c = c + t * f(2.0)
    t = c - a * f(0.25)
    c = c + f(0.125) * t
    t = c - b
    c = np.maximum(c, t)
    c[:N // 2] *= f(3.0)
    c[N // 2:] = -c[N // 2:]
    s = f(0.0)
    for v in c:
        s = f(s + v)
    r = c * f(2.0) - f(1.0)
    u = r * f(0.25)
    r = r + u
    above = int((r > 10.0).sum())
    u = u + r * f(-0.5)
    u[1:-1] = (r[:-2] + r[1:-1] + r[2:]) / f(3.0)
    r = r - u
    m = r.max()
    u = -u
    r = np.maximum(r, u)
    hist = np.array([above, N - above, N, above * 2 + N - above], np.int32)
    return {"c": c, "s": s, "r": r, "m": m, "hist": hist}


def run(name: str, jit: bool | None = None) -> None:
    rng = np.random.default_rng(7)
    a = rng.uniform(-4, 4, N).astype(np.float32)
    b = rng.uniform(-4, 4, N).astype(np.float32)
    want = expected(a, b)
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    runner.memcpy_h2d(runner.get_id("a"), a, 0, 0, 1, 1, N)
    runner.memcpy_h2d(runner.get_id("b"), b, 0, 0, 1, 1, N)
    runner.launch("start")
    got = {}
    for sym, x, n, dtype in (("c", 0, N, np.float32), ("s", 0, 1, np.float32),
                             ("r", 1, N, np.float32), ("m", 1, 1, np.float32),
                             ("hist", 1, 4, np.int32)):
        got[sym] = np.zeros(n, dtype)
        runner.memcpy_d2h(got[sym], runner.get_id(sym), x, 0, 1, 1, n)
    runner.stop()
    for sym, value in want.items():
        np.testing.assert_allclose(got[sym], np.atleast_1d(value), rtol=1e-5, err_msg=sym)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pywse-thirty-") as out:
        pw.compile(layout, arch="wse3", out_dir=out)
        run(out, False if args.no_jit else None)


if __name__ == "__main__":
    main()
