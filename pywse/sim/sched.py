"""The CE scheduler, compiled: which PE runs which task next, and the clock between tasks.

One implementation serves both modes: with `jit=False` the engine calls `next_task` and
`finish_task` from Python around plain-Python task bodies; with `jit=True` a generated loop
(dispatch.py) calls them around compiled task bodies without returning to Python.

Rules (SEMANTICS §10, docs/semantics.md): a heap orders PEs with possible work by their
local clock, then index. A PE's CE runs the teardown task's remaining handlers first, then a
host-launched function (memcpy's RPC); otherwise, among the ids at HIGH task priority if one
can run, else among all, round robin over ids from the one after the id it ran last, the
first of: local tasks that are active and unblocked, input queues whose channel is unblocked
with a wavelet at the head (data -> its data task, control -> the control task the wavelet
names). The teardown task (29) of a program with empty-queue handlers runs them (and the
color teardown handler) one after the other (`_teardown_todo`). When no CE can run, the
fabric advances until one can; when nothing moves, the clock jumps to the next CE that frees
up.
"""
from __future__ import annotations

import numba
import numpy as np

from ..dsl.control import NO_ENTRYPOINT
from . import account, fabric, tracebuf
from .builtins import ACTIVE, BLOCKED
from .costs import C_HOP, C_RPC, C_TASK_SWITCH
from .ops import QF_STATUS, TEARDOWN_TASK, queue_emptied

# what next_task found
RUN, EVENT, IDLE, STEPPED, NO_TASK = range(5)
# counters[]: host-visible events, tasks run, the PE and row of the task running, its id,
# PEs that have not started the launched function yet
EVENTS, TASKS_RUN, CUR_PE, CUR_ROW, CUR_ID, RPC_LEFT = range(6)
KIND_LOCAL, KIND_DATA, KIND_CONTROL = range(3)
FOREVER = np.int64(1) << 62


@numba.njit(cache=True)
def _push(st, t, pe):
    n = st.heap_n[0]
    st.heap_t[n] = t
    st.heap_pe[n] = pe
    st.heap_n[0] = n + 1
    while n > 0:
        parent = (n - 1) >> 1
        if not _before(st, n, parent):
            break
        _swap(st, parent, n)
        n = parent


@numba.njit(cache=True)
def _before(st, i, j):
    """Heap order: earlier time first, then the PE with the lower priority number (its index,
    unless a perturbation seed reshuffled them)."""
    if st.heap_t[i] != st.heap_t[j]:
        return st.heap_t[i] < st.heap_t[j]
    return st.pe_prio[st.heap_pe[i]] < st.pe_prio[st.heap_pe[j]]


@numba.njit(cache=True)
def _swap(st, i, j):
    st.heap_t[i], st.heap_t[j] = st.heap_t[j], st.heap_t[i]
    st.heap_pe[i], st.heap_pe[j] = st.heap_pe[j], st.heap_pe[i]


@numba.njit(cache=True)
def _pop(st):
    n = st.heap_n[0] - 1
    st.heap_n[0] = n
    _swap(st, 0, n)
    i = 0
    while True:
        left, small = 2 * i + 1, i
        if left < n and _before(st, left, small):
            small = left
        right = left + 1
        if right < n and _before(st, right, small):
            small = right
        if small == i:
            return
        _swap(st, i, small)
        i = small


PERTURB_CYCLES = 8      # a perturbed run delays each look at a PE by 0..7 cycles ...
LAUNCH_SKEW_CYCLES = 256  # ... and a launch reaches each PE 0..255 cycles late


@numba.njit(cache=True)
def wake(st, pe):
    """Have the scheduler look at PE `pe` once its CE is free (a perturbed run: a few cycles
    later, from its seed, so PEs that were ready together start in another order)."""
    if not st.queued[pe]:
        st.queued[pe] = 1
        delay = 0
        seed = st.config[fabric.CFG_PERTURB]
        if seed:
            mix = (pe + 1) * 0x9E3779B1 ^ (st.counters[TASKS_RUN] + 1) * 0x85EBCA77 ^ seed
            delay = (mix >> 11) % PERTURB_CYCLES
        _push(st, max(st.busy_until[pe], st.now[0]) + delay, pe)


