"""DSD operations as data: an op table, operand descriptors, and the one executor that runs them.

Every DSD builtin becomes an op code plus up to four operand descriptors (destination first).
The executor moves one element at a time, reading and writing 16/32-bit words: memory through
the PE arena, fabric operands through the PE's input/output queues. A synchronous op runs in
the task that called it; an async op with a fabric operand lives in a microthread slot and is
stepped by the fabric loop, one element per cycle, stalling on an empty input queue or a full
output queue. Element semantics (`element`) exist once, for both.
"""
from __future__ import annotations

import math

import numba
import numpy as np
from numba.extending import register_jitable

from ..dsl.signatures import TABLE
from . import cslops, fpflags

# operand descriptor fields (an int64 row)
KIND, ADDR, OFF, E0, S0, E1, S1, E2, S2, E3, S3, WIDTH, QUEUE, CTRL = range(14)
COLOR = ADDR
"""A fabric operand's color sits in the ADDR word (a fabric operand has no address): a
fabout's wavelets leave on it, whatever else its output queue carried before (wse2's output
queues take no color)."""
NF = 14
K_NONE, K_MEM, K_SCALAR, K_FABIN, K_FABOUT, K_FIFO = range(6)

# op codes; the number of sources and the element widths come from each op's signature
# (dsl/signatures.py): name -> (code, number of sources, destination element bytes)
_CODES = {"mov32": 1, "fmovs": 2, "mov16": 3, "fmovh": 4, "fadds": 5, "fsubs": 6, "fmuls": 7,
          "fmaxs": 8, "fmacs": 9, "fnegs": 10, "faddh": 11, "fsubh": 12, "fmulh": 13,
          "fmaxh": 14, "fmach": 15, "fnegh": 16, "add16": 17, "sub16": 18, "and16": 19,
          "or16": 20, "xor16": 21, "fh2s": 22, "fs2h": 23, "addc16": 24, "sar16": 25,
          "sll16": 26, "slr16": 27, "clz": 28, "ctz": 29, "popcnt": 30, "fabss": 31,
          "fabsh": 32, "faddhs": 33, "fmachs": 34, "fscales": 35, "fscaleh": 36,
          "fh2xp16": 37, "fs2xp16": 38, "xp162fh": 39, "xp162fs": 40, "dfilt": 41}
ADDC16 = _CODES["addc16"]
DFILT = _CODES["dfilt"]       # no element op: run_slot hands it to _dfilt_run
OPS = {name: (code, TABLE[name].nargs - 1, TABLE[name].width[0]) for name, code in _CODES.items()}
# SIMD width per op (wse2, wse3) for the timing model (CSL-LIBRARIES §3.2-3.4); width 1 where
# the SDK table is silent (fmuls, fmacs, clz, ctz, popcnt)
SIMD = {"mov32": (2, 4), "fmovs": (2, 4), "mov16": (4, 8), "fmovh": (4, 8), "fadds": (2, 4),
        "fsubs": (2, 4), "fmuls": (1, 1), "fmaxs": (1, 4), "fmacs": (1, 1), "fnegs": (2, 4),
        "faddh": (4, 8), "fsubh": (4, 8), "fmulh": (4, 8), "fmaxh": (1, 8), "fmach": (4, 8),
        "fnegh": (4, 8), "add16": (4, 8), "sub16": (4, 8), "and16": (4, 8), "or16": (4, 8),
        "xor16": (4, 8), "fh2s": (1, 4), "fs2h": (1, 4), "addc16": (1, 8), "sar16": (1, 4),
        "sll16": (1, 4), "slr16": (1, 4), "clz": (1, 1), "ctz": (1, 1), "popcnt": (1, 1),
        "fabss": (2, 4), "fabsh": (4, 8), "faddhs": (2, 4), "fmachs": (2, 4),
        "fscales": (2, 4), "fscaleh": (4, 8), "fh2xp16": (1, 8), "fs2xp16": (1, 4),
        "xp162fh": (1, 8), "xp162fs": (1, 4), "dfilt": (1, 1)}

OP_NAMES = {code: name for name, (code, _, _) in OPS.items()}
MAX_OPS = 48
OP_NSRC = np.zeros(MAX_OPS, np.int64)
OP_DST_WIDTH = np.zeros(MAX_OPS, np.int64)
OP_SRC_WIDTH = np.zeros((MAX_OPS, 3), np.int64)   # element bytes of each source
OP_KIND = np.zeros((MAX_OPS, 4), np.int64)  # how a number operand is encoded: 0 int, 1 f32, 2 f16
OP_SIMD = np.ones((MAX_OPS, 2), np.int64)
for _name, (_code, _nsrc, _w) in OPS.items():
    OP_NSRC[_code] = _nsrc
    OP_DST_WIDTH[_code] = _w
    for _k, _t in enumerate(TABLE[_name].types):
        if _k:
            OP_SRC_WIDTH[_code, _k - 1] = TABLE[_name].width[_k]
        OP_KIND[_code, _k] = {"f": 1, "h": 2}.get(_t, 0)
    OP_SIMD[_code] = SIMD[_name]

