"""The cycle account's counters, kept by the engine as it runs (stats.py reads them).

The counting is cheap by design: the scheduler books a task's cycles once, when it ends
(`task_started` / `task_finished`, sched.py), the fabric adds to arrays as wavelets and
async ops move (fabric.py), and a blocking op adds its wait once it is over (builtins.py).
Nothing is counted per cycle for a PE the fabric does not visit; what a PE did while nobody
looked is booked from the cycle it started (`acct[pe, A_MARK]`, `ut_wait`).

Per PE, `acct[pe, A_*]`:

- A_BUSY: the cycles of the tasks its CE ran: each task's switch plus what its body was
  charged (scalar code, synchronous DSD ops, starting async ones);
- A_WAIT: cycles a task held the CE inside a blocking fabric op that could not move (the
  clock ran on for the rest of the machine);
- A_UT_WORK: cycles the CE was free (no task, none being switched in) and an async DSD op
  (a microthread) moved an element;
- A_UT_OPEN: cycles the CE was free and at least one async DSD op was unfinished, moving or
  not; booked up to A_MARK (and never before `busy_until`, when the CE was last freed);

So each cycle of a PE is busy (a task, or a microthread moving while the CE is free),
stalled (a blocking op waiting, or an unfinished async op not moving while the CE is free),
or idle: A_BUSY + A_UT_WORK, A_WAIT + A_UT_OPEN - A_UT_WORK, and the rest.

Per op: `q_stall[pe, k]` cycles ops waited on input queue k (empty), output queue k - 8
(full) or FIFO k - 16 (empty or full), each op counted (two ops waiting together count
twice); `ut_wait[pe, slot]` = (cycle + 1 the async op in `slot` began to wait, its column
in `q_stall`), 0 while it moves.
"""
from __future__ import annotations

from numba.extending import register_jitable

from . import ops, tracebuf

A_BUSY, A_WAIT, A_UT_WORK, A_UT_OPEN, A_MARK = range(5)
N_ACCT = 5
STALL_IQ, STALL_OQ, STALL_FIFO = 0, 8, 16
N_STALL = 24
ROW_CYCLES, ROW_WAIT = range(2)      # row_acct columns: a task's busy cycles, its waits
ASYNC_SLOTS = (1 << ops.MAIN) - 1     # the microthreads the fabric steps (fabric.ASYNC_SLOTS)


@register_jitable
def task_started(st, pe, now):
    """The CE of `pe` enters a task at cycle `now` (`busy_until` still says when it was
    freed): book the free stretch before it."""
    settle(st, pe, now)


@register_jitable
def task_finished(st, pe, row, cycles, wait):
    """The task of `row` ended on `pe`: `cycles` of work, `wait` cycles of blocking waits."""
    st.acct[pe, A_BUSY] += cycles
    st.row_acct[row, ROW_CYCLES] += cycles
    if wait:
        st.acct[pe, A_WAIT] += wait
        st.row_acct[row, ROW_WAIT] += wait


@register_jitable
def settle(st, pe, t):
    """Book the cycles up to `t` in which an async op was unfinished and the CE free (from
    A_MARK or the CE's last release, whichever is later). Not while a task holds the CE."""
    start = max(st.acct[pe, A_MARK], st.busy_until[pe])
    if t > start:
        if st.ut_mask[pe] & ASYNC_SLOTS:
            st.acct[pe, A_UT_OPEN] += t - start
        st.acct[pe, A_MARK] = t


@register_jitable
def blocker(st, pe, slot):
    """The `q_stall` column of what stops the op in `slot`: its first fabric input that is
    empty (or holds a control wavelet), fabric output that is full, or FIFO that cannot
    move; an input queue for `@dfilt`."""
    rows = st.ut_opnd[pe, slot]
    if st.ut_code[pe, slot] == ops.DFILT:
        return STALL_IQ + rows[1, ops.QUEUE]
    nsrc = ops.OP_NSRC[st.ut_code[pe, slot]]
    for k in range(nsrc + 1):
        kind = rows[k, ops.KIND]
        q = rows[k, ops.QUEUE]
        if kind == ops.K_FABIN:
            if st.iq_count[pe, q] == 0 or st.iq_ctl[pe, q, st.iq_head[pe, q]] != 0:
                return STALL_IQ + q
        elif kind == ops.K_FABOUT:
            if st.oq_count[pe, q] >= st.oq_cap[q]:
                return STALL_OQ + q
        elif kind == ops.K_FIFO:
            if (k == 0 and st.fifo_count[pe, q] >= st.fifo_cap[pe, q]) or \
                    (k > 0 and st.fifo_count[pe, q] == 0):
                return STALL_FIFO + q
    return STALL_IQ      # not reached: a stuck op has a fabric or FIFO operand


@register_jitable
def thread_moved(st, pe, slot, t):
    """The async op in `slot` moved at cycle `t`: a wait it was in is over."""
    since = st.ut_wait[pe, slot, 0]
    if since:
        st.q_stall[pe, st.ut_wait[pe, slot, 1]] += t - (since - 1)
        tracebuf.stall(st, pe, slot, st.ut_wait[pe, slot, 1], since - 1, t)
        st.ut_wait[pe, slot, 0] = 0


@register_jitable
def thread_stuck(st, pe, slot, t):
    """The async op in `slot` could not move at cycle `t`: its wait starts (if not already)."""
    if not st.ut_wait[pe, slot, 0]:
        st.ut_wait[pe, slot, 0] = t + 1
        st.ut_wait[pe, slot, 1] = blocker(st, pe, slot)


@register_jitable
def threads_cycle(st, pe, t, moved):
    """After the fabric stepped `pe`'s async ops at cycle `t`: a move while the CE is free is
    busy time; the last op ending closes the stretch in which ops were unfinished."""
    free = t >= st.busy_until[pe] and not st.in_task[pe]
    if moved and free:
        st.acct[pe, A_UT_WORK] += 1
    if free and not st.ut_mask[pe] & ASYNC_SLOTS:
        start = max(st.acct[pe, A_MARK], st.busy_until[pe])
        st.acct[pe, A_UT_OPEN] += t + 1 - start
        st.acct[pe, A_MARK] = t + 1
