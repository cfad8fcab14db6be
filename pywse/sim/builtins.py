"""What the builtins task bodies call (`pw.fmovs`, `pw.activate`, ...) do, written once for
both modes.

Each builtin's signature (how a call is written, checked at compile time) is in
dsl/signatures.py; here is its `Lowering`: an implementation `impl(st, pe, *args)` under
the same name. The task compiler (jit.py) rewrites `pw.fadds(d, a, b, async_=True, activate=t)` into
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

from ..dsl import dsr as R
from ..dsl.signatures import TABLE
from ..types import dtype_of
from . import account, cslops, fabric, faults, ops, tracebuf
from .dsdval import DsrVal, FabDSD, MemDSD, dsd_in_bounds, dsd_length
from .precompiled import precompiled

ACTIVE = np.uint8(1)
BLOCKED = np.uint8(2)
NO_TASK = -1


class Lowering:
    """How the engine runs one builtin: `impl(st, pe, *prefix, *args)`. What a call may look
    like (arguments, options, forms) is its signature in dsl/signatures.py, by the same name."""

    def __init__(self, impl: Callable, prefix=(), pad: int = 0, static=None, defaults=None):
        self.impl = impl if hasattr(impl, "_pywse_jitable") else register_jitable(impl)
        self.impl._pywse_jitable = True
        self.prefix = tuple(prefix)  # int64 constants passed before the user arguments
        self.pad = pad              # user arguments are padded with None up to this count
        self.static = static or {}  # position -> converter applied at compile time (e.g. dtype)
        self.defaults = defaults or {}  # option -> the value passed when the call leaves it out


LOWERINGS: dict[str, Lowering] = {}


def lowers(name: str, static=None, defaults=None):
    """Register `impl` as what builtin `name` (a signature in dsl/signatures.py) does."""
    def deco(impl):
        if name not in TABLE:
            raise AssertionError(f"{name} has no signature in dsl/signatures.py")
        LOWERINGS[name] = Lowering(impl, static=static, defaults=defaults)
        return impl
    return deco


# -- task control ---------------------------------------------------------------------------

@register_jitable
def _complete(st, pe, activate, unblock):
    """Run an op's completion action (CSL `.activate = t` / `.unblock = t`)."""
    if activate >= 0:
        st.task_state[pe, activate] |= ACTIVE
    if unblock >= 0:
        st.task_state[pe, unblock] &= ~BLOCKED


@lowers("activate")
def _activate(st, pe, task):
    """Mark a local task active; it runs once it is also unblocked (CSL `@activate`)."""
    st.task_state[pe, task] |= ACTIVE


@lowers("block")
def _block(st, pe, task):
    """Block a task: it stays pending until unblocked (CSL `@block`)."""
    st.task_state[pe, task] |= BLOCKED


@lowers("unblock")
def _unblock(st, pe, task):
    """Unblock a task (CSL `@unblock`)."""
    st.task_state[pe, task] &= ~BLOCKED


@lowers("unblock_cmd_stream")
def _unblock_cmd_stream(st, pe):
    """memcpy `sys_mod.unblock_cmd_stream()`: let the host's next command run on this PE."""
    if st.cmd_unblocked[pe] == 0:
        st.cmd_unblocked[pe] = 1
        st.n_unblocked[0] += 1
        if st.n_unblocked[0] == st.cmd_unblocked.shape[0]:
            st.counters[0] += 1   # sched.EVENTS: every PE is done, the host may go on


# -- operands: any DSD, pointer or number -> an operand descriptor row (ops.py) ---------------

@register_jitable
def _number_bits(st, x, kind):
    if kind == 1:
        return np.int64(ops.f32_bits(st, x))
    if kind == 2:
        return np.int64(cslops.f32_to_f16_bits(np.float32(x)))
    return np.int64(x) & 0xFFFFFFFF


