"""Scalar math of the `<math>` library (pywse/lib/math.py), bit-identical in both modes.

The library's functions are helpers of the task bodies that call them (lowered like the
user's); they call these kernels, which run as plain Python (`jit=False`) and inline into
compiled tasks, so each result must come out the same bits either way. The rule:

* f32 functions evaluate the C library's double-precision function (libm, the one CPython's
  `math` and numba's compiled code both call) on the exactly widened argument and round the
  result to f32, round-to-nearest-even. numpy's own f32 `sin`, `exp`, ... are never used:
  they are SIMD approximations that differ from the compiled code's. `sqrt`, `inv`,
  `fscale`, `ceil`, `floor` are so correctly rounded; the rest are within one f32 ulp of the
  exact value (libm's double result is within 1 double ulp, then rounded once).
* f16 functions compute the f32 function on the (exactly) widened f16 value and round that
  to f16. pywse shows f16 values in task bodies widened to f32 (numba has no float16), so an
  `_f16` function returns an f32 holding an f16 value.
* Where CPython's `math` raises (sqrt(-1), log(0), exp(1000), sin(inf), pow(-8, 1/3)...),
  the IEEE value C returns is returned instead, as compiled code does.
"""
from __future__ import annotations

import math

import numpy as np
from numba.core import types as nbtypes
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from .cslops import _f32_to_bits, f16_bits_to_f32, f32_to_f16_bits

NAN = float("nan")
INF = float("inf")


# -- libm in double precision: CPython raises where C returns an IEEE value -------------------

def _libm(name: str, fallback):
    """`math.<name>` for Python (with `fallback(*args)` when CPython raises) and compiled
    code (libm itself)."""
    fn = getattr(math, name)

    def py(*args):
        try:
            return fn(*args)
        except (ValueError, OverflowError):
            return fallback(*args)
    py.__name__ = py.__qualname__ = f"libm_{name}"
    overload(py)(_COMPILED[name])
    return py


_COMPILED = {   # numba typers: compiled code calls libm directly
    "sqrt": lambda x: lambda x: math.sqrt(x), "sin": lambda x: lambda x: math.sin(x),
    "cos": lambda x: lambda x: math.cos(x), "tanh": lambda x: lambda x: math.tanh(x),
    "exp": lambda x: lambda x: math.exp(x), "log": lambda x: lambda x: math.log(x),
    "pow": lambda x, y: lambda x, y: math.pow(x, y)}


def _odd_integer(y: float) -> bool:
    return math.isfinite(y) and y == math.floor(y) and math.fmod(y, 2.0) != 0.0


def _pow_fallback(x: float, y: float) -> float:
    if x == 0.0:                           # pole: 0 ** negative
        return math.copysign(INF, x) if _odd_integer(y) else INF
    if x < 0.0 and math.isfinite(y) and y != math.floor(y):
        return NAN                         # negative base, fractional exponent
    return -INF if x < 0.0 and _odd_integer(y) else INF   # overflow


sqrt64 = _libm("sqrt", lambda x: NAN)
sin64 = _libm("sin", lambda x: NAN)
cos64 = _libm("cos", lambda x: NAN)
tanh64 = _libm("tanh", lambda x: NAN)
exp64 = _libm("exp", lambda x: INF)
log64 = _libm("log", lambda x: -INF if x == 0.0 else NAN)
pow64 = _libm("pow", _pow_fallback)


# -- f32 and f16 kernels (plain Python, compiled where a task calls them) ----------------------

@register_jitable
def to_f16(x):
    """`x` rounded to f16 (nearest even), as the f32 that holds it exactly."""
    return f16_bits_to_f32(f32_to_f16_bits(np.float32(x)))


@register_jitable
def f32_bits(x):
    return _f32_to_bits(np.float32(x))


_F32_HALFWAY = 2.0 ** 128 - 2.0 ** 103   # from here up a double rounds to f32 infinity


@register_jitable
def round_f32(r):
    """Double `r` rounded to f32 (nearest even); a NaN becomes the quiet NaN 0x7FC00000 (the
    NaN libm returns differs in sign between CPython's fallback and compiled code)."""
    if r != r:
        return np.float32(NAN)
    if r >= _F32_HALFWAY:
        return np.float32(INF)
    if r <= -_F32_HALFWAY:
        return np.float32(-INF)
    return np.float32(r)


@register_jitable
def wide(x):
    """An f32 (or f16, or number) argument widened exactly to double."""
    return np.float64(np.float32(x))


@register_jitable
def sqrt_f32(x):
    return round_f32(sqrt64(wide(x)))


@register_jitable
def sin_f32(x):
    return round_f32(sin64(wide(x)))


