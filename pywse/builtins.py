"""The builtins task bodies call (`pw.fmovs`, `pw.activate`, ...), written once for both modes.

Every builtin is a `Builtin`: a user-facing name plus an implementation `impl(st, pe, *args)`.
The task compiler (jit.py) rewrites `pw.fadds(d, a, b, async_=True, activate=t)` into
`impl(st, pe, d, a, b, True, t_id, -1)`. Implementations are plain Python functions marked
`register_jitable`, so the very same code runs interpreted (`jit=False`) or inlined into the
numba-compiled task: the semantics of an op live only here.

`st` is the engine state (a namedtuple of flat arrays, see engine.py) and `pe` the PE index.
Operands are normalised by `_operand_*`: memory DSDs are viewed in the op's element type
(moves copy raw bits; `*h` ops work on f16 bit patterns since numba has no float16), a
1-element array acts as a CSL pointer-to-scalar, and a number is broadcast (stride 0).
Memory-only ops finish at once; `async_` then only decides nothing but the completion action.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from numba.core import types as nbtypes
from numba.core.errors import TypingError
from numba.extending import overload, register_jitable

from . import cslops
from .dsd import MemDSD, dsd_addr, dsd_in_bounds, dsd_length
from .errors import ProgramError

ACTIVE = np.uint8(1)
BLOCKED = np.uint8(2)
NO_TASK = -1
COMPLETION = (("async_", False), ("activate", None), ("unblock", None))


class Builtin:
    """A name task bodies may call; see the module docstring for how calls are compiled."""

    def __init__(self, name: str, impl: Callable, nargs: int, options=(), static=None,
                 comptime: Callable | None = None, doc: str = ""):
        self.name = name
        self.impl = register_jitable(impl)
        self.nargs = nargs          # positional user arguments
        self.options = tuple(options)  # (keyword, default) appended positionally in this order
        self.static = static or {}  # position -> converter applied at compile time (e.g. dtype)
        self.comptime = comptime
        self.__doc__ = doc or impl.__doc__
        self.__name__ = name

    def __repr__(self) -> str:
        return f"<pywse builtin {self.name}>"

    def __call__(self, *args, **kwargs):
        if self.comptime is not None:
            return self.comptime(*args, **kwargs)
        raise ProgramError(f"pw.{self.name} can only be called inside a task body")


REGISTRY: dict[str, Builtin] = {}


def builtin(name=None, nargs=None, options=(), static=None, comptime=None):
    def deco(impl):
        n = nargs if nargs is not None else impl.__code__.co_argcount - 2 - len(options)
        b = Builtin(name or impl.__name__, impl, n, options, static, comptime)
        REGISTRY[b.name] = b
        return b
    return deco


# -- task control ---------------------------------------------------------------------------

@register_jitable
def _complete(st, pe, activate, unblock):
    """Run an op's completion action (CSL `.activate = t` / `.unblock = t`)."""
    if activate >= 0:
        st.task_state[pe, activate] |= ACTIVE
    if unblock >= 0:
        st.task_state[pe, unblock] &= ~BLOCKED


@builtin("activate")
def _activate(st, pe, task):
    """Mark a local task active; it runs once it is also unblocked (CSL `@activate`)."""
    st.task_state[pe, task] |= ACTIVE


@builtin("block")
def _block(st, pe, task):
    """Block a task: it stays pending until unblocked (CSL `@block`)."""
    st.task_state[pe, task] |= BLOCKED


@builtin("unblock")
def _unblock(st, pe, task):
    """Unblock a task (CSL `@unblock`)."""
    st.task_state[pe, task] &= ~BLOCKED


@builtin("unblock_cmd_stream")
def _unblock_cmd_stream(st, pe):
    """memcpy `sys_mod.unblock_cmd_stream()`: let the host's next command run on this PE."""
    st.cmd_unblocked[pe] = 1


# -- operands ----------------------------------------------------------------------------------