# microthread slots: 0..7 are the hardware's microthreads, MAIN the calling task's own op
N_SLOTS = 9
MAIN = 8


# -- bit casts (through a scratch word, which works the same interpreted and compiled) -------

@register_jitable
def as_f32(st, bits):
    st.scratch32[0] = np.uint32(bits)
    return st.scratchf[0]


@register_jitable
def f32_bits(st, x):
    st.scratchf[0] = np.float32(x)
    return np.uint32(st.scratch32[0])


@register_jitable
def _h(bits):
    return cslops.f16_bits_to_f32(np.uint16(bits & 0xFFFF))


@register_jitable
def _hb(x):
    return np.uint32(cslops.f32_to_f16_bits(np.float32(x)))


@register_jitable
def _fmax(x, y):
    return x if x >= y or y != y else y


@register_jitable
def element(st, code, a, b, c):
    """One element of op `code` on 32-bit words a, b, c (16-bit data in the low half)."""
    if code == 1 or code == 2:
        return np.uint32(a)
    if code == 3 or code == 4:
        return np.uint32(a & 0xFFFF)
    if code == 5:
        return f32_bits(st, as_f32(st, a) + as_f32(st, b))
    if code == 6:
        return f32_bits(st, as_f32(st, a) - as_f32(st, b))
    if code == 7:
        return f32_bits(st, as_f32(st, a) * as_f32(st, b))
    if code == 8:
        return f32_bits(st, _fmax(as_f32(st, a), as_f32(st, b)))
    if code == 9:   # fmacs: a + b * c, product rounded to f32, then the sum
        p = as_f32(st, b) * as_f32(st, c)
        return f32_bits(st, as_f32(st, a) + p)
    if code == 10:
        return np.uint32(a ^ 0x80000000)
    if code == 11:
        return _hb(_h(a) + _h(b))
    if code == 12:
        return _hb(_h(a) - _h(b))
    if code == 13:
        return _hb(_h(a) * _h(b))
    if code == 14:
        return _hb(_fmax(_h(a), _h(b)))
    if code == 15:  # fmach: a + b * c, each step rounded to f16
        return _hb(_h(a) + _h(_hb(_h(b) * _h(c))))
    if code == 16:
        return np.uint32((a ^ 0x8000) & 0xFFFF)
    if code == 17:
        return np.uint32((a + b) & 0xFFFF)
    if code == 18:
        return np.uint32((a - b) & 0xFFFF)
    if code == 19:
        return np.uint32(a & b & 0xFFFF)
    if code == 20:
        return np.uint32((a | b) & 0xFFFF)
    if code == 21:
        return np.uint32((a ^ b) & 0xFFFF)
    if code == 22:
        return f32_bits(st, _h(a))
    if code == 23:
        return _hb(as_f32(st, a))
    if code <= 30:
        return _integer(code, a, b, c)
    if code == 31:
        return np.uint32(a & 0x7FFFFFFF)
    if code == 32:
        return np.uint32(a & 0x7FFF)
    if code == 33:  # faddhs: f32 + f16
        return f32_bits(st, as_f32(st, a) + _h(b))
    if code == 34:  # fmachs: f32 + f16 * f16; the product is exact in f32 (22 bits)
        return f32_bits(st, as_f32(st, a) + _h(b) * _h(c))
    if code == 35:
        return f32_bits(st, _scale(as_f32(st, a), b))
    if code == 36:
        return _hb(_scale(_h(a), b))
    if code == 37:
        return _to_i16(_h(a))
    if code == 38:
        return _to_i16(as_f32(st, a))
    if code == 39:
        return _hb(np.float32(_signed16(a)))
    if code == 40:
        return f32_bits(st, np.float32(_signed16(a)))
    raise ValueError("unknown DSD op")


@register_jitable
def _signed16(x):
    v = np.int64(x) & 0xFFFF
    return v - 0x10000 if v >= 0x8000 else v