@numba.njit(cache=True)
def _drain_wake_list(st):
    for j in range(st.n_wake[0]):
        pe = st.wake_list[j]
        st.wake[pe] = 0
        wake(st, pe)
    st.n_wake[0] = 0


_BYTE_LSBS = np.uint64(0x0101010101010101)
_GATHER = np.uint64(0x0102040810204080)     # bit 0 of byte i -> bit 56 + i
_DEBRUIJN = np.array([0, 1, 28, 2, 29, 14, 24, 3, 30, 22, 20, 15, 25, 17, 4, 8, 31, 27, 13,
                      23, 21, 19, 16, 7, 26, 12, 18, 6, 11, 5, 10, 9], np.int64)


@numba.njit(cache=True)
def _ready_locals(st, pe):
    """Bit i set: task id i is active and not blocked (8 ids per 64-bit word of flags)."""
    ready = np.uint64(0)
    for k in range(st.task_words.shape[1]):
        flags = st.task_words[pe, k]
        runnable = flags & _BYTE_LSBS & ~((flags >> np.uint64(1)) & _BYTE_LSBS)
        ready |= ((runnable * _GATHER) >> np.uint64(56)) << np.uint64(8 * k)
    return ready


@numba.njit(cache=True)
def _lowest_bit(m):
    """Index of the lowest set bit of a non-zero value below 2**32."""
    low = m & (~m + np.uint64(1))
    return _DEBRUIJN[((low * np.uint64(0x077CB531)) & np.uint64(0xFFFFFFFF)) >> np.uint64(27)]


_ALL_IDS = np.uint64(0xFFFFFFFF)


@numba.njit(cache=True)
def pick(st, pe):
    """(kind, task id, input queue) PE `pe` would run now; kind -1: nothing. Tasks at HIGH
    task priority (`task_hi`, a bit per id; a channel's bit for the wavelets it brings) go
    before the others; within each class, round robin. (The hardware's own rule: a perturbed
    run keeps it.)"""
    hi = np.uint64(st.task_hi[pe])
    if hi:
        kind, tid, q = _pick_among(st, pe, hi)
        if kind >= 0:
            return kind, tid, q
    return _pick_among(st, pe, _ALL_IDS)


@numba.njit(cache=True)
def _pick_among(st, pe, among):
    """`pick` over the ids whose bit `among` has: the first runnable id at or after the one
    following the id that ran last, wrapping."""
    img = st.pe_img[pe]
    n_ids = st.task_state.shape[1]
    start = st.next_tid[pe]
    best_kind, best_key, best_id, best_q = -1, n_ids, -1, -1
    ready = _ready_locals(st, pe) & among
    if ready:
        later = (ready >> np.uint64(start)) << np.uint64(start)
        tid = _lowest_bit(later if later else ready)
        best_kind, best_key, best_id = KIND_LOCAL, (tid - start) % n_ids, tid
    for k in range(st.chan_n[img]):
        chan, q = st.chan_id[img, k], st.chan_q[img, k]
        key = (chan - start) % n_ids
        if key >= best_key or not (among >> np.uint64(chan)) & np.uint64(1):
            continue
        if st.task_state[pe, chan] & BLOCKED or st.iq_count[pe, q] == 0:
            continue
        if st.iq_ctl[pe, q, st.iq_head[pe, q]] != 0:
            best_kind, best_key, best_id, best_q = KIND_CONTROL, key, chan, q
        elif st.chan_data[img, k]:
            best_kind, best_key, best_id, best_q = KIND_DATA, key, chan, q
    return best_kind, best_id, best_q


@numba.njit(cache=True)
def _pop_wavelet(st, pe, q):
    h = st.iq_head[pe, q]
    w = st.iq_buf[pe, q, h]
    st.iq_head[pe, q] = (h + 1) % st.iq_buf.shape[2]
    st.iq_count[pe, q] -= 1
    if st.iq_count[pe, q] == 0:
        queue_emptied(st, pe, 0, q)
    tracebuf.queue(st, pe, q, st.now[0])
    fabric.activate(st, pe)    # its router or an H2D stream may deliver into the slot
    return w


