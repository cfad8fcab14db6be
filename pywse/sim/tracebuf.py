"""A run's trace events, recorded by the engine into preallocated arrays (`SdkRuntime(...,
trace=PATH)`; host/trace.py writes them to a Perfetto file).

The scheduler, the fabric and the DSD builtins call `record` (and the helpers below) at the
points the cycle account (account.py) already books: a task's end, an op's end, the end of a
wait, a hop, a queue's change. These are numba `register_jitable` functions run by compiled
and plain-Python tasks alike (the plain bodies call the same builtins, the scheduler is
compiled in both), so jit=True and jit=False record the same events. A run without a trace
has one-row stand-ins and pays one test of `trc_cfg[ON]` at each of these points.

Rows of `trc` (int64): (kind, cycle, PE, a, b, c):

- EV_TASK: a task ran from `cycle` to `b` (its CE busy: switch, body, waits); a = its row
  (the engine's (image, task) number), c = the cycles it waited in blocking ops;
- EV_OP: a DSD op ran from `cycle` to `b` in microthread slot a (ops.MAIN: synchronous),
  c = its op code (ops.OPS);
- EV_STALL: an op in slot a could not move from `cycle` to `b`; c = the cause, a `q_stall`
  column (account.STALL_*: input queue empty, output queue full, FIFO);
- EV_QUEUE: input queue a of the PE holds b wavelets from `cycle` on;
- EV_FLOW: a wavelet of color c left the PE's router at `cycle` for PE a, arriving at b.

`trc_cfg` holds the switches and the counts (CFG_*); `trc_pe` is 1 for the PEs traced
(`trace_pes`), and CFG_COLORS a bit per color traced (`trace_colors`). The host drains the
rows whenever half the buffer is used (`counters[HOST_IO]` bit IO_TRACE stops the run at the
next task or cycle), so the buffer stays small; the event budget bounds the whole file. What
does not fit is not silently cut: the cycle of the first event dropped for the budget
(CFG_FULL_AT) or for a full buffer (CFG_BUF_FULL_AT) is kept, and the file says it.
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from . import ops
from .costs import C_TASK_SWITCH

EV_TASK, EV_OP, EV_STALL, EV_QUEUE, EV_FLOW = range(5)
N_FIELDS = 6
(CFG_ON, CFG_N, CFG_LEFT, CFG_FULL_AT, CFG_BUF_FULL_AT, CFG_FLOWS, CFG_FLOW_LIMIT,
 CFG_FLOW_EVERY, CFG_SAMPLED_AT, CFG_COLORS) = range(10)
N_CFG = 10
IO_TRACE = 4            # counters[fabric.HOST_IO] bit: the trace buffer wants draining
HOST_IO = 6             # fabric.HOST_IO (fabric imports this module)

BUFFER_ROWS = 1 << 16   # events held between drains (3 MiB)
BUDGET = 5_000_000      # events a trace file takes at most, by default
FLOW_LIMIT = 100_000    # wavelet hops drawn as flows before sampling ...
FLOW_EVERY = 16         # ... then one hop in this many


def arrays(npe: int, pes: np.ndarray, colors: int, budget: int = BUDGET) -> dict:
    """The state arrays of a traced run (the default state has one-row stand-ins, off):
    `pes` a 0/1 flag per PE, `colors` a bit per color."""
    cfg = np.zeros(N_CFG, np.int64)
    cfg[CFG_ON] = 1
    cfg[CFG_LEFT] = budget
    cfg[CFG_FULL_AT] = cfg[CFG_BUF_FULL_AT] = cfg[CFG_SAMPLED_AT] = -1
    cfg[CFG_FLOW_LIMIT], cfg[CFG_FLOW_EVERY] = FLOW_LIMIT, FLOW_EVERY
    cfg[CFG_COLORS] = colors
    return {"trc": np.zeros((BUFFER_ROWS, N_FIELDS), np.int64), "trc_cfg": cfg,
            "trc_pe": np.asarray(pes, np.uint8).reshape(npe)}


def off() -> dict:
    """The stand-ins of a run without a trace."""
    return {"trc": np.zeros((1, N_FIELDS), np.int64), "trc_cfg": np.zeros(N_CFG, np.int64),
            "trc_pe": np.zeros(1, np.uint8)}


@register_jitable
def on(st, pe):
    """Is `pe` traced? (False at once when the run has no trace.)"""
    return st.trc_cfg[CFG_ON] != 0 and st.trc_pe[pe] != 0


@register_jitable
def record(st, kind, t, pe, a, b, c):
    """Append one event (the caller checked `on`)."""
    cfg = st.trc_cfg
    if cfg[CFG_LEFT] <= 0:
        if cfg[CFG_FULL_AT] < 0:
            cfg[CFG_FULL_AT] = t
        return
    n = cfg[CFG_N]
    if n >= st.trc.shape[0]:             # the host has not drained it yet: dropped, said
        if cfg[CFG_BUF_FULL_AT] < 0 or t < cfg[CFG_BUF_FULL_AT]:
            cfg[CFG_BUF_FULL_AT] = t
        return
    row = st.trc[n]
    row[0], row[1], row[2], row[3], row[4], row[5] = kind, t, pe, a, b, c
    cfg[CFG_N] = n + 1
    cfg[CFG_LEFT] -= 1
    if n + 1 >= st.trc.shape[0] // 2:
        st.counters[HOST_IO] |= IO_TRACE


@register_jitable
def task(st, pe, row, start, end, wait):
    if on(st, pe):
        record(st, EV_TASK, start, pe, row, end, wait)


@register_jitable
def op(st, pe, slot, code, start, end):
    if on(st, pe):
        record(st, EV_OP, start, pe, slot, end, code)


@register_jitable
def stall(st, pe, slot, cause, start, end):
    if on(st, pe) and end > start:
        record(st, EV_STALL, start, pe, slot, end, cause)


@register_jitable
def queue(st, pe, q, t):
    if on(st, pe):
        record(st, EV_QUEUE, t, pe, q, st.iq_count[pe, q], 0)


@register_jitable
def hop(st, pe, npe, c, t, arrive):
    """A wavelet of color `c` leaves `pe` for `npe`: a flow, while under the flow limit,
    then one in CFG_FLOW_EVERY (the cycle sampling began is kept)."""
    if not on(st, pe) or not (st.trc_cfg[CFG_COLORS] >> c) & 1:
        return
    cfg = st.trc_cfg
    k = cfg[CFG_FLOWS]
    cfg[CFG_FLOWS] = k + 1
    if k >= cfg[CFG_FLOW_LIMIT]:
        if cfg[CFG_SAMPLED_AT] < 0:
            cfg[CFG_SAMPLED_AT] = t
        if (k - cfg[CFG_FLOW_LIMIT]) % cfg[CFG_FLOW_EVERY]:
            return
    record(st, EV_FLOW, t, pe, npe, arrive, c)


@register_jitable
def fabins(st, pe, slot, code, t):
    """The input queues op `code` in `slot` reads (its fabin operands), after it moved at
    `t` (the caller checked `on`)."""
    rows = st.ut_opnd[pe, slot]
    for k in range(1, ops.OP_NSRC[code] + 1):
        if rows[k, ops.KIND] == ops.K_FABIN:
            queue(st, pe, rows[k, ops.QUEUE], t)


@register_jitable
def _sync_start(st, pe, t_in, charged):
    """Where a synchronous op that was charged `charged` cycles, entered at cycle `t_in`,
    is drawn from: where its task body reached it (a body runs at once at its task's start,
    the waits before it counted in)."""
    return max(st.task_start[pe], t_in) + st.cost[C_TASK_SWITCH] + st.cycles[pe] - charged


@register_jitable
def sync_stall(st, pe, cause, since, until, t_in, charged):
    """A synchronous op waited on `cause` from cycle `since` to `until`: drawn inside the op,
    from its start on."""
    if on(st, pe):
        start = _sync_start(st, pe, t_in, charged)
        stall(st, pe, ops.MAIN, cause, start + since - t_in, start + until - t_in)


@register_jitable
def sync_op(st, pe, code, t_in, charged, stalled, since):
    """A synchronous op is done (the caller checked `on`): its last stall (cause `stalled`,
    -1 none, from cycle `since`), the queues it read, the op."""
    start = _sync_start(st, pe, t_in, charged)
    end = start + charged + st.now[0] - t_in
    if stalled >= 0:
        stall(st, pe, ops.MAIN, stalled, start + since - t_in, start + st.now[0] - t_in)
    fabins(st, pe, ops.MAIN, code, end)
    op(st, pe, ops.MAIN, code, start, end)
