"""CSL scalar arithmetic: compiled (numba) and plain-Python results equal numpy 2's, bit for bit."""
import numba
import numpy as np
import pytest

from pywse.sim import cslops

RNG = np.random.default_rng(2024)
N = 2000
INT_TYPES = [np.int16, np.uint16, np.int32, np.uint32]
FLOAT_TYPES = [np.float32]


def samples(dtype, n=N, nonzero=False):
    if np.dtype(dtype).kind == "f":
        v = (RNG.standard_normal(n) * 10.0 ** RNG.integers(-3, 4, n)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        v = RNG.integers(info.min, info.max, n, endpoint=True).astype(dtype)
    if nonzero:
        v[v == 0] = 1
    return v


# One cached kernel per operand kind, the op chosen by its index: compiled once per dtype and
# then loaded from numba's disk cache (a kernel per op and dtype cost ~15 s on every run).
ANY_OPS = ["add", "sub", "mul", "truediv"]
INT_OPS = ["and_", "or_", "xor", "floordiv", "mod", "lshift", "rshift"]


@numba.njit(cache=True)
def _any_pairs(k, a, b, out):
    for i in range(a.shape[0]):
        if k == 0:
            out[i] = cslops.add(a[i], b[i])
        elif k == 1:
            out[i] = cslops.sub(a[i], b[i])
        elif k == 2:
            out[i] = cslops.mul(a[i], b[i])
        else:
            out[i] = cslops.truediv(a[i], b[i])


@numba.njit(cache=True)
def _int_pairs(k, a, b, out):
    for i in range(a.shape[0]):
        if k == 0:
            out[i] = cslops.and_(a[i], b[i])
        elif k == 1:
            out[i] = cslops.or_(a[i], b[i])
        elif k == 2:
            out[i] = cslops.xor(a[i], b[i])
        elif k == 3:
            out[i] = cslops.floordiv(a[i], b[i])
        elif k == 4:
            out[i] = cslops.mod(a[i], b[i])
        elif k == 5:
            out[i] = cslops.lshift(a[i], b[i])
        else:
            out[i] = cslops.rshift(a[i], b[i])


@numba.njit(cache=True)
def _with_float_literal(k, a, out):
    for i in range(a.shape[0]):
        if k == 0:
            out[i] = cslops.add(a[i], 1.7)
        elif k == 1:
            out[i] = cslops.sub(a[i], 1.7)
        elif k == 2:
            out[i] = cslops.mul(a[i], 1.7)
        else:
            out[i] = cslops.truediv(a[i], 1.7)


@numba.njit(cache=True)
def _with_int_literal(k, a, out):
    for i in range(a.shape[0]):
        if k == 0:
            out[i] = cslops.add(a[i], 12345)
        elif k == 1:
            out[i] = cslops.sub(a[i], 12345)
        elif k == 2:
            out[i] = cslops.mul(a[i], 12345)
        else:
            out[i] = cslops.truediv(a[i], 12345)


def compiled_pairs(name, a, b, out):
    """out[i] = cslops.<name>(a[i], b[i]), compiled."""
    if name in ANY_OPS:
        _any_pairs(ANY_OPS.index(name), a, b, out)
    else:
        _int_pairs(INT_OPS.index(name), a, b, out)


def compiled_with_literal(name, a, literal, out):
    """out[i] = cslops.<name>(a[i], literal) with a Python (weak) literal, compiled."""
    kernel = {1.7: _with_float_literal, 12345: _with_int_literal}[literal]
    kernel(ANY_OPS.index(name), a, out)


def expected(name, a, b):
    fn = getattr(cslops, name)           # the Python side: numpy scalars
    return np.array([fn(x, y) for x, y in zip(a, b)])


ARITH = ANY_OPS[:3]                 # add, sub, mul
INT_ONLY = INT_OPS[:5]              # the bitwise ops, floordiv and mod


@pytest.mark.parametrize("name, dtype", [
    (name, dtype) for dtype in INT_TYPES + FLOAT_TYPES
    for name in ARITH + ["truediv"] + (INT_ONLY if np.dtype(dtype).kind != "f" else [])])
def test_typed_pairs(name, dtype):
    a, b = samples(dtype), samples(dtype, nonzero=name in ("floordiv", "mod", "truediv"))
    exp = expected(name, a, b)
    assert exp.dtype == (np.float64 if name == "truediv" and np.dtype(dtype).kind != "f"
                         else np.dtype(dtype))
    out = np.zeros(N, exp.dtype)
    compiled_pairs(name, a, b, out)
    np.testing.assert_array_equal(out.view(f"u{out.itemsize}"), exp.view(f"u{exp.itemsize}"))


@pytest.mark.parametrize("dtype", INT_TYPES + FLOAT_TYPES)
@pytest.mark.parametrize("name", ARITH + ["truediv"])
def test_weak_literals_keep_the_typed_operands_type(name, dtype):
    a = samples(dtype)
    literal = 1.7 if np.dtype(dtype).kind == "f" else 12345
    exp = np.array([getattr(cslops, name)(x, literal) for x in a])
    if name != "truediv" or np.dtype(dtype).kind == "f":
        assert exp.dtype == np.dtype(dtype), "a Python literal must not widen the result"
    out = np.zeros(N, exp.dtype)
    compiled_with_literal(name, a, literal, out)
    np.testing.assert_array_equal(out.view(f"u{out.itemsize}"), exp.view(f"u{exp.itemsize}"))


@pytest.mark.parametrize("dtype", INT_TYPES)
@pytest.mark.parametrize("name", ["lshift", "rshift"])
def test_shifts_wrap_at_the_width(name, dtype):
    a = samples(dtype)
    b = RNG.integers(0, np.dtype(dtype).itemsize * 8, N).astype(dtype)
    exp = expected(name, a, b)
    out = np.zeros(N, exp.dtype)
    compiled_pairs(name, a, b, out)
    np.testing.assert_array_equal(out, exp)


def test_mixed_types_promote_like_numpy():
    a, b = samples(np.int16), samples(np.uint16)
    exp = expected("add", a, b)
    assert exp.dtype == np.int32
    out = np.zeros(N, np.int32)
    compiled_pairs("add", a, b, out)
    np.testing.assert_array_equal(out, exp)


@numba.njit(cache=True)
def _unary(a, neg_out, inv_out):
    for i in range(a.shape[0]):
        neg_out[i] = cslops.neg(a[i])
        inv_out[i] = cslops.invert(a[i])


@pytest.mark.parametrize("dtype", INT_TYPES)
def test_unary_minus_and_not_wrap(dtype):
    a = samples(dtype)
    with np.errstate(all="ignore"):
        neg, inv = -a, ~a
    neg_out, inv_out = np.zeros_like(a), np.zeros_like(a)
    _unary(a, neg_out, inv_out)
    np.testing.assert_array_equal(neg_out, neg)
    np.testing.assert_array_equal(inv_out, inv)


def test_integer_division_by_zero_raises_in_both_modes():
    with pytest.raises(ZeroDivisionError):
        cslops.floordiv(np.int16(3), np.int16(0))
    out = np.zeros(1, np.int16)
    with pytest.raises(ZeroDivisionError):
        compiled_pairs("floordiv", np.array([3], np.int16), np.array([0], np.int16), out)


@numba.njit(cache=True)
def _f16_round_trip(bits, f32_in, f32_out, f16_out):
    for i in range(bits.shape[0]):
        f32_out[i] = cslops.f16_bits_to_f32(bits[i])
    for i in range(f32_in.shape[0]):
        f16_out[i] = cslops.f32_to_f16_bits(f32_in[i])


def test_f16_conversions_are_exact_against_numpy():
    bits = np.arange(1 << 16, dtype=np.uint16)
    f32_in = np.concatenate([
        RNG.standard_normal(100_000).astype(np.float32) * np.float32(1e-3),
        RNG.standard_normal(100_000).astype(np.float32) * np.float32(7e4),
        (RNG.integers(0, 2**32, 100_000, dtype=np.uint64)).astype(np.uint32).view(np.float32)])
    f32_out = np.zeros(bits.size, np.float32)
    f16_out = np.zeros(f32_in.size, np.uint16)
    _f16_round_trip(bits, f32_in, f32_out, f16_out)
    np.testing.assert_array_equal(f32_out.view(np.uint32),
                                  bits.view(np.float16).astype(np.float32).view(np.uint32))
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(f16_out, f32_in.astype(np.float16).view(np.uint16))
