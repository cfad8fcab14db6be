"""`<complex>`: complex numbers as (real, imag) pairs (CSL-LIBRARIES §1.15).

    cx = p.import_module("<complex>")          # or: from pywse.lib import complex as cx
    ...
    a = cx.get_complex_64(re[i], im[i])        # in a task body
    b = cx.multiply_complex(a, cx.get_complex_64(0.0, 1.0))
    re[i] = b.real
    im[i] = b.imag

How pywse represents them: CSL's `complex(T)` is `struct {real: T, imag: T}`; pywse's is a
named tuple with fields `real` and `imag` (`Complex64` for `complex(f32)` = `complex_64`,
`Complex32` for `complex(f16)` = `complex_32`), which numba compiles into a pair of scalars
and the task-body checker accepts as a value of a helper. A complex value lives in a task's
local variables: PE memory holds numbers, so store `.real` and `.imag` in arrays (CSL programs
do the same when they stream complex data). Fields are read, not assigned (`c.real = x` is
refused: build a new value with `get_complex`).

Arithmetic is CSL's on the field type, each operation rounded as pywse rounds that type:
`add_complex` (x.real + y.real, x.imag + y.imag), `subtract_complex`, `multiply_complex`
((xr*yr - xi*yi), (xr*yi + xi*yr): each product rounded, then the sum). `complex_32` values
hold f16 numbers widened to f32, as pywse shows f16 values in task bodies (`<math>`'s `_f16`
functions do the same); each of their results is rounded to f16. Which operation order the
SDK's library uses is not published; this is pywse's (the textbook formula, no fused
multiply-add).
"""
from __future__ import annotations

import numpy as np

from ..dsl.modules import library
from ..errors import ProgramError
from ..sim import complexops as _c
from ..types import dtype_of

Complex64 = complex_64 = _c.Complex64
Complex32 = complex_32 = _c.Complex32


def complex(T):  # noqa: A001  (CSL's name)
    """The complex type over element type T (pw.f16 or pw.f32): CSL's `complex(T)`."""
    dt = dtype_of(T)
    if dt == np.float32:
        return Complex64
    if dt == np.float16:
        return Complex32
    raise ProgramError(f"<complex>.complex(T): T must be pw.f16 or pw.f32, got {dt}")


def get_complex(r, i):
    """CSL's generic constructor; pywse's task bodies hold f16 values as f32, so it makes a
    complex_64 (call get_complex_32 for a complex_32)."""
    return _c.make(r, i)


def get_complex_64(r, i):
    """A complex_64 from two f32 values."""
    return _c.make64(r, i)


def get_complex_32(r, i):
    """A complex_32 from two f16 values (rounded to f16, held as f32)."""
    return _c.make32(r, i)


def add_complex(x, y):
    """x + y in their type (both complex_32 or both complex_64)."""
    return _c.add(x, y)


def subtract_complex(x, y):
    """x - y in their type."""
    return _c.subtract(x, y)


def multiply_complex(x, y):
    """x * y in their type: (xr*yr - xi*yi, xr*yi + xi*yr), products rounded first."""
    return _c.multiply(x, y)


def add_complex_64(x, y):
    return _c.add64(x, y)


def subtract_complex_64(x, y):
    return _c.sub64(x, y)


def multiply_complex_64(x, y):
    return _c.mul64(x, y)


def add_complex_32(x, y):
    return _c.add32(x, y)


def subtract_complex_32(x, y):
    return _c.sub32(x, y)


def multiply_complex_32(x, y):
    return _c.mul32(x, y)


MEMBERS = dict(complex=complex, complex_32=complex_32, complex_64=complex_64,
               get_complex=get_complex, get_complex_32=get_complex_32,
               get_complex_64=get_complex_64, add_complex=add_complex,
               subtract_complex=subtract_complex, multiply_complex=multiply_complex,
               add_complex_32=add_complex_32, subtract_complex_32=subtract_complex_32,
               multiply_complex_32=multiply_complex_32, add_complex_64=add_complex_64,
               subtract_complex_64=subtract_complex_64,
               multiply_complex_64=multiply_complex_64)
"""What `<complex>` gives an importer."""


@library("<complex>")
def library(p) -> dict:
    """`p.import_module("<complex>")`: the complex types and functions (no state)."""
    return dict(MEMBERS)
