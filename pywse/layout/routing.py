"""Router configuration (per PE and color), the routing graph and its checks.

The graph's nodes are `(x, y, color)` router ports; an edge means a wavelet can hop from one
PE's router to a neighbour's on that color (in any switch position). The checks report,
naming PE and color: a tx that leaves the kernel, a tx into a PE that does not receive from
that side, an rx that nothing feeds, two flows merging without a switch, and routing cycles
that no switch can break.

Routes are stored as a `RouteTable`: a pattern number per (PE, color) and each distinct
`RouteConfig` once, because a big layout repeats a handful of configs on every PE. The checks
run on those arrays, one visit per configured (PE, color), instead of on a graph of Python
objects; networkx is kept for what it is good at: naming a cycle once one is known to exist,
and `Layout.routing_graph()`, built when asked.

Each pattern remembers where the user first set it (`RouteTable.sites`), so that an error
about a (PE, color) quotes the set_color_config call that made its route. The checks and the
lints word their messages through a `RouteNames` (the layout's `route_names()`): the classic
layout's words here, SdkLayout's own in sdknames.py.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Iterable

import attrs
import networkx as nx
import numpy as np

from ..errors import RoutingError, Site
from ..types import DIRECTIONS, EAST, N_COLORS, NORTH, RAMP, SOUTH, WEST, Direction
from .filters import Filter, RangeFilter  # noqa: F401  (RangeFilter: re-exported)

STEP = {NORTH: (0, -1), SOUTH: (0, 1), EAST: (1, 0), WEST: (-1, 0)}
OPPOSITE = {NORTH: SOUTH, SOUTH: NORTH, EAST: WEST, WEST: EAST}
POP_MODES = ("no_pop", "always_pop", "pop_on_advance", "pop_on_advance_nop")
NEIGHBOURS = (NORTH, SOUTH, EAST, WEST)
DIR_BITS = {d: 1 << i for i, d in enumerate(DIRECTIONS)}   # RAMP 1, NORTH 2, ... WEST 16
ROUTE_SET_HERE = "its route was set here (the first set_color_config call with this route):"


def _dirs(value, what: str) -> frozenset:
    if isinstance(value, str):
        value = [value]
    out = set()
    for d in value:
        if d not in DIRECTIONS:
            raise RoutingError(f"{what}: {d!r} is not a direction (use pw.RAMP, pw.NORTH, "
                               "pw.SOUTH, pw.EAST, pw.WEST)")
        out.add(Direction(d))
    return frozenset(out)


@attrs.frozen
class SwitchPos:
    """One switch position: overrides the base route's rx or tx (CSL `.pos1 = .{ .tx = ... }`)."""

    rx: frozenset = attrs.field(default=frozenset(), converter=lambda v: _dirs(v, "SwitchPos rx"))
    tx: frozenset = attrs.field(default=frozenset(), converter=lambda v: _dirs(v, "SwitchPos tx"))


@attrs.frozen
class Switches:
    """Switch positions 1..3 of a color (position 0 is the base route)."""

    pos1: SwitchPos | None = None
    pos2: SwitchPos | None = None
    pos3: SwitchPos | None = None
    current_switch_pos: int = 0
    ring_mode: bool = False
    pop_mode: str = "no_pop"

    def __attrs_post_init__(self):
        if not 0 <= self.current_switch_pos <= 3:
            raise RoutingError(f"Switches: current_switch_pos {self.current_switch_pos} not in 0..3")
        if self.current_switch_pos and self.position(self.current_switch_pos) is None:
            raise RoutingError(f"Switches: current_switch_pos {self.current_switch_pos} is not a "
                               "valid position")
        if self.pop_mode not in POP_MODES:
            raise RoutingError(f"Switches: pop_mode {self.pop_mode!r}; use one of {POP_MODES}")

    def position(self, k: int) -> SwitchPos | None:
        return (None, self.pos1, self.pos2, self.pos3)[k]


