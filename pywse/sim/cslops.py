"""CSL scalar arithmetic for task bodies, identical interpreted and compiled; f16 bit casts.

The task compiler rewrites every arithmetic operator in a task body into one of these
functions (`a + b` -> `add(a, b)`). The rule is numpy 2's (NEP 50), which is CSL's: a Python
int or float is *weak* and takes the other operand's type, so `f32 * 0.1` stays f32 (0.1 is
rounded to f32 first) and `i16 + 1` wraps at 16 bits; two typed values promote as numpy does.
Plain numba instead promotes `float32 * 0.1` to float64 and `int16 + int16` to int64.

In compiled code the weak types are numba's int64 and float64 (literals, `range()` counters,
Python-number params). Integer results of typed operands wrap at their width; integer
division by zero raises ZeroDivisionError; float division by zero gives the IEEE result.

numba has no float16, so f16 data is handled as uint16 bit patterns with the two exact
conversions at the end of this module.
"""
from __future__ import annotations

import operator

import numpy as np
from numba.core import types as nbtypes
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

_WEAK_INT = (nbtypes.int64, nbtypes.intp)


def _is_weak(t) -> bool:
    return isinstance(t, (nbtypes.IntegerLiteral, nbtypes.BooleanLiteral)) or t in _WEAK_INT \
        or t == nbtypes.float64 or t == nbtypes.boolean


def _numpy_stand_in(t):
    """What numpy's promotion should see for a numba type: a Python scalar when weak."""
    if isinstance(t, (nbtypes.IntegerLiteral, nbtypes.BooleanLiteral)):
        t = t.literal_type
    if t == nbtypes.boolean:
        return True
    if t in _WEAK_INT:
        return 1
    if t == nbtypes.float64:
        return 1.0
    if isinstance(t, (nbtypes.Integer, nbtypes.Float)):
        return np.dtype(str(t))
    raise TypingError(f"CSL arithmetic on {t} is not supported in task bodies")


def _result_dtype(a, b, op_name):
    sa, sb = _numpy_stand_in(a), _numpy_stand_in(b)
    if not isinstance(sa, np.dtype) and not isinstance(sb, np.dtype):
        return None                      # weak op weak: Python semantics (numba's own)
    if op_name == "truediv":
        probe = np.result_type(sa, sb)
        return np.dtype(np.float64) if probe.kind in "iub" else probe
    return np.result_type(sa, sb)


# -- the Python side: numpy scalars do exactly this already; silence their overflow warnings --

def _python_binary(fn, name):
    def op(a, b):
        if name in ("floordiv", "mod") and _is_int(a) and _is_int(b) and b == 0:
            raise ZeroDivisionError("integer division by zero")
        if name == "pow" and _is_int(a) and _is_int(b) and b < 0:
            raise ValueError("integers to negative integer powers are not allowed")
        with np.errstate(all="ignore"):
            return fn(a, b)
    op.__name__ = name
    op.__qualname__ = name
    op.__doc__ = f"CSL-typed `{name}` (numpy 2 weak-scalar promotion, wrap-around)."
    return op


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer, bool, np.bool_))


# -- the numba side --------------------------------------------------------------------------

def _register_binary(py_fn, fn, name):
    @overload(py_fn)
    def _ol(a, b):
        impl = _compiled(a, b)
        dt = _result_dtype(a, b, name)
        weak_a, weak_b = _is_weak_int(a), _is_weak_int(b)
        if dt is None or dt.kind not in "iu" or not (weak_a or weak_b):
            return impl
        impl = register_jitable(impl)
        lo, hi = int(np.iinfo(dt).min), int(np.iinfo(dt).max)
        message = f"Python integer out of bounds for {dt.name}"

        def checked(a, b):
            # a Python int that does not fit the typed operand raises, as numpy 2 does
            if (weak_a and (a < lo or a > hi)) or (weak_b and (b < lo or b > hi)):
                raise OverflowError(message)
            return impl(a, b)
        return checked

    def _compiled(a, b):
        dt = _result_dtype(a, b, name)
        if dt is None:
            return lambda a, b: fn(a, b)
        cast = dt.type
        if dt.kind == "f":
            if name in ("truediv", "floordiv", "mod"):
                is_mod = name == "mod"

                def fdiv(a, b):
                    # IEEE results for a zero divisor, as numpy gives (numba would raise)
                    x, y = cast(a), cast(b)
                    if y == 0:
                        if is_mod or x != x or x == 0:
                            return cast(np.nan)
                        negative = (x < 0) != (np.copysign(1.0, y) < 0)
                        return cast(-np.inf) if negative else cast(np.inf)
                    return cast(fn(x, y))
                return fdiv
            return lambda a, b: cast(fn(cast(a), cast(b)))
        if dt.kind == "b":
            return lambda a, b: fn(a, b)
        bits = dt.itemsize * 8
        signed = dt.kind == "i"
        if name in ("floordiv", "mod"):
            def idiv(a, b):
                x, y = np.int64(cast(a)), np.int64(cast(b))
                if y == 0:
                    raise ZeroDivisionError("integer division by zero")
                return cast(fn(x, y))
            return idiv
        if name in ("lshift", "rshift"):
            def shift(a, b):
                x, n = np.int64(cast(a)), np.int64(b)
                if n >= bits or n < 0:
                    return cast(0) if (name == "lshift" or not signed or x >= 0) else cast(-1)
                return cast(fn(x, n))
            return shift
        if name == "pow":
            def ipow(a, b):
                x, n = np.int64(cast(a)), np.int64(b)
                if n < 0:
                    raise ValueError("integers to negative integer powers are not allowed")
                r = np.int64(1)
                for _ in range(n):
                    r = r * x
                return cast(r)
            return ipow
        return lambda a, b: cast(fn(np.int64(cast(a)), np.int64(cast(b))))
    return py_fn


