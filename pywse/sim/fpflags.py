"""Which IEEE floating-point exceptions one float operation raises, for `<tile_config>`'s
exception mask (sim/fpexcept.py): pure arithmetic on the operands and the rounded result,
the same interpreted and compiled. The DSD op executor (ops.run_slot) and the checked scalar
operators call it only on a PE that unmasked something, so it costs nothing otherwise.

The rules (IEEE 754's, with its default tininess after rounding; docs/semantics.md,
"Floating-point exceptions"):

* FP_INVALID: a NaN result from operands that are not NaN (0 * inf, inf - inf, 0 / 0), and a
  float-to-i16 conversion of a NaN or of a value outside -32768..32767;
* FP_DIV_BY_0: a finite non-zero number divided by zero, zero to a negative power (scalar
  `/` and `**`; no DSD op divides);
* FP_OVERFLOW: an infinite result from finite operands (not a division by zero);
* FP_UNDERFLOW: a result whose exact value is non-zero and below the smallest normal number
  (2**-126 in f32, 2**-14 in f16) and which rounding changed. The exact value is the
  operation in float64, which holds the exact sum or product of f32 and f16 operands near
  the underflow range; a quotient is inexact when the result times the divisor is not the
  dividend; `**` is judged against float64's power.

FP_INEXACT is not modelled (configspace.INEXACT_REFUSED); PERF_CNT_*_OVERFLOW and
SW_EXCEPTION never happen in pywse (no performance counters, no software exception).
"""
from __future__ import annotations

import math

import numpy as np
from numba.extending import register_jitable

from ..dsl import configspace as cs
from . import cslops, faults

UNDERFLOW = cs.EXCEPTION_BIT["FP_UNDERFLOW"]
OVERFLOW = cs.EXCEPTION_BIT["FP_OVERFLOW"]
INVALID = cs.EXCEPTION_BIT["FP_INVALID"]
DIV_BY_0 = cs.EXCEPTION_BIT["FP_DIV_BY_0"]
TINY32 = 2.0 ** -126
TINY16 = 2.0 ** -14
ADD, SUB, MUL, DIV, POW = range(5)
"""Scalar operators (the checked operators of sim/fpexcept.py)."""

FP_EXCEPTION = 9
"""Fault kind (sim/faults.py) of an unmasked exception in a task body: VALUE the exceptions
raised (bits), LIMIT the DSD op code (ops.OPS) or -1 - a scalar operator, ADDR the mask
call's site, OPERAND the element (-1: a scalar operator), RUNNING_Q and NEW_Q the first two
operands as f32 bits."""
F_COUNT, F_FLAG, F_PE, F_SLOT, F_CODE, F_HIT, F_ELEMENT, F_A, F_B = range(9)
"""`st.fp_info`: [F_COUNT] PEs with an exception unmasked (0: no check anywhere); an async
op's exception, recorded where no task runs (the fabric loop): the flag, its PE,
microthread, op code, the exceptions, the element and two operands (f32 bits)."""


@register_jitable
def f32_of(st, bits):
    st.scratch32[0] = np.uint32(bits)
    return np.float64(st.scratchf[0])


@register_jitable
def f16_of(bits):
    return np.float64(cslops.f16_bits_to_f32(np.uint16(bits & 0xFFFF)))


@register_jitable
def bits_of(st, x):
    """x as f32 bits (what a fault record keeps of an operand)."""
    st.scratchf[0] = np.float32(x)
    return np.int64(st.scratch32[0])


@register_jitable
def classify(nan_in, finite_in, r, exact, tiny):
    """The exceptions of a result `r` (float64 of the rounded f32/f16 value) whose exact value
    is `exact`, from operands of which some are NaN (`nan_in`) / all finite (`finite_in`)."""
    if r != r:
        return INVALID if not nan_in else 0
    if math.isinf(r):
        return OVERFLOW if finite_in else 0
    if exact != 0.0 and abs(exact) < tiny and exact != r:
        return UNDERFLOW
    return 0


@register_jitable
def binary(op, a, b, r, tiny):
    """The exceptions of scalar `a op b` (float64 values of the operands as the operation saw
    them) rounded to `r` (float64 of the f32/f16 result)."""
    nan_in = a != a or b != b
    finite_in = not (nan_in or math.isinf(a) or math.isinf(b))
    if r != r:
        return INVALID if not nan_in else 0
    if math.isinf(r):
        if not finite_in:
            return 0
        if (op == DIV and b == 0.0) or (op == POW and a == 0.0 and b < 0.0):
            return DIV_BY_0
        return OVERFLOW
    if not finite_in:
        return 0                              # 1 / inf and the like: exact
    if op == ADD:
        exact = a + b
        inexact = exact != r
    elif op == SUB:
        exact = a - b
        inexact = exact != r
    elif op == MUL:
        exact = a * b                         # exact in float64 for f32 and f16 operands
        inexact = exact != r
    elif op == DIV:
        exact = a / b
        inexact = r * b != a                  # r * b is exact in float64
    else:
        exact = a ** b
        inexact = exact != r
    if exact != 0.0 and abs(exact) < tiny and inexact:
        return UNDERFLOW
    return 0