@register_jitable
def cos_f32(x):
    return round_f32(cos64(wide(x)))


@register_jitable
def tanh_f32(x):
    return round_f32(tanh64(wide(x)))


@register_jitable
def exp_f32(x):
    return round_f32(exp64(wide(x)))


@register_jitable
def log_f32(x):
    return round_f32(log64(wide(x)))


@register_jitable
def pow_f32(x, y):
    return round_f32(pow64(wide(x), wide(y)))


@register_jitable
def inv_f32(x):
    v = wide(x)
    if v == 0.0:
        return np.float32(math.copysign(INF, v))
    return round_f32(1.0 / v)


@register_jitable
def invsqrt_f32(x):
    r = sqrt64(wide(x))
    if r == 0.0:
        return np.float32(math.copysign(INF, r))
    return round_f32(1.0 / r)


@register_jitable
def ceil_f32(x):
    v = wide(x)
    if not math.isfinite(v):
        return np.float32(x)
    return np.float32(math.copysign(float(math.ceil(v)), v))


@register_jitable
def floor_f32(x):
    v = wide(x)
    if not math.isfinite(v):
        return np.float32(x)
    return np.float32(math.copysign(float(math.floor(v)), v))


@register_jitable
def fscale_f32(x, s):
    """x * 2**s, rounded once (the product is exact in double for |s| <= 400, and beyond
    that an f32 result is 0 or inf anyway)."""
    k = max(-400, min(400, np.int64(s)))
    return round_f32(wide(x) * 2.0 ** k)


@register_jitable
def is_nan(x):
    return x != x


@register_jitable
def is_inf(x):
    return x == INF or x == -INF


@register_jitable
def is_finite(x):
    return not (x != x or x == INF or x == -INF)


@register_jitable
def is_signaling(x):
    """A NaN whose quiet bit (the mantissa's top bit) is clear."""
    b = f32_bits(x)
    return (b & 0x7F800000) == 0x7F800000 and (b & 0x7FFFFF) != 0 and (b & 0x400000) == 0


@register_jitable
def signbit(x):
    return (f32_bits(x) >> 31) == 1


@register_jitable
def sig_f32(x):
    """The significand s of x = s * 2**e with 1 <= |s| < 2 (libm's `significand`); 0, inf
    and NaN are returned as they are."""
    v = np.float32(x)
    if v == 0 or v != v or v == INF or v == -INF:
        return v
    b = f32_bits(v)
    e = (b >> 23) & 0xFF
    if e == 0:                        # subnormal: normalise in double (exact)
        m, _ = math.frexp(np.float64(v))
        return np.float32(m * 2.0)
    return _f32_from_fields((b & 0x807FFFFF) | (127 << 23))


@register_jitable
def _f32_from_fields(bits):
    return np.array([np.uint32(bits)], np.uint32).view(np.float32)[0]


@register_jitable
def abs_float(x):
    return np.float32(math.fabs(np.float64(np.float32(x))))


@register_jitable
def max_float(x, y):
    """The larger; a NaN loses to a number (as pw.fmaxs)."""
    return x if x >= y or y != y else y


@register_jitable
def min_float(x, y):
    return x if x <= y or y != y else y


@register_jitable
def sign_float(x):
    """1 or -1 by the sign of x; zeros and NaN are returned as they are."""
    v = np.float32(x)
    if v > 0:
        return np.float32(1.0)
    if v < 0:
        return np.float32(-1.0)
    return v


# -- generic (CSL `anytype`) dispatch: by the argument's type -------------------------------

def _is_f16(x) -> bool:
    return isinstance(x, np.float16)


def _is_float(x) -> bool:
    return isinstance(x, (float, np.floating))


def generic_float(f32_fn, weak_fn=None):
    """A generic float function: f32 -> f32, f16 -> f16 (plain Python only: compiled tasks
    never hold an f16), an untyped number -> `weak_fn` in double precision (comptime-style),
    else the f32 function."""
    def py(x):
        if _is_f16(x):
            return np.float16(to_f16(f32_fn(x)))
        if weak_fn is not None and type(x) is float:
            return weak_fn(x)
        return f32_fn(x)

    @overload(py)
    def _ol(x):
        if weak_fn is not None and x == nbtypes.float64:
            return lambda x: weak_fn(x)
        if isinstance(x, (nbtypes.Float, nbtypes.Integer, nbtypes.IntegerLiteral)):
            return lambda x: f32_fn(x)
        raise TypingError(f"<math>: a float function takes a float, not {x}")
    return py


@register_jitable
def _ceil64(x):
    return math.copysign(float(math.ceil(x)), x) if math.isfinite(x) else x