def _operand_factory(dtype, convert):
    """Build `op(x, n)`: x (DSD, pointer or number) as a MemDSD viewed as `dtype`, n long."""
    dtype = np.dtype(dtype)
    np_type = dtype.type

    def operand(x, n):
        if isinstance(x, MemDSD):
            if x.arr.itemsize != dtype.itemsize:
                raise TypeError(f"operand has {8 * x.arr.itemsize}-bit elements; this op needs "
                                f"{8 * dtype.itemsize}-bit ones")
            return MemDSD(x.arr.view(np_type), x.offset, x.e0, x.s0, x.e1, x.s1, x.e2, x.s2, x.e3, x.s3)
        if isinstance(x, np.ndarray):
            if x.size != 1 or x.itemsize != dtype.itemsize:
                raise TypeError("an array operand must be a one-element (pointer-to-scalar) var "
                                "of the op's width; wrap arrays in pw.mem1d(...)")
            return MemDSD(x.reshape(1).view(np_type), 0, n, 0, 1, 0, 1, 0, 1, 0)
        return MemDSD(np.full(1, convert(x), np_type), 0, n, 0, 1, 0, 1, 0, 1, 0)

    @overload(operand)
    def _ol(x, n):
        if isinstance(x, nbtypes.NamedTuple) and x.instance_class is MemDSD:
            if x.types[0].dtype.bitwidth != 8 * dtype.itemsize:
                raise TypingError(f"operand has {x.types[0].dtype.bitwidth}-bit elements; this "
                                  f"op needs {8 * dtype.itemsize}-bit ones")
            return lambda x, n: MemDSD(x.arr.view(np_type), x.offset, x.e0, x.s0, x.e1, x.s1,
                                       x.e2, x.s2, x.e3, x.s3)
        if isinstance(x, nbtypes.Array):
            if x.dtype.bitwidth != 8 * dtype.itemsize:
                raise TypingError("an array operand must be a one-element var of the op's width")

            def from_array(x, n):
                if x.size != 1:
                    raise TypeError("an array operand must be a one-element (pointer-to-scalar) "
                                    "var; wrap arrays in pw.mem1d(...)")
                return MemDSD(x.reshape(1).view(np_type), 0, n, 0, 1, 0, 1, 0, 1, 0)
            return from_array
        if isinstance(x, (nbtypes.Number, nbtypes.Boolean)):
            return lambda x, n: MemDSD(np.full(1, convert(x), np_type), 0, n, 0, 1, 0, 1, 0, 1, 0)
        raise TypingError(f"unsupported DSD-op operand of type {x}")

    return operand


@register_jitable
def _to_f32(x):
    return np.float32(x)


@register_jitable
def _to_f16_bits(x):
    return cslops.f32_to_f16_bits(np.float32(x))


@register_jitable
def _to_u16(x):
    return np.uint16(np.int64(x) & 0xFFFF)


@register_jitable
def _to_u32(x):
    return np.uint32(np.int64(x) & 0xFFFFFFFF)


_f32 = _operand_factory(np.float32, _to_f32)
_f16 = _operand_factory(np.uint16, _to_f16_bits)
_u16 = _operand_factory(np.uint16, _to_u16)
_u32 = _operand_factory(np.uint32, _to_u32)


@register_jitable
def _check(d, n):
    if dsd_length(d) != n and d.s0 != 0:
        raise ValueError("DSD operands have different lengths")
    if not dsd_in_bounds(d):
        raise IndexError("DSD reaches outside its array")


@register_jitable
def _dest(dst):
    if not dsd_in_bounds(dst):
        raise IndexError("destination DSD reaches outside its array")
    return dsd_length(dst)


# -- op cost (cycles) for the timing model: elements / SIMD width, per arch -----------------

@register_jitable
def _charge(st, pe, n, width2, width3):
    w = width3 if st.config[0] == 3 else width2
    st.cycles[pe] += (n + w - 1) // w + 1


# -- the ops ---------------------------------------------------------------------------------
# Each op: normalise operands, check bounds/lengths, loop, charge cycles, complete.

@builtin("fmovs", options=COMPLETION)
def _fmovs(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = src[i] as f32 (bits preserved)."""
    n = _dest(dst)
    d = _f32(dst, n)
    a = _f32(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)]
    _charge(st, pe, n, 2, 4)
    _complete(st, pe, activate, unblock)


@builtin("mov32", options=COMPLETION)
def _mov32(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = src[i], 32 raw bits."""
    n = _dest(dst)
    d = _u32(dst, n)
    a = _u32(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)]
    _charge(st, pe, n, 2, 4)
    _complete(st, pe, activate, unblock)


@builtin("mov16", options=COMPLETION)
def _mov16(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = src[i], 16 raw bits."""
    n = _dest(dst)
    d = _u16(dst, n)
    a = _u16(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)]
    _charge(st, pe, n, 4, 8)
    _complete(st, pe, activate, unblock)


@builtin("fmovh", options=COMPLETION)
def _fmovh(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = src[i] as f16 (bits preserved)."""
    n = _dest(dst)
    d = _f16(dst, n)
    a = _f16(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)]
    _charge(st, pe, n, 4, 8)
    _complete(st, pe, activate, unblock)


