"""What `<tile_config>`'s priority calls do at run time (signatures: dsl/tileprims.py).

`task_priority`: `task_hi[pe]` has a bit per task id at HIGH priority; the scheduler
(sched.py `pick`) runs a runnable HIGH task before any LOW one. An id is a local or data
task's, or a channel's (wse3: an input queue, whose id is its data task's; wse2: a color): the
wavelets a channel brings start its data task or a control task at the channel's priority.

`main_thread_priority`: recorded in `mt_prio[pe]` and nothing else. pywse runs a PE's
microthreads beside its main thread without contention (one element per cycle each), so there
is no arbitration for the level to change (docs/semantics.md).
"""
from __future__ import annotations

import numpy as np

from ..dsl import tileprims as tp
from . import faults
from .builtins import LOWERINGS, Lowering, lowers


def _task_priority(st, pe, tid, level):
    """task_priority.update_task_priority(id, level) (set_/clear_task_priority call it)."""
    t = np.int64(tid)
    if t < 0 or t >= st.task_state.shape[1]:
        faults.tile_queue(st, faults.TQ_TASK_ID, t)
        raise ValueError("task priority of no task id")
    if level == 1:
        st.task_hi[pe] |= np.uint32(1 << t)
    elif level == 0:
        st.task_hi[pe] &= ~np.uint32(1 << t)
    else:
        faults.tile_queue(st, faults.TQ_TASK_LEVEL, np.int64(level))
        raise ValueError("task priority level")


for _prim in tp.TASK_PRIORITY.values():
    LOWERINGS[_prim.name] = Lowering(_task_priority)


@lowers("tc_main_priority")
def _main_priority(st, pe, level):
    """main_thread_priority.update_main_thread_priority(level): recorded only."""
    if level < 0 or level > 3:
        faults.tile_queue(st, faults.TQ_MAIN_LEVEL, np.int64(level))
        raise ValueError("main thread priority level")
    st.mt_prio[pe] = level
