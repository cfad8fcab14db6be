"""`<math>`: CSL's math library (CSL-LIBRARIES §1.3), callable from task bodies.

    m = p.import_module("<math>")          # CSL: const m = @import_module("<math>");
    ...
    r = m.sqrt_f32(x * x + y * y)          # in a task body

or `from pywse.lib import math as m` (the same names, also usable at comptime). Every
function is a helper of the task that calls it, lowered like the user's own; the arithmetic
is done by pywse.sim.mathops, so a compiled run and a plain-Python run give the same bits.

Generic functions (CSL's `anytype`) keep their argument's type: f32 in, f32 out (f16 in, f16
out in plain Python; compiled task bodies hold f16 values widened to f32). `_f32` twins
round to f32, `_f16` twins to f16 and return that f16 value widened to f32 (how pywse shows
f16 values in task bodies). Accuracy (pywse's rule; the SDK publishes none): the C library's
double-precision result rounded once to f32 (round-to-nearest-even) — correctly rounded for
`sqrt`, `inv`, `fscale`, `ceil`, `floor`, `abs`, within one f32 ulp for `sin`, `cos`, `tanh`,
`exp`, `log`, `pow`, `invsqrt`; `_f16` functions round the f32 result to f16. A NaN result is
the quiet NaN 0x7FC00000. `sin`/`cos` stay accurate for |x| >= 16384*pi, where the SDK's are
documented to be wrong. `max`/`min` return the number when the other operand is a NaN.

A wrong argument is refused when the program is compiled: an integer to a float function,
an untyped number to a generic run-time function (`sqrt(2.0)`: which type?), a value where
`POSITIVE_INF(T)` wants a type.
"""
from __future__ import annotations

import math as _pymath

import numpy as np

from ..dsl.modules import library
from ..sim import mathops as _k
from .argrules import rule as _rule

# -- constants ----------------------------------------------------------------------------------

PI = _pymath.pi
E = _pymath.e
POSITIVE_INF_f32 = np.float32(np.inf)
NEGATIVE_INF_f32 = np.float32(-np.inf)
NaN_f32 = np.float32(np.nan)
POSITIVE_INF_f16 = np.float32(np.inf)     # f16 values, widened to f32 (module docstring)
NEGATIVE_INF_f16 = np.float32(-np.inf)
NaN_f16 = np.float32(np.nan)


def POSITIVE_INF(T):  # noqa: N802  (CSL's names)
    return _k.special(T, _k.INF)


def NEGATIVE_INF(T):  # noqa: N802
    return _k.special(T, -_k.INF)


def NaN(T):  # noqa: N802
    return _k.special(T, _k.NAN)


# -- generic functions (the argument's type) ----------------------------------------------------

def abs(x):  # noqa: A001  (CSL's names shadow Python's here)
    return _k.abs_(x)


def max(x, y):  # noqa: A001
    return _k.max_(x, y)


def min(x, y):  # noqa: A001
    return _k.min_(x, y)


def sign(x):
    return _k.sign(x)


def ceil(x):
    return _k.ceil(x)


def floor(x):
    return _k.floor(x)


def fscale(x, s):
    return _k.fscale(x, s)


def isNaN(x):  # noqa: N802
    return _k.is_nan(x)


def isInf(x):  # noqa: N802
    return _k.is_inf(x)


def isFinite(x):  # noqa: N802
    return _k.is_finite(x)


def isSignaling(x):  # noqa: N802
    return _k.is_signaling(x)


def sig(x):
    return _k.sig(x)


def signbit(x):
    return _k.signbit(x)


def tanh(x):
    return _k.tanh(x)


def cos(x):
    return _k.cos(x)


def exp(x):
    return _k.exp(x)


def inv(x):
    return _k.inv(x)


def invsqrt(x):
    return _k.invsqrt(x)


def log(x):
    return _k.log(x)


def pow(x, y):  # noqa: A001
    return _k.pow(x, y)


def sin(x):
    return _k.sin(x)


def sqrt(x):
    return _k.sqrt(x)


# -- f32 twins ----------------------------------------------------------------------------------

def abs_f32(x):
    return _k.abs_float(x)


def max_f32(x, y):
    return _k.max_float(np.float32(x), np.float32(y))


def min_f32(x, y):
    return _k.min_float(np.float32(x), np.float32(y))


def sign_f32(x):
    return _k.sign_float(x)


def ceil_f32(x):
    return _k.ceil_f32(x)


def floor_f32(x):
    return _k.floor_f32(x)


def fscale_f32(x, s):
    return _k.fscale_f32(x, s)


def isNaN_f32(x):  # noqa: N802
    return _k.is_nan(np.float32(x))


def isInf_f32(x):  # noqa: N802
    return _k.is_inf(np.float32(x))


def isFinite_f32(x):  # noqa: N802
    return _k.is_finite(np.float32(x))