def _f32_binary(name, fn, w2, w3, doc):
    def impl(st, pe, dst, src0, src1, async_, activate, unblock):
        n = _dest(dst)
        d = _f32(dst, n)
        a = _f32(src0, n)
        b = _f32(src1, n)
        _check(a, n)
        _check(b, n)
        for i in range(n):
            d.arr[dsd_addr(d, i)] = fn(a.arr[dsd_addr(a, i)], b.arr[dsd_addr(b, i)])
        _charge(st, pe, n, w2, w3)
        _complete(st, pe, activate, unblock)
    impl.__doc__ = doc
    return builtin(name, options=COMPLETION)(impl)


def _f16_binary(name, fn, w2, w3, doc):
    def impl(st, pe, dst, src0, src1, async_, activate, unblock):
        n = _dest(dst)
        d = _f16(dst, n)
        a = _f16(src0, n)
        b = _f16(src1, n)
        _check(a, n)
        _check(b, n)
        for i in range(n):
            x = cslops.f16_bits_to_f32(a.arr[dsd_addr(a, i)])
            y = cslops.f16_bits_to_f32(b.arr[dsd_addr(b, i)])
            d.arr[dsd_addr(d, i)] = cslops.f32_to_f16_bits(fn(x, y))
        _charge(st, pe, n, w2, w3)
        _complete(st, pe, activate, unblock)
    impl.__doc__ = doc
    return builtin(name, options=COMPLETION)(impl)


def _int16_binary(name, fn, w2, w3, doc):
    def impl(st, pe, dst, src0, src1, async_, activate, unblock):
        n = _dest(dst)
        d = _u16(dst, n)
        a = _u16(src0, n)
        b = _u16(src1, n)
        _check(a, n)
        _check(b, n)
        for i in range(n):
            d.arr[dsd_addr(d, i)] = np.uint16(fn(np.int64(a.arr[dsd_addr(a, i)]),
                                                 np.int64(b.arr[dsd_addr(b, i)])) & 0xFFFF)
        _charge(st, pe, n, w2, w3)
        _complete(st, pe, activate, unblock)
    impl.__doc__ = doc
    return builtin(name, options=COMPLETION)(impl)


@register_jitable
def _add(x, y):
    return x + y


@register_jitable
def _sub(x, y):
    return x - y


@register_jitable
def _mul(x, y):
    return x * y


@register_jitable
def _max(x, y):
    return x if x >= y or y != y else y


@register_jitable
def _and(x, y):
    return x & y


@register_jitable
def _or(x, y):
    return x | y


@register_jitable
def _xor(x, y):
    return x ^ y


fadds = _f32_binary("fadds", _add, 2, 4, "dst[i] = src0[i] + src1[i] in f32.")
fsubs = _f32_binary("fsubs", _sub, 2, 4, "dst[i] = src0[i] - src1[i] in f32.")
fmuls = _f32_binary("fmuls", _mul, 1, 1, "dst[i] = src0[i] * src1[i] in f32.")
fmaxs = _f32_binary("fmaxs", _max, 1, 4, "dst[i] = max(src0[i], src1[i]) in f32.")
faddh = _f16_binary("faddh", _add, 4, 8, "dst[i] = src0[i] + src1[i] in f16.")
fsubh = _f16_binary("fsubh", _sub, 4, 8, "dst[i] = src0[i] - src1[i] in f16.")
fmulh = _f16_binary("fmulh", _mul, 4, 8, "dst[i] = src0[i] * src1[i] in f16.")
fmaxh = _f16_binary("fmaxh", _max, 1, 8, "dst[i] = max(src0[i], src1[i]) in f16.")
add16 = _int16_binary("add16", _add, 4, 8, "dst[i] = src0[i] + src1[i], 16-bit wrap-around.")
sub16 = _int16_binary("sub16", _sub, 4, 8, "dst[i] = src0[i] - src1[i], 16-bit wrap-around.")
and16 = _int16_binary("and16", _and, 4, 8, "dst[i] = src0[i] & src1[i] (16 bits).")
or16 = _int16_binary("or16", _or, 4, 8, "dst[i] = src0[i] | src1[i] (16 bits).")
xor16 = _int16_binary("xor16", _xor, 4, 8, "dst[i] = src0[i] ^ src1[i] (16 bits).")


@builtin("fmacs", options=COMPLETION)
def _fmacs(st, pe, dst, src0, src1, scalar, async_, activate, unblock):
    """dst[i] = src0[i] + src1[i] * scalar in f32 (product rounded, then the sum)."""
    n = _dest(dst)
    d = _f32(dst, n)
    a = _f32(src0, n)
    b = _f32(src1, n)
    c = _f32(scalar, n)
    _check(a, n)
    _check(b, n)
    _check(c, n)
    for i in range(n):
        p = b.arr[dsd_addr(b, i)] * c.arr[dsd_addr(c, i)]
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)] + p
    _charge(st, pe, n, 1, 1)
    _complete(st, pe, activate, unblock)