@attrs.frozen
class RouteConfig:
    """Everything `@set_color_config` sets for one (PE, color)."""

    rx: frozenset
    tx: frozenset
    switches: Switches | None = None
    filter: Filter | None = None     # which wavelets reach the CE (layout/filters.py)
    color_swap_x: bool = False
    color_swap_y: bool = False
    teardown: bool = False    # the color starts in teardown (CSL `.teardown = true`)

    def positions(self) -> list[tuple[frozenset, frozenset]]:
        """(rx, tx) of every valid switch position, base first."""
        out = [(self.rx, self.tx)]
        if self.switches:
            for k in (1, 2, 3):
                pos = self.switches.position(k)
                if pos is None:
                    break      # positions are entered in order; later ones are unreachable
                out.append((pos.rx or self.rx, pos.tx or self.tx))
        return out


def make_route(x, y, color, rx: Iterable = (), tx: Iterable = (), switches=None, filter=None,
               color_swap_x=False, color_swap_y=False, arch_note="",
               teardown=False) -> RouteConfig:
    what = f"set_color_config({x}, {y}, color {color})"
    if switches is not None and not isinstance(switches, Switches):
        raise RoutingError(f"{what}: switches must be a pw.Switches")
    if filter is not None and not isinstance(filter, Filter):
        raise RoutingError(f"{what}: filter must be a pw.Filter (e.g. pw.Filter(\"counter\", "
                           f"limit1=5, max_counter=4, count_data=True)), got {filter!r}")
    return RouteConfig(_dirs(rx, f"{what} rx"), _dirs(tx, f"{what} tx"), switches, filter,
                       bool(color_swap_x), bool(color_swap_y), bool(teardown))


class RouteTable(Mapping):
    """The routes of a `width x height` layout, read as a mapping `(x, y, color) -> RouteConfig`.

    Stored as `pid[y, x, color]` (0: not configured, k: `patterns[k - 1]`) with each distinct
    config once: a big layout repeats a handful of configs on every PE, so the checks and the
    engine's load work per pattern and vectorise over the PEs sharing it, and a million
    configured ports are one int32 array rather than a million objects. Iteration is
    row-major (y, x, color); `Layout.set_color_config` is the writer.
    """

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        self.pid = np.zeros((height, width, N_COLORS), np.int32)
        self.patterns: list[RouteConfig] = []
        self._index: dict[RouteConfig, int] = {}
        self.sites: dict[int, Site] = {}     # pattern -> the first user call that set it

    def note_site(self, pattern: int, site: Site | None) -> None:
        """Remember where the user set `pattern` (the first call that did is kept)."""
        if site is not None:
            self.sites.setdefault(pattern, site)

    def site(self, x: int, y: int, color: int) -> Site | None:
        """Where the user set the route of (PE (x, y), color): the first set_color_config
        call with the same route (one site per pattern keeps the per-PE calls cheap)."""
        return self.sites.get(int(self.pid[y, x, color]))

    def error(self, message: str, x: int, y: int, color: int) -> RoutingError:
        """A RoutingError about (PE (x, y), color), quoting where its route was set."""
        return RoutingError(message).at(self.site(x, y, color), ROUTE_SET_HERE)

    def pattern_id(self, cfg: RouteConfig) -> int:
        """The number of `cfg`'s pattern, added if new."""
        k = self._index.get(cfg)
        if k is None:
            self.patterns.append(cfg)
            k = self._index[cfg] = len(self.patterns)
        return k

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ys, xs, colors, pattern ids) of every configured port, in row-major order."""
        ys, xs, cs = np.nonzero(self.pid)
        return ys, xs, cs, self.pid[ys, xs, cs]

    def __getitem__(self, key) -> RouteConfig:
        try:
            x, y, c = key
            k = int(self.pid[y, x, c]) if 0 <= x < self.width and 0 <= y < self.height and \
                0 <= c < N_COLORS else 0
        except (TypeError, ValueError, IndexError):
            k = 0
        if not k:
            raise KeyError(key)
        return self.patterns[k - 1]

    def __iter__(self):
        ys, xs, cs, _ = self.entries()
        return zip(xs.tolist(), ys.tolist(), cs.tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self.pid))

    def __getstate__(self):
        """Pickled sparse: the configured ports only, not an array of zeros per PE."""
        flat = np.flatnonzero(self.pid)
        return self.width, self.height, self.patterns, flat, self.pid.reshape(-1)[flat], self.sites

    def __setstate__(self, state):
        width, height, patterns, flat, ids = state[:5]
        self.__init__(width, height)
        for cfg in patterns:
            self.pattern_id(cfg)
        self.pid.reshape(-1)[flat] = ids
        self.sites = dict(state[5]) if len(state) > 5 else {}


class RouteNames:
    """How route errors and lints name a PE, a color, a router side and the call that made a
    route, and how they advise a fix: the classic Layout's words (kernel coordinates, color
    numbers, rx / tx, set_color_config). SdkLayout's are in sdknames.py."""

    rx, tx = "rx", "tx"
    kernel = "the kernel"
    routed_by = "set_color_config"

    def __init__(self, table: RouteTable):
        self.table = table

    def pe(self, x: int, y: int) -> str:
        return f"PE ({x}, {y})"

    def color(self, c: int, x: int | None = None, y: int | None = None) -> str:
        """Color `c`, as the flow on it at PE (x, y) is called (when known)."""
        return f"color {c}"

    def at(self, x: int, y: int, c: int) -> str:
        return f"{self.pe(x, y)} {self.color(c, x, y)}"

    def side(self, d: str) -> str:
        return str(d)

    def sides(self, bits: int) -> str:
        """Router sides from DIR_BITS bits, as `side` names them."""
        return ", ".join(self.side(d) for d, b in DIR_BITS.items() if int(bits) & b)

    def made(self, x: int, y: int, c: int) -> tuple[Site | None, str]:
        """(the user's call that made the route of (PE, color), the label quoting it)."""
        return self.table.site(x, y, c), ROUTE_SET_HERE

    def error(self, message: str, x: int, y: int, c: int) -> RoutingError:
        """A RoutingError about (PE (x, y), color c), quoting the call that made its route."""
        return RoutingError(message).at(*self.made(x, y, c))

    def lint_site(self, x: int, y: int, c: int) -> Site | None:
        """Where a lint about (PE, color) points (None: at the compile call)."""
        return None

    def lint_note(self, x: int, y: int, c: int) -> str:
        """What a lint line adds about the route's origin (nothing: pw.compile's caller wrote
        every route)."""
        return ""

    def route_hint(self, x: int, y: int, c: int) -> str:
        """How to give (PE, color) a route that delivers to the CE."""
        return f"Add set_color_config({x}, {y}, {c}, rx=[...], tx=[RAMP])"

    def fix_unreceived(self, d: str, nx: int, ny: int) -> str:
        """The fix when a tx toward `d` reaches PE (nx, ny), which does not take it."""
        return f"add {OPPOSITE[d]} to its rx"

    def fix_unfed(self, d: str, nx: int, ny: int) -> str:
        """The fix when an rx from `d` expects what PE (nx, ny) does not send."""
        return f"add {OPPOSITE[d]} to that PE's tx, or drop {d} from this rx"