@register_jitable
def _integer(code, a, b, c):
    """The 16-bit integer ops of codes 24..30 (addc16's `c` is the carry in; it returns the
    17-bit sum, run_slot keeps bit 16 as the next element's carry)."""
    x = np.int64(a) & 0xFFFF
    n = np.int64(b) & 0xFFFF     # shift counts: unsigned 16-bit
    if code == 24:
        return np.uint32(x + n + (np.int64(c) & 1))
    if code == 25:
        return np.uint32(_signed16(x) >> min(n, 15) & 0xFFFF)
    if code == 26:
        return np.uint32((x << n) & 0xFFFF if n < 16 else 0)
    if code == 27:
        return np.uint32(x >> n if n < 16 else 0)
    count = 0
    if code == 28:
        while count < 16 and not (x >> (15 - count)) & 1:
            count += 1
    elif code == 29:
        while count < 16 and not (x >> count) & 1:
            count += 1
    else:
        while x:
            count += x & 1
            x >>= 1
    return np.uint32(count)


@register_jitable
def _scale(x, k):
    """x * 2**k for an i16 k, exact in float64 before the caller's one rounding (f32 or f16
    results that need more range than float64 are 0 or inf either way)."""
    return math.ldexp(np.float64(x), int(_signed16(k)))


@register_jitable
def _to_i16(x):
    """A float to i16: toward zero (as CSL's @as), saturated, NaN -> 0 (pywse's choice)."""
    if x != x:
        return np.uint32(0)
    if x >= 32767.0:
        return np.uint32(0x7FFF)
    if x <= -32768.0:
        return np.uint32(0x8000)
    return np.uint32(np.int64(x) & 0xFFFF)


# -- operands -----------------------------------------------------------------------------------

@register_jitable
def operand_length(o):
    if o[KIND] == K_MEM:
        return o[E0] * o[E1] * o[E2] * o[E3]
    if o[KIND] == K_FABIN or o[KIND] == K_FABOUT:
        return o[E0]
    return -1  # a scalar fits any length


@register_jitable
def stride_width(o, simd):
    """The SIMD width a memory operand allows an op of width `simd`: its innermost stride
    (in elements) decides which banks its elements sit in (the SDK's appendix): 0, 1 and
    strides of 2, 3, 5 or 6 mod 8 keep the full width; 1 or 7 mod 8 (not 1 itself) and 4 mod
    8 give 2 (the appendix gives 2 and 4 for the latter: pywse takes 2); 0 mod 8 gives 1."""
    if o[KIND] != K_MEM or o[E0] < 2:
        return simd
    s = abs(o[S0]) % 8
    if o[S0] == 0 or abs(o[S0]) == 1 or s == 2 or s == 3 or s == 5 or s == 6:
        return simd
    return min(simd, 1 if s == 0 else 2)


@register_jitable
def _mem_index(o, i):
    if o[E1] == 1 and o[E2] == 1 and o[E3] == 1:
        return o[OFF] + i * o[S0]
    i0 = i % o[E0]
    r = i // o[E0]
    i1 = r % o[E1]
    r = r // o[E1]
    i2 = r % o[E2]
    i3 = r // o[E2]
    return o[OFF] + i0 * o[S0] + i1 * o[S1] + i2 * o[S2] + i3 * o[S3]


@register_jitable
def low_halves(o):
    """View a memory operand over 32-bit elements as their low 16-bit halves (a 16-bit op on
    a u32 DSD, which cslc accepts): the same elements, counted in 16-bit words."""
    o[OFF] *= 2
    o[S0] *= 2
    o[S1] *= 2
    o[S2] *= 2
    o[S3] *= 2
    o[WIDTH] = 2


@register_jitable
def _read(st, pe, o, i):
    k = o[KIND]
    if k == K_SCALAR:
        return np.uint32(o[ADDR])
    if k == K_MEM:
        byte = o[ADDR] + _mem_index(o, i) * o[WIDTH]
        if o[WIDTH] == 2:
            return np.uint32(st.arena16[byte >> 1])
        return np.uint32(st.arena32[byte >> 2])
    q = o[QUEUE]
    if k == K_FIFO:
        return _fifo_word(st, pe, q, st.fifo_head[pe, q])
    return np.uint32(st.iq_buf[pe, q, st.iq_head[pe, q]])


@register_jitable
def _fifo_word(st, pe, f, slot):
    byte = st.fifo_addr[pe, f] + slot * st.fifo_width[pe, f]
    if st.fifo_width[pe, f] == 2:
        return np.uint32(st.arena16[byte >> 1])
    return np.uint32(st.arena32[byte >> 2])


