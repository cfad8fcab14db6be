"""DSD builtins: each op against a numpy reference, in both modes; DSD addressing; errors."""
import numpy as np
import pytest

import pywse as pw
from pywse.testing import Harness

N = 6


@pw.program
def ops_prog(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    fa, fb, fc = (p.var(n, pw.f32, N, export=True) for n in ("fa", "fb", "fc"))
    ha, hb, hc = (p.var(n, pw.f16, N, export=True) for n in ("ha", "hb", "hc"))
    ia, ib, ic = (p.var(n, pw.u16, N, export=True) for n in ("ia", "ib", "ic"))
    wa, wc = p.var("wa", pw.u32, N, export=True), p.var("wc", pw.u32, N, export=True)
    dwa, dwc = pw.mem1d(wa), pw.mem1d(wc)
    out = p.var("out", pw.f32, 8 * N, export=True)   # results of the f32 ops side by side
    hout = p.var("hout", pw.f16, 6 * N, export=True)
    iout = p.var("iout", pw.u16, 5 * N, export=True)
    dfa, dfb, dfc = pw.mem1d(fa), pw.mem1d(fb), pw.mem1d(fc)
    dha, dhb, dhc = pw.mem1d(ha), pw.mem1d(hb), pw.mem1d(hc)
    dia, dib = pw.mem1d(ia), pw.mem1d(ib)
    o = [pw.mem1d(out, N, k * N) for k in range(8)]
    ho = [pw.mem1d(hout, N, k * N) for k in range(6)]
    io = [pw.mem1d(iout, N, k * N) for k in range(5)]
    scalar = p.var("scalar", pw.f32, 1, export=True)

    @p.export
    def run_ops():
        pw.fadds(o[0], dfa, dfb)
        pw.fsubs(o[1], dfa, dfb)
        pw.fmuls(o[2], dfa, dfb)
        pw.fmacs(o[3], dfc, dfa, scalar)
        pw.fnegs(o[4], dfa)
        pw.fmovs(o[5], dfa)
        pw.fmuls(o[6], dfa, 0.1)
        pw.fh2s(o[7], dha)
        pw.faddh(ho[0], dha, dhb)
        pw.fsubh(ho[1], dha, dhb)
        pw.fmulh(ho[2], dha, dhb)
        pw.fmach(ho[3], dhc, dha, 1.5)
        pw.fs2h(ho[4], dfa)
        pw.fnegh(ho[5], dha)
        pw.add16(io[0], dia, dib)
        pw.sub16(io[1], dia, dib)
        pw.and16(io[2], dia, dib)
        pw.or16(io[3], dia, 0x00FF)
        pw.xor16(io[4], dia, dib)
        pw.mov32(dwc, dwa)
        sys.unblock_cmd_stream()


def _nums(obj):
    return obj.copy()  # two names for readability below


def test_ops_match_numpy(jit):
    rng = np.random.default_rng(1)
    fa, fb, fc = ((rng.standard_normal(N) * 10).astype(np.float32) for _ in range(3))
    ha, hb, hc = ((rng.standard_normal(N) * 4).astype(np.float16) for _ in range(3))
    ia, ib = (rng.integers(0, 2**16, N).astype(np.uint16) for _ in range(2))
    wa = rng.integers(0, 2**32, N, dtype=np.uint64).astype(np.uint32)
    s = np.float32(0.7)
    h = Harness(ops_prog, jit=jit)
    for name, v in dict(fa=fa, fb=fb, fc=fc, ha=ha, hb=hb, hc=hc, ia=ia, ib=ib, wa=wa).items():
        h.poke(name, v)
    h.poke("scalar", [s])
    h.launch("run_ops")
    with np.errstate(all="ignore"):
        want = [fa + fb, fa - fb, fa * fb, fc + fa * s, -fa, fa, fa * np.float32(0.1),
                ha.astype(np.float32)]
        hwant = [ha + hb, ha - hb, ha * hb, hc + ha * np.float16(1.5), fa.astype(np.float16), -ha]
        iwant = [ia + ib, ia - ib, ia & ib, ia | 0xFF, ia ^ ib]
    got = h.peek("out").reshape(8, N)
    for k, w in enumerate(want):
        np.testing.assert_array_equal(got[k].view(np.uint32), np.asarray(w, np.float32).view(np.uint32),
                                      err_msg=f"f32 op #{k}")
    hgot = h.peek("hout").reshape(6, N)
    for k, w in enumerate(hwant):
        np.testing.assert_array_equal(hgot[k].view(np.uint16), np.asarray(w, np.float16).view(np.uint16),
                                      err_msg=f"f16 op #{k}")
    igot = h.peek("iout").reshape(5, N)
    for k, w in enumerate(iwant):
        np.testing.assert_array_equal(igot[k], np.asarray(w, np.uint16), err_msg=f"u16 op #{k}")
    np.testing.assert_array_equal(h.peek("wc"), wa)


@pw.program
def dsd_prog(p, *, memcpy_params):
    sys = p.memcpy(memcpy_params)
    A = p.var("A", pw.f32, (3, 4), init=np.arange(12), export=True)
    col = p.var("col", pw.f32, 3, export=True)
    acc = p.var("acc", pw.f32, 4, export=True)
    grid = p.var("grid", pw.f32, 6, export=True)
    A_col = pw.mem1d(A, extent=3, offset=1, stride=4)          # A[i, 1]
    A_row = pw.mem1d(A, extent=4)
    box = pw.mem4d(A, extents=(2, 3), strides=(1, 4))          # A[i1, i0] for i0<2, i1<3
    d_col, d_acc, d_grid = pw.mem1d(col), pw.mem1d(acc), pw.mem1d(grid)

    @p.export
    def go():
        pw.fmovs(d_col, A_col)
        row = A_row
        for _ in range(3):                                      # sum rows of A
            pw.fadds(d_acc, d_acc, row)
            row = pw.increment_dsd_offset(row, 4, pw.f32)
        pw.fmovs(d_grid, box)
        sys.unblock_cmd_stream()


def test_dsd_addressing_and_mutators(jit):
    h = Harness(dsd_prog, jit=jit)
    h.launch("go")
    A = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert h.peek("col").tolist() == A[:, 1].tolist()
    assert h.peek("acc").tolist() == A.sum(axis=0).tolist()
    assert h.peek("grid").tolist() == A[:, :2].ravel().tolist()


def test_comptime_dsd_checks():
    with pytest.raises(pw.ProgramError, match="reaches element"):
        @pw.program
        def too_long(p):
            pw.mem1d(p.var("a", pw.f32, 4), extent=5)
        Harness(too_long)
    with pytest.raises(pw.ProgramError, match="needs an array declared with p.var"):
        @pw.program
        def not_var(p):
            pw.mem1d(np.zeros(3))
        Harness(not_var)


def test_runtime_dsd_out_of_bounds_is_an_error(jit):
    @pw.program
    def walks_off(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        d = pw.mem1d(p.var("a", pw.f32, 4), extent=2)

        @p.export
        def go():
            e = pw.increment_dsd_offset(d, 3, pw.f32)
            pw.fmovs(e, 1.0)

    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go'.*'a'.*reaches element 4"):
        Harness(walks_off, jit=jit).launch("go")


def test_length_mismatch_is_an_error(jit):
    @pw.program
    def mismatch(p, *, memcpy_params):
        p.memcpy(memcpy_params)
        a = pw.mem1d(p.var("a", pw.f32, 4))
        b = pw.mem1d(p.var("b", pw.f32, 3))

        @p.export
        def go():
            pw.fadds(a, a, b)

    with pytest.raises(pw.TaskError, match="different lengths"):
        Harness(mismatch, jit=jit).launch("go")
