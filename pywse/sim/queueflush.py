"""What queue flushes and queue status do (signatures: `pw.queue_flush` in dsl/signatures.py,
`<tile_config>`'s `queue_flush`, `input_queue_status`, `output_queue_status` in
dsl/tileprims.py).

A queue reaches these calls as its code (dsl/queues.py: input queue q is q, output queue q is
8 + q). `pw.queue_flush(q)` arms the queue in `qflush[pe, QF_ARMED + side]`; the moment it is
empty (at once if it is) `ops.queue_emptied` moves its bit to the flush status register
`qflush[pe, QF_STATUS + side]` and activates the teardown task, whose run (sched.py) calls the
empty-queue handler of each queue whose status bit is set, after the color teardown handler if
a color it serves is pending. The handler resets the bit with `queue_flush.exit(q)`.

An input queue empties when the CE has taken its last wavelet (a data task, a control task, a
fabin op); an output queue when its router has taken its last wavelet. Wavelets keep arriving
meanwhile: a flush stops nothing (docs/semantics.md, "Queue flushes").

A queue status is a u16: bit q set when queue q is empty, bit 8 + q when it is full (it holds
as many wavelets as its depth, `iq_cap` / `oq_cap`); queues an arch does not have (wse2's
output queues 6 and 7) are neither.
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from ..dsl import tileprims as tp
from ..dsl.dsd import FABIN, FABOUT
from . import faults
from .builtins import LOWERINGS, Lowering, lowers
from .ops import QF_ARMED, QF_STATUS, queue_emptied


@lowers("queue_flush")
def _queue_flush(st, pe, code):
    """@queue_flush(q): the teardown task runs once the queue is empty (now, if it is)."""
    side, q = code >> 3, code & 7
    st.qflush[pe, QF_ARMED + side] |= np.uint8(1 << q)
    count = st.iq_count[pe, q] if side == 0 else st.oq_count[pe, q]
    if count == 0:
        queue_emptied(st, pe, side, q)


def _exit(st, pe, code):
    """queue_flush.exit(q): reset the queue's flush status; a status not set is a fault."""
    side, q = code >> 3, code & 7
    bit = np.uint8(1 << q)
    if not st.qflush[pe, QF_STATUS + side] & bit:
        faults.tile_queue(st, faults.TQ_EXIT, code)
        raise ValueError("queue_flush.exit of a queue not flushed")
    st.qflush[pe, QF_STATUS + side] &= ~bit


def _iq_flushed(st, pe):
    """queue_flush.iq_status(): bit q, input queue q emptied after a flush."""
    return np.uint16(st.qflush[pe, QF_STATUS])


def _oq_flushed(st, pe):
    """queue_flush.oq_status(): bit q, output queue q emptied after a flush."""
    return np.uint16(st.qflush[pe, QF_STATUS + 1])


def _is_flushed(st, pe, value, code):
    """queue_flush.is_flushed(value, q)."""
    return ((np.uint16(value) >> np.uint16(code & 7)) & np.uint16(1)) == 1


for _arch in ("wse3", "wse2"):     # wse2's are refused by the checker; the same meaning
    for _fn, _impl in (("exit", _exit), ("iq_status", _iq_flushed),
                       ("oq_status", _oq_flushed), ("is_flushed", _is_flushed)):
        LOWERINGS[tp.QF_PRIMS[_arch, _fn].name] = Lowering(_impl)


@register_jitable
def _status_word(count, cap, pe):
    """A queue status word from the queues' fill (`count[pe, q]`) and depths (`cap[q]`): bit q
    empty, bit 8 + q full; a queue of depth 0 (one the arch does not have) is neither."""
    s = np.uint16(0)
    for q in range(count.shape[1]):
        if cap[q] == 0:
            continue
        n = count[pe, q]
        if n == 0:
            s |= np.uint16(1 << q)
        if n >= cap[q]:
            s |= np.uint16(1 << (8 + q))
    return s


def _iq_status(st, pe):
    """input_queue_status.get()."""
    return _status_word(st.iq_count, st.iq_cap, pe)


def _oq_status(st, pe):
    """output_queue_status.get() (wse2 has output queues 0..5 only)."""
    return _status_word(st.oq_count, st.oq_cap, pe)


def _is_empty(st, pe, s, code):
    return ((np.uint16(s) >> np.uint16(code & 7)) & np.uint16(1)) == 1


def _is_full(st, pe, s, code):
    return ((np.uint16(s) >> np.uint16(8 + (code & 7))) & np.uint16(1)) == 1


for _kind, _status in ((FABIN, _iq_status), (FABOUT, _oq_status)):
    for _fn, _impl in (("get", _status), ("get_raw", _status), ("is_empty", _is_empty),
                       ("is_full", _is_full)):
        LOWERINGS[tp.QS_PRIMS[_kind, _fn].name] = Lowering(_impl)
