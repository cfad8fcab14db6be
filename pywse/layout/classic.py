"""Classic layout (the `layout.csl` twin): a rectangle of PEs, their code, and memcpy params.

What a layout records grows with the number of distinct things placed, not with the PEs:
each distinct (program, params) is a *tile kind* and each distinct route config a pattern
(routing.RouteTable), and per PE there is one small integer per array entry. Building a
10,000-PE layout calls set_tile_code and set_color_config per PE, so those calls only look
up what an earlier call already validated. Where the user made each tile kind and route pattern
(the first call that filed it: `errors.caller_site`) is kept for compile's errors about it.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable

import networkx as nx
import numpy as np

from ..dsl.image import MEMCPY_COLOR_NAMES, MemcpyParams, PEContext
from ..dsl.program import Program
from ..errors import LayoutError, PywseError, RoutingError, caller_site, surface, user_boundary
from ..types import N_COLORS, Color, Direction, color_id
from . import imports
from .routing import Filter, RouteNames, RouteTable, Switches, make_route, routing_graph

MEMCPY_RESERVED_COLORS = (21, 22, 23)


class MemcpyInfo:
    """`<memcpy/get_params>`: streaming colors for the host and per-column params for PEs."""

    def __init__(self, layout: "Layout", colors: dict[str, Any]):
        unknown = set(colors) - set(MEMCPY_COLOR_NAMES)
        if unknown:
            raise LayoutError(f"layout.memcpy(): unknown parameter(s) {', '.join(sorted(unknown))}; "
                              f"expected some of {', '.join(MEMCPY_COLOR_NAMES)}")
        chosen: dict[str, int] = {}
        for name, c in colors.items():
            try:
                cid = color_id(c)
            except (ValueError, TypeError):
                raise LayoutError(f"layout.memcpy(): {name}={c!r} is not a color 0..{N_COLORS - 1}") from None
            if cid in MEMCPY_RESERVED_COLORS:
                raise LayoutError(f"layout.memcpy(): {name}={cid} is reserved by memcpy "
                                  f"(colors {MEMCPY_RESERVED_COLORS}); pick another color")
            if cid in chosen.values():
                raise LayoutError(f"layout.memcpy(): color {cid} is given to two streams")
            chosen[name] = cid
        free = [c for c in range(20, -1, -1) if c not in chosen.values()]
        for name in MEMCPY_COLOR_NAMES:
            if name not in chosen:
                chosen[name] = free.pop(0)
        self.colors = chosen
        self.explicit = set(colors)
        self.used: set[str] = set()     # streams whose color the layout read (below)
        self._params = MemcpyParams(tuple(sorted(chosen.items())), layout.width, layout.height)

    def __getattr__(self, name: str) -> Color:
        """`memcpy.MEMCPYH2D_1`, ...: a stream's color. Reading one counts as naming it:
        user routes on it are then refused, as on a color given to `layout.memcpy()`."""
        colors = self.__dict__.get("colors")
        if colors is None or name not in colors:
            raise AttributeError(name)
        self.__dict__.setdefault("used", set()).add(name)
        return Color(colors[name])

    def reserved_streams(self) -> set[str]:
        """The streams whose colors user routes may not use: named or read."""
        return self.explicit | self.__dict__.get("used", set())

    def get_params(self, x: int) -> MemcpyParams:
        """The params `p.memcpy(...)` takes on column `x` (CSL `memcpy.get_params(x)`)."""
        return self._params


class Layout:
    """A `width x height` kernel rectangle (CSL `@set_rectangle`)."""

    @user_boundary
    def __init__(self, width: int, height: int):
        if int(width) < 1 or int(height) < 1:
            raise LayoutError(f"Layout({width}, {height}): width and height must be >= 1")
        self.width, self.height = int(width), int(height)
        # per PE its tile kind: 0 no code yet, k: tile_kinds[k - 1] = (program, params)
        self.tile_kind = np.zeros((self.height, self.width), np.int32)
        self.tile_kinds: list[tuple[Program, dict[str, Any]]] = []
        self.tile_sites: list = []                 # per tile kind: the set_tile_code that made it
        self.memcpy_info: MemcpyInfo | None = None
        self.routes = RouteTable(self.width, self.height)
        self.source_file: str | None = None    # set by `pywse compile`, to reload out dirs
        self.source_module: str | None = None
        self._kind_index: dict[tuple, int] = {}    # (program, _params_key) -> tile kind
        self._route_keys: dict[tuple, int] = {}    # set_color_config arguments -> pattern

    def __getstate__(self):
        """Pickled without the lookup caches: a tile kind's key holds object ids."""
        return {k: v for k, v in self.__dict__.items() if k not in ("_kind_index", "_route_keys")}

    def __setstate__(self, state):
        if "tile_kinds" not in state:
            raise LayoutError("this layout was saved by an older pywse (per-PE tiles); "
                              "compile it again")
        self.__dict__.update(state)
        self.__dict__.setdefault("tile_sites", [None] * len(self.tile_kinds))
        self._kind_index = {(prog, _params_key(params)): k
                            for k, (prog, params) in enumerate(self.tile_kinds, 1)}
        self._route_keys = {}

    @user_boundary
    def memcpy(self, **colors) -> MemcpyInfo:
        """Import `<memcpy/get_params>` (streaming colors by name, the rest allocated)."""
        if self.memcpy_info is not None:
            raise LayoutError("layout.memcpy() is called twice; call it once and reuse its result")
        self.memcpy_info = MemcpyInfo(self, colors)
        return self.memcpy_info

    @user_boundary
    def import_module(self, target: str, params: dict | None = None, /, **kwparams) -> Any:
        """Import a layout-side SDK library by its CSL name (CSL `@import_module` in
        layout.csl): `layout.import_module("<collectives_2d/params>")`,
        `layout.import_module("<memcpy/get_params>", width=w, height=h)`."""
        return imports.import_module(self, target, params, kwparams)

    def _check_xy(self, x, y, what):
        if not (0 <= x < self.width and 0 <= y < self.height):
            raise LayoutError(f"{what}({x}, {y}): outside the {self.width}x{self.height} rectangle")

    def set_tile_code(self, x: int, y: int, program: Program, params: dict | None = None, /,
                      **kwargs) -> None:
        """Give PE (x, y) its program and params (CSL `@set_tile_code`): in `params`, or as
        keywords (any name, `x` and `y` included: the first four arguments are positional)."""
        try:        # no wrapper: called per PE; a try costs nothing until something raises
            self._check_xy(x, y, "set_tile_code")
            if not isinstance(program, Program):
                raise LayoutError(f"set_tile_code({x}, {y}): expected a @pw.program, got {program!r}")
            if self.tile_kind[y, x]:
                raise LayoutError(f"set_tile_code({x}, {y}): this PE already has code; call "
                                  "set_tile_code once per PE")
            merged = dict(params or {})
            merged.update(kwargs)
            key = (program, _params_key(merged))
            kind = self._kind_index.get(key)
            if kind is None:
                program.check_params(merged, f"set_tile_code({x}, {y})")
                self.tile_kinds.append((program, merged))
                self.tile_sites.append(caller_site(sys._getframe(1)))
                kind = self._kind_index[key] = len(self.tile_kinds)
            self.tile_kind[y, x] = kind
        except PywseError as e:
            surface(e, sys._getframe())
            raise

    def tile_site(self, x: int, y: int):
        """Where the user gave PE (x, y) its code (the set_tile_code call that made its kind)."""
        kind = int(self.tile_kind[y, x])
        return self.tile_sites[kind - 1] if kind else None

    def set_color_config(self, x: int, y: int, color, rx: Iterable = (), tx: Iterable = (),
                         switches: Switches | None = None, filter: Filter | None = None,
                         color_swap_x: bool = False, color_swap_y: bool = False,
                         teardown: bool = False) -> None:
        """Route `color` through PE (x, y)'s router (CSL `@set_color_config`).

        `rx`/`tx` are sets of pw.RAMP/NORTH/SOUTH/EAST/WEST seen from the router: rx RAMP
        means "from my CE", tx RAMP "down to my CE". Each (PE, color) is configured once.
        `teardown=True` starts the color in teardown (CSL `.teardown = true`): it carries
        nothing until the PE's program reconfigures it and leaves teardown (`<tile_config>`).
        """
        try:        # no wrapper: called per PE and color; a try costs nothing until a raise
            self._check_xy(x, y, "set_color_config")
            try:
                c = color_id(color)
            except (ValueError, TypeError):
                raise RoutingError(f"set_color_config({x}, {y}): {color!r} is not a color "
                                   f"0..{N_COLORS - 1}") from None
            if self.routes.pid[y, x, c]:
                raise RoutingError(f"set_color_config({x}, {y}): color {c} is configured twice; "
                                   "give all its rx and tx in one call")
            rx = (rx,) if isinstance(rx, str) else tuple(rx)
            tx = (tx,) if isinstance(tx, str) else tuple(tx)
            key = (rx, tx, switches, filter, bool(color_swap_x), bool(color_swap_y),
                   bool(teardown))
            try:
                pattern = self._route_keys.get(key)
            except TypeError:          # unhashable arguments: make_route says what is wrong
                key, pattern = None, None
            if pattern is None:
                pattern = self.routes.pattern_id(make_route(x, y, c, rx, tx, switches, filter,
                                                            color_swap_x, color_swap_y,
                                                            teardown=teardown))
                self.routes.note_site(pattern, caller_site(sys._getframe(1)))
                if key is not None:
                    self._route_keys[key] = pattern
            self.routes.pid[y, x, c] = pattern
        except PywseError as e:
            surface(e, sys._getframe())
            raise

    def pe_context(self, x: int, y: int, arch: str, memcpy: bool) -> PEContext:
        """What the program on PE (x, y) sees at comptime: its place in the rectangle."""
        return PEContext(arch, x, y, self.width, self.height, memcpy)

    def route_names(self) -> RouteNames:
        """How route errors and lints word this layout's PEs, colors and calls."""
        return RouteNames(self.routes)

    def routing_graph(self) -> nx.DiGraph:
        """The routing graph: nodes (x, y, color), an edge per possible hop (networkx).
        Built when asked; compile checks the routes on arrays (routing.check_routes)."""
        return routing_graph(self.routes)

    @user_boundary
    def draw(self, path, arch: str | None = None) -> Path:
        """Draw the layout to `path` (.png or .svg, by its suffix; matplotlib, the `viz`
        extra): tile kinds, each color's routes as arrows, switches, memcpy's edges. Big
        layouts are drawn in blocks of PEs (the title says how many). Returns the path."""
        from .draw import draw
        return draw(self, path, arch)


_BY_VALUE = frozenset((bool, int, float, complex, str, bytes, type(None), Color, Direction,
                       MemcpyParams))


def _params_key(params: dict) -> tuple:
    """A key that two params dicts share only if their programs see the same values:
    immutable scalars compare by type and value, anything else (an array, a list, an
    object) by identity, as it may still change before compile freezes it."""
    return tuple((k, v.__class__, v) if v.__class__ in _BY_VALUE or isinstance(v, np.generic)
                 else (k, id(v)) for k, v in params.items())