TD_COLORS = 16          # td_todo's bit for the color teardown handler (0..15: queue codes)


@numba.njit(cache=True)
def _teardown_todo(st, pe, img):
    """The handlers the teardown task runs now (a bit each, `td_todo`): the color teardown
    handler if a color it serves is in teardown, and the empty-queue handler of each queue
    whose flush status is set."""
    todo = np.uint32(0)
    if st.loc_row[img, TEARDOWN_TASK] >= 0 and st.td_colors[pe]:
        for c in range(st.tip.shape[1]):
            if (st.td_colors[pe] >> c) & 1 and st.tip[pe, c] & fabric.TIP_ON:
                todo |= np.uint32(1 << TD_COLORS)
                break
    for code in range(16):
        flushed = st.qflush[pe, QF_STATUS + (code >> 3)] >> (code & 7)
        if st.qh_row[img, code] >= 0 and flushed & 1:
            todo |= np.uint32(1 << code)
    return todo


@numba.njit(cache=True)
def _next_handler(st, pe):
    """Enter the next handler the teardown task has to run (color handler first, then the
    queues' in code order: input queues, then output queues)."""
    img = st.pe_img[pe]
    todo = st.td_todo[pe]
    if todo & np.uint32(1 << TD_COLORS):
        bit, row = TD_COLORS, st.loc_row[img, TEARDOWN_TASK]
    else:
        bit = _lowest_bit(np.uint64(todo))
        row = st.qh_row[img, bit]
    st.td_todo[pe] = todo & ~np.uint32(1 << bit)
    return _enter(st, pe, row, TEARDOWN_TASK, np.uint32(0))


@numba.njit(cache=True)
def _start(st, pe):
    """Pick PE `pe`'s task and take its inputs: (code, row, wavelet)."""
    img = st.pe_img[pe]
    w = np.uint32(0)
    if st.td_todo[pe]:                 # the teardown task's next handler, before anything
        return _next_handler(st, pe)
    if st.rpc_pending[pe] and st.rpc_at[pe] <= st.now[0]:   # a launch that has arrived first
        st.rpc_pending[pe] = 0
        st.counters[RPC_LEFT] -= 1
        return _enter(st, pe, st.rpc_row[img], -1, w)
    kind, tid, q = pick(st, pe)
    if kind < 0:
        if st.rpc_pending[pe] and not st.queued[pe]:    # look again when the launch arrives
            st.queued[pe] = 1
            _push(st, st.rpc_at[pe], pe)
        return NO_TASK, -1, w
    st.next_tid[pe] = (tid + 1) % st.task_state.shape[1]
    if kind == KIND_LOCAL:
        st.task_state[pe, tid] &= ~ACTIVE
        if tid == TEARDOWN_TASK and st.qh_row[img].max() >= 0:   # queue handlers too
            st.td_todo[pe] = _teardown_todo(st, pe, img)
            if not st.td_todo[pe]:        # nothing to handle (an exit came first):
                wake(st, pe)              # look at the other tasks again
                return NO_TASK, -1, w
            return _next_handler(st, pe)
        row = st.loc_row[img, tid]
    elif kind == KIND_DATA:
        w = _pop_wavelet(st, pe, q)
        row = st.data_row[img, tid]
    else:
        w = _pop_wavelet(st, pe, q)
        tid = (w >> 16) & 0x3F
        if tid == NO_ENTRYPOINT:
            wake(st, pe)          # only a switch command: look at the queue again
            return NO_TASK, -1, w
        row = st.ctl_row[img, tid]
    return _enter(st, pe, row, tid, w)


