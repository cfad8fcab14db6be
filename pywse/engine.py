"""The event loop: PE memory arena, task flags, picking and running tasks, deadlock facts.

State is flat arrays (one byte arena for every PE's memory, a `task_state[pe, id]` flag
table, per-PE clocks) held in `EngineState`, the namedtuple every builtin receives. Only PEs
with work are visited: a heap orders them by their local clock, then by PE index, so runs
are deterministic.

Task picking (SEMANTICS §10): among bound tasks that are active and not blocked, the lowest
task id runs first; an activation is a flag (several before a run count once); a task runs
to completion; a pending host command task (memcpy RPC from `launch`) goes before user tasks.
"""
from __future__ import annotations

import heapq
from collections import namedtuple

import numpy as np
from numba.core.errors import NumbaError

from . import jit as jitmod
from .builtins import ACTIVE, BLOCKED
from .dsd import MemDesc
from .errors import PywseError, TaskError
from .program import ProgramImage, Task, Var
from .types import Color

EngineState = namedtuple("EngineState", "task_state cmd_unblocked cycles config")
"""Arrays the builtins act on: task flags [pe, id], unblock_cmd_stream flags, op cycles, config."""

N_TASK_IDS = 32
TASK_SWITCH_CYCLES = 6  # cycles charged for picking and entering a task (a platform constant)