@register_jitable
def _floor64(x):
    return math.copysign(float(math.floor(x)), x) if math.isfinite(x) else x


sqrt = generic_float(sqrt_f32)
sin = generic_float(sin_f32)
cos = generic_float(cos_f32)
tanh = generic_float(tanh_f32, tanh64)
exp = generic_float(exp_f32)
log = generic_float(log_f32)
inv = generic_float(inv_f32)
invsqrt = generic_float(invsqrt_f32)
ceil = generic_float(ceil_f32, _ceil64)
floor = generic_float(floor_f32, _floor64)
sig = generic_float(sig_f32)


def pow(x, y):  # noqa: A001  (CSL's name)
    """Generic pow: both operands of one float type (f16 in plain Python only)."""
    if _is_f16(x) or _is_f16(y):
        return np.float16(to_f16(pow_f32(x, y)))
    return pow_f32(x, y)


@overload(pow)
def _ol_pow(x, y):
    return lambda x, y: pow_f32(x, y)


def fscale(x, s):
    """Generic fscale: x * 2**s in x's float type."""
    if _is_f16(x):
        return np.float16(to_f16(fscale_f32(x, s)))
    return fscale_f32(x, s)


@overload(fscale)
def _ol_fscale(x, s):
    return lambda x, s: fscale_f32(x, s)


# -- generic numeric: abs, max, min, sign on ints and floats ---------------------------------

def abs_(x):
    """|x| in x's type; integers wrap as CSL's do (abs of the most negative i16 is itself)."""
    if _is_float(x):
        r = abs_float(x)
        return np.float16(r) if _is_f16(x) else (float(r) if type(x) is float else r)
    with np.errstate(all="ignore"):
        return -x if x < 0 else x


@overload(abs_)
def _ol_abs(x):
    if isinstance(x, nbtypes.Float) and x.bitwidth == 32:
        return lambda x: abs_float(x)
    if isinstance(x, nbtypes.Float):
        return lambda x: math.fabs(x)
    if isinstance(x, (nbtypes.Integer, nbtypes.IntegerLiteral)):
        cast = np.dtype(str(x.literal_type if isinstance(x, nbtypes.IntegerLiteral) else x))
        t = cast.type
        return lambda x: t(-np.int64(x)) if x < 0 else x
    raise TypingError(f"<math>.abs takes a number, not {x}")


def _pair(x, y):
    """x and y in their common CSL type (an untyped number takes the typed one's)."""
    if isinstance(x, np.generic) or isinstance(y, np.generic):
        t = np.result_type(x, y).type
        return t(x), t(y)
    return x, y


def max_(x, y):
    x, y = _pair(x, y)
    return max_float(x, y) if _is_float(x) else (x if x >= y else y)


def min_(x, y):
    x, y = _pair(x, y)
    return min_float(x, y) if _is_float(x) else (x if x <= y else y)


def _ol_pair(pick_float, pick_int):
    def typer(x, y):
        from .cslops import _result_dtype
        dt = _result_dtype(x, y, "add")
        if dt is None:
            return lambda x, y: pick_int(x, y)
        t = dt.type
        if dt.kind == "f":
            return lambda x, y: pick_float(t(x), t(y))
        return lambda x, y: pick_int(t(x), t(y))
    return typer


overload(max_)(_ol_pair(max_float, register_jitable(lambda x, y: x if x >= y else y)))
overload(min_)(_ol_pair(min_float, register_jitable(lambda x, y: x if x <= y else y)))


def sign(x):
    """-1, 0 or 1 in x's type (floats: zeros and NaN as they are)."""
    if _is_float(x):
        r = sign_float(x)
        return np.float16(r) if _is_f16(x) else (float(r) if type(x) is float else r)
    t = type(x) if isinstance(x, np.generic) else int
    return t(1) if x > 0 else t(-1) if x < 0 else t(0)


@overload(sign)
def _ol_sign(x):
    if isinstance(x, nbtypes.Float) and x.bitwidth == 32:
        return lambda x: sign_float(x)
    if isinstance(x, nbtypes.Float):
        return lambda x: np.float64(sign_float(x)) if x == x else x
    t = np.dtype(str(x.literal_type if isinstance(x, nbtypes.IntegerLiteral) else x)).type
    return lambda x: t(1) if x > 0 else (t(-1) if x < 0 else t(0))


# -- constants of a float type ----------------------------------------------------------------

def special(T, value: float):
    """`value` (inf, -inf or NaN) of float type T; f16 as the f32 that holds it."""
    return np.float32(value)


@overload(special)
def _ol_special(T, value):
    return lambda T, value: np.float32(value)