@numba.njit(cache=True)
def _enter(st, pe, row, tid, w):
    st.counters[CUR_ID] = tid
    st.counters[CUR_PE] = pe
    st.counters[CUR_ROW] = row
    if row >= 0:
        st.row_runs[row] += 1
    st.pe_runs[pe] += 1
    st.in_task[pe] = 1
    st.cycles[pe] = 0
    st.task_start[pe] = st.now[0]
    account.task_started(st, pe, st.now[0])
    return RUN, row, w


@numba.njit(cache=True)
def launch(st):
    """Every PE runs the launched function (rows and arguments are set) once memcpy's RPC
    reaches it, and then owes the host an unblock_cmd_stream(). The RPC spreads from the
    kernel's north-west PE: PE (x, y) gets it `rpc_start + hop * (x + y)` cycles from now
    (costs.py), and runs it before any other task from then on."""
    n = st.rpc_pending.shape[0]
    st.rpc_pending[:] = 1
    st.counters[RPC_LEFT] = n
    st.cmd_unblocked[:] = 0
    st.n_unblocked[0] = 0
    width = st.config[1]
    seed = st.config[fabric.CFG_PERTURB]
    for pe in range(n):
        at = st.now[0] + st.cost[C_RPC] + st.cost[C_HOP] * (pe % width + pe // width)
        if seed:                         # perturbed: the launch reaches PEs at other times
            at += (((pe + 1) * 0x2545F491 ^ seed) >> 9) % LAUNCH_SKEW_CYCLES
        st.rpc_at[pe] = at
        if not st.queued[pe]:            # else _start looks again at `at` if it is early
            st.queued[pe] = 1
            _push(st, max(st.busy_until[pe], at), pe)


@numba.njit(cache=True)
def next_task(st, t_limit, single, events):
    """Advance until a task is ready to run: (code, pe, row, wavelet). Stops with EVENT when
    a host-visible event happened (the event counter is no longer `events`) or the clock
    reached `t_limit`, with IDLE when nothing can move, and (if `single`) with STEPPED after
    one fabric batch or clock jump."""
    while True:
        if st.counters[EVENTS] != events or st.now[0] >= t_limit or st.counters[fabric.HOST_IO]:
            return EVENT, -1, -1, np.uint32(0)
        _drain_wake_list(st)
        while st.heap_n[0] > 0:
            t, pe = st.heap_t[0], st.heap_pe[0]
            if t > st.now[0]:
                break
            _pop(st)
            if st.busy_until[pe] > t:        # it ran a task since: look again when free
                _push(st, st.busy_until[pe], pe)
                continue
            st.queued[pe] = 0
            if st.in_task[pe]:
                continue
            code, row, w = _start(st, pe)
            if code == NO_TASK:
                continue
            return code, pe, row, w
        horizon = st.heap_t[0] - st.now[0] if st.heap_n[0] > 0 else FOREVER
        horizon = min(horizon, t_limit - st.now[0])    # stop exactly at t_limit
        stepped = False
        if st.n_active[0]:
            n, moved = fabric.advance(st, st.now[0], horizon)
            if moved:
                st.now[0] += n
                stepped = True
        if not stepped:
            if st.heap_n[0] == 0:
                return IDLE, -1, -1, np.uint32(0)
            st.now[0] = min(st.heap_t[0], t_limit)     # never past the caller's limit
        if single:
            return STEPPED, -1, -1, np.uint32(0)


@numba.njit(cache=True)
def finish_task(st, pe):
    """A task ended on `pe`: its CE is busy for the task switch (the platform's `task_switch`,
    costs.py) and the task's cycles, then looks again. (The clock ran on past the task's
    start only while a blocking op in it waited: the cycle account's stall.)"""
    st.in_task[pe] = 0
    work = st.cost[C_TASK_SWITCH] + st.cycles[pe]
    waited = max(st.now[0] - st.task_start[pe], 0)
    st.busy_until[pe] = st.task_start[pe] + waited + work
    account.task_finished(st, pe, st.counters[CUR_ROW], work, waited)
    tracebuf.task(st, pe, st.counters[CUR_ROW], st.task_start[pe], st.busy_until[pe], waited)
    st.counters[TASKS_RUN] += 1
    wake(st, pe)
