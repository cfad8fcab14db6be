"""The builder's PE configuration calls: a color's route on this PE
(`p.set_local_color_config`), the handlers the teardown task runs (a color's teardown, a
flushed queue's), task and main-thread priorities, wse3's control task table, colors a
library reserves, and hooks run when the program body returns. A mixin of program.py's
`Builder` (it keeps its state there).
"""
from __future__ import annotations

import inspect
import sys
from typing import Callable

from ..errors import ProgramError, caller_site, def_site
from ..types import Color
from .configspace import comptime_config
from .dsd import FABIN
from .image import TEARDOWN_TASK_ID, Task
from .queues import Queue

TASK_PRIORITY_LEVELS = ("LOW", "HIGH")
"""`<tile_config>` task_priority.level, by value (CSL: LOW = 0, HIGH = 1)."""
MAIN_THREAD_LEVELS = ("MEDIUM_LOW", "MEDIUM", "MEDIUM_HIGH", "HIGH")
"""`<tile_config>` main_thread_priority.level, by pywse's value (CSL does not print them);
MEDIUM_LOW, between low- and medium-priority microthreads, is the default."""


class PEConfig:
    """`p.set_local_color_config`, `p.set_teardown_handler`, `p.set_control_table`, library
    color reservations and end-of-body hooks (a mixin of `Builder`)."""

    def set_local_color_config(self, color, *, rx=(), tx=(), switches=None, filter=None,
                               color_swap_x: bool = False, color_swap_y: bool = False,
                               teardown: bool = False) -> None:
        """Route `color` through this PE's own router from the program (CSL
        `@set_local_color_config(color, .{ .routes = .{ .rx = ..., .tx = ... } })`): the same
        keywords as `Layout.set_color_config`, applied by `pw.compile` to every PE that runs
        this program and checked with the layout's routes. The layout must leave that color
        alone on those PEs."""
        where = f"program '{self._program.name}': set_local_color_config"
        try:
            c = Color(int(color)).id
        except (TypeError, ValueError):
            raise ProgramError(f"{where}: {color!r} is not a color") from None
        if c in self._local_routes:
            raise ProgramError(f"{where}: color {c} is configured twice; give all its rx and "
                               "tx in one call")
        self._local_routes[c] = (dict(rx=rx, tx=tx, switches=switches, filter=filter,
                                      color_swap_x=color_swap_x, color_swap_y=color_swap_y,
                                      teardown=bool(teardown)),
                                 caller_site(sys._getframe(1)))

    def set_teardown_handler(self, fn: Callable, color) -> None:
        """Run `fn` when `color` enters teardown on this PE (CSL `@set_teardown_handler(fn,
        color)` in a top-level comptime block): a TEARDOWN command of a control wavelet has
        passed the PE's router on that color. `fn` runs as the reserved teardown task (id
        29), so it takes no arguments; it may reconfigure the color with `<tile_config>` and
        must leave teardown with `teardown.exit(color)` before the color carries wavelets
        again. One function serves every color a program hands it (there is one teardown
        task per PE); `teardown.get_pending()` says which colors are pending."""
        where = f"program '{self._program.name}': set_teardown_handler"
        try:
            c = Color(int(color)).id
        except (TypeError, ValueError):
            raise ProgramError(f"{where}: {color!r} is not a color") from None
        if isinstance(fn, Task) or not callable(fn):
            raise ProgramError(f"{where}: the handler must be a plain function of no "
                               f"arguments (not a task or value), got {fn!r}")
        if c in self._teardown_colors:
            raise ProgramError(f"{where}: color {c} already has a teardown handler; CSL "
                               "sets one per color")
        if self._teardown is None:
            self._teardown = self._handler_task(fn)
            self._teardown.teardown = True
            self._teardown_site = caller_site(sys._getframe(1))
        elif self._teardown.fn is not fn:
            raise ProgramError(
                f"{where}: color {c} gets handler '{fn.__name__}' but this program already "
                f"has teardown handler '{self._teardown.name}'; a PE has one teardown task, "
                "so pywse takes one handler function per program: hand the same function "
                "every color and tell them apart with teardown.get_pending() / is_pending()")
        self._teardown_colors.append(c)

    def set_empty_queue_handler(self, fn: Callable, queue: Queue) -> None:
        """Run `fn` when `queue` has emptied after `pw.queue_flush(queue)` (wse3, CSL
        `@set_empty_queue_handler(fn, queue)` in a top-level comptime block). `queue` is what
        `p.input_queue` / `p.output_queue` returned. `fn` takes no arguments and runs as the
        teardown task (id 29), after the color teardown handler if a color is pending too; it
        must reset the flush status with `<tile_config>`'s `queue_flush.exit(queue)`, or
        every later run of the teardown task runs it again. One handler per queue; one
        function may serve several queues (and colors)."""
        where = f"program '{self._program.name}': set_empty_queue_handler"
        if self.arch != "wse3":
            raise ProgramError(f"{where}: @set_empty_queue_handler (and @queue_flush) are "
                               f"wse3's; {self.arch} has no queue flush (its output queues "
                               "take any color, so one is reused without one); drop the "
                               "handler, or compile for wse3")
        if not isinstance(queue, Queue):
            raise ProgramError(f"{where}: {queue!r} is not a queue; pass what "
                               "p.input_queue(q, color) or p.output_queue(q, color) returned")
        self._check_handler(fn, where, "an empty-queue handler")
        if queue.code in self._flush_handlers:
            raise ProgramError(f"{where}: {queue} already has an empty-queue handler "
                               f"('{self._flush_handlers[queue.code].name}'); CSL sets one "
                               "per queue")
        task = self._handler_task(fn)
        task.flushed = task.flushed + (queue.code,)
        self._flush_handlers[queue.code] = task
        if self._flush_site is None:
            self._flush_site = caller_site(sys._getframe(1))

    def _check_handler(self, fn, where: str, what: str) -> None:
        if isinstance(fn, Task) or not callable(fn) or not hasattr(fn, "__code__"):
            raise ProgramError(f"{where}: {what} must be a plain function of no arguments "
                               f"(not a task or value), got {fn!r}")
        params = list(inspect.signature(fn).parameters)
        if params:
            raise ProgramError(f"{where}: {what} takes no arguments (it runs as the teardown "
                               f"task), but '{fn.__name__}' takes {', '.join(params)}"
                               ).at(def_site(fn))

    def _handler_task(self, fn: Callable) -> Task:
        """The teardown-task handler (local id 29) that runs `fn`: the one made for it
        already (a function may serve colors and queues), else a new one."""
        for t in self._tasks:
            if t.fn is fn and (t.teardown or t.flushed):
                return t
        return self._add_task(fn, "local", TEARDOWN_TASK_ID, self.scoped(fn.__name__),
                              handler=True)

    @staticmethod
    def _is_handler(task: Task) -> bool:
        return task.teardown or bool(task.flushed)

    def update_task_priority(self, target, level) -> None:
        """Start a task at `level` (0 LOW, the default, or 1 HIGH): `<tile_config>`'s
        task_priority functions called in the program body (CSL allows them at comptime).
        `target` is a local or data task, or the channel of wavelet-triggered tasks (and the
        control tasks its wavelets start): an input queue on wse3, a color on wse2."""
        where = f"program '{self._program.name}': task_priority"
        if isinstance(level, bool) or level not in (0, 1):
            raise ProgramError(f"{where}: level {level!r} is not task_priority.level.LOW (0) "
                               "or HIGH (1)")
        self._priorities.append((self._priority_target(target, where), int(level)))

    def _priority_target(self, target, where: str):
        if isinstance(target, Task):
            if target.kind not in ("local", "data"):
                raise ProgramError(f"{where}: '{target.name}' is a {target.kind} "
                                   f"{'function' if target.kind == 'export' else 'task'}; "
                                   "task priority is set for local and data tasks (a control "
                                   "task takes the priority of the "
                                   f"{'input queue' if self.arch == 'wse3' else 'color'} its "
                                   "wavelets arrive on)")
            return target
        if self.arch == "wse3" and isinstance(target, Queue) and target.kind == FABIN:
            return target
        if self.arch == "wse2" and isinstance(target, Color):
            return target
        what = "an input queue (p.input_queue)" if self.arch == "wse3" else "a color"
        raise ProgramError(f"{where}: {target!r} is not a local or data task or {what}; "
                           f"on {self.arch} task priority takes one of those")

    def update_main_thread_priority(self, level) -> None:
        """Record the main thread's priority (`<tile_config>`'s main_thread_priority at
        comptime): 0 MEDIUM_LOW (the default) .. 3 HIGH. pywse's microthreads never compete
        with the main thread, so it changes nothing else (docs/semantics.md)."""
        if isinstance(level, bool) or level not in range(len(MAIN_THREAD_LEVELS)):
            raise ProgramError(f"program '{self._program.name}': main_thread_priority level "
                               f"{level!r} is not one of main_thread_priority.level."
                               f"{', '.join(MAIN_THREAD_LEVELS)} (0..3)")
        self._main_priority = int(level)

    def _high_tasks(self) -> tuple[int, ...]:
        """The task ids the program starts at HIGH priority (data task ids are bound now)."""
        high: set[int] = set()
        for target, level in self._priorities:
            tid = target.id
            (high.add if level else high.discard)(int(tid))
        return tuple(sorted(high))

    def set_config(self, addr, value, *ranges) -> None:
        """CSL's top-level `comptime { @set_config(addr, value); }`: refused with the reason
        (CSL's comptime form refuses the routing and switch ranges, the only configuration
        registers pywse models); `pw.set_config` in a task body writes them."""
        comptime_config("set_config", "p")()

    def get_config(self, addr, *ranges) -> None:
        """CSL's comptime `@get_config(addr)`: refused as `set_config` is."""
        comptime_config("get_config", "p")()

    def at_end(self, fn: Callable[[], None]) -> None:
        """Run `fn()` once the program body has returned, in the module scope it was
        registered from. For a library whose choices depend on what the program declares
        after importing it (`<message_passing>` binds its own data task to its input queue
        only if the program binds none there)."""
        self._at_end.append((list(self._scope), fn))

    def reserve_colors(self, colors, owner: str) -> None:
        """Colors a library keeps for itself on this PE (`<message_passing>`: 14..18):
        `pw.compile` refuses a layout route on them, naming `owner`."""
        for c in colors:
            self._reserved[int(c)] = owner

    @property
    def reserved_colors(self) -> dict[int, str]:
        return dict(self._reserved)

    def set_control_table(self, instructions: int, stride: int) -> None:
        """What `pw.set_control_task_table` records (twins.py checks its fields)."""
        if self._control_table is not None:
            raise ProgramError(f"program '{self._program.name}': pw.set_control_task_table is "
                               "called twice; CSL allows it once per program")
        self._control_table = (instructions, stride)

    def _check_task_table(self) -> None:
        """Control tasks share the task table with data and local tasks (both arches) unless
        wse3's `pw.set_control_task_table()` gave them their own: one id, one task."""
        if self._control_table is not None:
            return
        others = {t.id: t for t in self._tasks if t.kind in ("local", "data") and t.id is not None}
        for c in (t for t in self._tasks if t.kind == "control"):
            o = others.get(c.id)
            if o is None:
                continue
            fix = ("call pw.set_control_task_table() in the program body (on wse3 control "
                   "tasks then get their own table), or give one of them another id"
                   if self.arch == "wse3" else "give one of them another id")
            raise ProgramError(f"program '{self._program.name}': control task '{c.name}' and "
                               f"{o.kind} task '{o.name}' both have id {c.id}, and control "
                               f"tasks share one task table with data and local tasks; {fix}"
                               ).at(def_site(c.fn))

    def _run_at_end(self) -> None:
        hooks, self._at_end = self._at_end, []
        for scope, fn in hooks:
            saved, self._scope = self._scope, scope
            try:
                fn()
            finally:
                self._scope = saved