@register_jitable
def _write(st, pe, o, i, bits, width):
    if o[KIND] == K_MEM:
        byte = o[ADDR] + _mem_index(o, i) * o[WIDTH]
        if o[WIDTH] == 2:
            st.arena16[byte >> 1] = np.uint16(bits & 0xFFFF)
        else:
            st.arena32[byte >> 2] = np.uint32(bits)
        return
    q = o[QUEUE]
    if o[KIND] == K_FIFO:
        slot = (st.fifo_head[pe, q] + st.fifo_count[pe, q]) % st.fifo_cap[pe, q]
        byte = st.fifo_addr[pe, q] + slot * st.fifo_width[pe, q]
        if st.fifo_width[pe, q] == 2:
            st.arena16[byte >> 1] = np.uint16(bits & 0xFFFF)
        else:
            st.arena32[byte >> 2] = np.uint32(bits)
        st.fifo_count[pe, q] += 1
        return
    cap = st.oq_buf.shape[2]
    slot = (st.oq_head[pe, q] + st.oq_count[pe, q]) % cap
    st.oq_buf[pe, q, slot] = np.uint32(bits & 0xFFFF) if width == 2 else np.uint32(bits)
    st.oq_ctl[pe, q, slot] = np.uint8(o[CTRL])
    st.oq_wcol[pe, q, slot] = np.int8(o[COLOR])
    st.oq_count[pe, q] += 1
    st.oq_mask[pe] |= np.uint8(1 << q)


@register_jitable
def _can_step(st, pe, ops, nsrc):
    """Every fabric input has a data wavelet and every fabric output has room."""
    for k in range(nsrc + 1):
        o = ops[k]
        q = o[QUEUE]
        if o[KIND] == K_FABIN:
            if st.iq_count[pe, q] == 0 or st.iq_ctl[pe, q, st.iq_head[pe, q]] != 0:
                return False
        elif o[KIND] == K_FABOUT:
            if st.oq_count[pe, q] >= st.oq_cap[q]:
                return False
        elif o[KIND] == K_FIFO:
            if k == 0 and st.fifo_count[pe, q] >= st.fifo_cap[pe, q]:
                return False
            if k > 0 and st.fifo_count[pe, q] == 0:
                return False
    return True


@register_jitable
def run_slot(st, pe, slot, budget):
    """Advance the op in `slot` by up to `budget` elements. Returns elements done (-1: none
    possible now); frees the slot and fires the completion action when the op finishes."""
    code = st.ut_code[pe, slot]
    if code == DFILT:
        return _dfilt_run(st, pe, slot, budget)
    ops = st.ut_opnd[pe, slot]
    nsrc = OP_NSRC[code]
    width = OP_DST_WIDTH[code]
    n = st.ut_len[pe, slot]
    done = 0
    while st.ut_pos[pe, slot] < n and done < budget:
        if not _can_step(st, pe, ops, nsrc):
            break
        i = st.ut_pos[pe, slot]
        a = _read(st, pe, ops[1], i)
        b = _read(st, pe, ops[2], i) if nsrc >= 2 else np.uint32(0)
        c = _read(st, pe, ops[3], i) if nsrc >= 3 else np.uint32(0)
        if code == ADDC16:     # the carry chain lives in the unused third source row
            c = np.uint32(ops[3, ADDR])
        for k in range(1, nsrc + 1):
            q = ops[k, QUEUE]
            if ops[k, KIND] == K_FABIN:
                st.iq_head[pe, q] = (st.iq_head[pe, q] + 1) % st.iq_buf.shape[2]
                st.iq_count[pe, q] -= 1
                if st.iq_count[pe, q] == 0:
                    queue_emptied(st, pe, 0, q)
            elif ops[k, KIND] == K_FIFO:
                st.fifo_head[pe, q] = (st.fifo_head[pe, q] + 1) % st.fifo_cap[pe, q]
                st.fifo_count[pe, q] -= 1
        r = element(st, code, a, b, c)
        if st.fp_info[0] and st.fp_mask[pe, 0]:      # a PE unmasked an FP exception
            hit = fpflags.dsd_flags(st, code, a, b, c, r) & st.fp_mask[pe, 0]
            if hit:
                fpflags.halt(st, pe, slot, slot == MAIN, code, hit, i, a, b)
        if code == ADDC16:
            ops[3, ADDR] = np.int64(r >> 16)
        _write(st, pe, ops[0], i, r, width)
        st.ut_pos[pe, slot] = i + 1
        done += 1
    if st.ut_pos[pe, slot] >= n:
        _retire(st, pe, slot)
    if done > 0:
        activate(st, pe)     # queues it read or wrote may let its router move again
    return done if done > 0 or n == 0 else -1


