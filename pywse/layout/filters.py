"""Router filters: which wavelets of a color a PE's router hands down to its CE.

CSL configures one per (PE, color) in `@set_color_config(x, y, c, .{ .routes = ...,
.filter = .{ .kind = .{ .counter = true }, .limit1 = 5, ... } })`; pywse takes
`filter=pw.Filter("counter", limit1=5, ...)` in `Layout.set_color_config` and
`p.set_local_color_config`. A filter decides CE delivery only: the router forwards every
wavelet along its other tx directions as it would without one (docs/semantics.md, "Filters",
says what each kind passes and how its counter moves).

A PE has `FILTERS_PER_PE` filters over all its colors, one of them memcpy's when the program
uses it (`check_filter_budget`); `filter_ids` numbers a PE's filters by color, the ids
`pw.get_filter_id` and `<tile_config>`'s `filters` functions take.
"""
from __future__ import annotations

import ast
import difflib

import attrs
import numpy as np

from ..dsl.signatures import TABLE
from ..dsl.tasksource import closure, is_user_function, node_site, parse_function
from ..errors import LayoutError, RoutingError, TaskError, user_boundary
from ..types import Color

FILTER_KINDS = ("counter", "sparse_counter", "range")
_COUNTER = ("count_data", "count_control", "init_counter", "limit1", "max_counter",
            "filter_control", "fast_mode")
OPTIONS = {"range": ("min_idx", "max_idx"), "counter": _COUNTER,
           "sparse_counter": _COUNTER + ("limit2",)}
"""The options each kind of filter takes (CSL-LIBRARIES §4.3; `fast_mode` is taken as
csl-examples' fft-1d-2d writes it, and changes nothing pywse models)."""
REQUIRED = {"range": ("min_idx", "max_idx"), "counter": ("limit1", "max_counter"),
            "sparse_counter": ("limit1", "limit2", "max_counter")}
_FLAGS = ("count_data", "count_control", "filter_control", "fast_mode")
ALL_OPTIONS = tuple(dict.fromkeys(OPTIONS["range"] + OPTIONS["sparse_counter"]))

FILTERS_PER_PE = {"wse2": 4, "wse3": 4}
"""Filters a PE's router has, over all its colors. The SDK documents no figure; four, of
which memcpy keeps one, is what a third-party study of the router reports (Schnyder,
"Distributed Sorting on the Cerebras Wafer-Scale Engine", ch. 7, as the spada compiler
quotes it); pywse takes it for both arches (docs/semantics.md, "Filters")."""
MEMCPY_FILTERS = 1
"""Filters the memcpy module keeps on every PE of a program that uses it."""


