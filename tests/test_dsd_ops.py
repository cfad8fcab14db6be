"""The DSD ops beyond test_builtins.py's: 16-bit integer shifts, carries and bit counts;
f32/f16 absolute values, mixed f16/f32 ops, scaling and the i16 conversions. Each op in every
operand form CSL lists, seeded random operands plus edge values, against a numpy reference
(bit-exact; floats by docs/semantics.md's rules), in both modes. One program per family."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

N = 8
f32, f16, u16, i16 = np.float32, np.float16, np.uint16, np.int16


@pw.program
def int_prog(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    ia, ib = p.var("ia", pw.u16, N, export=True), p.var("ib", pw.u16, N, export=True)
    s = p.var("s", pw.u16, 1, export=True)
    out = p.var("out", pw.u16, 18 * N, export=True)
    da, db = pw.mem1d(ia), pw.mem1d(ib)
    o = [pw.mem1d(out, N, k * N) for k in range(18)]

    @p.export
    def run_int():
        pw.addc16(o[0], da, db)
        pw.addc16(o[1], s, db)
        pw.addc16(o[2], da, 0xFFFF)
        pw.sar16(o[3], da, db)
        pw.sar16(o[4], s, db)
        pw.sar16(o[5], da, 3)
        pw.sll16(o[6], da, db)
        pw.sll16(o[7], s, db)
        pw.sll16(o[8], da, 5)
        pw.slr16(o[9], da, db)
        pw.slr16(o[10], s, db)
        pw.slr16(o[11], da, 17)
        pw.clz(o[12], da)
        pw.clz(o[13], s)
        pw.ctz(o[14], da)
        pw.ctz(o[15], 0)
        pw.popcnt(o[16], da)
        pw.popcnt(o[17], 0x8421)
        sys.unblock_cmd_stream()


def _addc(a, b):
    out, carry = [], 0
    for x, y in zip(a.astype(int), b.astype(int)):
        t = x + y + carry
        out.append(t & 0xFFFF)
        carry = t >> 16
    return np.array(out, u16)


def _bits(x, what):
    x = int(x)
    if what == "clz":
        return 16 - x.bit_length()
    if what == "ctz":
        return 16 if x == 0 else (x & -x).bit_length() - 1
    return bin(x).count("1")


def test_integer_ops_match_numpy(jit):
    rng = np.random.default_rng(5)
    ia = rng.integers(0, 2**16, N).astype(u16)
    ia[:4] = [0, 0xFFFF, 0x8000, 1]
    ib = rng.integers(0, 20, N).astype(u16)      # shift counts, some >= 16
    ib[:2] = [0xFFFF, 0xFFFF]                     # addc16 carries into the next element
    s = u16(0x9234)
    h = Harness(int_prog, jit=jit)
    h.poke("ia", ia)
    h.poke("ib", ib)
    h.poke("s", [s])
    h.launch("run_int")
    got = h.peek("out").reshape(18, N)

    def sar(x, n):
        return (x.astype(i16).astype(int) >> np.minimum(n.astype(int), 15)) & 0xFFFF

    def sll(x, n):
        return np.where(n < 16, (x.astype(int) << np.minimum(n, 15)) & 0xFFFF, 0)

    def slr(x, n):
        return np.where(n < 16, x.astype(int) >> np.minimum(n, 15), 0)

    full = np.full(N, s, u16)
    want = [_addc(ia, ib), _addc(full, ib), _addc(ia, np.full(N, 0xFFFF, u16)),
            sar(ia, ib), sar(full, ib), sar(ia, np.full(N, 3)),
            sll(ia, ib), sll(full, ib), sll(ia, np.full(N, 5)),
            slr(ia, ib), slr(full, ib), slr(ia, np.full(N, 17)),
            [_bits(x, "clz") for x in ia], [_bits(s, "clz")] * N,
            [_bits(x, "ctz") for x in ia], [16] * N,
            [_bits(x, "pop") for x in ia], [4] * N]
    for k, w in enumerate(want):
        np.testing.assert_array_equal(got[k], np.asarray(w, u16), err_msg=f"int op #{k}")


@pw.program
def float_prog(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    fa, fb = p.var("fa", pw.f32, N, export=True), p.var("fb", pw.f32, N, export=True)
    ha, hb = p.var("ha", pw.f16, N, export=True), p.var("hb", pw.f16, N, export=True)
    ia = p.var("ia", pw.i16, N, export=True)
    fs, hs = p.var("fs", pw.f32, 1, export=True), p.var("hs", pw.f16, 1, export=True)
    ks = p.var("ks", pw.i16, 1, export=True)
    acc = p.var("acc", pw.f32, 1, export=True)
    fout = p.var("fout", pw.f32, 11 * N, export=True)
    hout = p.var("hout", pw.f16, 5 * N, export=True)
    iout = p.var("iout", pw.i16, 6 * N, export=True)
    fp, hp, ip = (p.var(n, t, 1, export=True) for n, t in
                  (("fp", pw.f32), ("hp", pw.f16), ("ip", pw.i16)))
    dfa, dfb, dha, dhb, dia = (pw.mem1d(v) for v in (fa, fb, ha, hb, ia))
    fo = [pw.mem1d(fout, N, k * N) for k in range(9)]
    ho = [pw.mem1d(hout, N, k * N) for k in range(3)]
    io = [pw.mem1d(iout, N, k * N) for k in range(4)]

    @p.export
    def run_float():
        pw.fabss(fo[0], dfa)
        pw.fabss(fo[1], fs)
        pw.faddhs(fo[2], dfa, dhb)
        pw.faddhs(fo[3], fs, dhb)
        pw.faddhs(fo[4], dfa, 0.25)
        pw.faddhs(acc, acc, dhb)                  # (p, s, D): a running f32 sum of f16 data
        pw.fmachs(fo[5], dfa, dha, hs)
        pw.fmachs(fo[6], dfb, dhb, 1.5)
        pw.xp162fs(fo[7], dia)
        pw.xp162fs(fo[8], -7)
        pw.fabsh(ho[0], dha)
        pw.fabsh(ho[1], hs)
        pw.xp162fh(ho[2], dia)
        pw.fh2xp16(io[0], dha)
        pw.fh2xp16(io[1], hs)
        pw.fs2xp16(io[2], dfa)
        pw.fs2xp16(io[3], fs)
        for j in range(N):                        # the pointer forms, one element at a time
            fs[0] = fa[j]
            pw.fmovh(hs, pw.mem1d(ha, 1, j))      # f16 data moves by DSD ops only
            ks[0] = ia[j]
            pw.fscales(fp, fs, ks)
            fout[9 * N + j] = fp[0]
            pw.fscaleh(hp, hs, ks)
            pw.fmovh(pw.mem1d(hout, 1, 3 * N + j), hp)
            pw.fs2xp16(ip, fs)
            iout[4 * N + j] = ip[0]
            pw.fh2xp16(ip, hs)
            iout[5 * N + j] = ip[0]
            pw.fscales(fp, 3.0, -2)
            fout[10 * N + j] = fp[0]
            pw.fscaleh(hp, 3.0, 4)
            pw.fmovh(pw.mem1d(hout, 1, 4 * N + j), hp)
        sys.unblock_cmd_stream()


def _to_i16(x):
    x = np.asarray(x, np.float64)
    return np.where(np.isnan(x), 0, np.clip(np.trunc(np.nan_to_num(x)), -32768, 32767)).astype(i16)


def test_float_ops_and_conversions_match_numpy(jit):
    rng = np.random.default_rng(7)
    fa = (rng.standard_normal(N) * 20000).astype(f32)
    fa[:4] = [np.inf, -0.0, np.nan, -1e-40]
    fb = rng.standard_normal(N).astype(f32)
    ha = (rng.standard_normal(N) * 300).astype(f16)
    ha[:3] = [-np.inf, np.nan, f16(6e-8)]
    hb = (rng.standard_normal(N) * 4).astype(f16)
    ia = rng.integers(-40, 40, N).astype(i16)     # scales out of f16's range too
    ia[:2] = [32767, -32768]
    fs, hs = f32(-2.5), f16(-65504.0)
    h = Harness(float_prog, jit=jit)
    for name, v in dict(fa=fa, fb=fb, ha=ha, hb=hb, ia=ia, fs=[fs], hs=[hs]).items():
        h.poke(name, v)
    h.poke("acc", np.array([0.5], f32))
    h.launch("run_float")

    hb32, ha32 = hb.astype(f32), ha.astype(f32)
    with np.errstate(all="ignore"):
        fwant = [np.abs(fa), np.full(N, 2.5), fa + hb32, fs + hb32, fa + f32(0.25),
                 fa + ha32 * f32(hs), fb + hb32 * f32(1.5), ia.astype(f32), np.full(N, -7.0),
                 np.ldexp(fa.astype(np.float64), ia).astype(f32),
                 np.full(N, 0.75)]
        hwant = [np.abs(ha), np.full(N, 65504.0), ia.astype(f16),
                 np.ldexp(ha.astype(np.float64), ia).astype(f16), np.full(N, 48.0)]
        iwant = [_to_i16(ha), _to_i16([hs] * N), _to_i16(fa), _to_i16([fs] * N),
                 _to_i16(fa), _to_i16(ha)]
    fgot, hgot, igot = (h.peek(n).reshape(-1, N) for n in ("fout", "hout", "iout"))
    for k, w in enumerate(fwant):
        np.testing.assert_array_equal(fgot[k].view(np.uint32),
                                      np.asarray(w, f32).view(np.uint32), err_msg=f"f32 #{k}")
    for k, w in enumerate(hwant):
        np.testing.assert_array_equal(hgot[k].view(u16), np.asarray(w, f16).view(u16),
                                      err_msg=f"f16 #{k}")
    for k, w in enumerate(iwant):
        np.testing.assert_array_equal(igot[k], w, err_msg=f"i16 #{k}")
    total = f32(0.5)
    for x in hb32:                                # the (p, s, D) form: one rounding a step
        total = f32(total + x)
    assert h.peek("acc")[0] == total


def test_forms_and_widths_are_checked():
    @pw.program
    def prog(p):
        a, h = p.var("a", pw.f32, 4), p.var("h", pw.f16, 4)
        one = p.var("one", pw.f32, 1)
        d, dh = pw.mem1d(a), pw.mem1d(h)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.fscales(d, 1.0, 2)
            pw.faddhs(d, dh, dh)
            pw.fmachs(dh, d, dh, 1.0)
            pw.xp162fs(dh, 3)
            pw.clz(pw.i16(2), dh)

    with pytest.raises(pw.TaskError) as err:
        Harness(prog)
    text = str(err.value)
    assert "5 mistakes in task bodies" in text
    assert "pw.fscales takes (p, s, s), got (D, s, s)" in text
    assert "operand 2 of pw.faddhs holds f16" in text
    assert "pw.fmachs works on 32-bit elements; operand 1 of pw.fmachs holds f16" in text
    assert "pw.xp162fs works on 32-bit elements; operand 1 of pw.xp162fs holds f16" in text
    assert "the destination of pw.clz must be a DSD or a one-element var" in text


def test_fnorm_is_not_supported_yet():
    @pw.program
    def prog(p):
        one = p.var("one", pw.f32, 1)

        @p.on_start
        @p.local_task(10)
        def go():
            pw.fnorms(one, 1.0)

    with pytest.raises(pw.TaskError, match="`@fnorms` is not supported yet"):
        Harness(prog)


# -- the ops test_builtins.py runs in their (D, D, D) form, in every other form CSL lists ------

@pw.program
def forms_prog(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    fa, fb = p.var("fa", pw.f32, N, export=True), p.var("fb", pw.f32, N, export=True)
    ha, hb = p.var("ha", pw.f16, N, export=True), p.var("hb", pw.f16, N, export=True)
    ia, wa = p.var("ia", pw.u16, N, export=True), p.var("wa", pw.u32, N, export=True)
    fs, hs = p.var("fs", pw.f32, 1, export=True), p.var("hs", pw.f16, 1, export=True)
    fout = p.var("fout", pw.f32, 12 * N, export=True)
    hout = p.var("hout", pw.f16, 12 * N, export=True)
    iout = p.var("iout", pw.u16, 9 * N, export=True)
    wout = p.var("wout", pw.u32, N, export=True)
    dfa, dfb, dha, dhb, dia, dwa = (pw.mem1d(v) for v in (fa, fb, ha, hb, ia, wa))
    fo = [pw.mem1d(fout, N, k * N) for k in range(12)]
    ho = [pw.mem1d(hout, N, k * N) for k in range(12)]
    io = [pw.mem1d(iout, N, k * N) for k in range(9)]
    acc_p = [p.var(f"p{k}", pw.f32, 1, export=True) for k in range(4)]   # (p, s, D) sums
    q0, q1, q2, q3 = (p.var(f"q{k}", pw.f16, 1, export=True) for k in range(4))
    last_p = [p.var("l32", pw.u32, 1, export=True), p.var("l16", pw.u16, 1, export=True),
              p.var("lf", pw.f32, 1, export=True)]
    lh = p.var("lh", pw.f16, 1, export=True)    # f16 vars by name (numba has no float16)

    @p.export
    def run_forms():
        pw.fadds(fo[0], fs, dfb)
        pw.fadds(fo[1], dfa, 1.25)
        pw.fsubs(fo[2], fs, dfb)
        pw.fsubs(fo[3], dfa, 1.25)
        pw.fmuls(fo[4], fs, dfb)
        pw.fmuls(fo[5], dfa, 1.25)
        pw.fmaxs(fo[6], dfa, dfb)
        pw.fmaxs(fo[7], fs, dfb)
        pw.fmaxs(fo[8], dfa, 1.25)
        pw.fnegs(fo[9], fs)
        pw.fmovs(fo[10], fs)
        pw.fh2s(fo[11], hs)
        pw.faddh(ho[0], hs, dhb)
        pw.faddh(ho[1], dha, 1.25)
        pw.fsubh(ho[2], hs, dhb)
        pw.fsubh(ho[3], dha, 1.25)
        pw.fmulh(ho[4], hs, dhb)
        pw.fmulh(ho[5], dha, 1.25)
        pw.fmaxh(ho[6], dha, dhb)
        pw.fmaxh(ho[7], hs, dhb)
        pw.fmaxh(ho[8], dha, 1.25)
        pw.fnegh(ho[9], hs)
        pw.fmovh(ho[10], hs)
        pw.fs2h(ho[11], fs)
        pw.add16(io[0], 0x1234, dia)
        pw.add16(io[1], dia, 0xFFFF)
        pw.sub16(io[2], dia, 7)
        pw.and16(io[3], 0x0FF0, dia)
        pw.or16(io[4], 0xF000, dia)
        pw.xor16(io[5], 0xFFFF, dia)
        pw.xor16(io[6], dia, 0x00FF)
        pw.mov16(io[7], 0xBEEF)
        pw.and16(io[8], dia, 0x00F0)
        pw.mov32(pw.mem1d(wout), 0xDEADBEEF)
        pw.fadds(acc_p[0], acc_p[0], dfa)       # (p, s, D): *p = op(*p, D[i]) for each i
        pw.fsubs(acc_p[1], acc_p[1], dfa)
        pw.fmuls(acc_p[2], acc_p[2], dfb)
        pw.fmaxs(acc_p[3], acc_p[3], dfa)
        pw.faddh(q0, q0, dha)
        pw.fsubh(q1, q1, dha)
        pw.fmulh(q2, q2, dhb)
        pw.fmaxh(q3, q3, dha)
        pw.mov32(last_p[0], dwa)                # (p, D): the last element stays
        pw.mov16(last_p[1], dia)
        pw.fmovs(last_p[2], dfa)
        pw.fmovh(lh, dha)
        sys.unblock_cmd_stream()


def _fold(op, start, xs, t):
    r = t(start)
    with np.errstate(all="ignore"):
        for x in xs:
            r = t(op(r, x))
    return r


def test_every_operand_form_matches_numpy(jit):
    rng = np.random.default_rng(11)
    fa, fb = ((rng.standard_normal(N) * 3).astype(f32) for _ in range(2))
    fa[0] = np.nan                                # fmax: a NaN operand gives the other one
    ha, hb = ((rng.standard_normal(N) * 3).astype(f16) for _ in range(2))
    ia = rng.integers(0, 2**16, N).astype(u16)
    wa = rng.integers(0, 2**32, N, dtype=np.uint64).astype(np.uint32)
    fs, hs = f32(-0.75), f16(2.5)
    start, hstart = np.array([1.0, -2.0, 0.5, -100.0], f32), np.array([1, -2, 0.5, -100], f16)
    h = Harness(forms_prog, jit=jit)
    for name, v in dict(fa=fa, fb=fb, ha=ha, hb=hb, ia=ia, wa=wa, fs=[fs], hs=[hs]).items():
        h.poke(name, v)
    for k in range(4):
        h.poke(f"p{k}", start[k:k + 1])
        h.poke(f"q{k}", hstart[k:k + 1])
    h.launch("run_forms")

    def fmax(x, y):
        return np.where(np.isnan(y), x, np.where(np.isnan(x), y, np.maximum(x, y)))

    c, hc = f32(1.25), f16(1.25)
    with np.errstate(all="ignore"):
        fwant = [fs + fb, fa + c, fs - fb, fa - c, fs * fb, fa * c, fmax(fa, fb), fmax(fs, fb),
                 fmax(fa, c), [-fs] * N, [fs] * N, [f32(hs)] * N]
        hwant = [hs + hb, ha + hc, hs - hb, ha - hc, hs * hb, ha * hc, fmax(ha, hb),
                 fmax(hs, hb), fmax(ha, hc), [-hs] * N, [hs] * N, [f16(fs)] * N]
        iwant = [ia + u16(0x1234), ia + u16(0xFFFF), ia - u16(7), ia & 0x0FF0, ia | 0xF000,
                 ia ^ 0xFFFF, ia ^ 0x00FF, [0xBEEF] * N, ia & 0x00F0]
        pwant = [_fold(np.add, start[0], fa, f32), _fold(np.subtract, start[1], fa, f32),
                 _fold(np.multiply, start[2], fb, f32), _fold(fmax, start[3], fa, f32)]
        qwant = [_fold(np.add, hstart[0], ha, f16), _fold(np.subtract, hstart[1], ha, f16),
                 _fold(np.multiply, hstart[2], hb, f16), _fold(fmax, hstart[3], ha, f16)]
    fgot, hgot, igot = (h.peek(n).reshape(-1, N) for n in ("fout", "hout", "iout"))
    for k, w in enumerate(fwant):
        np.testing.assert_array_equal(fgot[k].view(np.uint32),
                                      np.asarray(w, f32).view(np.uint32), err_msg=f"f32 #{k}")
    for k, w in enumerate(hwant):
        np.testing.assert_array_equal(hgot[k].view(u16), np.asarray(w, f16).view(u16),
                                      err_msg=f"f16 #{k}")
    for k, w in enumerate(iwant):
        np.testing.assert_array_equal(igot[k], np.asarray(w, u16), err_msg=f"u16 #{k}")
    np.testing.assert_array_equal(h.peek("wout"), [0xDEADBEEF] * N)
    for k in range(4):
        assert h.peek(f"p{k}").view(np.uint32)[0] == np.asarray(pwant[k], f32).view(np.uint32), k
        assert h.peek(f"q{k}").view(u16)[0] == np.asarray(qwant[k], f16).view(u16), k
    assert h.peek("l32")[0] == wa[-1] and h.peek("l16")[0] == ia[-1]
    assert h.peek("lf").view(np.uint32)[0] == fa[-1:].view(np.uint32)[0]
    assert h.peek("lh").view(u16)[0] == ha[-1:].view(u16)[0]