@register_jitable
def _retire(st, pe, slot):
    """The op in `slot` is done: free the slot, run its completion action."""
    st.ut_code[pe, slot] = 0
    st.ut_mask[pe] &= ~np.uint16(1 << slot)
    act = st.ut_act[pe, slot]
    unb = st.ut_unb[pe, slot]
    if act >= 0:
        st.task_state[pe, act] |= np.uint8(1)
    if unb >= 0:
        st.task_state[pe, unb] &= ~np.uint8(2)
    notify(st, pe)


COUNTED = np.uint8(2)
"""`iq_ctl` bit of a control wavelet a `@dfilt` has counted (bit 0: it is a control wavelet)."""


@register_jitable
def _dfilt_run(st, pe, slot, budget):
    """`@dfilt` on input queue q (`ut_len` = the fabin's extent): while fewer than `extent`
    control wavelets have reached the head of q, drop the data wavelets there, one per step.
    A control wavelet is counted once, when it reaches the head, and stays for the CE (its
    control task, sched.py); the filter waits behind it until the CE has taken it."""
    if slot == MAIN:
        raise ValueError("pw.dfilt runs async only: load the DSR with async_=True")
    q = st.ut_opnd[pe, slot, 1, QUEUE]
    n = st.ut_len[pe, slot]
    cap = st.iq_buf.shape[2]
    done = 0
    while st.ut_pos[pe, slot] < n and done < budget and st.iq_count[pe, q] > 0:
        h = st.iq_head[pe, q]
        mark = st.iq_ctl[pe, q, h]
        if mark == 0:                  # a data wavelet: dropped
            h = (h + 1) % cap
            st.iq_head[pe, q] = h
            st.iq_count[pe, q] -= 1
            mark = st.iq_ctl[pe, q, h] if st.iq_count[pe, q] > 0 else np.uint8(0)
            if mark != 0 and not mark & COUNTED:   # a control wavelet it uncovered has
                st.iq_ctl[pe, q, h] = mark | COUNTED   # reached the head: counted now,
                st.ut_pos[pe, slot] += 1               # before the CE may take it
        elif mark & COUNTED:           # counted already: the CE has not taken it yet
            break
        else:
            st.iq_ctl[pe, q, h] = mark | COUNTED
            st.ut_pos[pe, slot] += 1
        done += 1
    if st.ut_pos[pe, slot] >= n:
        _retire(st, pe, slot)
    if done > 0:
        activate(st, pe)     # a slot freed in q: its router may deliver again
    return done if done > 0 or n == 0 else -1


@register_jitable
def notify(st, pe):
    """Tell the engine PE `pe` may have a task to run (its wake list, drained by Python)."""
    if st.wake[pe] == 0:
        st.wake[pe] = 1
        st.wake_list[st.n_wake[0]] = pe
        st.n_wake[0] += 1


QF_ARMED, QF_STATUS = 0, 2
"""Rows of `qflush[pe]` (+ 0 input, + 1 output queues): armed by @queue_flush and not yet
empty; the flush status register (`<tile_config>` queue_flush.iq_status / oq_status)."""
TEARDOWN_TASK = 29


@register_jitable
def queue_emptied(st, pe, side, q):
    """Queue `q` of `pe` (side 0 input, 1 output) has just become empty: if @queue_flush armed
    it, its flush status bit is set and the teardown task activated (sim/queueflush.py)."""
    bit = np.uint8(1 << q)
    if st.qflush[pe, QF_ARMED + side] & bit:
        st.qflush[pe, QF_ARMED + side] &= ~bit
        st.qflush[pe, QF_STATUS + side] |= bit
        st.task_state[pe, TEARDOWN_TASK] |= np.uint8(1)
        notify(st, pe)


@register_jitable
def activate(st, pe):
    """Put PE `pe` on the fabric's active list (again): something it holds may move now.
    `poked` keeps it there at least one more cycle, for wavelets that arrived this cycle."""
    st.poked[pe] = 1
    if not st.on_list[pe]:
        st.on_list[pe] = 1
        st.active[st.n_active[0]] = pe
        st.n_active[0] += 1


# -- blocking: a synchronous fabric op that cannot move lets the rest of the machine run ---------

WAITERS: dict = {}
"""engine id -> callable(pe) that advances the simulation (registered by engine.Engine)."""


def _wait(engine_id, pe):
    WAITERS[engine_id](pe)


@register_jitable
def wait_for_fabric(st, pe):
    """Called by a sync fabric op that is stuck: run the rest of the machine a little. From
    compiled code this drops into Python (numba objmode); the engine raises DeadlockError
    when nothing anywhere can move."""
    engine_id = st.config[2]
    with numba.objmode():
        _wait(engine_id, pe)