@attrs.frozen(init=False)
class Filter:
    """A color's filter on one PE (CSL `.filter = .{ .kind = .{ .<kind> = true }, ... }`).

    `kind` is "counter", "sparse_counter" or "range"; the options are CSL's fields:

    - range: `min_idx`, `max_idx` (both required): a data wavelet reaches the CE iff its
      index (high 16 bits) is in [min_idx, max_idx]; control wavelets always do.
    - counter: `limit1`, `max_counter` (required), `init_counter` (0), `count_data`,
      `count_control`, `filter_control` (False), `fast_mode` (accepted, no effect): a counter
      starts at init_counter and moves on each counted wavelet, from limit1 back to 0; a data
      wavelet reaches the CE iff the counter is <= max_counter when it passes; with
      filter_control, a control wavelet iff the counter == max_counter.
    - sparse_counter: a counter that also takes `limit2` (required): the first time the
      counter wraps, limit2 replaces limit1; the second time, the filter stops filtering.
    """

    kind: str
    min_idx: int | None
    max_idx: int | None
    count_data: bool
    count_control: bool
    init_counter: int | None
    limit1: int | None
    limit2: int | None
    max_counter: int | None
    filter_control: bool
    fast_mode: bool

    @user_boundary
    def __init__(self, kind: str, **options) -> None:
        where = f"pw.Filter({kind!r})"
        if kind not in FILTER_KINDS:
            raise RoutingError(f"pw.Filter: {kind!r} is not a kind of filter; use 'counter', "
                               "'sparse_counter' or 'range' (CSL `.kind = .{ .counter = true }`)")
        takes = OPTIONS[kind]
        for name in options:
            if name in takes:
                continue
            others = [k for k in FILTER_KINDS if name in OPTIONS[k]]
            if others:
                raise RoutingError(
                    f"{where}: a {kind} filter takes {', '.join(takes)}, not {name} ({name} is "
                    f"an option of {' and '.join(others)} filters); drop it or use that kind")
            close = difflib.get_close_matches(name, ALL_OPTIONS, n=1)
            raise RoutingError(f"{where}: no filter has an option {name!r}"
                               + (f" (did you mean {close[0]}?)" if close else "")
                               + f"; a {kind} filter takes {', '.join(takes)}")
        missing = [n for n in REQUIRED[kind] if options.get(n) is None]
        if missing:
            raise RoutingError(f"{where} needs {', '.join(f'{n}=' for n in missing)} (a "
                               f"{kind} filter takes {', '.join(takes)})")
        values = {}
        for name in ALL_OPTIONS:
            v = options.get(name)
            if name in _FLAGS:
                if not isinstance(v, (bool, np.bool_, type(None))):
                    raise RoutingError(f"{where}: {name} is a bool, got {v!r}")
                values[name] = bool(v)
            elif v is None:
                values[name] = 0 if name == "init_counter" and kind != "range" else None
            else:
                if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or \
                        not 0 <= int(v) <= 0xFFFF:
                    raise RoutingError(f"{where}: {name}={v!r}; it must be an integer "
                                       "0..65535 (a 16-bit index or count)")
                values[name] = int(v)
        self.__attrs_init__(kind, **values)

    @property
    def counts(self) -> bool:
        """Is this a counter filter (counter or sparse_counter)?"""
        return self.kind != "range"


@user_boundary
def RangeFilter(min_idx: int, max_idx: int) -> Filter:  # noqa: N802  (a class's name once)
    """`pw.Filter("range", min_idx=..., max_idx=...)`: deliver to the CE only data wavelets
    whose upper-16-bit index is in [min_idx, max_idx]."""
    return Filter("range", min_idx=min_idx, max_idx=max_idx)


def filter_limit(arch: str, memcpy: bool) -> int:
    """Filters a program may configure on one PE."""
    return FILTERS_PER_PE[arch] - (MEMCPY_FILTERS if memcpy else 0)


def filtered_ports(table) -> np.ndarray:
    """`[y, x, color]`: the (PE, color) ports of a RouteTable that have a filter."""
    has = np.array([False] + [cfg.filter is not None for cfg in table.patterns], bool)
    return has[table.pid]


def filter_ids(table) -> np.ndarray:
    """`[y, x, color]`: each filtered port's filter id, -1 where a color has none. A PE
    numbers its filters 0, 1, ... in the order of their colors (pywse's choice: the SDK
    does not say how cslc numbers them; docs/semantics.md)."""
    has = filtered_ports(table)
    return np.where(has, np.cumsum(has, axis=2) - 1, -1)


def check_filter_budget(table, arch: str, memcpy: bool) -> None:
    """No PE may use more filters than its router has (memcpy keeps one of them)."""
    if not any(cfg.filter is not None for cfg in table.patterns):
        return
    has = filtered_ports(table)
    limit = filter_limit(arch, memcpy)
    over = np.argwhere(has.sum(axis=2) > limit)
    if not len(over):
        return
    y, x = (int(v) for v in over[0])
    colors = [int(c) for c in np.flatnonzero(has[y, x])]
    memcpy_note = f", {MEMCPY_FILTERS} of them memcpy's" if memcpy else ""
    raise table.error(
        f"PE ({x}, {y}) has {len(colors)} filters (colors {', '.join(map(str, colors))}) but "
        f"a {arch} router has {FILTERS_PER_PE[arch]}{memcpy_note}, so a program may use "
        f"{limit}; filter fewer colors on this PE (a data task or a counter in memory can pick "
        "wavelets out instead)", x, y, colors[limit])


