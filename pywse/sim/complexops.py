"""Complex arithmetic of the `<complex>` library (pywse/lib/complex.py), same bits both modes.

A complex value is a named tuple `(real, imag)`: `Complex64` (CSL's `complex_64`, two f32)
or `Complex32` (`complex_32`, two f16 held widened to f32, as pywse shows f16 values in task
bodies). The generic functions keep their operands' type, as CSL's do: plain Python picks by
class, compiled code by the named tuple's numba type (an `overload`), so the f16 rounding of a
`complex_32` result happens in both modes. Each operation is rounded to the field type:
products first, then the sum (no fused multiply-add).
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba.core import types as nbtypes
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from .mathops import to_f16

Complex64 = namedtuple("Complex64", ["real", "imag"])
Complex32 = namedtuple("Complex32", ["real", "imag"])


@register_jitable
def make64(r, i):
    return Complex64(np.float32(r), np.float32(i))


@register_jitable
def make32(r, i):
    return Complex32(to_f16(r), to_f16(i))


@register_jitable
def add64(x, y):
    return Complex64(np.float32(x.real) + np.float32(y.real),
                     np.float32(x.imag) + np.float32(y.imag))


@register_jitable
def sub64(x, y):
    return Complex64(np.float32(x.real) - np.float32(y.real),
                     np.float32(x.imag) - np.float32(y.imag))


@register_jitable
def mul64(x, y):
    xr, xi = np.float32(x.real), np.float32(x.imag)
    yr, yi = np.float32(y.real), np.float32(y.imag)
    return Complex64(np.float32(xr * yr) - np.float32(xi * yi),
                     np.float32(xr * yi) + np.float32(xi * yr))


@register_jitable
def add32(x, y):
    return Complex32(to_f16(np.float32(x.real) + np.float32(y.real)),
                     to_f16(np.float32(x.imag) + np.float32(y.imag)))


@register_jitable
def sub32(x, y):
    return Complex32(to_f16(np.float32(x.real) - np.float32(y.real)),
                     to_f16(np.float32(x.imag) - np.float32(y.imag)))


@register_jitable
def mul32(x, y):
    xr, xi = np.float32(x.real), np.float32(x.imag)
    yr, yi = np.float32(y.real), np.float32(y.imag)
    return Complex32(to_f16(to_f16(xr * yr) - to_f16(xi * yi)),
                     to_f16(to_f16(xr * yi) + to_f16(xi * yr)))


def _pick(f32_fn, f16_fn):
    """A generic function over both complex types: by class in Python, by type in numba."""
    def generic(x, y):
        if type(x) is not type(y) or not isinstance(x, (Complex32, Complex64)):
            raise TypeError("<complex>: both operands must be complex values of one type "
                            "(complex_32 or complex_64)")
        return f16_fn(x, y) if isinstance(x, Complex32) else f32_fn(x, y)

    @overload(generic)
    def _ol(x, y):
        for cls, fn in ((Complex32, f16_fn), (Complex64, f32_fn)):
            if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is cls and \
                    isinstance(y, nbtypes.BaseNamedTuple) and y.instance_class is cls:
                return lambda x, y: fn(x, y)
        raise TypingError("<complex>: both operands must be complex values of one type "
                          "(complex_32 or complex_64)")
    return generic


add = _pick(add64, add32)
subtract = _pick(sub64, sub32)
multiply = _pick(mul64, mul32)


def make(r, i):
    """CSL's generic `get_complex`: task bodies hold f16 values as f32, so an untyped pair
    cannot say which it is; pywse makes a complex_64 (get_complex_32 makes the other)."""
    return make64(r, i)


make = register_jitable(make)
