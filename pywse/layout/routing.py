"""Router configuration (per PE and color) and the networkx routing graph with its checks.

The graph's nodes are `(x, y, color)` router ports; an edge means a wavelet can hop from one
PE's router to a neighbour's on that color (in any switch position). The checks report,
naming PE and color: a tx that leaves the kernel, a tx into a PE that does not receive from
that side, an rx that nothing feeds, two flows merging without a switch, and routing cycles
that no switch can break.
"""
from __future__ import annotations

from typing import Iterable

import attrs
import networkx as nx

from ..errors import RoutingError
from ..types import DIRECTIONS, EAST, NORTH, RAMP, SOUTH, WEST, Direction

STEP = {NORTH: (0, -1), SOUTH: (0, 1), EAST: (1, 0), WEST: (-1, 0)}
OPPOSITE = {NORTH: SOUTH, SOUTH: NORTH, EAST: WEST, WEST: EAST}
POP_MODES = ("no_pop", "always_pop", "pop_on_advance", "pop_on_advance_nop")


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
class RangeFilter:
    """Deliver to the CE only data wavelets whose upper-16-bit index is in [min_idx, max_idx]."""

    min_idx: int
    max_idx: int


@attrs.frozen
class RouteConfig:
    """Everything `@set_color_config` sets for one (PE, color)."""

    rx: frozenset
    tx: frozenset
    switches: Switches | None = None
    filter: RangeFilter | None = None
    color_swap_x: bool = False
    color_swap_y: bool = False

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
               color_swap_x=False, color_swap_y=False, arch_note="") -> RouteConfig:
    what = f"set_color_config({x}, {y}, color {color})"
    if switches is not None and not isinstance(switches, Switches):
        raise RoutingError(f"{what}: switches must be a pw.Switches")
    if filter is not None and not isinstance(filter, RangeFilter):
        raise RoutingError(f"{what}: filter must be a pw.RangeFilter")
    return RouteConfig(_dirs(rx, f"{what} rx"), _dirs(tx, f"{what} tx"), switches, filter,
                       bool(color_swap_x), bool(color_swap_y))


def routing_graph(routes: dict[tuple[int, int, int], RouteConfig], width: int, height: int) -> nx.DiGraph:
    """The graph of router hops: nodes (x, y, color), edges for every tx that some rx takes."""
    g = nx.DiGraph()
    for (x, y, c), cfg in routes.items():
        g.add_node((x, y, c), rx=cfg.rx, tx=cfg.tx, switched=cfg.switches is not None)
        for _, tx in cfg.positions():
            for d in tx - {RAMP}:
                dx, dy = STEP[d]
                nc = c ^ 1 if (cfg.color_swap_x and d in (EAST, WEST)) or \
                    (cfg.color_swap_y and d in (NORTH, SOUTH)) else c
                g.add_edge((x, y, c), (x + dx, y + dy, nc), direction=d)
    return g


def check_routes(routes, width: int, height: int, reserved: dict[int, str],
                 fabric_dims: tuple[int, int] | None = None,
                 offsets: tuple[int, int] = (0, 0)) -> nx.DiGraph:
    """Run every routing check; returns the graph. `reserved` maps color -> who reserves it.

    A tx may leave the kernel into the rest of the fabric (cslc allows it; wavelets sent
    there are reported as stuck at run time) but not the fabric itself."""
    fx, fy = fabric_dims or (width, height)
    ox, oy = offsets
    for (x, y, c) in routes:
        if c in reserved:
            raise RoutingError(f"PE ({x}, {y}): color {c} is {reserved[c]}; user routes on it "
                               "are not allowed (memcpy routes its own colors)")
    g = routing_graph(routes, width, height)
    for (x, y, c), (nx_, ny, nc) in list(g.edges):
        d = g.edges[(x, y, c), (nx_, ny, nc)]["direction"]
        if not (0 <= nx_ + ox < fx and 0 <= ny + oy < fy):
            raise RoutingError(f"PE ({x}, {y}) color {c}: tx {d} leaves the {fx}x{fy} fabric; "
                               "nothing is there to receive it")
        if not (0 <= nx_ < width and 0 <= ny < height):
            continue   # into memcpy's part of the fabric: allowed, but nothing will read it
        cfg = routes.get((nx_, ny, nc))
        if cfg is None or not any(OPPOSITE[d] in rx for rx, _ in cfg.positions()):
            raise RoutingError(f"PE ({x}, {y}) color {c}: tx {d} points at PE ({nx_}, {ny}), "
                               f"which does not receive color {nc} from {OPPOSITE[d]}; add "
                               f"{OPPOSITE[d]} to its rx")
    for (x, y, c), cfg in routes.items():
        feeders = list(g.predecessors((x, y, c)))
        for rx, _ in cfg.positions():
            for d in rx - {RAMP}:
                dx, dy = STEP[d]
                if not (0 <= x + dx < width and 0 <= y + dy < height):
                    continue   # from memcpy's part of the fabric: allowed (cslc accepts it)
                if not any((fx, fy) == (x + dx, y + dy) for fx, fy, _ in feeders):
                    raise RoutingError(f"PE ({x}, {y}) color {c}: rx {d} but PE "
                                       f"({x + dx}, {y + dy}) sends nothing on color {c} toward it")
        if len(feeders) > 1 and cfg.switches is None:
            raise RoutingError(f"PE ({x}, {y}) color {c}: flows from "
                               f"{', '.join(f'PE ({fx}, {fy})' for fx, fy, _ in feeders)} merge "
                               "here without a switch; use separate colors or switches")
    static = nx.DiGraph([(u, v) for u, v in g.edges
                         if not g.nodes[u].get("switched") and not g.nodes[v].get("switched")])
    try:
        cycle = nx.find_cycle(static)
    except nx.NetworkXNoCycle:
        return g
    path = " -> ".join(f"PE ({x}, {y})" for (x, y, _), _ in cycle)
    raise RoutingError(f"color {cycle[0][0][2]} routes in a cycle ({path}); wavelets would "
                       "circle forever — break it, or use switches")