def _fill(st, row, x, kind, is_dst):
    """Describe operand `x` in `row` (plain Python twin of the numba overload below)."""
    if x is None:
        row[ops.KIND] = ops.K_NONE
    elif isinstance(x, MemDSD):
        _fill_mem(st, row, x.arr, x.offset, x.e0, x.s0, x.e1, x.s1, x.e2, x.s2, x.e3, x.s3)
    elif isinstance(x, FabDSD):
        _fill_fab(row, x.kind, x.color, x.queue, x.extent, x.control, is_dst)
    elif isinstance(x, DsrVal):
        _fill_dsr(st, row, x.reg, is_dst)
    elif isinstance(x, np.ndarray):
        _fill_pointer(st, row, x)
    else:
        if is_dst:
            raise TypeError("the destination of a DSD op must be a DSD or a one-element var")
        row[ops.KIND] = ops.K_SCALAR
        row[ops.ADDR] = _number_bits(st, x, kind)


@overload(_fill)
def _ol_fill(st, row, x, kind, is_dst):
    if isinstance(x, (nbtypes.NoneType, nbtypes.Omitted)):
        def impl(st, row, x, kind, is_dst):
            row[ops.KIND] = ops.K_NONE
        return impl
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is MemDSD:
        return lambda st, row, x, kind, is_dst: _fill_mem(st, row, x.arr, x.offset, x.e0, x.s0,
                                                          x.e1, x.s1, x.e2, x.s2, x.e3, x.s3)
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is FabDSD:
        return lambda st, row, x, kind, is_dst: _fill_fab(row, x.kind, x.color, x.queue,
                                                          x.extent, x.control, is_dst)
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is DsrVal:
        return lambda st, row, x, kind, is_dst: _fill_dsr(st, row, x.reg, is_dst)
    if isinstance(x, nbtypes.Array):
        return lambda st, row, x, kind, is_dst: _fill_pointer(st, row, x)
    if isinstance(x, (nbtypes.Number, nbtypes.Boolean)):
        def number(st, row, x, kind, is_dst):
            if is_dst:
                raise TypeError("the destination of a DSD op must be a DSD or a one-element var")
            row[ops.KIND] = ops.K_SCALAR
            row[ops.ADDR] = _number_bits(st, x, kind)
        return number
    raise TypingError(f"a DSD op operand must be a DSD, a one-element var or a number, not {x}")


@register_jitable
def _address(st, arr):
    addr = arr.ctypes.data - st.arena.ctypes.data
    if addr < 0 or addr + arr.size * arr.itemsize > st.arena.size:
        raise ValueError("DSD operand is not in PE memory")
    return addr


@register_jitable
def _fill_mem(st, row, arr, offset, e0, s0, e1, s1, e2, s2, e3, s3):
    row[ops.KIND] = ops.K_MEM
    row[ops.ADDR] = _address(st, arr)
    row[ops.OFF] = offset
    row[ops.E0] = e0
    row[ops.S0] = s0
    row[ops.E1] = e1
    row[ops.S1] = s1
    row[ops.E2] = e2
    row[ops.S2] = s2
    row[ops.E3] = e3
    row[ops.S3] = s3
    row[ops.WIDTH] = arr.itemsize
    if not dsd_in_bounds(MemDSD(arr, offset, e0, s0, e1, s1, e2, s2, e3, s3)):
        _dsd_fault(st, row[ops.ADDR], arr.size, offset, e0, s0, e1, s1, e2, s2, e3, s3)
        raise IndexError("DSD reaches outside its array")


@register_jitable
def _fill_pointer(st, row, arr):
    if arr.size != 1:
        raise TypeError("an array operand must be a one-element (pointer-to-scalar) var; wrap "
                        "arrays in pw.mem1d(...)")
    row[ops.KIND] = ops.K_MEM
    row[ops.ADDR] = _address(st, arr)
    row[ops.E0] = -1   # a pointer repeats its element for any length
    row[ops.E1] = 1
    row[ops.E2] = 1
    row[ops.E3] = 1
    row[ops.WIDTH] = arr.itemsize


@register_jitable
def _fill_fab(row, kind, color, queue, extent, control, is_dst):
    if kind == ops.K_FIFO:
        row[ops.KIND] = kind
        row[ops.QUEUE] = queue
        return
    if is_dst and kind != ops.K_FABOUT:
        raise TypeError("a fabin DSD cannot be a destination")
    if not is_dst and kind != ops.K_FABIN:
        raise TypeError("a fabout DSD cannot be a source")
    row[ops.KIND] = kind
    row[ops.COLOR] = color
    row[ops.QUEUE] = queue
    row[ops.E0] = extent
    row[ops.CTRL] = control


