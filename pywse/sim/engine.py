"""The engine: PE memory and state as flat arrays, loading a compiled program, running tasks.

`EngineState` (state.py) holds everything a run changes: one byte arena for all PE memories,
task flags, queues, routers, microthreads, the scheduler's heap. `sched.next_task` (numba)
picks the next task and advances the fabric and the clock in between (rules: sched.py and
docs/semantics.md); the engine runs the task — compiled, from the loop of dispatch.py, or
as plain Python — and reports what is stuck when nothing can move. `jit=True` runs compiled
from the first task, `jit=False` plain; "auto" starts plain and switches to compiled code
at a task boundary once it is ready (tiers.py).
"""
from __future__ import annotations

import itertools

import numba
import numpy as np
from numba.core.errors import NumbaError

from ..dsl.dsd import DsdVar, FabDesc, Fifo, MemDesc
from ..dsl.dsr import Dsr
from ..dsl.image import ProgramImage, Task
from ..dsl.queues import Queue
from ..dsl.symbols import Var
from ..errors import DeadlockError, PywseError, TaskError, at_failure, site_of_tb
from ..layout.routing import POP_MODES
from ..types import N_COLORS, Color
from . import (
    configregs,
    dispatch,
    fabric,
    faults,
    fpexcept,
    lines,
    numba_errors,
    ops,
    report,
    rings,
    routerfilter,
    sched,
    stats,
    tiers,
    tracebuf,
)
from . import jit as jitmod
from .builtins import ACTIVE, BLOCKED
from .costs import DEFAULT as DEFAULT_COSTS
from .costs import Costs
from .dsdval import DsrVal, lower_fab, lower_fifo, lower_mem
from .state import check_memory, new_state, to_jit
from .traffic import Traffic

MAX_NESTED_WAITS = 200

_ids = itertools.count(1)