def isSignaling_f32(x):  # noqa: N802
    return _k.is_signaling(x)


def sig_f32(x):
    return _k.sig_f32(x)


def signbit_f32(x):
    return _k.signbit(x)


def tanh_f32(x):
    return _k.tanh_f32(x)


def cos_f32(x):
    return _k.cos_f32(x)


def exp_f32(x):
    return _k.exp_f32(x)


def inv_f32(x):
    return _k.inv_f32(x)


def invsqrt_f32(x):
    return _k.invsqrt_f32(x)


def log_f32(x):
    return _k.log_f32(x)


def pow_f32(x, y):
    return _k.pow_f32(x, y)


def sin_f32(x):
    return _k.sin_f32(x)


def sqrt_f32(x):
    return _k.sqrt_f32(x)


# -- f16 twins: the f32 result rounded to f16 (held in an f32) ----------------------------------

def abs_f16(x):
    return _k.to_f16(_k.abs_float(x))


def max_f16(x, y):
    return _k.to_f16(_k.max_float(np.float32(x), np.float32(y)))


def min_f16(x, y):
    return _k.to_f16(_k.min_float(np.float32(x), np.float32(y)))


def sign_f16(x):
    return _k.sign_float(x)


def ceil_f16(x):
    return _k.to_f16(_k.ceil_f32(x))


def floor_f16(x):
    return _k.to_f16(_k.floor_f32(x))


def fscale_f16(x, s):
    return _k.to_f16(_k.fscale_f32(x, s))


def isNaN_f16(x):  # noqa: N802
    return _k.is_nan(np.float32(x))


def isInf_f16(x):  # noqa: N802
    return _k.is_inf(np.float32(x))


def isFinite_f16(x):  # noqa: N802
    return _k.is_finite(np.float32(x))


def isSignaling_f16(x):  # noqa: N802
    return _k.is_signaling(x)


def sig_f16(x):
    return _k.to_f16(_k.sig_f32(x))


def signbit_f16(x):
    return _k.signbit(x)


def tanh_f16(x):
    return _k.to_f16(_k.tanh_f32(x))


def cos_f16(x):
    return _k.to_f16(_k.cos_f32(x))


def exp_f16(x):
    return _k.to_f16(_k.exp_f32(x))


def inv_f16(x):
    return _k.to_f16(_k.inv_f32(x))


def invsqrt_f16(x):
    return _k.to_f16(_k.invsqrt_f32(x))


def log_f16(x):
    return _k.to_f16(_k.log_f32(x))


def pow_f16(x, y):
    return _k.to_f16(_k.pow_f32(x, y))


def sin_f16(x):
    return _k.to_f16(_k.sin_f32(x))


def sqrt_f16(x):
    return _k.to_f16(_k.sqrt_f32(x))


# -- the argument rules the task-body checker applies (dsl/taskcheck.py: `check_call`) ----------

_RUNTIME = "cos exp inv invsqrt log sin sqrt".split()
_FLOAT = "ceil floor sig tanh".split()
_BOOL = "isNaN isInf isFinite isSignaling signbit".split()


def _install_rules() -> None:
    g = globals()
    for name in _RUNTIME + _FLOAT + _BOOL + ["pow", "fscale"]:
        generic = "typed" if name in _RUNTIME or name == "pow" else "typed-or-literal"
        arity = ("float", "float") if name == "pow" else ("float", "int") \
            if name == "fscale" else ("float",)
        returns = "bool" if name in _BOOL else None
        g[name].check_call = _rule("<math>", name, (generic,) + arity[1:] if name != "pow"
                                   else (generic, generic), returns or "same",
                                   same_type=name == "pow")
        for t in ("f32", "f16"):
            g[f"{name}_{t}"].check_call = _rule("<math>", f"{name}_{t}", arity, returns or t)
    for name in ("abs", "sign"):
        g[name].check_call = _rule("<math>", name, ("number",), "same")
    for name in ("max", "min"):
        g[name].check_call = _rule("<math>", name, ("number", "number"), "same",
                                   same_type=True)
    for name in ("abs", "sign", "max", "min"):
        for t in ("f32", "f16"):
            arity = ("float", "float") if name in ("max", "min") else ("float",)
            g[f"{name}_{t}"].check_call = _rule("<math>", f"{name}_{t}", arity, t)
    for name in ("POSITIVE_INF", "NEGATIVE_INF", "NaN"):
        g[name].check_call = _rule("<math>", name, ("type",), "f32")


_install_rules()

MEMBERS = {name: value for name, value in globals().items()
           if not name.startswith("_") and name not in (
               "annotations", "np", "library")}
"""What `<math>` gives an importer: its functions and constants."""


@library("<math>")
def library(p) -> dict:
    """`p.import_module("<math>")`: the math functions (no state, no resources)."""
    return dict(MEMBERS)