class Engine:
    """Runs the PEs of one compiled program. Built by `SdkRuntime.load()`."""

    def __init__(self, artifacts, jit: bool):
        self.art = artifacts
        self.jit = jit
        self.width, self.height = artifacts.width, artifacts.height
        npe = self.width * self.height
        self.images: list[ProgramImage] = []
        index: dict[int, int] = {}
        self.pe_image = np.empty(npe, np.int32)
        for pe, image in enumerate(artifacts.pe_images):
            self.pe_image[pe] = index.setdefault(id(image), len(index))
            if self.pe_image[pe] == len(self.images):
                self.images.append(image)
        sizes = np.array([-(-im.mem_bytes // 8) * 8 for im in self.images], np.int64)[self.pe_image]
        self.mem_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.arena = np.zeros(int(sizes.sum()), np.uint8)
        config = np.array([3 if artifacts.arch == "wse3" else 2], np.int64)
        self.st = EngineState(np.zeros((npe, N_TASK_IDS), np.uint8), np.ones(npe, np.uint8),
                              np.zeros(npe, np.int64), config)
        self.clock = np.zeros(npe, np.int64)
        self._heap: list[tuple[int, int]] = []
        self._queued = np.zeros(npe, bool)
        self._rpc: dict[int, tuple[Task, tuple]] = {}
        self._bound: dict[tuple[int, int], tuple] = {}
        self._lifted: dict[int, tuple] = {}
        self.tasks_run = 0
        for k, image in enumerate(self.images):
            pes = np.flatnonzero(self.pe_image == k)
            if image.mem_bytes:
                init = np.frombuffer(image.init, np.uint8)
                self.arena[self.mem_base[pes][:, None] + np.arange(len(init))] = init
            for tid in image.start_blocked:
                self.st.task_state[pes, tid] |= BLOCKED
            for tid in image.on_start:
                self.st.task_state[pes, tid] |= ACTIVE
            if image.on_start:
                for pe in pes:
                    self.wake(int(pe))

    # -- coordinates and memory -------------------------------------------------------------
    def pe_index(self, x: int, y: int) -> int:
        return y * self.width + x

    def pe_xy(self, pe: int) -> tuple[int, int]:
        return pe % self.width, pe // self.width

    def image(self, pe: int) -> ProgramImage:
        return self.images[self.pe_image[pe]]

    def view(self, pe: int, var: Var, flat: bool = False) -> np.ndarray:
        """The PE's array for `var` (f16 as uint16 bit patterns in compiled mode)."""
        start = int(self.mem_base[pe]) + var.offset
        dtype = np.uint16 if (self.jit and var.dtype == np.float16) else var.dtype
        arr = self.arena[start:start + var.nbytes].view(dtype)
        if not flat:
            arr = arr.reshape(var.shape)
        if var.const:
            arr = arr.view()
            arr.flags.writeable = False
        return arr

    # -- scheduling -----------------------------------------------------------------------------
    def wake(self, pe: int) -> None:
        if not self._queued[pe]:
            self._queued[pe] = True
            heapq.heappush(self._heap, (int(self.clock[pe]), pe))

    def post_rpc(self, pe: int, task: Task, args: tuple) -> None:
        """Queue a host-launched function on a PE (memcpy's RPC task)."""
        self._rpc[pe] = (task, args)
        self.st.cmd_unblocked[pe] = 0
        self.wake(pe)

    def _runnable(self, pe: int) -> int:
        flags = self.st.task_state[pe]
        ids = np.flatnonzero((flags & (ACTIVE | BLOCKED)) == ACTIVE)
        return int(ids[0]) if len(ids) else -1

    def idle(self) -> bool:
        return not self._heap

    def step(self) -> bool:
        """Run one task on the earliest PE with work. False when no PE has any."""
        while self._heap:
            _, pe = heapq.heappop(self._heap)
            self._queued[pe] = False
            if pe in self._rpc:
                task, args = self._rpc.pop(pe)
                self._run(pe, task, args)
            else:
                tid = self._runnable(pe)
                if tid < 0:
                    continue
                self.st.task_state[pe, tid] &= ~ACTIVE
                self._run(pe, self._task_by_id(pe, tid), ())
            if pe in self._rpc or self._runnable(pe) >= 0:
                self.wake(pe)
            return True
        return False

    def _task_by_id(self, pe: int, tid: int) -> Task:
        for t in self.image(pe).tasks:
            if t.id == tid and t.kind == "local":
                return t
        x, y = self.pe_xy(pe)
        raise TaskError(f"PE ({x}, {y}): task id {tid} was activated but no task is bound to it")

    # -- running a task -------------------------------------------------------------------------
    def _run(self, pe: int, task: Task, args: tuple) -> None:
        fn, lifted = self._bind(pe, task)
        self.st.cycles[pe] = 0
        try:
            fn(self.st, pe, *lifted, *args)
        except PywseError:
            raise
        except NumbaError as e:
            raise TaskError(f"task '{task.name}' cannot be compiled by numba: "
                            f"{_first_lines(str(e))}\nRun with jit=False (or PYWSE_JIT=0) to run "
                            "it as plain Python and debug it.") from None
        except Exception as e:
            x, y = self.pe_xy(pe)
            raise TaskError(f"PE ({x}, {y}) task '{task.name}': {type(e).__name__}: {e}") from e
        self.clock[pe] += TASK_SWITCH_CYCLES + int(self.st.cycles[pe])
        self.tasks_run += 1

    def _bind(self, pe: int, task: Task):
        key = (pe, id(task))
        bound = self._bound.get(key)
        if bound is None:
            lifted = self._lifted.get(id(task))
            if lifted is None:
                lifted = self._lifted[id(task)] = jitmod.lift(task)
            compiled, values = lifted
            args = tuple(self._value(pe, task, name, v) for name, v in values)
            bound = self._bound[key] = (compiled.callable(self.jit), args)
        return bound

    def _value(self, pe: int, task: Task, name: str, v):
        if isinstance(v, Var):
            if self.jit and v.dtype == np.float16:
                raise TaskError(f"task '{task.name}' uses f16 array '{v.name}' directly: compiled "
                                "task bodies cannot do f16 arithmetic (numba has no float16); "
                                "use the f16 DSD builtins (pw.fmovh, pw.faddh, ...) or jit=False")
            return self.view(pe, v)
        if isinstance(v, MemDesc):
            return v.lower(self.view(pe, v.var, flat=True))
        if isinstance(v, Task):
            return v.id
        if isinstance(v, Color):
            return v.id
        return v

    def compiled_tasks(self) -> list:
        """(task name, numba signatures) of every task compiled so far."""
        return [(c.name, c.compiled_signatures) for c, _ in self._lifted.values()]

    # -- what is the device doing (for DeadlockError) ------------------------------------------
    def describe(self, pe: int) -> str:
        x, y = self.pe_xy(pe)
        image = self.image(pe)
        flags = self.st.task_state[pe]
        names = {t.id: t.name for t in image.tasks if t.kind == "local"}
        pending = [names.get(i, str(i)) for i in np.flatnonzero(flags & ACTIVE)]
        blocked = [names.get(i, str(i)) for i in np.flatnonzero(flags & BLOCKED)]
        parts = [f"PE ({x}, {y}) [{image.program.name}]"]
        parts.append("has not called unblock_cmd_stream()" if not self.st.cmd_unblocked[pe]
                     else "unblocked the command stream")
        if pending:
            parts.append("activated but blocked: " + ", ".join(pending))
        if blocked:
            parts.append("blocked: " + ", ".join(blocked))
        return "; ".join(parts)


def _first_lines(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines[:n])