def routing_graph(table: RouteTable) -> nx.DiGraph:
    """The graph of router hops: nodes (x, y, color), edges for every tx that some rx takes."""
    g = nx.DiGraph()
    for (x, y, c), cfg in table.items():
        g.add_node((x, y, c), rx=cfg.rx, tx=cfg.tx, switched=cfg.switches is not None)
        for _, tx in cfg.positions():
            for d in tx - {RAMP}:
                dx, dy = STEP[d]
                nc = c ^ 1 if (cfg.color_swap_x and d in (EAST, WEST)) or \
                    (cfg.color_swap_y and d in (NORTH, SOUTH)) else c
                g.add_edge((x, y, c), (x + dx, y + dy, nc), direction=d)
    return g


def pattern_bits(patterns: list[RouteConfig]) -> tuple[np.ndarray, ...]:
    """Per pattern number (0: none): the rx and tx directions of all its switch positions
    together (DIR_BITS), whether it has switches, and its color swaps."""
    rx, tx, switched, swap_x, swap_y = (np.zeros(len(patterns) + 1, np.uint8) for _ in range(5))
    for k, cfg in enumerate(patterns, 1):
        for prx, ptx in cfg.positions():
            rx[k] |= sum(DIR_BITS[d] for d in prx)
            tx[k] |= sum(DIR_BITS[d] for d in ptx)
        switched[k] = cfg.switches is not None
        swap_x[k], swap_y[k] = cfg.color_swap_x, cfg.color_swap_y
    return rx, tx, switched.astype(bool), swap_x, swap_y