def _is_weak_int(t) -> bool:
    return isinstance(t, nbtypes.IntegerLiteral) or t in _WEAK_INT


_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
           "truediv": operator.truediv, "floordiv": operator.floordiv, "mod": operator.mod,
           "pow": operator.pow, "lshift": operator.lshift, "rshift": operator.rshift,
           "and_": operator.and_, "or_": operator.or_, "xor": operator.xor}

for _name, _fn in _BINARY.items():
    globals()[_name] = _register_binary(_python_binary(_fn, _name), _fn, _name)


def neg(a):
    """CSL-typed unary minus (wraps for unsigned and at the type's width)."""
    with np.errstate(all="ignore"):
        return -a


def invert(a):
    """CSL-typed bitwise not."""
    return ~a


def _register_unary(py_fn, fn):
    @overload(py_fn)
    def _ol(a):
        if _is_weak(a) or isinstance(a, nbtypes.Float):
            return lambda a: fn(a)
        cast = np.dtype(str(a)).type
        return lambda a: cast(fn(np.int64(a)))
    return py_fn


neg = _register_unary(neg, operator.neg)
invert = _register_unary(invert, operator.invert)


def to_int(x):
    """Python's `int(x)`: an untyped integer in both modes (numba's int() of an i32 stays an
    i32, which would then promote differently)."""
    return int(x)


@overload(to_int)
def _ol_to_int(x):
    return lambda x: np.int64(x)


def store_cast(arr, value):
    """`value` converted to `arr`'s element type the way compiled code stores it: integers
    wrap at the element width (a C cast), as numba's store does."""
    if isinstance(arr, np.ndarray) and arr.dtype.kind in "iu":
        with np.errstate(all="ignore"):
            return np.array(value).astype(arr.dtype)[()]
    return value


@overload(store_cast)
def _ol_store_cast(arr, value):
    return lambda arr, value: value   # numba's own store already casts this way


# -- f16 as bit patterns ------------------------------------------------------------------------

@register_jitable
def f16_bits_to_f32(bits):
    """The float32 value of IEEE binary16 bits (exact; NaNs stay NaN with their payload)."""
    h = np.int64(bits) & 0xFFFF
    sign = -1.0 if h & 0x8000 else 1.0
    exp = (h >> 10) & 0x1F
    frac = h & 0x3FF
    if exp == 0:
        return np.float32(sign * frac * 2.0 ** -24)
    if exp == 31:
        if frac == 0:
            return np.float32(sign * np.inf)
        return _f32_from_bits(np.uint32(((h & 0x8000) << 16) | 0x7F800000 | (frac << 13)))
    return np.float32(sign * (1024 + frac) * 2.0 ** (exp - 25))


@register_jitable
def _f32_from_bits(u):
    return np.array([u], np.uint32).view(np.float32)[0]


@register_jitable
def _f32_to_bits(x):
    return np.int64(np.array([np.float32(x)], np.float32).view(np.uint32)[0])


@register_jitable
def f32_to_f16_bits(x):
    """IEEE binary16 bits of float32 `x`, rounded to nearest even (as numpy's astype)."""
    u = _f32_to_bits(x)
    sign = (u >> 16) & 0x8000
    exp = (u >> 23) & 0xFF
    mant = u & 0x7FFFFF
    if exp == 0xFF:
        if mant == 0:
            return np.uint16(sign | 0x7C00)
        r = 0x7C00 + (mant >> 13)        # NaN: keep the payload's top bits, as numpy does
        return np.uint16(sign | (r + 1 if r == 0x7C00 else r))
    e = exp - 127 + 15
    if e >= 31:
        return np.uint16(sign | 0x7C00)
    if e <= 0:
        if e < -10:
            return np.uint16(sign)
        m = mant | 0x800000
        shift = 14 - e
        half = np.int64(1) << (shift - 1)
        r = m >> shift
        rem = m & ((np.int64(1) << shift) - 1)
        if rem > half or (rem == half and (r & 1)):
            r += 1
        return np.uint16(sign | r)
    r = (e << 10) | (mant >> 13)
    rem = mant & 0x1FFF
    if rem > 0x1000 or (rem == 0x1000 and (r & 1)):
        r += 1
    return np.uint16(sign | r)