@builtin("fmach", options=COMPLETION)
def _fmach(st, pe, dst, src0, src1, scalar, async_, activate, unblock):
    """dst[i] = src0[i] + src1[i] * scalar in f16 (each step rounded to f16)."""
    n = _dest(dst)
    d = _f16(dst, n)
    a = _f16(src0, n)
    b = _f16(src1, n)
    c = _f16(scalar, n)
    _check(a, n)
    _check(b, n)
    _check(c, n)
    for i in range(n):
        p = cslops.f32_to_f16_bits(cslops.f16_bits_to_f32(b.arr[dsd_addr(b, i)])
                                   * cslops.f16_bits_to_f32(c.arr[dsd_addr(c, i)]))
        s = cslops.f16_bits_to_f32(a.arr[dsd_addr(a, i)]) + cslops.f16_bits_to_f32(p)
        d.arr[dsd_addr(d, i)] = cslops.f32_to_f16_bits(s)
    _charge(st, pe, n, 4, 8)
    _complete(st, pe, activate, unblock)


@builtin("fnegs", options=COMPLETION)
def _fnegs(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = -src[i] in f32 (flips the sign bit)."""
    n = _dest(dst)
    d = _u32(dst, n)
    a = _f32(src, n)
    _check(a, n)
    bits = a.arr.view(np.uint32)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = bits[dsd_addr(a, i)] ^ np.uint32(0x80000000)
    _charge(st, pe, n, 2, 4)
    _complete(st, pe, activate, unblock)


@builtin("fnegh", options=COMPLETION)
def _fnegh(st, pe, dst, src, async_, activate, unblock):
    """dst[i] = -src[i] in f16 (flips the sign bit)."""
    n = _dest(dst)
    d = _u16(dst, n)
    a = _f16(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = a.arr[dsd_addr(a, i)] ^ np.uint16(0x8000)
    _charge(st, pe, n, 4, 8)
    _complete(st, pe, activate, unblock)


@builtin("fh2s", options=COMPLETION)
def _fh2s(st, pe, dst, src, async_, activate, unblock):
    """dst[i] (f32) = src[i] (f16), exact."""
    n = _dest(dst)
    d = _f32(dst, n)
    a = _f16(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = cslops.f16_bits_to_f32(a.arr[dsd_addr(a, i)])
    _charge(st, pe, n, 1, 4)
    _complete(st, pe, activate, unblock)


@builtin("fs2h", options=COMPLETION)
def _fs2h(st, pe, dst, src, async_, activate, unblock):
    """dst[i] (f16) = src[i] (f32), rounded to nearest even."""
    n = _dest(dst)
    d = _f16(dst, n)
    a = _f32(src, n)
    _check(a, n)
    for i in range(n):
        d.arr[dsd_addr(d, i)] = cslops.f32_to_f16_bits(a.arr[dsd_addr(a, i)])
    _charge(st, pe, n, 1, 4)
    _complete(st, pe, activate, unblock)


# -- DSD mutators inside task bodies (comptime twins in dsd.py) -------------------------------

def _itemsize(t) -> int:
    from .types import dtype_of
    return dtype_of(t).itemsize


def _mutator(name, comptime, static=None):
    def deco(impl):
        return builtin(name, static=static, comptime=comptime)(impl)
    return deco


from . import dsd as _dsd  # noqa: E402  (comptime twins)


@_mutator("increment_dsd_offset", _dsd.increment_dsd_offset, static={2: _itemsize})
def _increment_dsd_offset(st, pe, d, n, type_size):
    """Move a DSD's start by n elements of the given type (CSL `@increment_dsd_offset`)."""
    return MemDSD(d.arr, d.offset + n * (type_size // d.arr.itemsize), d.e0, d.s0, d.e1, d.s1,
                  d.e2, d.s2, d.e3, d.s3)


@_mutator("set_dsd_base_addr", _dsd.set_dsd_base_addr)
def _set_dsd_base_addr(st, pe, d, arr):
    """Point a DSD at another array of the same element type (CSL `@set_dsd_base_addr`)."""
    return MemDSD(arr.reshape(arr.size), d.offset, d.e0, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@_mutator("set_dsd_length", _dsd.set_dsd_length)
def _set_dsd_length(st, pe, d, n):
    """Set a 1-D DSD's extent (CSL `@set_dsd_length`)."""
    return MemDSD(d.arr, d.offset, n, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@_mutator("set_dsd_stride", _dsd.set_dsd_stride)
def _set_dsd_stride(st, pe, d, s):
    """Set a 1-D DSD's stride (CSL `@set_dsd_stride`)."""
    return MemDSD(d.arr, d.offset, d.e0, s, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)