def check_routes(table: RouteTable, reserved: dict[int, str],
                 fabric_dims: tuple[int, int] | None = None,
                 offsets: tuple[int, int] = (0, 0), names: RouteNames | None = None) -> None:
    """Run every routing check. `reserved` maps color -> who reserves it; `names` words the
    errors (default: the classic layout's).

    A tx may leave the kernel into the rest of the fabric (cslc allows it; wavelets sent
    there are reported as stuck at run time) but not the fabric itself. Every check visits
    each configured (PE, color) once, as arrays over the table's entries; where several
    break a rule, the first in row-major order (y, x, color) is reported."""
    names = names or RouteNames(table)
    w, h = table.width, table.height
    fx, fy = fabric_dims or (w, h)
    ox, oy = offsets
    ys, xs, cs, pids = table.entries()
    n = len(ys)
    bad = np.flatnonzero(np.isin(cs, list(reserved)))
    if len(bad):
        x, y, c = int(xs[bad[0]]), int(ys[bad[0]]), int(cs[bad[0]])
        raise names.error(f"{names.pe(x, y)}: {names.color(c, x, y)} is {reserved[c]}; user "
                          "routes on it are not allowed (memcpy routes its own colors)", x, y, c)
    # a color that starts in teardown carries nothing until its program reconfigures it at
    # run time (<tile_config>): its comptime route is a placeholder, not a path to check
    torn = np.array([False] + [cfg.teardown for cfg in table.patterns], bool)[pids]
    if torn.any():
        ys, xs, cs, pids = ys[~torn], xs[~torn], cs[~torn], pids[~torn]
        n = len(ys)
    if not n:
        return
    rx_of, tx_of, switched_of, swap_x, swap_y = pattern_bits(table.patterns)
    rx, tx, switched = rx_of[pids], tx_of[pids], switched_of[pids]
    flat = (ys * w + xs) * N_COLORS + cs          # ascending: the entries are row-major
    first_bad = None                              # (source entry, message)
    hops = []         # per direction in NEIGHBOURS: (source, target) entries of hops in the kernel
    for d in NEIGHBOURS:
        src = np.flatnonzero(tx & DIR_BITS[d])
        dx, dy = STEP[d]
        nx_, ny = xs[src] + dx, ys[src] + dy
        nc = cs[src] ^ (swap_x if d in (EAST, WEST) else swap_y)[pids[src]]
        in_fabric = (0 <= nx_ + ox) & (nx_ + ox < fx) & (0 <= ny + oy) & (ny + oy < fy)
        inside = (0 <= nx_) & (nx_ < w) & (0 <= ny) & (ny < h)
        target = (ny * w + nx_) * N_COLORS + nc
        dst = np.minimum(np.searchsorted(flat, target), n - 1)
        takes = inside & (flat[dst] == target) & (rx[dst] & DIR_BITS[OPPOSITE[d]] != 0)
        wrong = np.flatnonzero(~in_fabric | (inside & ~takes))
        if len(wrong) and (first_bad is None or src[wrong[0]] < first_bad[0]):
            i = wrong[0]
            x, y, c = int(xs[src[i]]), int(ys[src[i]]), int(cs[src[i]])
            tx_d = f"{names.at(x, y, c)}: {names.tx} {names.side(d)}"
            first_bad = (src[i], f"{tx_d} leaves the {fx}x{fy} fabric; nothing is there to "
                                 "receive it" if not in_fabric[i] else
                         f"{tx_d} points at {names.pe(int(nx_[i]), int(ny[i]))}, which does not "
                         f"receive {names.color(int(nc[i]), x, y)} from "
                         f"{names.side(OPPOSITE[d])}; "
                         f"{names.fix_unreceived(d, int(nx_[i]), int(ny[i]))}", (x, y, c))
        hops.append((src[takes], dst[takes]))
    if first_bad is not None:
        raise names.error(first_bad[1], *first_bad[2])
    _check_feeds(table, names, xs, ys, cs, rx, switched, hops)
    _check_cycles(names, xs, ys, cs, switched, hops)


