"""`<tile_config>`'s exception mask (dsl/configspace.py): a PE that unmasks a floating-point
exception stops when one of its float operations raises it, and the run ends with a
`TaskError` naming the PE, the task and line (or the async op), the exception and the mask
call.

* `set_exception_mask(m)` (the primitive `tc_set_exception_mask`) writes the PE's mask:
  `st.fp_mask[pe] = (unmasked FP bits, the call's site)`; `st.fp_info[F_COUNT]` counts the PEs
  with something unmasked.
* DSD ops: the executor (ops.run_slot) asks fpflags.py about each element only when that
  count and the PE's mask are non-zero, so a run where nothing is unmasked pays one load per
  element. A sync op fails in its task; an async op on a microthread is recorded in
  `st.fp_info` and the engine reports it (`async_error`).
* Scalar operators (`+ - * / **` on f32, and f16 under `jit=False`) are checked in the tasks of
  a program that calls `set_exception_mask` anywhere (the engine marks them: `Task.fp_checked`,
  sim/engine.py), which the task compiler (jit.py) lowers to the `CHECKED` operators below;
  other programs' arithmetic is compiled as before.

The mask is the register's value: bit k set masks exception k (configspace.EXCEPTIONS), so
`set_exception_mask(exceptions.FP_OVERFLOW & exceptions.FP_INVALID)` unmasks two and
`set_exception_mask(0xffff)` masks all again. FP_INEXACT may not be unmasked (refused).
"""
from __future__ import annotations

import numpy as np
from numba.core import types as nbtypes
from numba.extending import overload, register_jitable

from ..dsl import configspace as cs
from ..errors import TaskError
from . import cslops, faults, fpflags
from .builtins import lowers
from .ops import OP_NAMES
from .precompiled import precompiled

MASK_FAULT = 10
"""Fault kind: a mask `set_exception_mask` refuses (VALUE the mask, LIMIT 0 it unmasks
FP_INEXACT, 1 it is not a u16)."""
_FP_BITS = np.int64(cs.FP_BITS)
_INEXACT = np.int64(cs.EXCEPTION_BIT["FP_INEXACT"])


@lowers("tc_set_exception_mask")
def _set_exception_mask(st, pe, m):
    _set_mask(st, pe, np.int64(m))


@precompiled
def _set_mask(st, pe, m):
    """Write the PE's exception mask register (each call replaces it)."""
    if m < 0 or m > 0xFFFF or not m & _INEXACT:
        st.fault[faults.KIND] = MASK_FAULT
        st.fault[faults.VALUE] = m
        st.fault[faults.LIMIT] = 0 if 0 <= m <= 0xFFFF else 1
        raise ValueError("an exception mask pywse cannot take")
    unmasked = ~m & _FP_BITS
    before = st.fp_mask[pe, 0]
    st.fp_mask[pe, 0] = unmasked
    st.fp_mask[pe, 1] = st.fault[faults.WHERE]
    if before == 0 and unmasked != 0:
        st.fp_info[fpflags.F_COUNT] += 1
    elif before != 0 and unmasked == 0:
        st.fp_info[fpflags.F_COUNT] -= 1


# -- scalar operators in the tasks of a program that unmasks (jit.py lowers to these) -----------

def _check_scalar(st, pe, op, a, b, r):
    """Plain Python: check `a op b == r` if r is an f32 or f16 and this PE unmasked something
    (the numba overload below is the compiled twin, f32 only: compiled code has no f16)."""
    if not (st.fp_info[fpflags.F_COUNT] and st.fp_mask[pe, 0]):
        return
    if isinstance(r, np.float32):
        t, tiny = np.float32, fpflags.TINY32
    elif isinstance(r, np.float16):
        t, tiny = np.float16, fpflags.TINY16
    else:
        return
    fa, fb = np.float64(t(a)), np.float64(t(b))
    hit = fpflags.binary(op, fa, fb, np.float64(r), tiny) & st.fp_mask[pe, 0]
    if hit:
        fpflags.record(st, pe, hit, -1 - op, -1, fpflags.bits_of(st, fa),
                       fpflags.bits_of(st, fb))
        raise FloatingPointError("an unmasked floating-point exception stopped the PE")