@precompiled
def _describe(st, code, dst, a, b, c):
    """Operand rows for an op call (the only part compiled per operand-type combination)."""
    rows = np.zeros((4, ops.NF), np.int64)
    kind = ops.OP_KIND[code]               # how each operand encodes a number
    st.fault[faults.OPERAND] = 0          # which operand a DSD fault is about
    _fill(st, rows[0], dst, kind[0], True)
    st.fault[faults.OPERAND] = 1
    _fill(st, rows[1], a, kind[1], False)
    st.fault[faults.OPERAND] = 2
    _fill(st, rows[2], b, kind[2], False)
    st.fault[faults.OPERAND] = 3
    _fill(st, rows[3], c, kind[3], False)
    return rows


@register_jitable
def _fabric_queue(rows):
    """An op's first fabric operand as `kind * 16 + queue` (ops.K_FABIN, K_FABOUT, K_FIFO),
    -1 if it has none: what a microthread clash names (sim/faults.py)."""
    for k in range(4):
        kind = rows[k, ops.KIND]
        if kind == ops.K_FABIN or kind == ops.K_FABOUT or kind == ops.K_FIFO:
            return kind * 16 + rows[k, ops.QUEUE]
    return np.int64(-1)


@precompiled
def _start(st, pe, code, async_, activate, unblock, ut_id, rows):
    """Check an op and run it (sync) or hand it to a microthread (async with a fabric operand):
    its `ut_id` (wse3's `.ut_id`, -1 none), else its first fabric operand's queue's."""
    n = -1
    slot = ops.MAIN
    streaming = False
    n_fabric = -1   # memory operands set the length; fabric extents only when there are none
    for k in range(4):
        length = ops.operand_length(rows[k])    # -1: a number, pointer or FIFO fits any
        if length >= 0 and rows[k, ops.KIND] == ops.K_MEM:
            if n >= 0 and length != n:
                raise ValueError("DSD operands have different lengths")
            n = length
        elif length >= 0:
            if n_fabric >= 0 and length != n_fabric:
                raise ValueError("DSD operands have different lengths")
            n_fabric = length
        width = ops.OP_DST_WIDTH[code] if k == 0 else ops.OP_SRC_WIDTH[code, k - 1]
        kind = rows[k, ops.KIND]
        if kind == ops.K_MEM and width == 2 and rows[k, ops.WIDTH] == 4:
            ops.low_halves(rows[k])     # a 16-bit op on 32-bit memory, as cslc allows
        if (kind == ops.K_MEM and rows[k, ops.WIDTH] != width) or \
                (kind == ops.K_FIFO and st.fifo_width[pe, rows[k, ops.QUEUE]] != width):
            raise TypeError("operand element size does not match the op (16- vs 32-bit)")
        if kind == ops.K_FABIN or kind == ops.K_FABOUT or kind == ops.K_FIFO:
            streaming = True
            if async_ and slot == ops.MAIN and kind != ops.K_FIFO:
                slot = rows[k, ops.QUEUE]   # the microthread of the first fabric operand
    if async_ and streaming and ut_id >= 0:
        slot = ut_id
    if async_ and streaming and slot == ops.MAIN:   # FIFO and memory only: any free one
        for s in range(ops.MAIN - 1, -1, -1):
            if st.ut_code[pe, s] == 0:
                slot = s
                break
    if n < 0:
        n = n_fabric if n_fabric >= 0 else 1
    if st.ut_code[pe, slot] != 0:
        faults.microthread_clash(st, slot, st.ut_code[pe, slot],
                                 _fabric_queue(st.ut_opnd[pe, slot]), code,
                                 _fabric_queue(rows), ut_id)
        raise ValueError("two async ops use the same microthread at once")
    st.ut_code[pe, slot] = code
    st.ut_mask[pe] |= np.uint16(1 << slot)
    st.ut_opnd[pe, slot] = rows
    st.ut_pos[pe, slot] = 0
    st.ut_len[pe, slot] = n
    st.ut_act[pe, slot] = activate
    st.ut_unb[pe, slot] = unblock
    if streaming:
        fabric.activate(st, pe)   # the fabric loop now watches this PE's queues
    if slot != ops.MAIN:
        # the task body runs at once, at its start; its op moves from the cycle the body
        # reached it (so before the task's last cycle: the PE's next task, whose body also
        # runs at once, comes after its first element)
        st.ut_from[pe, slot] = (max(st.task_start[pe], st.now[0]) + st.cost[C_TASK_SWITCH]
                                + st.cycles[pe])
        st.cycles[pe] += st.cost[C_DSD_ASYNC_START]
        return
    simd = st.cost[C_SIMD + 2 * code + (1 if st.config[0] == 3 else 0)]
    for k in range(4):                   # strided memory operands narrow it (ops.stride_width)
        simd = ops.stride_width(rows[k], simd)
    t_in, charged = st.now[0], (n + simd - 1) // simd + st.cost[C_DSD_START]
    st.cycles[pe] += charged
    stalled, since = -1, 0      # for the trace: what the op waits on (-1: nothing), since when
    while st.ut_code[pe, ops.MAIN] != 0:
        if ops.run_slot(st, pe, ops.MAIN, n) < 0:
            why = account.blocker(st, pe, ops.MAIN)      # the cycle account's stall, by queue
            t0 = st.now[0]
            ops.wait_for_fabric(st, pe)
            st.q_stall[pe, why] += st.now[0] - t0
            if why != stalled:
                if stalled >= 0:
                    tracebuf.sync_stall(st, pe, stalled, since, t0, t_in, charged)
                stalled, since = why, t0
    if tracebuf.on(st, pe):
        tracebuf.sync_op(st, pe, code, t_in, charged, stalled, since)


