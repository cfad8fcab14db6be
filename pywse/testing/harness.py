"""A harness for unit-testing task logic: a program (or a whole layout, classic or SdkLayout)
on a small grid, fed wavelets by the test and read back by what leaves it.

    h = Harness(acc_program, n=4, rx=pw.Color(3), tx=pw.Color(4))   # the program's params
    h.send(pw.Color(3), np.array([1, 2, 3, 4], np.uint16), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)          # still busy then: pw.CycleLimitError
    h.expect(pw.Color(4), [10], direction=pw.EAST)
    assert h.peek("total")[0] == 10

Routes come for free when the harness is built from a program alone: a `send` with a
direction D routes D -> RAMP on its color, each color the program sends on (its output
queues) goes RAMP -> the test, and `expect` / `sent` read it whatever direction they name.
With `routes=` (or a `pw.Layout`) routes are exact, and what leaves the grid's edges is
recorded per (PE, direction, color) instead of being stuck there.
`memcpy_params` is supplied automatically when the program takes it.

An SdkLayout speaks its own terms (sdkparts.py): its `Color`s, PEs as `(region, x, y)`,
and its host streams, which the test feeds and reads as it would any color.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Callable, Mapping

import attrs
import numpy as np

from ..dsl.image import Task
from ..dsl.program import Program
from ..errors import CycleLimitError, DeadlockError, RoutingWarning, UnreachableTaskWarning
from ..host.runtime import SdkRuntime, cycle_budget
from ..layout.classic import Layout
from ..layout.compile import compile as compile_layout
from ..layout.sdkcompile import compile_sdk
from ..layout.sdklayout import SdkLayout
from ..lib.debug import traces_of
from ..sim import fabric, sched
from ..sim.builtins import ACTIVE, BLOCKED
from ..sim.costs import Costs
from ..sim.stats import Stats
from ..types import ARCHES, DIRECTIONS, N_COLORS, Direction, color_id
from .sdkparts import SdkParts
from .wavelets import (
    ExpectError,
    HarnessError,
    Received,
    expected_type,
    from_words,
    to_words,
    verdict,
)

SIDES = {d: i for i, d in enumerate(DIRECTIONS)}        # RAMP 0, NORTH 1, ... (fabric.D_*)
STEP = {"NORTH": (0, -1), "SOUTH": (0, 1), "EAST": (1, 0), "WEST": (-1, 0)}

RouteSpec = Mapping  # {color: dict(rx=[...], tx=[...])}
HARNESS_KEYWORDS = {"width", "height", "arch", "jit", "routes", "pe_params", "max_cycles", "params",
                    "costs", "line_cycles", "trace", "trace_pes", "trace_colors",
                    "trace_budget"}


class Harness:
    """`program` on a `width` x `height` grid, or a whole `pw.Layout` or `SdkLayout`. The
    program's params come as keywords (in `params=` when one is named like a harness
    keyword); `pe_params(x, y)` adds per-PE ones. `routes`: {color: dict(rx=, tx=)} for
    every PE, or a function (x, y) -> such a dict; none: routes for free (module docstring).
    `arch`: wse3 unless given (an SdkLayout: its platform's). `max_cycles` bounds every run
    that names no budget of its own; `costs` is the platform's cost table (`pw.Costs`, or a
    dict of overrides); `line_cycles` counts cycles per task-body line (`h.stats().lines`);
    `trace` writes a Perfetto trace of the run to that file, complete at `h.close()`
    (`trace_pes`, `trace_colors`, `trace_budget`: as SdkRuntime's, docs/timing.md)."""

    def __init__(self, program: Program | Layout | SdkLayout, /, *, width: int = 1,
                 height: int = 1, arch: str | None = None, jit: bool | str | None = None,
                 routes: RouteSpec | Callable[[int, int], RouteSpec] | None = None,
                 pe_params: Callable[[int, int], dict] | None = None,
                 max_cycles: int | None = None, params: dict | None = None,
                 costs: Costs | dict | None = None, line_cycles: bool | None = None,
                 trace: str | os.PathLike | None = None,
                 trace_pes: tuple[int, int, int, int] | None = None,
                 trace_colors: Iterable[int] | None = None, trace_budget: int | None = None,
                 **more_params):
        if arch is not None and arch not in ARCHES:
            raise HarnessError(f"Harness: unknown arch {arch!r}; use 'wse2' or 'wse3'")
        clash = sorted(set(more_params) & set(params or ()))
        if clash:
            raise HarnessError(f"Harness: param {', '.join(clash)} given twice (params= and as "
                               "a keyword)")
        params = {**(params or {}), **more_params}
        if isinstance(program, Program):
            hidden = sorted((program.required & HARNESS_KEYWORDS) - set(params) - {"memcpy_params"})
            if hidden:
                raise HarnessError(f"Harness: program '{program.name}' takes param "
                                   f"{', '.join(hidden)}, also a harness keyword (the grid's); "
                                   f"pass it as params={{{hidden[0]!r}: ...}}")
        if isinstance(program, (Layout, SdkLayout)):
            if params or routes is not None or pe_params is not None:
                how = ("set_param_all / paint" if isinstance(program, SdkLayout) else
                       "set_tile_code / set_color_config")
                raise HarnessError("Harness(layout): the layout already holds params and routes; "
                                   f"pass them to {how} instead")
            self.free_routes = False
        elif isinstance(program, Program):
            program = _grid_layout(program, width, height, params, pe_params, routes)
            self.free_routes = routes is None
        else:
            raise HarnessError(f"Harness: expected a @pw.program, a pw.Layout or an SdkLayout, "
                               f"got {program!r}")
        self.max_cycles = None if max_cycles is None else \
            cycle_budget(max_cycles, "Harness: max_cycles", HarnessError)
        # no route lints: the test feeds and reads the grid's edges, and adds free routes;
        # no unreachable-task lint: the test may start any task itself (h.activate)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoutingWarning)
            warnings.simplefilter("ignore", UnreachableTaskWarning)
            self.artifacts = _compile(program, arch)
        self.runtime = SdkRuntime(self.artifacts, jit=jit, memcpy_required=False, costs=costs,
                                  line_cycles=line_cycles, trace=trace, trace_pes=trace_pes,
                                  trace_colors=trace_colors, trace_budget=trace_budget)
        self.runtime.load()
        self.runtime.run()
        self.engine = self.runtime.engine
        self.engine.keep_capture = True
        self.width, self.height = self.artifacts.width, self.artifacts.height
        self._words = self.artifacts.layout.route_names()      # how PEs and colors are named
        self._sdk = SdkParts(program, self.engine, self.artifacts.arch) \
            if isinstance(program, SdkLayout) else None
        self._sends: list[tuple[int, str]] = []      # (source row, what) of every send
        self._d2h_to_test()
        if self.free_routes:
            self._route_sends_to_test()

    # -- routes for free ------------------------------------------------------------------------
    def _d2h_to_test(self) -> None:
        """memcpy's D2H colors go to the test (no memcpy_d2h collects them here)."""
        info = self.artifacts.layout.memcpy_info
        for name, c in (info.colors.items() if info is not None else ()):
            if name.startswith("MEMCPYD2H"):
                tx = self.engine.st.sw_tx[:, c, 0]
                tx[tx == fabric.HOST_BIT] = fabric.CAPTURE_BIT

    def _route_sends_to_test(self) -> None:
        """Every color a PE sends on (an output queue's) that no route takes: RAMP -> test."""
        st = self.engine.st
        for pe in range(self.width * self.height):
            for c in self.engine.image(pe).sent_colors():
                if not st.sw_tx[pe, c].any():
                    st.sw_rx[pe, c, 0] = fabric.DIR_BITS["RAMP"]
                    st.sw_tx[pe, c, 0] = fabric.CAPTURE_BIT

    # -- where ----------------------------------------------------------------------------------
    def _pe(self, pe, what: str) -> int:
        if pe is None:
            pe = (0, 0)
        elif self._sdk is not None:
            pe = self._sdk.fabric_pe(pe, what)
        try:
            x, y = (int(v) for v in pe)
        except (TypeError, ValueError):
            raise HarnessError(f"{what}: pe={pe!r} is not an (x, y) pair") from None
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise HarnessError(f"{what}: PE ({x}, {y}) is outside the {self.width}x{self.height} "
                               "harness grid")
        return self.engine.pe_index(x, y)

    def _color(self, color, what: str) -> int:
        if self._sdk is not None:
            color = self._sdk.physical(color, what)
        try:
            return color_id(color)
        except (TypeError, ValueError):
            raise HarnessError(f"{what}: {color!r} is not a color 0..{N_COLORS - 1}") from None

    @staticmethod
    def _direction(direction, what: str) -> str | None:
        if direction is None:
            return None
        if not isinstance(direction, str) or direction not in SIDES:
            raise HarnessError(f"{what}: direction={direction!r}; use pw.RAMP, pw.NORTH, "
                               "pw.SOUTH, pw.EAST or pw.WEST")
        return str(direction)

    def _where(self, pe: int, c: int, direction: str | None = None) -> str:
        x, y = self.engine.pe_xy(pe)
        return self._words.at(x, y, c) + (f" toward {direction}" if direction else "")

    def _routes_at(self, pe: int, c: int) -> tuple[int, int]:
        """(rx bits, tx bits) of (pe, c) over all switch positions."""
        st = self.engine.st
        n = int(st.sw_npos[pe, c])
        return int(np.bitwise_or.reduce(st.sw_rx[pe, c, :n])), \
            int(np.bitwise_or.reduce(st.sw_tx[pe, c, :n]))

    # -- wavelets in ----------------------------------------------------------------------------
    def send(self, color, values, *, pe=None, direction: Direction | None = None,
             dtype=None, control: bool = False, start: int | None = None,
             interval: int = 1) -> None:
        """Feed `values` to PE `pe` (default (0, 0)) on `color`: entering its router from
        `direction` as if that neighbour (or pw.RAMP: its own CE) sent them, or, without a
        direction, straight into the input queue bound to the color as memcpy does. A full
        target makes the wavelets wait, never drops them. `control=True` sends control
        wavelets (payloads from pw.control); the first wavelet is offered at cycle `start`
        (default: now), each next one `interval` cycles after the one before. 16-bit values
        travel in the low half. An SdkLayout's input stream in place of `color` feeds its
        port (with no `pe` or `direction`: the port's)."""
        what = "Harness.send"
        p, c, d = self._target(color, pe, direction, "input", what)
        words = to_words(values, np.uint32 if control and dtype is None else dtype,
                         f"{what} on {self._where(p, c)}")
        now = self.engine.now
        start = now if start is None else int(start)
        if start < now:
            raise HarnessError(f"{what}: start={start} is in the past (the harness is at cycle "
                               f"{now})")
        if int(interval) < 1:
            raise HarnessError(f"{what}: interval={interval}: at most one wavelet per cycle "
                               "(interval >= 1)")
        side = fabric.SIDE_QUEUE if d is None else self._entry(p, c, d)
        if d is None and self.engine.st.ce_iq[p, c] < 0:
            raise HarnessError(f"{what}: {self._where(p, c)}: no input queue is bound to the "
                               "color (no data task or fabin DSD reads it); nothing would take "
                               "these wavelets. Send on a color the program reads, or give a "
                               "direction for wavelets to route on")
        row = self.engine.add_source(p, c, side, words, control=control, start=start,
                                     interval=int(interval))
        self._sends.append((row, f"{what} of {len(words)} wavelet(s) to {self._where(p, c)}"
                                 + (f" from the {d}" if d else " (into its input queue)")))

    def _entry(self, pe: int, c: int, d: str) -> int:
        """The router side wavelets from `d` enter by; routes D -> RAMP for free if need be."""
        st = self.engine.st
        side = SIDES[d]
        rx, tx = self._routes_at(pe, c)
        where = self._where(pe, c)
        if rx >> side & 1:
            return side
        if self.free_routes and tx & fabric.CAPTURE_BIT:
            raise HarnessError(f"Harness.send: {where}: the program also sends on this color, so "
                               "the harness cannot guess its route; pass routes={color: "
                               "dict(rx=[...], tx=[...])}")
        if self.free_routes and not tx:
            if st.ce_iq[pe, c] < 0:
                reads = sorted(set(self.engine.image(pe).iq_color.values()))
                raise HarnessError(f"Harness.send: {where}: the PE neither routes nor binds this "
                                   "color (no data task or fabin DSD reads it), so the wavelets "
                                   "would go nowhere; send on a color the program reads "
                                   f"({', '.join(map(str, reads)) or 'it reads none'})")
            st.sw_rx[pe, c, 0] |= fabric.DIR_BITS[d]
            st.sw_tx[pe, c, 0] = fabric.DIR_BITS["RAMP"]
            return side
        takes = _names(rx) or "nothing"
        raise HarnessError(f"Harness.send: {where}: no route takes wavelets from the {d} (its "
                           f"rx: {takes}); send from a direction the route lists, or add {d} "
                           "to the route's rx")

    def _target(self, color, pe, direction, kind: str, what: str) -> tuple[int, int, str | None]:
        """(PE index, color, direction) that a call names: a color at a PE and side, or an
        SdkLayout host stream of `kind` (its port's PE and color; an input stream's words
        come across the port's edge, an output stream's are read as they leave)."""
        if self._sdk is not None:
            end = self._sdk.stream_end(color, kind, pe, direction, what)
            if end is not None:
                return end
        return self._pe(pe, what), self._color(color, what), self._direction(direction, what)

    # -- wavelets out ---------------------------------------------------------------------------
    def sent(self, color, *, pe=None, direction: Direction | None = None,
             dtype=np.uint32) -> Received:
        """The wavelets PE `pe` (default (0, 0)) sent on `color` that left the grid (toward
        `direction`), in order, as `dtype` values with the cycle each left; or what an
        SdkLayout's output stream (in place of `color`) sent out."""
        p, c, d = self._target(color, pe, direction, "output", "Harness.sent")
        rows = self._captured(p, c, d, "Harness.sent")
        return Received(from_words(rows[:, fabric.CAP_WORD], dtype),
                        rows[:, fabric.CAP_CYCLE].copy(), rows[:, fabric.CAP_CTL].astype(bool))

    def expect(self, color, values, *, pe=None, direction: Direction | None = None,
               dtype=None, arrival=None, rtol: float = 0.0, atol: float = 0.0) -> None:
        """Assert that exactly `values` left PE `pe` (default (0, 0)) on `color` (toward
        `direction`), or an SdkLayout's output stream, in order (16-bit types compare the low
        half; `dtype` says how to read them); `arrival`: a cycle (or one per wavelet) each
        must have left by. Fails with a pw.ExpectError showing the index, expected and
        received values and cycles."""
        what = "Harness.expect"
        p, c, d = self._target(color, pe, direction, "output", what)
        read = expected_type(values, dtype)
        got = self.sent(color, pe=pe, direction=direction, dtype=read)
        exp = np.asarray(values).reshape(-1)
        if read.kind == "f":
            exp = exp.astype(read)
        report = verdict(self._where(p, c, d), exp, got, arrival=arrival, now=self.cycles,
                         rtol=rtol, atol=atol)
        if report:
            raise ExpectError(report)

    def _captured(self, pe: int, c: int, d: str | None, what: str) -> np.ndarray:
        """Capture-log rows of (pe, c) toward `d`, checking the test reads where they go."""
        rx, tx = self._routes_at(pe, c)
        where = self._where(pe, c)
        if tx & fabric.CAPTURE_BIT:           # a free route: leaves toward any direction asked
            dirs = [fabric.D_RAMP]
        else:
            leaving = [SIDES[k] for k in STEP if tx >> SIDES[k] & 1 and not self._inside(pe, k)]
            if d is not None:
                if not tx >> SIDES[d] & 1:
                    raise HarnessError(f"{what}: {where}: no route sends it {d} (its tx: "
                                       f"{_names(tx) or 'nothing'}); read it where the route "
                                       "sends it")
                if SIDES[d] not in leaving:
                    raise HarnessError(f"{what}: {where} goes {d} to another PE of the harness; "
                                       "only wavelets leaving the grid are recorded: read them "
                                       "where they leave")
                dirs = [SIDES[d]]
            elif len(leaving) > 1:
                raise HarnessError(f"{what}: {where} leaves the grid toward "
                                   f"{' and '.join(_names(1 << k) for k in leaving)}; name one "
                                   "with direction=")
            elif not leaving:
                raise HarnessError(f"{what}: {where}: nothing on this color leaves the grid "
                                   f"(its tx: {_names(tx) or 'nothing'}); "
                                   + ("the program sends nothing on it" if self.free_routes
                                      else "route it off an edge to read it"))
            else:
                dirs = leaving
        log = self.engine.captured()
        keep = (log[:, fabric.CAP_PE] == pe) & (log[:, fabric.CAP_COLOR] == c) & \
            np.isin(log[:, fabric.CAP_DIR], dirs)
        return log[keep]

    def _inside(self, pe: int, d: str) -> bool:
        x, y = self.engine.pe_xy(pe)
        dx, dy = STEP[d]
        return 0 <= x + dx < self.width and 0 <= y + dy < self.height

    @property
    def memcpy(self):
        """The memcpy streaming colors (`h.memcpy.MEMCPYH2D_1`, ...) of a program that takes
        `memcpy_params`; None otherwise."""
        return self.artifacts.layout.memcpy_info

    # -- state ----------------------------------------------------------------------------------
    def _var(self, name: str, pe, what: str):
        p = self._pe(pe, what)
        var = self.engine.image(p).symbol(name)
        if var is None:
            names = ", ".join(v.name for v in self.engine.image(p).vars) or "none"
            raise HarnessError(f"{what}: PE {self.engine.pe_xy(p)} has no symbol '{name}' "
                               f"(its symbols: {names})")
        return p, var

    def poke(self, name: str, values, *, pe=None) -> None:
        """Write `values` into symbol `name` on PE `pe`."""
        p, var = self._var(name, pe, "Harness.poke")
        start = self.engine.mem_base[p] + var.offset
        data = np.broadcast_to(np.asarray(values, var.dtype), var.shape)
        self.engine.st.arena[start:start + var.nbytes] = np.ascontiguousarray(data).view(np.uint8).ravel()

    def peek(self, name: str, *, pe=None) -> np.ndarray:
        """A copy of symbol `name` on PE `pe`, in its declared type and shape."""
        p, var = self._var(name, pe, "Harness.peek")
        start = self.engine.mem_base[p] + var.offset
        return self.engine.st.arena[start:start + var.nbytes].view(var.dtype).reshape(var.shape).copy()

    # -- <simprint> and <debug> (pywse/lib) ---------------------------------------------------
    def printed(self) -> list[tuple[int, int, int, str]]:
        """The lines `<simprint>` wrote so far: (cycle, x, y, text), ordered by cycle."""
        return self.runtime.simprint_lines()

    def read_trace(self, key: str, *, pe=None) -> list:
        """What the `<debug>` import with `key` recorded on PE `pe` so far, in order."""
        p = self._pe(pe, "Harness.read_trace")
        x, y = self.engine.pe_xy(p)
        keys = traces_of(self.engine, [p]).get((x, y), {})
        if key not in keys:
            raise HarnessError(f"Harness.read_trace: PE ({x}, {y}) has no <debug> trace "
                               f"'{key}' (its keys: {', '.join(sorted(keys)) or 'none'})")
        return keys[key]

    def _task(self, name: str, pe, what: str) -> tuple[int, Task]:
        p = self._pe(pe, what)
        tasks = [t for t in self.engine.image(p).tasks if t.kind in ("local", "data", "control")]
        for t in tasks:
            if t.name == name:
                return p, t
        names = ", ".join(t.name for t in tasks) or "none"
        raise HarnessError(f"{what}: PE {self.engine.pe_xy(p)} has no task '{name}' "
                           f"(its tasks: {names})")

    def task_state(self, name: str, *, pe=None) -> "TaskState":
        """Is task `name` active, blocked, and how many wavelets wait for it (data tasks)?"""
        p, t = self._task(name, pe, "Harness.task_state")
        flags = int(self.engine.st.task_state[p, t.id]) if t.kind != "control" else 0
        pending = 0
        if t.kind == "data":
            pending = int(self.engine.st.iq_count[p, t.queue])
        return TaskState(t.name, t.kind, bool(flags & ACTIVE), bool(flags & BLOCKED), pending)

    def activate(self, task: str, *, pe=None) -> None:
        """Activate local task `task` on PE `pe`, as `pw.activate` would."""
        p, t = self._task(task, pe, "Harness.activate")
        if t.kind != "local":
            how = (f"it runs when a wavelet arrives on color {t.color}: h.send(pw.Color("
                   f"{t.color}), ...)" if t.kind == "data" else
                   "it runs when a control wavelet names it: h.send(color, "
                   "[pw.control.encode_control_task_payload(...)], control=True)")
            raise HarnessError(f"Harness.activate: '{task}' is a {t.kind} task, not a local "
                               f"one; {how}")
        self._flag(p, t, ACTIVE, True)

    def block(self, task: str, *, pe=None) -> None:
        """Block task `task` on PE `pe` (`pw.block`): it will not run until unblocked."""
        p, t = self._task(task, pe, "Harness.block")
        self._flag(p, t, BLOCKED, True)

    def unblock(self, task: str, *, pe=None) -> None:
        """Unblock task `task` on PE `pe` (`pw.unblock`)."""
        p, t = self._task(task, pe, "Harness.unblock")
        self._flag(p, t, BLOCKED, False)

    def _flag(self, pe: int, t: Task, flag: int, on: bool) -> None:
        if t.kind == "control":
            raise HarnessError(f"'{t.name}' is a control task: it has no flags to set")
        st = self.engine.st
        st.task_state[pe, t.id] = st.task_state[pe, t.id] | flag if on else \
            st.task_state[pe, t.id] & ~flag
        self.engine.wake(pe)

    def launch(self, name: str, *args) -> None:
        """Launch exported function `name` on every PE and wait for unblock_cmd_stream."""
        self.runtime.launch(name, *args)

    # -- running --------------------------------------------------------------------------------
    @property
    def cycles(self) -> int:
        """Simulated cycles so far."""
        return self.runtime.cycles

    def stats(self) -> Stats:
        """The cycle account of what ran so far (`SdkRuntime.stats()`, docs/timing.md); grid
        coordinates, as everywhere in the harness."""
        return self.runtime.stats()

    def heatmap(self, path, metric: str = "busy") -> Path:
        """Draw one per-PE metric of the cycle account (busy, stalled, idle, wavelets,
        received, tasks) to `path` (.png or .svg): `SdkRuntime.heatmap`. Returns the path."""
        return self.runtime.heatmap(path, metric)

    def run(self, cycles: int) -> int:
        """Run `cycles` cycles (less if everything finishes sooner; no error for work left)
        and return how many ran: the runtime's `run_for`, so nonblocking host commands
        (`h.memcpy()`) move too; peek, `task_state` and `stats()` then see that cycle."""
        if cycles is None:
            raise HarnessError("Harness.run(cycles): give the number of cycles to run")
        return self.runtime.run_for(cycle_budget(cycles, "Harness.run: cycles", HarnessError))

    def run_until_idle(self, max_cycles: int | None = None) -> None:
        """Run until nothing is left to do. With a budget (`max_cycles`, else the harness's,
        else PYWSE_MAX_CYCLES), a run still busy that many cycles from now stops with a
        pw.CycleLimitError saying what is left; sends nothing takes end in a DeadlockError."""
        budget = self._budget(max_cycles, "run_until_idle")
        end = None if budget is None else self.engine.now + budget
        self._run(end)
        if self.engine.has_work():
            raise CycleLimitError(self._with_sends(self.runtime._limit_report(
                f"{budget} cycles (run_until_idle(max_cycles=...))")))
        self._check_sends()

    def run_until(self, predicate: Callable[[], bool], *, max_cycles: int | None = None) -> None:
        """Run until `predicate()` holds (checked after every task and fabric step); past the
        budget a pw.CycleLimitError, and if everything stops first a pw.DeadlockError."""
        budget = self._budget(max_cycles, "run_until")
        end = None if budget is None else self.engine.now + budget
        with self.runtime.numeric_context():
            while not predicate():
                if end is not None and self.engine.now >= end:
                    raise CycleLimitError(self._with_sends(self.runtime._limit_report(
                        f"{budget} cycles (run_until(max_cycles=...)): the condition still "
                        "does not hold")))
                if not self._step(end):
                    raise DeadlockError(self._report(
                        f"run_until: everything stopped at cycle {self.cycles} and the "
                        "condition does not hold"))

    def _budget(self, max_cycles, what: str) -> int | None:
        if max_cycles is not None:
            return cycle_budget(max_cycles, f"{what}: max_cycles", HarnessError)
        return self.max_cycles if self.max_cycles is not None else cycle_budget(None)

    def _step(self, end: int | None) -> bool:
        return self.engine.run(sched.FOREVER if end is None else end, single=True)

    def _run(self, end: int | None) -> None:
        with self.runtime.numeric_context():
            while (end is None or self.engine.now < end) and \
                    self.engine.run(sched.FOREVER if end is None else end):
                pass

    def _check_sends(self) -> None:
        if self._pending_sends():
            raise DeadlockError(self._report(
                f"the harness is idle at cycle {self.cycles}, but sends wait forever (the queue "
                "or router they enter is full and nothing drains it, or a switch position does "
                "not take that side)"))

    def _pending_sends(self) -> list[str]:
        return [f"{what}: {done} of {n} taken so far"
                for what, done, n in ((w, *self.engine.source_progress(r)) for r, w in self._sends)
                if done < n]

    def _report(self, first: str, more=()) -> str:
        return self.runtime._report(first, [*more, *self._pending_sends()])

    def _with_sends(self, report: str) -> str:
        return "\n".join([report, *self._pending_sends()])

    def close(self) -> None:
        """End a background compiler working for this harness and let go of the engine's
        memory (the plugin's fixture calls this after each test); finish the trace file."""
        if self.engine is not None:
            self.engine.close()
        if self.runtime is not None and self.runtime.trace is not None:
            self.runtime.trace.close()
        self.runtime = self.engine = None


@attrs.frozen
class TaskState:
    """A task's flags on one PE; `pending` counts wavelets waiting in a data task's queue."""

    name: str
    kind: str
    active: bool
    blocked: bool
    pending: int


def _names(bits: int) -> str:
    return ", ".join(d for d, i in SIDES.items() if bits >> i & 1)


def _compile(layout: Layout | SdkLayout, arch: str | None):
    """An SdkLayout compiles as it does on its own (for `arch`, else its platform's); a
    classic layout gets one free row or column of fabric around it (a tx may leave it, to
    the test), or memcpy's frame when its programs take memcpy_params."""
    if isinstance(layout, SdkLayout):
        return compile_sdk(layout, None, None, arch)
    memcpy = layout.memcpy_info is not None
    return compile_layout(layout, arch=arch or "wse3", memcpy=memcpy,
                          fabric_offsets=(4, 1) if memcpy else (1, 1),
                          fabric_dims=None if memcpy else (layout.width + 2, layout.height + 2))


def _grid_layout(program: Program, width: int, height: int, params: dict,
                 pe_params: Callable | None, routes) -> Layout:
    layout = Layout(width, height)
    memcpy = layout.memcpy() if "memcpy_params" in program.param_names else None
    for y in range(height):
        for x in range(width):
            kw = dict(params)
            if pe_params is not None:
                kw.update(pe_params(x, y))
            if memcpy is not None:
                kw["memcpy_params"] = memcpy.get_params(x)
            layout.set_tile_code(x, y, program, **kw)
            spec = routes(x, y) if callable(routes) else routes
            for color, cfg in (spec or {}).items():
                if not isinstance(cfg, Mapping):
                    raise HarnessError(f"Harness(routes=...): color {color}: expected "
                                       f"dict(rx=[...], tx=[...]), got {cfg!r}")
                layout.set_color_config(x, y, color, **cfg)
    return layout

