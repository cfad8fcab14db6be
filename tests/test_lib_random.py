"""`pw.random16` / `pw.set_active_prng` (the PE's LFSRs) and `<random>` on top of them:
the sequence bit for bit against a one-step-at-a-time LFSR, per-PE and per-PRNG state,
compiled and plain alike, and the topic-02 Monte-Carlo estimate of pi."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

SEED = 0xDEADBEEF


def lfsr_draws(state: int, n: int) -> list[int]:
    """Taps 23 and 18 (x^23 + x^18 + 1), shifting right, one step at a time; 128 steps per
    draw, the register's low 16 bits out (docs/libraries.md, <random>)."""
    r = state & 0x7FFFFF
    out = []
    for _ in range(n):
        for _ in range(128):
            bit = (r ^ (r >> 5)) & 1
            r = (r >> 1) | (bit << 22)
        out.append(r & 0xFFFF)
    return out


@pw.program
def draws(p, *, n: int):
    raw = p.var("raw", pw.u16, 12, export=True)

    @p.on_start
    @p.local_task(10)
    def go():
        for i in range(n):
            raw[i] = pw.random16()


def test_random16_is_the_documented_lfsr_and_each_pe_has_its_own(jit):
    layout = pw.Layout(2, 1)
    layout.set_tile_code(0, 0, draws, n=3)
    layout.set_tile_code(1, 0, draws, n=12)
    h = Harness(layout, jit=jit)
    h.run_until_idle()
    ref = lfsr_draws(SEED, 12)
    assert list(h.peek("raw", pe=(1, 0))) == ref
    assert list(h.peek("raw", pe=(0, 0)))[:3] == ref[:3]     # untouched by PE 1's draws
    assert len(set(ref)) == 12


@pw.program
def prngs(p):
    raw = p.var("raw", pw.u16, 8, export=True)
    seeded = p.var("seeded", pw.u16, 2, export=True)
    rnd = p.import_module("<random>")

    @p.on_start
    @p.local_task(10)
    def go():
        raw[0] = pw.random16()            # PRNG 0
        pw.set_active_prng(1)
        raw[1] = pw.random16()            # PRNG 1: from the seed
        raw[2] = pw.random16()
        pw.set_active_prng(4)             # 4 % 4: PRNG 0 again, where it was
        raw[3] = pw.random16()
        pw.set_active_prng(5)             # PRNG 1
        raw[4] = pw.random16()
        pw.set_active_prng(0)
        rnd.set_global_prng_seed(12345)   # the active PRNG only
        seeded[0] = pw.random16()
        seeded[1] = pw.random16()
        pw.set_active_prng(1)
        raw[5] = pw.random16()


def test_set_active_prng_picks_id_mod_4_and_the_seed_sets_the_active_one(jit):
    h = Harness(prngs, jit=jit)
    h.run_until_idle()
    ref = lfsr_draws(SEED, 4)
    raw = list(h.peek("raw"))
    assert raw[:6] == [ref[0], ref[0], ref[1], ref[1], ref[2], ref[3]]
    assert list(h.peek("seeded")) == lfsr_draws(12345, 2)


@pw.program
def library_draws(p, *, n: int):
    rnd = p.import_module("<random>")
    f = p.var("f", pw.f32, n, export=True)
    h = p.var("h", pw.f32, n, export=True)
    g = p.var("g", pw.f32, n, export=True)
    w = p.var("w", pw.u32, n, export=True)

    @p.on_start
    @p.local_task(10)
    def go():
        for i in range(n):
            f[i] = rnd.random_f32(-1.0, 1.0)
            h[i] = rnd.random_f16(2.0, 3.0)
            g[i] = rnd.random_normal_f32()
            w[i] = rnd.random_pow_u32(i % 33)