def _op(st, pe, code, dst, a, b, c, async_, activate, unblock, ut_id):
    """Every DSD op builtin: `code` says which (ops.OPS); unused sources are None. A DSR
    loaded with async options makes the op async; one loaded with save_address moves on."""
    cfg = _dsr_completion(dst, _dsr_completion(a, _dsr_completion(b, _dsr_completion(
        c, (bool(async_), np.int64(activate), np.int64(unblock), np.int64(ut_id))))))
    _start(st, pe, code, cfg[0], cfg[1], cfg[2], cfg[3],
           _describe(st, code, dst, a, b, c))
    _dsr_advance(dst)
    _dsr_advance(a)
    _dsr_advance(b)
    _dsr_advance(c)


for _name, (_code, _, _) in ops.OPS.items():
    LOWERINGS[_name] = Lowering(_op, prefix=(_code,), pad=4)


# -- DSD mutators inside task bodies (comptime twins in dsd.py) -------------------------------
# Every field stays int64 whatever integer type the caller passes (an i16 length would change
# the DSD's numba type, which a mutable DSD or a loop cannot take).

def _itemsize(t) -> int:
    return dtype_of(t).itemsize


@lowers("increment_dsd_offset", static={2: _itemsize})
def _increment_dsd_offset(st, pe, d, n, type_size):
    """Move a DSD's start by n elements of the given type (CSL `@increment_dsd_offset`)."""
    step = np.int64(n) * (type_size // d.arr.itemsize)
    return MemDSD(d.arr, d.offset + step, d.e0, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@lowers("set_dsd_base_addr")
def _set_dsd_base_addr(st, pe, d, arr):
    """Point a DSD at the start of another array of the same element type (CSL
    `@set_dsd_base_addr`: the base address, with the offset folded in, is replaced)."""
    return MemDSD(arr.reshape(arr.size), np.int64(0), d.e0, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@lowers("set_dsd_length")
def _set_dsd_length(st, pe, d, n):
    """Set a 1-D memory DSD's extent, or a fabric DSD's wavelets (CSL `@set_dsd_length`)."""
    return _with_length(d, np.int64(n))


@lowers("set_dsd_stride")
def _set_dsd_stride(st, pe, d, s):
    """Set a 1-D DSD's stride (CSL `@set_dsd_stride`)."""
    return MemDSD(d.arr, d.offset, d.e0, np.int64(s), d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


# -- run-time DSDs (built and changed in task bodies) ------------------------------------------

def _with_length(d, n):
    """`d` with extent `n` (plain Python twin of the overload below)."""
    if isinstance(d, FabDSD):
        return FabDSD(d.kind, d.color, d.queue, n, d.control)
    return MemDSD(d.arr, d.offset, n, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@overload(_with_length)
def _ol_with_length(d, n):
    if isinstance(d, nbtypes.BaseNamedTuple) and d.instance_class is FabDSD:
        return lambda d, n: FabDSD(d.kind, d.color, d.queue, n, d.control)
    return lambda d, n: MemDSD(d.arr, d.offset, n, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)


@lowers("mem1d", defaults={"extent": -1})
def _mem1d(st, pe, arr, extent, offset, stride):
    """A 1-D memory DSD built in a task body (CSL `@get_dsd(mem1d_dsd, ...)` with run-time
    fields). Nothing is read or written here: an op using it checks that it stays inside
    `arr` (a DSD may point past its array between uses, as in CSL)."""
    flat = arr.reshape(arr.size)
    off = np.int64(offset)
    s = np.int64(stride)
    e = np.int64(extent)
    if e < 0:                    # extent left out: what fits from offset with stride
        if s == 0:
            e = np.int64(flat.size)
        elif s > 0:
            e = max(np.int64(0), (flat.size - off + s - 1) // s)
        else:
            e = off // -s + 1
    one, zero = np.int64(1), np.int64(0)
    return MemDSD(flat, off, e, s, one, zero, one, zero, one, zero)


@register_jitable
def _dsd_fault(st, addr, size, offset, e0, s0, e1, s1, e2, s2, e3, s3):
    """Record which element a DSD reaching outside its array reaches (sim/faults.py), so the
    error names the array, the element and the user's line in both modes."""
    lo = offset
    hi = offset
    for e, s in ((e0, s0), (e1, s1), (e2, s2), (e3, s3)):
        if e > 0:
            lo += min(0, (e - 1) * s)
            hi += max(0, (e - 1) * s)
    st.fault[faults.KIND] = faults.DSD
    st.fault[faults.VALUE] = lo if lo < 0 else hi
    st.fault[faults.LIMIT] = size
    st.fault[faults.ADDR] = addr


# -- DSRs (CSL @load_to_dsr and DSR operands; the register layout is dsl/dsr.py's) ----------------

@register_jitable
def _fill_dsr(st, row, reg, is_dst):
    """An op operand from a DSR: its loaded row, the array's address rebuilt from the
    register's own, a memory DSD checked against its array as any operand is."""
    if reg[R.KIND] == ops.K_NONE:
        raise ValueError("a DSR is used before pw.load_to_dsr loaded it")
    if (is_dst and reg[R.KIND] == ops.K_FABIN) or (not is_dst and reg[R.KIND] == ops.K_FABOUT):
        raise TypeError("a DSR holding a fabin is no destination, one holding a fabout no "
                        "source")
    for f in range(ops.NF):
        row[f] = reg[f]
    if row[ops.KIND] == ops.K_MEM:
        row[ops.ADDR] = reg.ctypes.data - st.arena.ctypes.data + np.int64(reg[R.REL])
        d = MemDSD(reg, np.int64(reg[R.OFF]), np.int64(reg[R.E0]), np.int64(reg[R.S0]),
                   np.int64(reg[R.E1]), np.int64(reg[R.S1]), np.int64(reg[R.E2]),
                   np.int64(reg[R.S2]), np.int64(reg[R.E3]), np.int64(reg[R.S3]))
        lo, hi = _span(d)
        if dsd_length(d) > 0 and (lo < 0 or hi >= reg[R.SIZE]):
            _dsd_fault(st, row[ops.ADDR], np.int64(reg[R.SIZE]), d.offset, d.e0, d.s0, d.e1,
                       d.s1, d.e2, d.s2, d.e3, d.s3)
            raise IndexError("DSD reaches outside its array")


@register_jitable
def _span(d):
    lo = d.offset
    hi = d.offset
    for e, s in ((d.e0, d.s0), (d.e1, d.s1), (d.e2, d.s2), (d.e3, d.s3)):
        if e > 0:
            lo += min(0, (e - 1) * s)
            hi += max(0, (e - 1) * s)
    return lo, hi


def _dsr_completion(x, cfg):
    """(async_, activate, unblock, ut_id) of an op, taking a DSR's async load options into
    account (the op's own ut_id= first, then the load's)."""
    if isinstance(x, DsrVal) and x.reg[R.ASYNC]:
        return (True, np.int64(x.reg[R.ACT]), np.int64(x.reg[R.UNB]),
                cfg[3] if cfg[3] >= 0 else np.int64(x.reg[R.UT]))
    return cfg


@overload(_dsr_completion)
def _ol_dsr_completion(x, cfg):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is DsrVal:
        def impl(x, cfg):
            if x.reg[R.ASYNC]:
                return (True, np.int64(x.reg[R.ACT]), np.int64(x.reg[R.UNB]),
                        cfg[3] if cfg[3] >= 0 else np.int64(x.reg[R.UT]))
            return cfg
        return impl
    return lambda x, cfg: cfg


def _dsr_advance(x):
    """After an op, a DSR loaded with save_address points just past what it covered."""
    if isinstance(x, DsrVal) and x.reg[R.SAVE]:
        x.reg[R.OFF] += x.reg[R.E0] * x.reg[R.S0]


@overload(_dsr_advance)
def _ol_dsr_advance(x):
    if isinstance(x, nbtypes.BaseNamedTuple) and x.instance_class is DsrVal:
        def impl(x):
            if x.reg[R.SAVE]:
                x.reg[R.OFF] += x.reg[R.E0] * x.reg[R.S0]
        return impl
    return lambda x: None


@lowers("load_to_dsr")
def _load_to_dsr(st, pe, dsr, d, save_address, async_, activate, unblock, ut_id):
    """Load DSD `d` into `dsr` (CSL `@load_to_dsr`): its operand row, the array's address
    relative to the register and its size, and the options (dsl/dsr.py's layout)."""
    reg = dsr.reg
    row = np.zeros(ops.NF, np.int64)
    size = _load_row(st, row, d)
    for f in range(ops.NF):
        reg[f] = row[f]
    if row[ops.KIND] == ops.K_MEM:
        reg[R.REL] = row[ops.ADDR] - (reg.ctypes.data - st.arena.ctypes.data)
    reg[R.SIZE] = size
    reg[R.SAVE] = 1 if save_address else 0
    reg[R.ASYNC] = 1 if async_ else 0
    reg[R.ACT] = activate
    reg[R.UNB] = unblock
    reg[R.UT] = ut_id


def _load_row(st, row, d):
    """The operand row of a DSD being loaded into a DSR, and its array's size (0: fabric)."""
    if isinstance(d, MemDSD):
        _fill_mem(st, row, d.arr, d.offset, d.e0, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)
        return np.int64(d.arr.size)
    row[ops.KIND] = d.kind
    row[ops.COLOR] = d.color
    row[ops.QUEUE] = d.queue
    row[ops.E0] = d.extent
    row[ops.CTRL] = d.control
    return np.int64(0)


@overload(_load_row)
def _ol_load_row(st, row, d):
    if isinstance(d, nbtypes.BaseNamedTuple) and d.instance_class is MemDSD:
        def mem(st, row, d):
            _fill_mem(st, row, d.arr, d.offset, d.e0, d.s0, d.e1, d.s1, d.e2, d.s2, d.e3, d.s3)
            return np.int64(d.arr.size)
        return mem

    def fab(st, row, d):
        row[ops.KIND] = d.kind
        row[ops.COLOR] = d.color
        row[ops.QUEUE] = d.queue
        row[ops.E0] = d.extent
        row[ops.CTRL] = d.control
        return np.int64(0)
    return fab


# -- lowerings in their own modules (each imports `lowers` from here) ----------------------------

from . import configregs as _configregs  # noqa: E402,F401  (@get_config, @set_config)
from . import filters as _filters  # noqa: E402,F401  (dfilt, get_filter_id, tile_config.filters)
from . import fpexcept as _fpexcept  # noqa: E402,F401  (<tile_config> exceptions: the FP mask)
from . import mapops as _mapops  # noqa: E402,F401  (@map's loop parts)
from . import primitives as _primitives  # noqa: E402,F401  (the SDK libraries' internal primitives)
from . import prng as _prng  # noqa: E402,F401  (@random16, @set_active_prng)
from . import queueflush as _queueflush  # noqa: E402,F401  (wse3 queue flushes, queue status)
from . import scalars as _scalars  # noqa: E402,F401  (@bitcast, @get_int, pointers)
from . import taskprio as _taskprio  # noqa: E402,F401  (<tile_config> task priority)
from . import tileconfig as _tileconfig  # noqa: E402,F401  (<tile_config>'s lowerings)
from .costs import C_DSD_ASYNC_START, C_DSD_START, C_SIMD, C_TASK_SWITCH  # noqa: E402  (_start's charges)