@register_jitable
def _to_int_flags(x):
    """A float to i16 (fs2xp16, fh2xp16): invalid for NaN and out of range."""
    if x != x or x >= 32768.0 or x <= -32769.0:
        return INVALID
    return 0


@register_jitable
def dsd_flags(st, code, a, b, c, r):
    """The exceptions element op `code` (ops.OPS) raised on the 32-bit words a, b, c (16-bit
    data in the low half) giving r; 0 for ops that raise none (moves, negations, integer ops,
    max, exact conversions)."""
    if code == 5 or code == 6 or code == 7:          # fadds, fsubs, fmuls
        return binary(code - 5, f32_of(st, a), f32_of(st, b), f32_of(st, r), TINY32)
    if code == 9:                                      # fmacs: product rounded, then the sum
        fb, fc = f32_of(st, b), f32_of(st, c)
        p = np.float64(np.float32(fb * fc))
        return binary(MUL, fb, fc, p, TINY32) | binary(ADD, f32_of(st, a), p, f32_of(st, r),
                                                       TINY32)
    if code == 11 or code == 12 or code == 13:       # faddh, fsubh, fmulh
        return binary(code - 11, f16_of(a), f16_of(b), f16_of(r), TINY16)
    if code == 15:                                     # fmach: each step rounded to f16
        fb, fc = f16_of(b), f16_of(c)
        p = f16_of(cslops.f32_to_f16_bits(np.float32(fb * fc)))
        return binary(MUL, fb, fc, p, TINY16) | binary(ADD, f16_of(a), p, f16_of(r), TINY16)
    if code == 23:                                     # fs2h: f32 -> f16
        x = f32_of(st, a)
        return classify(x != x, not (math.isinf(x) or x != x), f16_of(r), x, TINY16)
    if code == 33:                                     # faddhs: f32 + f16
        return binary(ADD, f32_of(st, a), f16_of(b), f32_of(st, r), TINY32)
    if code == 34:                                     # fmachs: f32 + f16 * f16 (exact product)
        fa, p = f32_of(st, a), f16_of(b) * f16_of(c)
        return binary(ADD, fa, p, f32_of(st, r), TINY32)
    if code == 35 or code == 36:                       # fscales, fscaleh: s * 2**k
        k = np.int64(b) & 0xFFFF
        k = k - 0x10000 if k >= 0x8000 else k
        x = f32_of(st, a) if code == 35 else f16_of(a)
        out = f32_of(st, r) if code == 35 else f16_of(r)
        if x != x or math.isinf(x):
            return 0
        exact = math.ldexp(x, int(max(k, np.int64(-1200))))
        if x != 0.0 and exact == 0.0:
            return UNDERFLOW                  # below float64's range too: tiny, and rounded
        return classify(False, True, out, exact, TINY32 if code == 35 else TINY16)
    if code == 37:                                     # fh2xp16
        return _to_int_flags(f16_of(a))
    if code == 38:                                     # fs2xp16
        return _to_int_flags(f32_of(st, a))
    return 0


@register_jitable
def operands(st, code, a, b):
    """The first two operands of DSD op `code` as f32 bits, for the fault record."""
    if code == 11 or code == 12 or code == 13 or code == 15 or code == 36 or code == 37:
        return bits_of(st, f16_of(a)), bits_of(st, f16_of(b) if code != 36 else 0.0)
    if code == 33 or code == 34:
        return np.int64(a) & 0xFFFFFFFF, bits_of(st, f16_of(b))
    if code == 35:
        return np.int64(a) & 0xFFFFFFFF, bits_of(st, 0.0)
    return np.int64(a) & 0xFFFFFFFF, np.int64(b) & 0xFFFFFFFF


@register_jitable
def record(st, pe, hit, code, i, fa, fb):
    """The task's fault record of an unmasked exception (FP_EXCEPTION's fields)."""
    st.fault[faults.KIND] = FP_EXCEPTION
    st.fault[faults.VALUE] = hit
    st.fault[faults.LIMIT] = code
    st.fault[faults.ADDR] = st.fp_mask[pe, 1]
    st.fault[faults.OPERAND] = i
    st.fault[faults.RUNNING_Q] = fa
    st.fault[faults.NEW_Q] = fb


@register_jitable
def halt(st, pe, slot, main, code, hit, i, a, b):
    """An unmasked exception: the PE stops (the element is not written). In the task (`main`:
    a sync op) it is the task's fault; on a microthread (an async op, run by the fabric loop)
    it is recorded in `st.fp_info` for the engine. Either way the run ends with an error."""
    fa, fb = operands(st, code, a, b)
    if main:
        record(st, pe, hit, code, i, fa, fb)
    else:
        st.fp_info[F_FLAG] = 1
        st.fp_info[F_PE] = pe
        st.fp_info[F_SLOT] = slot
        st.fp_info[F_CODE] = code
        st.fp_info[F_HIT] = hit
        st.fp_info[F_ELEMENT] = i
        st.fp_info[F_A] = fa
        st.fp_info[F_B] = fb
    raise FloatingPointError("an unmasked floating-point exception stopped the PE")