def test_random_library_values_are_in_range_and_reproducible(jit):
    n = 400
    hx = Harness(library_draws, jit=jit, n=n)
    hx.run_until_idle()
    f, h, g, w = (hx.peek(s) for s in "fhgw")
    assert ((f >= -1) & (f < 1)).all() and abs(f.mean()) < 0.1
    assert ((h >= 2) & (h < 3)).all() and np.array_equal(h.astype(np.float16).astype(np.float32), h)
    assert abs(g.mean()) < 0.2 and 0.8 < g.std() < 1.2
    pows = np.arange(n) % 33
    assert (w.astype(np.uint64) < (np.uint64(1) << np.minimum(pows, 32).astype(np.uint64))).all()
    assert w[pows == 0].max() == 0 and w[pows == 32].max() > 2 ** 31 // 4
    # the first f32: 24 bits from two draws, u = k / 2**24, -1 + 2 u (rounded in f32)
    d = lfsr_draws(SEED, 2)
    k = (d[0] << 8) | (d[1] >> 8)
    assert f[0] == np.float32(-1) + np.float32(2) * (np.float32(k) * np.float32(2.0 ** -24))
    again = Harness(library_draws, jit=not jit, n=n)       # the other mode: the same bits
    again.run_until_idle()
    for s, a in zip("fhgw", (f, h, g, w)):
        assert np.array_equal(again.peek(s).view(np.uint32), a.view(np.uint32))


@pw.program
def monte_carlo_pi(p, *, iterations: int):
    """topic-02-libraries' computation: random points in [-1, 1)^2 inside the unit circle."""
    random = p.import_module("<random>")
    math = p.import_module("<math>")
    result = p.var("result", pw.f32, 1, export=True)

    @p.on_start
    @p.local_task(10)
    def f_run():
        hits: pw.u32 = 0
        for _ in range(iterations):
            x = random.random_f32(-1.0, 1.0)
            y = random.random_f32(-1.0, 1.0)
            if math.sqrt_f32(x * x + y * y) <= 1.0:
                hits += 1
        result[0] = 4.0 * pw.f32(hits) / pw.f32(iterations)


def test_topic_02_estimates_pi_within_its_tolerance(jit):
    h = Harness(monte_carlo_pi, jit=jit, iterations=200)
    h.run_until_idle()
    np.testing.assert_allclose(h.peek("result"), np.pi, atol=0.1, rtol=0)


def compile_one(program):
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, program)
    return pw.compile(layout, arch="wse3", memcpy=False)


@pw.program
def prng_mistakes(p):
    x = p.var("x", pw.f32, 1)
    w = p.var("w", pw.u32, 1)
    rnd = p.import_module("<random>")

    @p.on_start
    @p.local_task(10)
    def go():
        pw.random16()
        pw.set_active_prng(70000)
        pw.set_active_prng(x[0])
        pw.set_global_prng_seed(-1)
        w[0] = rnd.random_pow_u32(x[0])


def test_prng_mistakes_are_refused_at_compile_time():
    with pytest.raises(pw.TaskError) as err:
        compile_one(prng_mistakes)
    text = str(err.value)
    assert "5 mistakes" in text
    assert "<random>.random_pow_u32 takes an integer as argument 1, got an f32 value" in text
    assert "the result of pw.random16 is dropped (CSL refuses an unused value): assign it " \
           "(`_ = pw.random16(...)`)" in text
    assert "pw.set_active_prng(70000): the id is a u16, 0..65535" in text
    assert "pw.set_active_prng needs an integer (a u16), got an f32 value" in text
    assert "pw.set_global_prng_seed(-1): the seed is a u32, 0..4294967295" in text


@pw.program
def prng_out_of_range(p):
    k = p.var("k", pw.i32, 1, init=[-3])

    @p.on_start
    @p.local_task(10)
    def go():
        pw.set_active_prng(k[0])


def test_a_prng_id_out_of_range_at_run_time_is_an_error(jit):
    h = Harness(prng_out_of_range, jit=jit)
    with pytest.raises(pw.PywseError, match=r"set_active_prng: the id is a u16, 0\.\.65535"):
        h.run_until_idle()