def _check_feeds(table, names, xs, ys, cs, rx, switched, hops) -> None:
    """Every rx from a neighbour in the kernel is fed by it; two feeders need a switch."""
    n = len(xs)
    arrived = np.zeros((len(NEIGHBOURS), n), bool)    # [side, entry]: a hop comes in that side
    feeders = np.zeros(n, np.int64)
    for d, (_, dst) in zip(NEIGHBOURS, hops):
        arrived[NEIGHBOURS.index(OPPOSITE[d]), dst] = True
        feeders += np.bincount(dst, minlength=n)
    unfed = np.zeros((len(NEIGHBOURS), n), bool)
    for k, d in enumerate(NEIGHBOURS):
        dx, dy = STEP[d]
        nx_, ny = xs + dx, ys + dy
        inside = (0 <= nx_) & (nx_ < table.width) & (0 <= ny) & (ny < table.height)
        unfed[k] = (rx & DIR_BITS[d] != 0) & inside & ~arrived[k]   # from memcpy's side: allowed
    bad = np.flatnonzero(unfed.any(axis=0) | ((feeders > 1) & ~switched))
    if not len(bad):
        return
    e = bad[0]
    x, y, c = int(xs[e]), int(ys[e]), int(cs[e])
    if unfed[:, e].any():
        d = NEIGHBOURS[int(np.argmax(unfed[:, e]))]
        dx, dy = STEP[d]
        raise names.error(f"{names.at(x, y, c)}: {names.rx} {names.side(d)} but "
                          f"{names.pe(x + dx, y + dy)} sends nothing on "
                          f"{names.color(c, x, y)} toward it; "
                          f"{names.fix_unfed(d, x + dx, y + dy)}", x, y, c)
    sources = sorted(int(s) for src, dst in hops for s in src[dst == e])
    raise names.error(f"{names.at(x, y, c)}: flows from "
                      f"{', '.join(names.pe(int(xs[s]), int(ys[s])) for s in sources)} merge "
                      "here without a switch; use separate colors or switches", x, y, c)


def _check_cycles(names, xs, ys, cs, switched, hops) -> None:
    """No cycle of hops between ports without switches (a switch can break a ring).

    Kahn's algorithm on arrays decides whether one exists; networkx then names it, on the
    ports that Kahn could not remove (those on a cycle or downstream of one)."""
    src = np.concatenate([s for s, _ in hops])
    dst = np.concatenate([t for _, t in hops])
    static = ~switched[src] & ~switched[dst]
    src, dst = src[static], dst[static]
    left = _peel(src, dst, len(xs))
    if not left.any():
        return
    keep = np.flatnonzero(left[src] & left[dst])
    keep = keep[np.argsort(src[keep], kind="stable")]
    node = list(zip(xs.tolist(), ys.tolist(), cs.tolist()))
    cycle = nx.find_cycle(nx.DiGraph([(node[s], node[t]) for s, t in
                                      zip(src[keep].tolist(), dst[keep].tolist())]))
    path = " -> ".join(names.pe(x, y) for (x, y, _), _ in cycle)
    x, y, c = cycle[0][0]
    raise names.error(f"{names.color(c, x, y)} routes in a cycle ({path}); wavelets would "
                      "circle forever — break it, or use switches", x, y, c)


def _peel(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Kahn's algorithm a frontier at a time over the graph of edges src -> dst on nodes
    0..n-1: which nodes it cannot remove. Each round is a few numpy calls over the frontier;
    rounds are as many as the longest path (hops of the longest route)."""
    indeg = np.bincount(dst, minlength=n)
    order = np.argsort(src, kind="stable")
    succ = dst[order]
    start = np.searchsorted(src[order], np.arange(n + 1))
    left = np.ones(n, bool)
    frontier = np.flatnonzero(indeg == 0)
    while len(frontier):
        left[frontier] = False
        lo, count = start[frontier], start[frontier + 1] - start[frontier]
        total = int(count.sum())
        if not total:
            break
        nxt = succ[np.repeat(lo - (np.cumsum(count) - count), count) + np.arange(total)]
        np.subtract.at(indeg, nxt, 1)
        frontier = np.sort(nxt[indeg[nxt] == 0])      # (np.unique is slower on numpy 2.4)
        frontier = frontier[np.r_[True, frontier[1:] != frontier[:-1]]]
    return left