@overload(_check_scalar)
def _ol_check_scalar(st, pe, op, a, b, r):
    if r != nbtypes.float32:
        return lambda st, pe, op, a, b, r: None

    def impl(st, pe, op, a, b, r):
        if st.fp_info[fpflags.F_COUNT] and st.fp_mask[pe, 0]:
            fa, fb = np.float64(np.float32(a)), np.float64(np.float32(b))
            hit = fpflags.binary(op, fa, fb, np.float64(r), fpflags.TINY32) & st.fp_mask[pe, 0]
            if hit:
                fpflags.record(st, pe, hit, -1 - op, -1, fpflags.bits_of(st, fa),
                               fpflags.bits_of(st, fb))
                raise FloatingPointError("an unmasked floating-point exception stopped the PE")
    return impl


def _checked(op, code):
    """Scalar operator `op` (cslops: CSL typing) followed by the exception check of `code`."""
    def checked(st, pe, a, b):
        r = op(a, b)
        _check_scalar(st, pe, code, a, b, r)
        return r
    return register_jitable(checked)


CHECKED = {name: _checked(getattr(cslops, name), code) for name, code in (
    ("add", fpflags.ADD), ("sub", fpflags.SUB), ("mul", fpflags.MUL),
    ("truediv", fpflags.DIV), ("pow", fpflags.POW))}
"""The task compiler's operator (cslops name) -> its checked twin, `(st, pe, a, b)`."""


# -- what a fault says ----------------------------------------------------------------------------

_SYMBOL = {fpflags.ADD: "+", fpflags.SUB: "-", fpflags.MUL: "*", fpflags.DIV: "/",
           fpflags.POW: "**"}
_DSD_SYMBOL = {"fadds": "+", "faddh": "+", "faddhs": "+", "fsubs": "-", "fsubh": "-",
               "fmuls": "*", "fmulh": "*"}


def _f32(bits: int) -> str:
    return str(np.uint32(bits & 0xFFFFFFFF).view(np.float32))


def _names(hit: int) -> str:
    return " and ".join(n for n in cs.EXCEPTIONS if hit & cs.EXCEPTION_BIT[n])


def _what(hit: int, code: int, element: int, a: int, b: int) -> str:
    """The exception and the operation that raised it, in words."""
    names = _names(hit)
    if code < 0:
        op = -1 - code
        return f"{names} in the scalar operation {_f32(a)} {_SYMBOL[op]} {_f32(b)}"
    name = OP_NAMES.get(code, "?")
    sym = _DSD_SYMBOL.get(name)
    on = f" ({_f32(a)} {sym} {_f32(b)})" if sym else f" (first source {_f32(a)})"
    return f"{names} in pw.{name}, element {element}{on}"


def _mask_quote(site_id: int) -> str:
    site = faults.SITES.get(int(site_id), (None, ""))[0]
    return ("\n" + site.quote("unmasked by this set_exception_mask call:")) if site else ""


_STOP = ("; an unmasked exception stops the PE (the element is not written). Mask it again "
         "(exceptions.set_exception_mask with its bit set), or keep the values in range")


def _describe(fault: np.ndarray) -> str:
    hit, code = int(fault[faults.VALUE]), int(fault[faults.LIMIT])
    text = _what(hit, code, int(fault[faults.OPERAND]), int(fault[faults.RUNNING_Q]),
                 int(fault[faults.NEW_Q]))
    return text + _STOP + _mask_quote(int(fault[faults.ADDR]))


def _describe_mask(fault: np.ndarray) -> str:
    m = int(fault[faults.VALUE])
    if int(fault[faults.LIMIT]) == 1:
        return f"exceptions.set_exception_mask({m}): the mask register holds a u16 (0..65535)"
    return f"exceptions.set_exception_mask({m:#06x}): {cs.INEXACT_REFUSED}"


faults.register(fpflags.FP_EXCEPTION, _describe)
faults.register(MASK_FAULT, _describe_mask)


def async_error(engine) -> TaskError:
    """The error for an async op's exception the fabric loop recorded (`st.fp_info`)."""
    info = engine.st.fp_info
    pe = int(info[fpflags.F_PE])
    x, y = engine.pe_xy(pe)
    info[fpflags.F_FLAG] = 0
    what = _what(int(info[fpflags.F_HIT]), int(info[fpflags.F_CODE]),
                 int(info[fpflags.F_ELEMENT]), int(info[fpflags.F_A]), int(info[fpflags.F_B]))
    site = faults.SITES.get(int(engine.st.fp_mask[pe, 1]), (None, ""))[0]
    err = TaskError(f"PE ({x}, {y}): {what}, an async op on microthread "
                    f"{int(info[fpflags.F_SLOT])}{_STOP}")
    return err.at(site, "unmasked by this set_exception_mask call:") if site else err


def pending(st) -> bool:
    """Did an async op's exception stop the run (the engine then raises `async_error`)?"""
    return bool(st.fp_info[fpflags.F_FLAG])