class Engine(Traffic):
    """Runs the PEs of one compiled program. Built by `SdkRuntime.load()`."""

    def __init__(self, artifacts, jit: bool | str, costs: Costs = DEFAULT_COSTS,
                 line_cycles: bool = False):
        self.art = artifacts
        self.line_cycles = line_cycles   # count cycles per task-body line (lines.py)
        self.jit = jit                   # True, False or "auto" (tiers.jit_mode)
        self.compiled = jit is True      # the tier running now
        self.tiers = tiers.Tiers(self) if jit == "auto" else None
        self.width, self.height = artifacts.width, artifacts.height
        self.images: list[ProgramImage] = list(artifacts.images)
        self.pe_image = artifacts.pe_image.astype(np.int32)
        by_image = np.argsort(self.pe_image, kind="stable")
        bounds = np.searchsorted(self.pe_image[by_image], np.arange(len(self.images) + 1))
        self._pes = [by_image[a:b] for a, b in zip(bounds[:-1], bounds[1:])]  # each image's PEs
        self._strides = [-(-im.mem_bytes // 8) * 8 for im in self.images]   # arena bytes per PE
        sizes = np.array(self._strides, np.int64)[self.pe_image]
        self.mem_base = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.id = next(_ids)
        ops.WAITERS[self.id] = self.wait
        rb_slots = fabric.router_slots(costs.hop)      # a link's pipeline is in its router's FIFO
        check_memory(len(self.pe_image), int(sizes.sum()), artifacts.arch, len(self.images),
                     self.width, rb_slots)
        self.st = new_state(self.mem_base, int(sizes.sum()), artifacts.arch, self.width, self.id,
                            self.pe_image, len(self.images), rb_slots)
        self.st_jit = None
        self._bound: dict[tuple[int, int], tuple] = {}
        self._lifted: dict[int, tuple] = {}
        self._plan: dispatch.Plan | None = None
        self._depth = 0
        self._current: dict[int, str] = {}
        self._n_sources = 0          # rows of st.src_meta in use
        self._ring_segs: dict[int, tuple] = {}     # port -> (first, words, PEs) in the pool
        self._ring_first = [0] * rings.N_PORTS              # where each port's rings start
        self._ring_host: dict[int, np.ndarray] = {}         # port -> the host's array
        self._channels = [self._channel_table(im, artifacts.arch) for im in self.images]
        self._rows_table()
        self.costs = costs               # the platform's cost table, read at run time (st.cost)
        self.st = self.st._replace(row_runs=np.zeros(max(len(self._rows), 1), np.int64),
                                   row_acct=np.zeros((max(len(self._rows), 1), 2), np.int64),
                                   cost=costs.array(),
                                   **(lines.arrays(len(self.pe_image)) if line_cycles else {}))
        self.keep_capture = False    # the harness keeps every captured wavelet; else: counted
        self.host_idle = {"latency": 0, "transfer": 0}    # cycles (idle_until)
        self.lost: dict[tuple[int, int, int], int] = {}   # (pe, direction, color) -> wavelets
        self._load_images()
        self._load_routes()
        self._load_symbols()

    # -- loading --------------------------------------------------------------------------
    @staticmethod
    def _channel_table(image: ProgramImage, arch: str) -> list[tuple[int, int, bool]]:
        """(channel id, input queue, has a data task) for every input queue the PE binds,
        sorted by id; the channel id is the color on wse2 and the queue on wse3."""
        data = {t.queue for t in image.tasks if t.kind == "data"}
        return sorted((color if arch == "wse2" else q, q, q in data)
                      for q, color in image.iq_color.items())

    def _load_images(self) -> None:
        st = self.st
        for k, image in enumerate(self.images):
            pes = self._pes[k]
            init = np.frombuffer(image.init, np.uint8)
            nonzero = np.flatnonzero(init)
            if len(nonzero):      # only the span of non-zero bytes: zeros stay unmapped
                _write_init(st.arena, self.mem_base[pes], init[nonzero[0]:nonzero[-1] + 1],
                            int(nonzero[0]))
            for tid in image.start_blocked:
                st.task_state[pes, tid] |= BLOCKED
            for chan, _, has_data_task in self._channels[k]:
                # a queue with no data task delivers control wavelets only once unblocked
                if not has_data_task and chan not in image.start_unblocked:
                    st.task_state[pes, chan] |= BLOCKED
            for tid in image.on_start:
                st.task_state[pes, tid] |= ACTIVE
            for color in image.teardown_colors:    # p.set_teardown_handler(fn, color)
                st.td_colors[pes] |= np.uint32(1 << color)
            if image.high_tasks:                    # <tile_config> task_priority at comptime
                st.task_hi[pes] = np.uint32(sum(1 << t for t in image.high_tasks))
            if image.main_thread_priority:
                st.mt_prio[pes] = image.main_thread_priority
            for q, color in image.iq_color.items():
                st.ce_iq[pes, color] = q
            for f in image.fifos:
                st.fifo_addr[pes, f.index] = self.mem_base[pes] + f.var.offset
                st.fifo_cap[pes, f.index] = f.var.size
                st.fifo_width[pes, f.index] = f.var.dtype.itemsize
            if image.on_start:
                for pe in pes.tolist():
                    self.wake(pe)

    def _load_routes(self) -> None:
        """Router tables from the layout, plus memcpy's own D2H routes (RAMP -> host): one
        table row per route pattern, written to all its (PE, color) ports at once."""
        st = self.st
        info = self.art.layout.memcpy_info
        if info is not None and self.art.memcpy:
            for name, color in info.colors.items():
                if name.startswith("MEMCPYD2H"):
                    st.sw_tx[:, color, 0] = fabric.HOST_BIT
        table = self.art.layout.routes
        ys, xs, cs, pids = table.entries()
        n = len(table.patterns) + 1                     # pattern 0: not configured
        tx, rx, npos = np.zeros((n, 4), np.uint8), np.zeros((n, 4), np.uint8), np.ones(n, np.uint8)
        switched, swapped = np.zeros(n, bool), np.zeros(n, bool)
        torn = np.array([False] + [cfg.teardown for cfg in table.patterns], bool)
        switch_row = np.zeros((n, 4), np.int64)
        swap_row = np.zeros((n, 3), np.int64)
        for k, cfg in enumerate(table.patterns, 1):
            positions = cfg.positions()
            npos[k] = len(positions)
            for j, (prx, ptx) in enumerate(positions):
                tx[k, j] = sum(fabric.DIR_BITS[d] for d in ptx)
                rx[k, j] = sum(fabric.DIR_BITS[d] for d in prx)
            if cfg.switches is not None:
                switched[k] = True
                switch_row[k] = (cfg.switches.current_switch_pos, cfg.switches.ring_mode,
                                 POP_MODES.index(cfg.switches.pop_mode),
                                 configregs.selects(cfg.switches))
            if cfg.color_swap_x or cfg.color_swap_y:
                swapped[k] = True
                swap_row[k, :2] = cfg.color_swap_x, cfg.color_swap_y
        port = (ys * self.width + xs) * N_COLORS + cs      # index of [pe, color], flat
        st.sw_tx.reshape(-1, 4)[port] = tx[pids]
        st.sw_rx.reshape(-1, 4)[port] = rx[pids]
        st.sw_npos.reshape(-1)[port] = npos[pids]
        # the rest only where a pattern sets it: state untouched stays unmapped
        for has, row, fields in ((switched, switch_row,
                                  (st.sw_cur, st.sw_ring, st.sw_pop, st.sw_sel)),
                                 (swapped, swap_row, (st.swap_x, st.swap_y))):
            sel = np.flatnonzero(has[pids])
            for j, field in enumerate(fields):
                field.reshape(-1)[port[sel]] = row[pids[sel], j]
        routerfilter.load(st, table)       # filters, and each PE's filter ids
        sel = np.flatnonzero(torn[pids])   # colors that start in teardown (.teardown = true)
        st.tip.reshape(-1)[port[sel]] = fabric.TIP_ON | fabric.TIP_DYNAMIC
        for s in self.art.streams:        # SdkLayout output streams leave their port to the host
            if s.kind == "output":
                pe = self.pe_index(s.x, s.y)
                st.sw_tx[pe, s.color, :st.sw_npos[pe, s.color]] |= fabric.HOST_BIT

    def _load_symbols(self) -> None:
        """Symbol values an SdkLayout sets (`set_symbol_all`, ...), over the images' init."""
        for init in self.art.symbols:
            for (x, y), row in zip(init.pes, init.values):
                pe = self.pe_index(x, y)
                start = int(self.mem_base[pe]) + self.image(pe).symbol(init.name).offset
                self.st.arena[start:start + row.nbytes] = row.view(np.uint8)

    # -- coordinates and memory -------------------------------------------------------------
    def pe_index(self, x: int, y: int) -> int:
        return y * self.width + x

    def pe_xy(self, pe: int) -> tuple[int, int]:
        return pe % self.width, pe // self.width

    def image(self, pe: int) -> ProgramImage:
        return self.images[self.pe_image[pe]]

    def view(self, pe: int, var: Var, flat: bool = False, compiled: bool = False) -> np.ndarray:
        """The PE's array for `var` (f16 as uint16 bit patterns for compiled code)."""
        start = int(self.mem_base[pe]) + var.offset
        dtype = np.uint16 if (compiled and var.dtype == np.float16) else var.dtype
        arr = self.st.arena[start:start + var.nbytes].view(dtype)
        if not flat:
            arr = arr.reshape(var.shape)
        if var.const:
            arr = arr.view()
            arr.flags.writeable = False
        return arr

    # -- scheduling (sched.py) -------------------------------------------------------------
    @property
    def now(self) -> int:
        return int(self.st.now[0])

    @now.setter
    def now(self, t: int) -> None:
        self.st.now[0] = t

    def idle_until(self, t: int, why: str) -> None:
        """The idle device waits for the host until cycle `t`: `why` is "latency" (a command
        on its way) or "transfer" (a copy-mode memcpy moving its data); the cycle account
        keeps both apart from the kernel's own cycles."""
        self.host_idle[why] += max(t - self.now, 0)
        self.now = t

    @property
    def busy_until(self) -> np.ndarray:
        return self.st.busy_until

    @property
    def tasks_run(self) -> int:
        return int(self.st.counters[sched.TASKS_RUN])

    @property
    def stj(self):
        """The state as compiled code takes it (rebuilt when an array is replaced)."""
        if self.st_jit is None:
            self.st_jit = to_jit(self.st)
        return self.st_jit

    def wake(self, pe: int) -> None:
        """Have the scheduler look at PE `pe` (when its CE is free)."""
        sched.wake(self.stj, pe)

    def launch(self, name: str, args_of_image: list[tuple]) -> None:
        """Run exported function `name` on every PE, image k's PEs with `args_of_image[k]`
        (typed scalars); each PE then owes the host an unblock_cmd_stream()."""
        st = self.st
        for k, args in enumerate(args_of_image):
            st.rpc_row[k] = self._export_rows[(k, name)]
            st.rpc_bits[k, :] = 0
            st.rpc_bits[k, :len(args)] = [_bits(a) for a in args]
        sched.launch(self.stj)

    @property
    def launch_pending(self) -> int:
        """PEs that have not started the launched function yet."""
        return int(self.st.counters[sched.RPC_LEFT])

    def _rows_table(self) -> None:
        """Number every (image, task) pair: the scheduler names the task to run by its row."""
        st = self.st
        self._rows: list[tuple[int, Task]] = []
        self._export_rows: dict[tuple[int, str], int] = {}
        for k, image in enumerate(self.images):
            chans = self._channels[k]
            st.chan_n[k] = len(chans)
            for j, (chan, q, has_data_task) in enumerate(chans):
                st.chan_id[k, j], st.chan_q[k, j], st.chan_data[k, j] = chan, q, has_data_task
            for task in image.tasks:
                table = {"local": st.loc_row, "data": st.data_row, "control": st.ctl_row}.get(task.kind)
                for code in task.flushed:       # an empty-queue handler (sched.py runs it)
                    st.qh_row[k, code] = len(self._rows)
                if table is not None and (task.teardown or not task.flushed):
                    table[k, task.id] = len(self._rows)
                elif task.kind == "export":
                    self._export_rows[(k, task.name)] = len(self._rows)
                self._rows.append((k, task))

    def run(self, t_limit: int = sched.FOREVER, single: bool = False) -> bool:
        """Run tasks and the fabric until a host-visible event, the clock reaching `t_limit`,
        or nothing can move (then False if nothing moved at all). `single`: one step only."""
        if self.tiers is None or self._depth:
            return self._run_tasks(t_limit, single)
        self.tiers.enter()
        try:
            return self._run_tasks(t_limit, single)
        finally:
            self.tiers.leave()

    def _run_tasks(self, t_limit: int, single: bool) -> bool:
        progressed = False
        events = self.st.counters[sched.EVENTS]
        while True:
            if self.tiers is not None and not self._depth:
                self.tiers.boundary()            # the tier may change here, between tasks
            if self.compiled:
                stepping = single or self.tiers is not None and self.tiers.stepping
                code, pe, row, w, ran = self._compiled_loop(t_limit, stepping, events)
                progressed |= ran > 0
                if code == sched.STEPPED and not single:
                    continue                     # stepped for a scheduled switch only
            else:
                try:
                    code, pe, row, w = sched.next_task(self.stj, t_limit, single, events)
                except FloatingPointError:     # an async op's unmasked FP exception
                    raise fpexcept.async_error(self) from None
            if code == sched.RUN:
                self._run_row(pe, int(row), w)
            elif self.st.counters[fabric.HOST_IO]:
                self.host_io()           # the capture log or a stream ring needs the host
                continue
            elif code == sched.IDLE:
                return progressed
            else:                        # EVENT, STEPPED
                return True
            progressed = True
            if single:
                return True

    def has_work(self) -> bool:
        """Is anything still due: a PE with possible work in the scheduler, or wavelets,
        queues or microthreads moving on the fabric?"""
        return bool(self.st.heap_n[0] > 0 or self.st.n_active[0] > 0)

    def step(self) -> bool:
        """One unit of progress: a task, some fabric cycles, or a clock jump. False if none."""
        return self.run(single=True)

    _sync_waits: dict | None = None     # PE -> task of each blocking op waiting (wait() sets it)

    def wait(self, pe: int) -> None:
        """A blocking fabric op on `pe` cannot move: let everything else run a step."""
        task = self._running_task(pe)           # before other tasks run and change the counters
        if self._depth >= MAX_NESTED_WAITS:
            x, y = self.pe_xy(pe)
            raise DeadlockError(f"{MAX_NESTED_WAITS} blocking fabric ops wait inside each other "
                                f"(innermost on PE ({x}, {y}) in task '{task}'); use async ops")
        if self._sync_waits is None:
            self._sync_waits = {}
        self._sync_waits[pe] = task
        running = self.st.counters[[sched.CUR_PE, sched.CUR_ROW, sched.CUR_ID]].copy()
        self._depth += 1
        try:
            moved = self.step()
        finally:
            self._depth -= 1
        if not moved:                       # the record stays for the report
            err = DeadlockError(report.sync_wait(self, pe, task))
            err.sync_wait = (pe, task)      # the runtime adds the host commands' side
            raise err
        del self._sync_waits[pe]
        # the tasks run meanwhile are done: the one running is `pe`'s again
        self.st.counters[[sched.CUR_PE, sched.CUR_ROW, sched.CUR_ID]] = running

    def _running_task(self, pe: int) -> str:
        """The name of the task running on `pe` (compiled or not: the scheduler's record)."""
        cur_pe, row = (int(v) for v in self.st.counters[[sched.CUR_PE, sched.CUR_ROW]])
        if cur_pe == pe and 0 <= row < len(self._rows):
            return self._rows[row][1].name
        return self._current.get(pe, "?")

    # -- running a task -----------------------------------------------------------------------
    def _run_row(self, pe: int, row: int, w) -> None:
        """Run the task the scheduler picked, from Python."""
        if row < 0:
            x, y = self.pe_xy(pe)
            tid = int(self.st.counters[sched.CUR_ID])
            raise TaskError(f"PE ({x}, {y}): a control wavelet names control task {tid}, but no "
                            "control task is bound to it")
        k, task = self._rows[row]
        self._run(pe, task, task_args(task, w, self.st.rpc_bits[k]))

    def _run(self, pe: int, task: Task, args: tuple) -> None:
        fn, lifted = self._bind(pe, task)
        self._current[pe] = task.name
        try:
            fn(self.stj if self.jit is True else self.st, pe, *lifted, *args)
        except PywseError:
            raise
        except NumbaError as e:
            raise numba_errors.compile_error(task, e) from None
        except Exception as e:
            raise self._task_error(pe, task, e, plain=self.jit is not True) from e
        sched.finish_task(self.stj, pe)

    def _task_error(self, pe: int, task: Task, exc: BaseException, plain: bool) -> TaskError:
        """A task body raised `exc` on `pe`: what failed and the user's line (the statement
        site compiled code recorded; run as plain Python, the traceback's line, the same)."""
        if fpexcept.pending(self.st):   # an async op's exception, not this task's
            return fpexcept.async_error(self)
        x, y = self.pe_xy(pe)
        index_fault = self.st.fault[faults.KIND] in (faults.INDEX, faults.DSD)
        what, site = faults.task_failure(self.st.fault, exc, lambda a: self._symbol_at(pe, a))
        err = TaskError(f"PE ({x}, {y}) task '{task.name}': {what}")
        if not index_fault and plain:
            site = site_of_tb(exc.__traceback__) or site
        return err.at(site) if site is not None else at_failure(err, exc, task.fn)

    def _symbol_at(self, pe: int, addr: int) -> str:
        """The name of the array of `pe` at arena byte address `addr`; `name[k:]` when the
        address is inside it (a view from its flat element k: pw.ptr, pw.ptrcast(at=k))."""
        rel = addr - int(self.st.mem_base[pe])
        for v in self.image(pe).vars:
            if v.offset <= rel < v.offset + max(v.nbytes, 1):
                k = (rel - v.offset) // max(v.dtype.itemsize, 1)
                return f"{v.name}[{k}:]" if k else v.name
        return "?"

    # -- compiled dispatch (dispatch.py) ----------------------------------------------------------
    def _compiled_loop(self, t_limit: int, single: bool, events: int):
        if self._plan is None:           # jit=True: everything compiled before the first task
            plan = self.plan()
            plan.compile()
            plan.link()
            self.use_plan(plan)
        try:
            return self._plan.call(self.stj, t_limit, single, events)
        except PywseError:
            raise
        except Exception as e:
            pe, row = (int(v) for v in self.st.counters[[sched.CUR_PE, sched.CUR_ROW]])
            self.st.in_task[pe] = 0
            raise self._task_error(pe, self._rows[row][1], e, plain=False) from e

    def plan(self) -> dispatch.Plan:
        """Group the rows by argument types for the compiled loop. A row whose task cannot
        be bound for compiled code keeps running from Python: an export (reported if the
        host ever launches it), and in the tiered mode any task (a task using an f16 array
        directly stays plain)."""
        rows = []
        for row, (k, task) in enumerate(self._rows):
            pe = int(self._pes[k][0])
            try:
                compiled, values = self._lift(task)
                lifted = tuple(self._value(pe, task, v, True, n in compiled.bits)
                               for n, v in values)
            except TaskError:
                if task.kind == "export" or self.jit == "auto":
                    continue
                raise
            rows.append((row, task, compiled.callable(True), self.st.arena,
                         int(self.mem_base[pe]), lifted))
        return dispatch.Plan(self.stj, len(self._rows), rows)

    def use_plan(self, plan: dispatch.Plan) -> None:
        """Run compiled from the next task boundary on, with `plan` compiled and linked."""
        self._plan = plan
        self.compiled = True

    def close(self) -> None:
        """The run is over: end a background compiler working for this engine."""
        if self.tiers is not None:
            self.tiers.close()

    def _lift(self, task: Task):
        lifted = self._lifted.get(id(task))
        if lifted is None:
            if not self._fp_marked:
                self._mark_fp_checked()
            lifted = self._lifted[id(task)] = jitmod.lift(task, self.line_cycles)
        return lifted

    _fp_marked = False

    def _mark_fp_checked(self) -> None:
        """The tasks of a program that calls set_exception_mask anywhere check their scalar
        float operators (sim/fpexcept.py); other programs' tasks are lowered as ever."""
        self._fp_marked = True
        for image in self.images:
            uses = False
            for task in image.tasks:
                try:
                    uses |= jitmod.lift(task)[0].uses_mask
                except TaskError:
                    pass                 # reported when (if) the task runs
            for task in image.tasks:
                task.fp_checked = uses

    def _bind(self, pe: int, task: Task):
        """The callable and arguments of `task` on `pe` run from Python: compiled under
        jit=True, else plain."""
        key = (pe, id(task))
        bound = self._bound.get(key)
        if bound is None:
            compiled, values = self._lift(task)
            jit = self.jit is True
            args = tuple(self._value(pe, task, v, jit, n in compiled.bits) for n, v in values)
            bound = self._bound[key] = (compiled.callable(jit), args)
        return bound

    def _value(self, pe: int, task: Task, v, compiled: bool, bits: bool = False):
        """A lifted value on `pe`; `bits`: an f16 array the task only hands to DSD builtins,
        which compiled code takes as bit patterns."""
        if isinstance(v, (list, tuple)):
            return tuple(self._value(pe, task, x, compiled) for x in v)
        if isinstance(v, Var):
            if compiled and v.dtype == np.float16 and not bits:
                raise TaskError(f"task '{task.name}' uses f16 array '{v.name}' directly: compiled "
                                "task bodies cannot do f16 arithmetic (numba has no float16); "
                                "use the f16 DSD builtins (pw.fmovh, pw.faddh, ...) or jit=False")
            return self.view(pe, v, compiled=compiled)
        if isinstance(v, MemDesc):
            return lower_mem(v, self.view(pe, v.var, flat=True, compiled=compiled))
        if isinstance(v, FabDesc):
            return lower_fab(v, self.image(pe).queue_of(v))
        if isinstance(v, Fifo):
            return lower_fifo(v)
        if isinstance(v, DsdVar) and v.fabric:
            return (self.view(pe, v.reg, flat=True, compiled=compiled),
                    lower_fab(v.initial, self.image(pe).queue_of(v.initial)))
        if isinstance(v, DsdVar):
            return (self.view(pe, v.reg, flat=True, compiled=compiled),
                    lower_mem(v.initial, self.view(pe, v.initial.var, flat=True,
                                                   compiled=compiled)))
        if isinstance(v, Dsr):
            return DsrVal(self.view(pe, v.reg, flat=True, compiled=compiled))
        if isinstance(v, Task):
            return v.id
        if isinstance(v, Color):
            return v.id
        if isinstance(v, Queue):
            return v.code
        return v

    def compiled_tasks(self) -> list:
        """(task name, numba signatures) of every task compiled so far: into the compiled
        loop's wrappers (dispatch.py), or alone for a task run from Python."""
        looped = self._plan.compiled() if self._plan is not None else []
        return looped + [(c.name, c.compiled_signatures) for c, _ in self._lifted.values()
                         if c.compiled_signatures]

    trace_sink = None       # drains the trace buffer (host/trace.py) when the engine asks

    def start_trace(self, pes: np.ndarray, colors: int, budget: int, sink) -> None:
        """Record trace events (tracebuf.py) of the PEs flagged in `pes` and the colors whose
        bit `colors` has, at most `budget`; `sink()` drains the buffer when it fills."""
        self.st = self.st._replace(**tracebuf.arrays(len(self.pe_image), pes, colors, budget))
        self.st_jit = None
        self.trace_sink = sink

    def stats(self) -> stats.Stats:
        """The cycle account of the run so far (stats.py)."""
        return stats.account(self, lines.table(self.st) if self.line_cycles else None)

    # -- what is the device doing (for DeadlockError; the words are in report.py) ----------------
    def describe(self, pe: int, stuck: bool = True) -> str:
        """One line on a PE's tasks: `stuck` when nothing can move (a deadlock report)."""
        return report.describe(self, pe, stuck)

    def describe_fabric(self, limit: int = report.MAX_LISTED_PES, tasks_shown=(),
                        lead=()) -> str:
        """What is stuck, PE by PE: wavelets in routers and queues, stalled ops, host streams
        not taken or not fed, each with what it waits for (the PEs in `lead` first)."""
        return report.describe_fabric(self, limit, tasks_shown, lead)


@numba.njit(cache=True)
def _write_init(arena, bases, span, offset):
    """Copy an image's initial bytes `span` to each PE's memory at `bases` + `offset`:
    compiled, as the PEs of one image are often scattered (one copy each)."""
    for base in bases:
        arena[base + offset:base + offset + len(span)] = span


def task_args(task: Task, w, launch_bits: np.ndarray) -> tuple:
    """A task's run-time arguments: from its wavelet (data, control) or from the host's
    launch arguments (export, one 32-bit word each), as the compiled dispatch decodes them."""
    if task.kind == "data":
        return wavelet_args(np.uint32(w), task.arg_types)
    if task.kind == "control":
        return (np.uint16(w & 0xFFFF),) if task.arg_types else ()
    if task.kind == "export":
        return tuple(wavelet_args(np.uint32(launch_bits[k]), (t,))[0]
                     for k, t in enumerate(task.arg_types))
    return ()


def _bits(value) -> int:
    """The raw bits of a typed scalar (a launch argument), zero-extended to 32."""
    arr = np.array([value])
    return int(arr.view(np.uint16 if arr.itemsize == 2 else np.uint32)[0])


def wavelet_args(word: np.uint32, types: tuple) -> tuple:
    """A data task's arguments from its wavelet: one 32-bit value, the low half as a 16-bit
    value, or (low half, high half). f16 arrives widened to f32 (exactly)."""
    halves = (np.uint16(word & 0xFFFF), np.uint16(word >> 16))
    out = []
    for k, t in enumerate(types):
        if t.itemsize == 4:
            out.append(np.array([word], np.uint32).view(t)[0])
        elif t == np.float16:
            out.append(np.float32(np.array([halves[k]], np.uint16).view(np.float16)[0]))
        else:
            out.append(np.array([halves[k]], np.uint16).view(t)[0])
    return tuple(out)