# -- pw.get_filter_id(c) of a color without a filter: a compile-time error ------------------------

_CALLS: dict = {}
"""code object -> (the calls in it that may reach pw.get_filter_id (func and first argument
nodes, with their sites), the names it assigns, the nodes it calls)."""


def _calls(fn):
    key = fn.__code__
    found = _CALLS.get(key)
    if found is None:
        try:
            fdef, filename = parse_function(fn, fn.__name__)
        except TaskError:
            found = _CALLS[key] = ((), frozenset(), ())
            return found
        local = {n.id for n in ast.walk(fdef) if isinstance(n, ast.Name)
                 and isinstance(n.ctx, ast.Store)} | {a.arg for a in ast.walk(fdef)
                                                       if isinstance(a, ast.arg)}
        calls = [n for n in ast.walk(fdef) if isinstance(n, ast.Call)]
        uses = tuple((n.func, n.args[0], node_site(n, filename, fn.__name__))
                     for n in calls if n.args)
        found = _CALLS[key] = (uses, frozenset(local), tuple(n.func for n in calls))
    return found


def _value(node, scope: dict, local: frozenset):
    """What an expression of a task body names at comptime (a captured or module-level
    value, an attribute of one, `pw.Color(n)`), or None if it is computed at run time."""
    if isinstance(node, ast.Name):
        return None if node.id in local else scope.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _value(node.value, scope, local)
        return None if base is None else getattr(base, node.attr, None)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.Call) and _value(node.func, scope, local) is Color and \
            len(node.args) == 1 and isinstance(node.args[0], ast.Constant):
        try:
            return Color(node.args[0].value)
        except (TypeError, ValueError):
            return None
    return None


def filter_id_uses(fn, depth: int = 0, seen=None) -> list[tuple[int, object]]:
    """(color, site) of each `pw.get_filter_id(c)` in `fn` and the functions it calls whose
    color is known at comptime (others are checked when they run)."""
    seen = set() if seen is None else seen
    if fn.__code__ in seen or depth > 8:
        return []
    seen.add(fn.__code__)
    uses, local, funcs = _calls(fn)
    scope = {**fn.__globals__, **closure(fn)}
    out = []
    for func, arg, site in uses:
        if _value(func, scope, local) is TABLE["get_filter_id"]:
            c = _value(arg, scope, local)
            if isinstance(c, (Color, int)) and not isinstance(c, bool):
                out.append((int(c), site))
    for func in funcs:
        callee = _value(func, scope, local)
        if is_user_function(callee):
            out += filter_id_uses(callee, depth + 1, seen)
    return out


def check_filter_ids(table, images, pe_image: np.ndarray) -> None:
    """Every color a program's task bodies pass to `pw.get_filter_id` has a filter on every
    PE running that program (CSL's `@get_filter_id` is an error for a color without one)."""
    has = None
    for n, image in enumerate(images):
        uses = [u for task in image.tasks for u in filter_id_uses(task.fn)]
        if not uses:
            continue
        if has is None:
            has = filtered_ports(table).reshape(-1, table.pid.shape[-1])
        pes = np.flatnonzero(pe_image == n)
        for c, site in uses:
            bare = pes[~has[pes, c]] if 0 <= c < has.shape[1] else pes
            if len(bare):
                y, x = divmod(int(bare[0]), table.width)
                raise LayoutError(
                    f"PE ({x}, {y}): program '{image.program.name}' calls "
                    f"pw.get_filter_id(color {c}), but color {c} has no filter on this PE; give "
                    f"it one (filter=pw.Filter(...) in its set_color_config or "
                    "p.set_local_color_config) or drop the call").at(site)
