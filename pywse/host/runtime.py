"""`SdkRuntime`: the host side, with the SDK's signatures, over pywse's engine.

Host commands (memcpy, launch) run through one ordered stream: a command starts when the one
before it is done, and a launch is done when every PE has called `unblock_cmd_stream()`.
SdkLayout stream calls (`send` / `receive`) run beside it, one queue per stream.
Blocking calls drive the engine until their command is done; `nonblock=True` returns a
handle and the work happens while later calls (or `wait()`, or `stop()`) drive the engine.
When nothing can move while a command waits, a `DeadlockError` says who is stuck.
"""
from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import (
    DeadlockError,
    LivelockError,
    MemcpyError,
    PictureError,
    RoutingWarning,
    StatsError,
    TraceError,
    user_boundaries,
    warn_at_user,
)
from ..layout.compile import Artifacts
from ..layout.compile import load as load_artifacts
from ..sim import lines, sched
from ..sim.costs import Costs
from ..sim.costs import resolve as resolve_costs
from ..sim.engine import Engine
from ..sim.primitives import CONSOLES
from ..sim.stats import Stats, per_pe_metrics
from ..sim.tiers import jit_mode
from . import report, runcheck
from . import trace as trace_file
from .commands import Launch, MemcpyTask
from .heatmap import check_metric, heatmap
from .memcpy import (
    CopyD2H,
    CopyH2D,
    MemcpyDataType,
    MemcpyOrder,
    StreamD2H,
    StreamH2D,
    broadcast_source,
)
from .progress import Progress
from .sdkoptions import check_options
from .streams import StreamReceive, StreamSend, stream_spec

PROGRESS_SLICE_CYCLES = 1 << 16     # the device returns to the host loop at least this often


def cycle_budget(max_cycles, source: str = "max_cycles", error: type = MemcpyError) -> int | None:
    """The run's cycle budget: the argument, else `PYWSE_MAX_CYCLES`, else none. A value that
    is not a positive whole number raises `error` naming `source`."""
    if max_cycles is None:
        env = os.environ.get("PYWSE_MAX_CYCLES", "").strip()
        if not env:
            return None
        max_cycles, source = env, "PYWSE_MAX_CYCLES"
    try:
        value = int(max_cycles)
        if value <= 0 or value != float(max_cycles):
            raise ValueError
    except (TypeError, ValueError):
        raise error(f"{source}={max_cycles!r}: a cycle budget is a positive whole number "
                    "of cycles") from None
    return value


class ChecksPassed(BaseException):
    """Raised by `SdkRuntime(...)` under `pywse check SCRIPT`: the script's program compiled
    and passed every check, and nothing is run (a BaseException, so a script's own `except
    Exception` does not swallow it)."""

    def __init__(self, artifacts):
        super().__init__("checked")
        self.artifacts = artifacts


STOP_HOOKS: list = []
"""Called with the runtime once `stop()` has run the device to the end (pywse/lib's `<debug>`
saves its traces there; this layer knows no library)."""

CHECK_ONLY = {"active": False}
"""Set by `pywse check SCRIPT`: the first SdkRuntime stops the script (ChecksPassed)."""


