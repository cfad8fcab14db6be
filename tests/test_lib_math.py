"""`<math>` (pywse/lib/math.py, kernels in pywse/sim/mathops.py): every function against
numpy, compiled and plain Python bit for bit, and the mistakes the checker refuses."""
import math

import numba
import numpy as np
import pytest

import pywse as pw
from pywse.lib import math as m
from pywse.sim import mathops as k
from pywse.testing import Harness


def f32_values(n: int = 3000) -> np.ndarray:
    """Specials (zeros, infinities, quiet and signaling NaNs, subnormals, extremes) and
    random bit patterns and ordinary numbers."""
    rng = np.random.default_rng(20)
    special = np.array([0, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001,
                        0x7FA00000, 0x00000001, 0x807FFFFF, 0x00800000, 0x7F7FFFFF,
                        0x3F800000, 0xBF800000, 0x40490FDB, 0x4C000000], np.uint32)
    bits = rng.integers(0, 2 ** 32, n, dtype=np.uint64).astype(np.uint32)
    return np.concatenate([special.view(np.float32), bits.view(np.float32),
                           rng.uniform(-60, 60, n).astype(np.float32),
                           rng.uniform(0, 4, n // 4).astype(np.float32)])


X = f32_values()
UNARY = ["sqrt_f32", "sin_f32", "cos_f32", "tanh_f32", "exp_f32", "log_f32", "inv_f32",
         "invsqrt_f32", "ceil_f32", "floor_f32", "abs_float", "sign_float", "sig_f32",
         "to_f16", "is_nan", "is_inf", "is_finite", "is_signaling", "signbit",
         "sqrt", "sin", "cos", "tanh", "exp", "log", "inv", "invsqrt", "ceil", "floor", "sig",
         "abs_", "sign"]


def bits_of(a) -> np.ndarray:
    return np.asarray(a, np.float64).view(np.uint64)


def compiled_loop(fn):
    @numba.njit
    def loop(a):
        out = np.empty(a.size, np.float64)
        for i in range(a.size):
            out[i] = fn(a[i])
        return out
    return loop


@pytest.mark.parametrize("name", UNARY)
def test_kernels_give_the_same_bits_compiled_and_plain(name):
    fn = getattr(k, name)
    compiled = compiled_loop(fn)(X)
    plain = np.array([float(fn(x)) for x in X])
    assert np.array_equal(bits_of(compiled), bits_of(plain))


def test_two_argument_kernels_give_the_same_bits_compiled_and_plain():
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.uniform(-5, 5, X.size - 40), [0.0, -0.0, 0.5, 2.0, 3.0, -3.0,
                                                          np.inf, -np.inf, np.nan, 1e30] * 4]
                       ).astype(np.float32)
    s = rng.integers(-300, 300, X.size).astype(np.int16)

    @numba.njit
    def loop(a, b, c):
        out = np.empty((4, a.size), np.float64)
        for i in range(a.size):
            out[0, i] = k.pow_f32(a[i], b[i])
            out[1, i] = k.fscale_f32(a[i], c[i])
            out[2, i] = k.max_(a[i], b[i])
            out[3, i] = k.min_(a[i], b[i])
        return out
    compiled = loop(X, y, s)
    plain = np.array([[float(k.pow_f32(a, b)) for a, b in zip(X, y)],
                      [float(k.fscale_f32(a, c)) for a, c in zip(X, s)],
                      [float(k.max_(a, b)) for a, b in zip(X, y)],
                      [float(k.min_(a, b)) for a, b in zip(X, y)]])
    assert np.array_equal(bits_of(compiled), bits_of(plain))


def ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in f32 ulps (both NaN: 0)."""
    ia = a.astype(np.float32).view(np.int32).astype(np.int64)
    ib = b.astype(np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    both_nan = np.isnan(a) & np.isnan(b)
    return np.where(both_nan, 0, np.abs(ia - ib))


def run(fn, xs, *more):
    return np.array([fn(x, *(m_[i] for m_ in more)) for i, x in enumerate(xs)], np.float32)


EXACT = {   # correctly rounded: the same bits as numpy's f32 result
    "sqrt_f32": np.sqrt, "ceil_f32": np.ceil, "floor_f32": np.floor, "abs_f32": np.abs,
    "inv_f32": lambda x: (1.0 / x.astype(np.float64)).astype(np.float32),
}
CLOSE = {   # within one f32 ulp of the double result
    "sin_f32": np.sin, "cos_f32": np.cos, "tanh_f32": np.tanh, "exp_f32": np.exp,
    "log_f32": np.log, "invsqrt_f32": lambda x: 1.0 / np.sqrt(x),
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_correctly_rounded_functions_match_numpy_bit_for_bit(name):
    with np.errstate(all="ignore"):
        want = np.asarray(EXACT[name](X), np.float32)
    got = run(getattr(m, name), X)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32))


@pytest.mark.parametrize("name", sorted(CLOSE))
def test_other_functions_are_within_one_ulp_of_numpy_in_double(name):
    with np.errstate(all="ignore"):
        want = np.asarray(CLOSE[name](X.astype(np.float64)), np.float32)
    got = run(getattr(m, name), X)
    assert ulps(got, want).max() <= 1


def test_pow_fscale_max_min_sign_sig_and_the_tests_match_numpy():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 8, 500).astype(np.float32)
    y = rng.uniform(-4, 4, 500).astype(np.float32)
    s = rng.integers(-200, 200, 500)
    with np.errstate(all="ignore"):
        assert ulps(run(m.pow_f32, x, y), np.power(x.astype(np.float64), y).astype(np.float32)
                    ).max() <= 1
        assert np.array_equal(run(m.fscale_f32, X[:500], s), np.ldexp(X[:500], s), equal_nan=True)
    nan_ = np.isnan(X)
    pos = np.float32(1.5)
    assert np.array_equal(run(m.max_f32, X, np.full(X.size, pos)),
                          np.where(nan_, pos, np.fmax(X, pos)))
    assert np.array_equal(run(m.min_f32, X, np.full(X.size, pos)),
                          np.where(nan_, pos, np.fmin(X, pos)))
    assert np.array_equal(run(m.sign_f32, X[~nan_]), np.where(X[~nan_] == 0, X[~nan_],
                                                                np.sign(X[~nan_])))
    mant, _ = np.frexp(X[np.isfinite(X) & (X != 0)])
    assert np.array_equal(run(m.sig_f32, X[np.isfinite(X) & (X != 0)]), mant * 2)
    assert [bool(m.isNaN_f32(v)) for v in X] == list(np.isnan(X))
    assert [bool(m.isInf_f32(v)) for v in X] == list(np.isinf(X))
    assert [bool(m.isFinite_f32(v)) for v in X] == list(np.isfinite(X))
    assert [bool(m.signbit_f32(v)) for v in X] == list(np.signbit(X))
    signaling = (X.view(np.uint32) & 0x7FC00000) == 0x7F800000
    assert [bool(m.isSignaling_f32(v)) for v in X] == list(signaling & nan_)


F16 = np.concatenate([np.array([0, 0x8000, 0x7C00, 0xFC00, 0x0001, 0x03FF, 0x7BFF, 0x3C00],
                               np.uint16),
                      np.random.default_rng(7).integers(0, 0x7C00, 600).astype(np.uint16)]
                     ).view(np.float16)


def test_f16_functions_round_the_f32_result_to_f16():
    x = F16.astype(np.float32)
    got = run(m.sqrt_f16, x)
    with np.errstate(all="ignore"):
        assert np.array_equal(got, np.sqrt(F16).astype(np.float32), equal_nan=True)
        for name, ref in (("sin_f16", np.sin), ("exp_f16", np.exp), ("log_f16", np.log),
                          ("tanh_f16", np.tanh), ("cos_f16", np.cos)):
            got = run(getattr(m, name), x)
            want = ref(x.astype(np.float64)).astype(np.float16).astype(np.float32)
            assert np.array_equal(got.astype(np.float16).astype(np.float32), got,
                                  equal_nan=True), name          # an f16 value
            close = (got == want) | (np.isnan(got) & np.isnan(want)) | \
                (np.abs(got - want) <= np.abs(np.spacing(want.astype(np.float16)))
                 .astype(np.float32))
            assert close.all(), name
    assert np.array_equal(run(m.abs_f16, -x), np.abs(x))
    assert m.sqrt(np.float16(2.0)) == np.sqrt(np.float16(2.0))
    assert type(m.sqrt(np.float16(2.0))) is np.float16     # generic keeps the type (plain)


def test_constants():
    assert m.PI == math.pi and m.E == math.e
    assert m.POSITIVE_INF_f32 == np.inf and m.NEGATIVE_INF_f16 == -np.inf
    assert np.isnan(m.NaN_f32) and np.isnan(m.NaN(pw.f16))
    assert m.POSITIVE_INF(pw.f32) == np.inf and m.NEGATIVE_INF(pw.f16) == -np.inf
    assert m.abs(np.int16(-5)) == 5 and type(m.abs(np.int16(-5))) is np.int16
    assert m.max(np.int16(3), 7) == 7 and m.min(np.uint16(3), np.uint16(2)) == 2
    assert m.sign(np.int32(-9)) == -1 and m.sign(0) == 0
    assert m.ceil(-0.5) == 0.0 and math.copysign(1, m.ceil(-0.5)) == -1.0


@pw.program
def every_function(p):
    mt = p.import_module("<math>")
    x = p.var("x", pw.f32, 6, init=[2.0, -0.75, 0.0, 100.5, np.inf, np.nan])
    i = p.var("i", pw.i16, 2, init=[-7, 3])
    out = p.var("out", pw.f32, (48, 6), export=True)
    ints = p.var("ints", pw.i16, 6, export=True)

    @p.on_start
    @p.local_task(10)
    def run_all():
        for j in range(6):
            v = x[j]
            out[0, j] = mt.sqrt(v)
            out[1, j] = mt.sqrt_f32(v)
            out[2, j] = mt.sqrt_f16(v)
            out[3, j] = mt.sin(v)
            out[4, j] = mt.sin_f32(v)
            out[5, j] = mt.sin_f16(v)
            out[6, j] = mt.cos(v)
            out[7, j] = mt.cos_f32(v)
            out[8, j] = mt.cos_f16(v)
            out[9, j] = mt.exp(v)
            out[10, j] = mt.exp_f32(v)
            out[11, j] = mt.exp_f16(v)
            out[12, j] = mt.log(v)
            out[13, j] = mt.log_f32(v)
            out[14, j] = mt.log_f16(v)
            out[15, j] = mt.inv(v)
            out[16, j] = mt.inv_f32(v)
            out[17, j] = mt.inv_f16(v)
            out[18, j] = mt.invsqrt(v)
            out[19, j] = mt.invsqrt_f32(v)
            out[20, j] = mt.invsqrt_f16(v)
            out[21, j] = mt.pow(v, x[0])
            out[22, j] = mt.pow_f32(v, 0.5)
            out[23, j] = mt.pow_f16(v, 3.0)
            out[24, j] = mt.tanh(v)
            out[25, j] = mt.tanh_f32(v)
            out[26, j] = mt.tanh_f16(v)
            out[27, j] = mt.ceil(v) + mt.ceil_f32(v) * 2.0 + mt.ceil_f16(v) * 4.0
            out[28, j] = mt.floor(v) + mt.floor_f32(v) * 2.0 + mt.floor_f16(v) * 4.0
            out[29, j] = mt.fscale(v, 3) + mt.fscale_f32(v, -2) + mt.fscale_f16(v, 1)
            out[30, j] = mt.sig(v)
            out[31, j] = mt.sig_f32(v) + mt.sig_f16(v)
            out[32, j] = mt.abs(v) + mt.abs_f32(v) + mt.abs_f16(v)
            out[33, j] = mt.max(v, 1.0) + mt.max_f32(v, 0.5) + mt.max_f16(v, 0.25)
            out[34, j] = mt.min(v, 1.0) + mt.min_f32(v, 0.5) + mt.min_f16(v, 0.25)
            out[35, j] = mt.sign(v) + mt.sign_f32(v) + mt.sign_f16(v)
            out[36, j] = 1.0 if mt.isNaN(v) else 0.0
            out[37, j] = 1.0 if mt.isNaN_f32(v) or mt.isNaN_f16(v) else 0.0
            out[38, j] = 1.0 if mt.isInf(v) else 0.0
            out[39, j] = 1.0 if mt.isInf_f32(v) or mt.isInf_f16(v) else 0.0
            out[40, j] = 1.0 if mt.isFinite(v) else 0.0
            out[41, j] = 1.0 if mt.isFinite_f32(v) and mt.isFinite_f16(v) else 0.0
            out[42, j] = 1.0 if mt.isSignaling(v) or mt.isSignaling_f32(v) or \
                mt.isSignaling_f16(v) else 0.0
            out[43, j] = 1.0 if mt.signbit(v) or mt.signbit_f32(v) or mt.signbit_f16(v) \
                else 0.0
            out[44, j] = mt.POSITIVE_INF(pw.f32) + mt.POSITIVE_INF_f32 + mt.POSITIVE_INF_f16
            out[45, j] = mt.NEGATIVE_INF(pw.f16) + mt.NEGATIVE_INF_f32 + mt.NEGATIVE_INF_f16
            out[46, j] = mt.NaN(pw.f32) + mt.NaN_f32 + mt.NaN_f16
            out[47, j] = v * mt.PI + mt.E
        ints[0] = mt.abs(i[0])
        ints[1] = mt.max(i[0], i[1])
        ints[2] = mt.min(i[0], i[1])
        ints[3] = mt.sign(i[0])
        ints[4] = mt.sign(i[1])
        ints[5] = mt.abs(i[1])


def expected() -> np.ndarray:
    """What the task must store: the same functions called as plain Python here."""
    xs = np.array([2.0, -0.75, 0.0, 100.5, np.inf, np.nan], np.float32)
    rows = []
    for v in xs:
        c = [m.sqrt(v), m.sqrt_f32(v), m.sqrt_f16(v), m.sin(v), m.sin_f32(v), m.sin_f16(v),
             m.cos(v), m.cos_f32(v), m.cos_f16(v), m.exp(v), m.exp_f32(v), m.exp_f16(v),
             m.log(v), m.log_f32(v), m.log_f16(v), m.inv(v), m.inv_f32(v), m.inv_f16(v),
             m.invsqrt(v), m.invsqrt_f32(v), m.invsqrt_f16(v), m.pow(v, xs[0]),
             m.pow_f32(v, 0.5), m.pow_f16(v, 3.0), m.tanh(v), m.tanh_f32(v), m.tanh_f16(v)]
        rows.append(c)
    return np.array(rows, np.float32).T


def test_every_function_runs_in_a_task_body_with_the_same_bits(jit):
    h = Harness(every_function, jit=jit)
    h.run_until_idle()
    out = h.peek("out")
    want = expected()
    assert np.array_equal(out[:27].view(np.uint32), want.view(np.uint32))
    with np.errstate(all="ignore"):
        xs = np.array([2.0, -0.75, 0.0, 100.5, np.inf, np.nan], np.float32)
        assert np.array_equal(out[0], np.sqrt(xs), equal_nan=True)
        assert np.array_equal(out[27], np.ceil(xs) * 7, equal_nan=True)
        assert np.array_equal(out[28], np.floor(xs) * 7, equal_nan=True)
        assert np.array_equal(out[29], xs * np.float32(10.25), equal_nan=True)
    assert list(out[36]) == [0, 0, 0, 0, 0, 1] == list(out[37])
    assert list(out[38]) == [0, 0, 0, 0, 1, 0] == list(out[39])
    assert list(out[40]) == [1, 1, 1, 1, 0, 0] == list(out[41])
    assert list(out[42]) == [0] * 6 and list(out[43]) == [0, 1, 0, 0, 0, 0]
    assert (out[44] == np.inf).all() and (out[45] == -np.inf).all() and np.isnan(out[46]).all()
    assert list(h.peek("ints")) == [7, 3, -7, -1, 1, 3]


@pw.program
def f16_generic(p):
    mt = p.import_module("<math>")
    h = p.var("h", pw.f16, 3, init=[2.0, 0.5, -1.0])
    out = p.var("out", pw.f16, 3, export=True)

    @p.on_start
    @p.local_task(10)
    def go():
        for j in range(3):
            out[j] = mt.sqrt(h[j])


def test_generic_functions_keep_f16_in_plain_python():
    hx = Harness(f16_generic, jit=False)
    hx.run_until_idle()
    with np.errstate(invalid="ignore"):
        want = np.sqrt(np.array([2.0, 0.5, -1.0], np.float16))
    assert np.array_equal(hx.peek("out"), want, equal_nan=True)


def compile_one(program):
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, program)
    return pw.compile(layout, arch="wse3", memcpy=False)


@pw.program
def wrong_types(p):
    mt = p.import_module("<math>")
    i = p.var("i", pw.i16, 1)
    x = p.var("x", pw.f32, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        x[0] = mt.sqrt_f32(i[0])
        x[0] = mt.sqrt(2.0)
        x[0] = mt.NaN(x[0])
        x[0] = mt.fscale(x[0], 1.5)
        x[0] = mt.ceil(i[0])
        x[0] = mt.max(x[0], i[0])
        x[0] = mt.pow_f32(x[0])


def test_wrong_arguments_are_refused_at_compile_time_at_their_line():
    with pytest.raises(pw.TaskError) as err:
        compile_one(wrong_types)
    text = str(err.value)
    assert "7 mistakes" in text
    assert "<math>.sqrt_f32 takes a float (f16 or f32, or an untyped number) as argument 1, " \
           "got an i16 value" in text
    assert "<math>.sqrt takes an f16 or f32 value (it is run time only: an untyped number " \
           "has no type; convert it, pw.f32(2.0), or call the _f32 twin) as argument 1, got " \
           "an untyped number" in text
    assert "<math>.NaN takes a float type known at comptime (pw.f16 or pw.f32), not a value " \
           "as argument 1, got an f32 value" in text
    assert "<math>.fscale takes an integer as argument 2, got an untyped number" in text
    assert "<math>.ceil takes a float (f16 or f32, or a float literal) as argument 1, got an " \
           "i16 value" in text
    assert "<math>.max takes values of one type, got an f32 value and an i16 value" in text
    assert "<math>.pow_f32 takes 2 argument(s), got 1" in text
    assert text.count("test_lib_math.py") >= 1 and err.value.line is not None
