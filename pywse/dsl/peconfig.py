"""The builder's PE configuration calls: a color's route on this PE
(`p.set_local_color_config`), the teardown handler, wse3's control task table, colors a
library reserves, and hooks run when the program body returns. A mixin of program.py's
`Builder` (it keeps its state there).
"""
from __future__ import annotations

import sys
from typing import Callable

from ..errors import ProgramError, caller_site, def_site
from ..types import Color
from .configspace import comptime_config
from .image import TEARDOWN_TASK_ID, Task


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
            self._teardown = self._add_task(fn, "local", TEARDOWN_TASK_ID,
                                            self.scoped(fn.__name__))
            self._teardown_site = caller_site(sys._getframe(1))
        elif self._teardown.fn is not fn:
            raise ProgramError(
                f"{where}: color {c} gets handler '{fn.__name__}' but this program already "
                f"has teardown handler '{self._teardown.name}'; a PE has one teardown task, "
                "so pywse takes one handler function per program: hand the same function "
                "every color and tell them apart with teardown.get_pending() / is_pending()")
        self._teardown_colors.append(c)

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