@user_boundaries
class SdkRuntime:
    """The SDK's `SdkRuntime` over pywse: load compiled artifacts, run host commands.

    `bindir` is a compile output directory or the `Artifacts` `pw.compile` returned.
    `jit`: True runs task bodies compiled from the first task, False as plain Python, "auto"
    starts plain and switches to compiled code once it is ready (docs/performance.md). None
    takes the compile-time choice, else `PYWSE_JIT` (1, 0 or auto), else "auto".
    `costs`: the platform's cost table (`pw.Costs`, or a dict of overrides); the defaults
    when None. `line_cycles`: count cycles per task-body line for `stats().lines` (None:
    `PYWSE_LINE_CYCLES`; docs/timing.md). `trace`: write a Perfetto trace of the run to
    this file (None: `PYWSE_TRACE`, which `pywse run --trace` sets), of the PEs in
    `trace_pes` (x, y, width, height; all when None) and the wavelets of `trace_colors` (all
    when None), at most `trace_budget` events (host/trace.py; docs/timing.md). The SDK's
    `suppress_simfab_trace`, `msg_level` and `simulator` are accepted and ignored
    (sdkoptions.py); any other keyword is a `MemcpyError`.
    """

    def __init__(self, bindir, platform: Any = None, *, cmaddr: str | None = None,
                 memcpy_required: bool = True, jit: bool | str | None = None,
                 max_cycles: int | None = None, perturb: int | None = None,
                 costs: Costs | dict | None = None, line_cycles: bool | None = None,
                 trace: str | os.PathLike | None = None,
                 trace_pes: tuple[int, int, int, int] | None = None,
                 trace_colors: Iterable[int] | None = None, trace_budget: int | None = None,
                 **sdk_options):
        check_options(sdk_options, SdkRuntime.__init__)
        if isinstance(bindir, Artifacts):
            self.artifacts = bindir
        elif isinstance(bindir, (str, os.PathLike)):
            self.artifacts = load_artifacts(bindir)
        else:
            raise MemcpyError(f"SdkRuntime: expected a compile output directory or pw.compile() "
                              f"artifacts, got {bindir!r}")
        if CHECK_ONLY["active"]:
            raise ChecksPassed(self.artifacts)
        if memcpy_required and not self.artifacts.memcpy:
            raise MemcpyError("SdkRuntime: the program was compiled with memcpy=False; pass "
                              "memcpy_required=False")
        self.jit = jit_mode(jit if jit is not None else self.artifacts.jit)
        self.max_cycles = cycle_budget(max_cycles)
        self.costs = resolve_costs(costs)
        self.line_cycles = lines.wanted(line_cycles)
        self.perturb = runcheck.perturb_seed(perturb)
        self._trace_request = trace_file.request(trace, trace_pes, trace_colors, trace_budget,
                                                 self.artifacts.width, self.artifacts.height)
        self._trace: trace_file.Trace | None = None
        self._jitter = np.random.default_rng(self.perturb) if self.perturb is not None else None
        self._wait = (0, None, "")        # (cycle, activity counters, what) of the host's wait
        self.engine: Engine | None = None
        self._running = False
        self._stopped = False
        self._queue: deque[MemcpyTask] = deque()            # the memcpy command stream
        self._stream_queues: dict[tuple, deque[MemcpyTask]] = {}   # one per SdkLayout stream
        self.streamed: dict = {}   # color -> the last host stream into it (report.finished)
        self._symbols: list[str] = []
        self._progress = Progress()
        self._stepped = False      # run_for stepped since the last command or wait
        self.host_latency_cycles = 0
        """Cycles of host latency the commands so far waited before reaching the device (the
        platform's `host_command_latency` each, merged nonblocking commands none): host time,
        which the device's clock runs through, kept apart here from what the kernel did."""

    # -- lifecycle -------------------------------------------------------------------------------
    def load(self) -> None:
        """Load the program onto the (simulated) device."""
        self.engine = Engine(self.artifacts, self.jit, self.costs, self.line_cycles)
        self.engine.capture_edges(True)   # what leaves the kernel is counted, then reported
        if self.perturb is not None:
            self.engine.perturb(self.perturb)
        if self._trace_request is not None:
            self._trace = trace_file.start(self.engine, *self._trace_request)

    def run(self) -> None:
        """Start the device: tasks activated at comptime may now run."""
        if self.engine is None:
            raise MemcpyError("SdkRuntime.run(): call load() first")
        self._running = True

    def stop(self) -> None:
        """Finish every pending command and let the device run until idle."""
        if self._running and not self._stopped:
            self._drive(lambda: not any(self._queues()))
            with self.numeric_context():
                self._waiting("stop()")
                while self._advance(sched.FOREVER):
                    pass
                self._progress.close()
            lost = runcheck.lost_report(self.engine)
            if lost:
                warn_at_user(RoutingWarning(lost))
            self._show_prints()
            for hook in STOP_HOOKS:
                hook(self)
        if self.engine is not None:
            self.engine.close()
        if self._trace is not None:
            self._trace.close()
        self._stopped = True

    # -- <simprint>'s log --------------------------------------------------------------------
    def simprint_lines(self) -> list[tuple[int, int, int, str]]:
        """The lines `<simprint>` wrote so far: (cycle, x, y, text), ordered by cycle, PE
        coordinates in the kernel (text not yet ended by a newline is not a line)."""
        console = CONSOLES.get(self.engine.id) if self.engine is not None else None
        if console is None:
            return []
        return [(cycle, *self.engine.pe_xy(pe), text)
                for cycle, pe, text in sorted(console.lines, key=lambda line: line[0])]

    def write_sim_log(self, path) -> None:
        """Write the simprint lines to `path` as the simulator's sim.log has them."""
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"@{cycle} {text}\n" for cycle, _, _, text in self.simprint_lines())

    def _show_prints(self) -> None:
        """At stop(): print the simprint lines; write them where PYWSE_SIM_LOG says."""
        lines = self.simprint_lines()
        if os.environ.get("PYWSE_SIM_LOG"):
            self.write_sim_log(os.environ["PYWSE_SIM_LOG"])
        elif lines:
            print("".join(f"@{cycle} {text}\n" for cycle, _, _, text in lines), end="")

    def stats(self) -> Stats:
        """The cycle account of the run so far (docs/timing.md): per PE busy, stalled and
        idle cycles, tasks, stalls by queue, wavelets by color and side, the busiest links,
        memory per symbol, kernel cycles apart from host latency. `print()` it, or read its
        arrays and tables (`to_dataframes()` with pandas)."""
        if self.engine is None or not self._running:
            raise StatsError("stats(): nothing has run yet; call it after load() and run(), "
                             "once the host commands whose cycles you want have run (or "
                             "after stop())")
        return self.engine.stats()

    def heatmap(self, path, metric: str = "busy") -> Path:
        """Draw one per-PE metric of the cycle account (`stats().metric(metric)`: busy,
        stalled, idle, wavelets, received, tasks) to `path` (.png or .svg; matplotlib, the
        `viz` extra); big kernels in blocks of PEs. Returns the path."""
        check_metric(metric, "heatmap")
        if self.engine is None or not self._running:
            raise PictureError("heatmap(): nothing has run yet; call load() and run(), then "
                               "the host commands (memcpy, launch) whose activity you want "
                               "drawn, then heatmap()")
        regions = [(r.name, r.x, r.y, r.width, r.height)
                   for r in getattr(self.engine.art, "regions", None) or ()]
        cycles, per_pe = per_pe_metrics(self.engine)
        return heatmap(per_pe[metric], cycles, path, metric, regions)

    @property
    def trace(self) -> trace_file.Trace | None:
        """The Perfetto file being written (host/trace.py), from load() to stop(); None
        without `trace=`."""
        return self._trace

    @trace.setter
    def trace(self, path) -> None:
        raise TraceError(f"runner.trace = {path!r}: a trace is chosen when the runtime is made, "
                         "so it covers the whole run: pass SdkRuntime(..., trace=PATH) (or run "
                         "the script with `pywse run --trace PATH`)")

    @property
    def cycles(self) -> int:
        """Simulated cycles so far (the slowest PE's clock)."""
        if self.engine is None:
            return 0
        return int(max(self.engine.now, self.engine.busy_until.max()))

    # -- symbols ---------------------------------------------------------------------------------
    def get_id(self, name: str) -> int:
        """An id for an exported symbol (what memcpy_h2d/d2h take)."""
        images = self.artifacts.images
        if not any(v.name == name and v.export for im in images for v in im.vars):
            if any(v.name == name for im in images for v in im.vars):
                raise MemcpyError(f"get_id: symbol '{name}' is not exported; declare it with "
                                  "p.var(..., export=True)")
            exported = sorted({v.name for im in images for v in im.vars if v.export})
            raise MemcpyError(f"get_id: no PE exports a symbol '{name}' (exported: "
                              f"{', '.join(exported) or 'none'})")
        if name not in self._symbols:
            self._symbols.append(name)
        return self._symbols.index(name)

    def _symbol(self, sym, what) -> str:
        if isinstance(sym, str):
            self.get_id(sym)
            return sym
        if isinstance(sym, (int, np.integer)) and 0 <= sym < len(self._symbols):
            return self._symbols[sym]
        raise MemcpyError(f"{what}: {sym!r} is not a symbol id from get_id()")

    # -- commands --------------------------------------------------------------------------------
    def memcpy_h2d(self, dest, src, px, py, w, h, elem_per_pe, streaming=False,
                   data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.ROW_MAJOR,
                   nonblock=False):
        """Copy a host tensor into symbol `dest` on the region (copy mode), or stream it as
        wavelets on color `dest` (streaming mode)."""
        return self._h2d(dest, src, px, py, w, h, elem_per_pe, streaming, data_type, order,
                         nonblock)

    def _h2d(self, dest, src, px, py, w, h, elem_per_pe, streaming, data_type, order,
             nonblock, broadcast: str = ""):
        """memcpy_h2d and its broadcasts: `broadcast` ("rows", "cols") says which line of the
        full tensor `src` crosses the I/O channels in copy mode (memcpy.copy_cycles)."""
        what = "memcpy_h2d"
        self._ready(what)
        if streaming:
            cmd = StreamH2D(self.engine, dest, src, px, py, w, h, elem_per_pe, data_type, order,
                            what, copy=nonblock)
            return self._issue(cmd, f"memcpy_h2d(color {int(dest)}, streaming)", nonblock)
        cmd = CopyH2D(self.engine, self._symbol(dest, what), src, px, py, w, h, elem_per_pe,
                      data_type, order, what, copy=nonblock, broadcast=broadcast)
        return self._issue(cmd, f"memcpy_h2d({self._symbol(dest, what)})", nonblock)

    def memcpy_d2h(self, dest, src, px, py, w, h, elem_per_pe, streaming=False,
                   data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.ROW_MAJOR,
                   nonblock=False):
        """Copy symbol `src` of the region into host array `dest` (copy mode), or collect the
        wavelets the region sends on color `src` (streaming mode)."""
        what = "memcpy_d2h"
        self._ready(what)
        if streaming:
            cmd = StreamD2H(self.engine, dest, src, px, py, w, h, elem_per_pe, data_type, order,
                            what)
            return self._issue(cmd, f"memcpy_d2h(color {int(src)}, streaming)", nonblock)
        cmd = CopyD2H(self.engine, dest, self._symbol(src, what), px, py, w, h, elem_per_pe,
                      data_type, order, what)
        return self._issue(cmd, f"memcpy_d2h({self._symbol(src, what)})", nonblock)

    def memcpy_h2d_rowbcast(self, dest, src, px, py, w, h, elem_per_pe, streaming=False,
                            data_type=MemcpyDataType.MEMCPY_32BIT,
                            order=MemcpyOrder.ROW_MAJOR, nonblock=False):
        """Send one column (h x elem_per_pe) to every column of the region."""
        full = broadcast_source(src, px, py, w, h, elem_per_pe, order, True, "memcpy_h2d_rowbcast")
        return self._h2d(dest, full, px, py, w, h, elem_per_pe, streaming, data_type, order,
                         nonblock, broadcast="rows")

    def memcpy_h2d_colbcast(self, dest, src, px, py, w, h, elem_per_pe, streaming=False,
                            data_type=MemcpyDataType.MEMCPY_32BIT,
                            order=MemcpyOrder.ROW_MAJOR, nonblock=False):
        """Send one row (w x elem_per_pe) to every row of the region."""
        full = broadcast_source(src, px, py, w, h, elem_per_pe, order, False, "memcpy_h2d_colbcast")
        return self._h2d(dest, full, px, py, w, h, elem_per_pe, streaming, data_type, order,
                         nonblock, broadcast="cols")

    def launch(self, name: str, *args, nonblock: bool = False):
        """Call host-callable function `name` on every PE with scalar `args`."""
        self._ready("launch")
        cmd = Launch(self.engine, name, args, f"launch('{name}')")
        return self._issue(cmd, f"launch('{name}')", nonblock)

    def call(self, name: str, args=(), nonblock: bool = False):
        """Older spelling of `launch(name, *args)`."""
        return self.launch(name, *list(args), nonblock=nonblock)

    def send(self, stream, array: np.ndarray, nonblock: bool = False):
        """Stream the words of `array` (4-byte elements) into an SdkLayout input stream."""
        what = "send"
        self._ready(what)
        spec = stream_spec(self.artifacts, stream, "input", what)
        cmd = StreamSend(self.engine, spec, array, what, copy=nonblock)
        return self._issue(cmd, f"send(input stream {spec.index} at port {spec.port})", nonblock,
                           queue=self._stream_queue(spec))

    def receive(self, stream, array: np.ndarray, n: int, nonblock: bool = False):
        """Collect `n` words from an SdkLayout output stream into `array` (4-byte elements)."""
        what = "receive"
        self._ready(what)
        spec = stream_spec(self.artifacts, stream, "output", what)
        cmd = StreamReceive(self.engine, spec, array, n, what)
        return self._issue(cmd, f"receive(output stream {spec.index} at port {spec.port})",
                           nonblock, queue=self._stream_queue(spec))

    def _stream_queue(self, spec) -> deque:
        return self._stream_queues.setdefault((spec.kind, spec.index), deque())

    def is_task_done(self, handle: MemcpyTask) -> bool:
        """Has the nonblocking command behind `handle` finished? (the SDK's spelling of
        `handle.done()`)"""
        return handle.done()

    def task_wait(self, handle: MemcpyTask) -> None:
        """Run the device until the nonblocking command behind `handle` has finished (the
        SDK's spelling of `handle.wait()`)."""
        handle.wait()

    def read_symbol(self, x: int, y: int, name: str, dtype=None) -> np.ndarray:
        """A copy of symbol `name` on the PE at fabric coordinates (x, y) (simulator only),
        once the memcpy commands issued so far are done, or right after a `run_for` step as
        memory is at that cycle."""
        if self.engine is None:
            raise MemcpyError("read_symbol: call load() first")
        ox, oy = self.artifacts.fabric_offsets
        kx, ky = x - ox, y - oy
        if self.artifacts.regions and self.artifacts.layout.region_at(kx, ky) is None:
            listed = ", ".join(f"'{r.name}' {r.width}x{r.height} at ({r.x}, {r.y})"
                               for r in self.artifacts.regions)
            raise MemcpyError(f"read_symbol({x}, {y}): no code region covers PE ({x}, {y}); "
                              f"read_symbol takes fabric coordinates (regions: {listed})")
        if not (0 <= kx < self.engine.width and 0 <= ky < self.engine.height):
            raise MemcpyError(f"read_symbol({x}, {y}): not a kernel PE; read_symbol takes fabric "
                              f"coordinates, and the kernel spans x={ox}..{ox + self.engine.width - 1}, "
                              f"y={oy}..{oy + self.engine.height - 1}")
        if not self._stepped:            # between run_for steps: memory as it is now
            self._drive(lambda: not self._queue)
        pe = self.engine.pe_index(kx, ky)
        var = self.engine.image(pe).symbol(name)
        if var is None:
            raise MemcpyError(f"read_symbol: PE ({x}, {y}) has no symbol '{name}'")
        raw = self.engine.view(pe, var, flat=True).view(np.uint8)
        if dtype is None:
            raw = np.concatenate([raw, np.zeros(-len(raw) % 4, np.uint8)])
            return raw.view(np.uint32).copy()
        return raw.view(np.dtype(dtype)).copy()

    # -- running in steps --------------------------------------------------------------------
    def run_for(self, cycles: int) -> int:
        """Advance the device `cycles` cycles with the commands issued so far (nonblocking
        ones: they start, move and finish as their time comes) and return how many it
        advanced: fewer when the device is idle with no command left to arrive. Between
        steps, `read_symbol` reads memory as it is at that cycle (it does not finish pending
        commands first), `snapshot()` says what is where, and `stats()` counts so far; the
        next command, `wait()` or `stop()` goes on from there (simulator only)."""
        what = "run_for"
        self._ready(what)
        if isinstance(cycles, (bool, np.bool_)) or not isinstance(cycles, (int, np.integer)) \
                or cycles < 0:
            raise MemcpyError(f"{what}({cycles!r}): give a whole number of cycles, 0 or more")
        blocking = [h for q in self._queues() for h in q if h.blocking]
        if blocking:
            raise MemcpyError(
                f"{what}: the blocking command {blocking[0].label} did not finish (its wait "
                "ended in an error) and run_for cannot step past it: fix what stopped it and "
                "run again, or issue such a command with nonblock=True and step with run_for")
        start, target = self.engine.now, self.engine.now + int(cycles)
        with self.numeric_context():
            self._pump()
            self._waiting(what)
            while self.engine.now < target:
                limit = min(self._due() + [target])
                if self._advance(limit, livelock=False):
                    self._pump()
                    continue
                if self._pump():
                    continue
                if limit == target and not self._due() and not self.engine.has_work():
                    break                                  # idle, nothing left to arrive
                self._idle_until(max(self.engine.now, limit))   # idle until then
            self._progress.close()
        self._stepped = True
        return self.engine.now - start

    def snapshot(self) -> str:
        """What is where at this cycle: the host commands waiting, and PE by PE the wavelets
        in routers and queues, running async ops and host streams (text, for a script that
        steps with run_for)."""
        if self.engine is None:
            raise MemcpyError("snapshot(): call load() first")
        return report.snapshot(self)

    # -- the command stream ----------------------------------------------------------------------
    def _ready(self, what: str) -> None:
        if self.engine is None or not self._running:
            raise MemcpyError(f"{what}: call load() and run() first")
        if self._stopped:
            raise MemcpyError(f"{what}: the runtime is stopped; issue host commands before "
                              "stop() (read_symbol still reads memory after it)")

    def _issue(self, cmd, label: str, nonblock: bool, queue: deque | None = None):
        handle = MemcpyTask(self, cmd, label)
        handle.blocking = not nonblock
        self._stepped = False
        queue = self._queue if queue is None else queue
        handle.merged = nonblock and bool(queue)
        queue.append(handle)
        if nonblock:
            self._pump()
            return handle
        handle.wait()
        return None

    def _queues(self) -> list[deque]:
        """The memcpy command stream, then each SdkLayout stream's own commands."""
        return [self._queue, *self._stream_queues.values()]

    def _pump(self) -> int:
        """Start and retire commands of every queue in order, as far as they are done;
        returns how many commands started or finished. A command reaches the device the
        platform's `host_command_latency` cycles (costs.py) after it comes to the head of its
        queue: host time, far shorter than the real tens of microseconds, during which
        wavelets in flight land. A nonblocking command issued while an earlier one of its
        queue is pending comes with that one, without a latency of its own: the SDK's runtime
        merges nonblocking commands into one transfer. `host_latency_cycles` adds up the
        latencies charged."""
        return sum(self._pump_queue(q) for q in self._queues())

    def _pump_queue(self, queue: deque) -> int:
        changed = 0
        while queue:
            head = queue[0]
            if not head.started:
                if head.ready_at is None:
                    latency = 0 if head.merged else self.costs.host_command_latency
                    if self._jitter is not None and latency:   # perturbed: the host is late
                        latency += int(self._jitter.integers(0, latency))
                    head.ready_at = self.engine.now + latency
                    self.host_latency_cycles += latency
                if self.engine.now < head.ready_at:
                    return changed
                head.started = True
                head.command.start()
                changed += 1
            if not head.command.done():
                return changed
            head.finished = True
            if self._trace is not None:
                self._trace.command(self._queues().index(queue), head.label,
                                   head.ready_at, self.engine.now)
            report.finished(self, head)
            runcheck.record(head.label, getattr(head.command, "out", None))
            queue.popleft()
            changed += 1
        return changed

    def numeric_context(self):
        # Plain-Python task bodies use numpy scalars: overflow/inf are CSL semantics, not warnings.
        return contextlib.nullcontext() if self.jit is True else np.errstate(all="ignore")

    def _waiting(self, what: str) -> None:
        """The host starts waiting for `what`: a livelock is measured from here."""
        self._wait = (self.engine.now, self.engine.activity(), what)

    def _advance(self, limit: int, livelock: bool = True) -> bool:
        """Run the device towards cycle `limit`, in slices so the progress bar can move.
        Past the cycle budget (max_cycles, else runcheck.LIVELOCK_CYCLES of one host wait,
        unless `livelock` is False: run_for asked for its cycles) with work left, a
        LivelockError says what waits and what kept running."""
        since, _, _ = self._wait
        cap = (self.max_cycles if self.max_cycles is not None
               else since + runcheck.LIVELOCK_CYCLES if livelock else sched.FOREVER)
        if self.engine.now >= cap and self.engine.has_work():
            self._progress.close()
            raise LivelockError(self._livelock_report())
        limit = min(limit, cap)
        try:
            progressed = self.engine.run(min(limit, self.engine.now + PROGRESS_SLICE_CYCLES))
        except DeadlockError as err:       # a blocking op that can never finish: add the host
            sync = getattr(err, "sync_wait", None)
            if sync is not None and not getattr(err, "host_reported", False):
                self._progress.close()
                err.args = (self._deadlock_report(sync),)
                err.host_reported = True
            raise
        self._progress.update(self.engine.now)
        return progressed

    def _drive(self, until) -> None:
        try:
            self._drive_until(until)
        except BaseException:
            if self._trace is not None:
                self._trace.drain()        # the file holds the run up to the failure
            raise

    def _drive_until(self, until) -> None:
        self._stepped = False
        with self.numeric_context():
            self._pump()
            self._waiting(self._queue[0].label if self._queue else "a host stream command")
            while not until():
                limit = min(self._due(), default=sched.FOREVER)
                if not self._advance(limit):
                    if limit != sched.FOREVER and self.engine.now < limit:
                        self._idle_until(limit)            # idle until a command arrives
                    changed = self._pump()
                    if until():
                        break
                    if not changed:                        # nothing new to do: stuck
                        self._progress.close()
                        raise DeadlockError(self._deadlock_report())
                    continue
                self._pump()
            self._progress.close()

    def _idle_until(self, t: int) -> None:
        """Let the idle device's clock run to `t`, booked (for the cycle account) as host
        latency when a command reaches the device then, as a copy's transfer time when one
        ends then (else the device's own idle time, run_for's step ending)."""
        heads = [q[0] for q in self._queues() if q]
        if any(not h.started and h.ready_at == t for h in heads):
            self.engine.idle_until(t, "latency")
        elif any(h.started and getattr(h.command, "until", None) == t for h in heads):
            self.engine.idle_until(t, "transfer")
        else:
            self.engine.now = t

    def _due(self) -> list[int]:
        """The cycles at which a queue's head changes with no device activity: a command
        reaching the device after its host latency, a copy's transfer time ending."""
        due = []
        for q in self._queues():
            if not q:
                continue
            head = q[0]
            at = head.ready_at if not head.started else getattr(head.command, "until", None)
            if at is not None:
                due.append(at)
        return due

    def _livelock_report(self) -> str:
        since, before, what = self._wait
        waited = self.engine.now - since
        if self.max_cycles is None:
            first = (f"{what} has waited {waited:,} cycles while the fabric keeps moving (the "
                     f"livelock cap of {runcheck.LIVELOCK_CYCLES:,} cycles per host wait; set "
                     "max_cycles= or PYWSE_MAX_CYCLES to change it)")
            lost = runcheck.lost_report(self.engine)
            return report.build(self, first, runcheck.activity_lines(self.engine, before, waited)
                                + ([lost] if lost else [])
                                + ["a task or route that feeds itself never lets the host "
                                   "command finish"], hint=False)
        return "\n".join([self._limit_report(), f"the host was waiting for {what}",
                          *runcheck.activity_lines(self.engine, before, waited)])

    def _deadlock_report(self, sync=None) -> str:
        return report.deadlock(self, sync)

    def _limit_report(self, budget: str = "") -> str:
        """Why a run stopped at its budget (`budget` names it; default: the runtime's)."""
        return report.limit(self, budget)

    def _report(self, first: str, more: list[str] = ()) -> str:
        """`first`, then the waiting host commands, `more`, and what is stuck."""
        return report.build(self, first, more)
