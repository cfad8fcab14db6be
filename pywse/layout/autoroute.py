"""Automatic routing for SdkLayout: paths between ports, and physical colors for flows.

Paths: each connected pair of port PEs gets a shortest path (networkx A* over the free PEs of
the fabric, Manhattan heuristic, ties broken toward the goal) that leaves the output port across its edge, enters the
input port across its edge, never crosses a placed region, never meets its own flow at a
router (that would merge it with itself), and prefers links and routers other flows do not
use (a small extra cost per flow already there).

Colors: symbolic colors that a connection joins form one flow (union-find). Two flows that
share a router need different colors: the conflict graph is coloured greedily (DSATUR: the
flow with the most differently coloured neighbours first), never with memcpy's colors
21-23, and with a switch-capable color where a flow has switch positions on wse3.
"""
from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np

from ..errors import RoutingError
from .routing import OPPOSITE, STEP

ASSIGNABLE = tuple(range(21))            # 21-23 stay memcpy's
WSE3_SWITCH_COLORS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 21)
MARGIN = 2                               # free PEs around the regions a path may use
SHARED_ROUTER_COST = 0.25                # per other flow already at a router
SHARED_LINK_COST = 0.5                   # per other flow already on a link
TIE_BREAK = 1.001
_DIR_OF = {v: k for k, v in STEP.items()}


class Flows:
    """Union-find over colors: a connection makes its two ports' colors one flow."""

    def __init__(self):
        self._parent: dict = {}
        self.rank: dict = {}             # first-seen order: deterministic roots and output

    def add(self, color) -> None:
        if color not in self._parent:
            self._parent[color] = color
            self.rank[color] = len(self.rank)

    def find(self, color):
        self.add(color)
        root = color
        while self._parent[root] != root:
            root = self._parent[root]
        while self._parent[color] != root:
            self._parent[color], color = root, self._parent[color]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=self.rank.__getitem__)
            self._parent[second] = first

    def groups(self) -> dict:
        """Each flow's root -> its colors, in first-seen order."""
        out: dict = {}
        for c in self.rank:
            out.setdefault(self.find(c), []).append(c)
        return out

    def name(self, root) -> str:
        return " = ".join(map(repr, self.groups()[root]))


class Router:
    """Finds paths over the free PEs of a box of the fabric around the regions."""

    def __init__(self, fabric_dims, occupied, free: np.ndarray, origin):
        """`occupied(x, y)`: the region at a PE or None; `free[y, x]`: PE (x0 + x, y0 + y)
        is outside every region, for the box of the fabric at `origin` = (x0, y0)."""
        x0, y0 = origin
        self.occupied = occupied
        self.graph = nx.Graph()           # an edge per pair of free neighbours (both ways)
        ys, xs = np.nonzero(free)
        self.graph.add_nodes_from(zip((xs + x0).tolist(), (ys + y0).tolist()))
        for dx, dy in ((1, 0), (0, 1)):
            both = free[:free.shape[0] - dy, :free.shape[1] - dx] & free[dy:, dx:]
            ys, xs = np.nonzero(both)
            a = list(zip((xs + x0).tolist(), (ys + y0).tolist()))
            b = list(zip((xs + x0 + dx).tolist(), (ys + y0 + dy).tolist()))
            self.graph.add_edges_from(zip(a, b))
        self.fabric_dims = fabric_dims
        self.flows_at: dict[tuple[int, int], set] = defaultdict(set)
        self.link_use: dict[tuple, int] = defaultdict(int)

    def _weight(self, flow):
        flows_at, link_use = self.flows_at, self.link_use

        def weight(u, v, _):
            here = flows_at.get(v, ())
            if flow in here:
                return None               # would merge the flow with itself
            return 1 + SHARED_ROUTER_COST * len(here) + SHARED_LINK_COST * link_use.get((u, v), 0)
        return weight

    def _cell(self, pe, d, port, what):
        x, y = pe[0] + STEP[d][0], pe[1] + STEP[d][1]
        fx, fy = self.fabric_dims
        if not (0 <= x < fx and 0 <= y < fy):
            raise RoutingError(f"{what}: port {port.name}'s PE {_local(port, pe)} faces the edge "
                               f"of the {fx}x{fy} fabric across its {port.edge.name} edge: no "
                               "room for a path; move the region")
        return x, y

    def route(self, flow, src, dst, out_port, in_port, what: str) -> list[tuple[int, int]]:
        """PEs from output-port PE `src` to input-port PE `dst`, both included."""
        exit_dir, entry_side = out_port.edge.direction, in_port.edge.direction
        first = self._cell(src, exit_dir, out_port, what)
        last = self._cell(dst, entry_side, in_port, what)
        if first == dst:
            if last != src:
                raise RoutingError(f"{what}: {out_port.name}'s {out_port.edge.name} edge touches "
                                   f"{in_port.name}'s region, but not across its "
                                   f"{in_port.edge.name} edge; move a region apart")
            return [src, dst]
        for cell, port, pe in ((first, out_port, src), (last, in_port, dst)):
            other = self.occupied(*cell)
            if other is not None:
                raise RoutingError(f"{what}: port {port.name}'s PE {_local(port, pe)} faces "
                                   f"region '{other.name}' across its {port.edge.name} edge: "
                                   "no room for a path; move a region")
        try:
            middle = nx.astar_path(self.graph, first, last, _toward, weight=self._weight(flow))
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            away = [_away(out_port, in_port, dst[0] - src[0], dst[1] - src[1]),
                    _away(in_port, out_port, src[0] - dst[0], src[1] - dst[1])]
            why = " ".join(a for a in away if a) or \
                self._blockers(first, last, out_port.region, in_port.region)
            raise RoutingError(f"{what}: no path from port {out_port.name}'s PE "
                               f"{_local(out_port, src)} to port {in_port.name}'s PE "
                               f"{_local(in_port, dst)}: {why}") from None
        return [src] + middle + [dst]

    def _blockers(self, a, b, *ends) -> str:
        """Regions between PEs a and b (other than the two the path connects)."""
        xs, ys = sorted((a[0], b[0])), sorted((a[1], b[1]))
        names = sorted({r.name for y in range(ys[0] - 1, ys[1] + 2)
                        for x in range(xs[0] - 1, xs[1] + 2)
                        if (r := self.occupied(x, y)) is not None and r not in ends})
        if names:
            return (f"regions {', '.join(repr(n) for n in names)} block the way (or other paths "
                    "of this flow fill the gaps); leave a free PE column or row between them")
        return "the free PEs around the regions are taken by this flow's other paths"

    def claim(self, flow, cells: list[tuple[int, int]]) -> list[tuple[tuple[int, int], str, str]]:
        """Mark a path as used; returns (PE, rx side, tx side) of its PEs between the ports."""
        hops = []
        for i in range(1, len(cells) - 1):
            prev, cur, nxt = cells[i - 1], cells[i], cells[i + 1]
            came = _DIR_OF[(cur[0] - prev[0], cur[1] - prev[1])]
            goes = _DIR_OF[(nxt[0] - cur[0], nxt[1] - cur[1])]
            hops.append((cur, OPPOSITE[came], goes))
        for u, v in zip(cells, cells[1:]):
            self.link_use[(u, v)] += 1
        for cell in cells:
            self.flows_at[cell].add(flow)
        return hops


def _local(port, pe) -> tuple[int, int]:
    """A port PE's fabric coordinates as coordinates in its region."""
    o = port.region.rect.ul
    return pe[0] - o.x, pe[1] - o.y


def _away(port, other, dx: int, dy: int) -> str:
    """If `port`'s edge faces away from `other` (at (dx, dy) from it), say so and which edge
    faces it: a path must then go around the port's own region."""
    sx, sy = STEP[port.edge.direction]
    if sx * dx + sy * dy >= 0:
        return ""
    facing = max(type(port.edge), key=lambda e: STEP[e.direction][0] * dx + STEP[e.direction][1] * dy)
    toward = " and ".join(d for d, v in (("EAST", dx), ("WEST", -dx), ("SOUTH", dy), ("NORTH", -dy))
                          if v > 0)
    return (f"port {port.name} is on the {port.edge.name} edge of region '{port.region.name}', "
            f"which faces away from {other.name} (that lies to the {toward}): the path would "
            f"have to go around region '{port.region.name}' and finds no way. Put the port on "
            f"the {facing.name} edge, which faces {other.name}.")


def _toward(a, b) -> float:
    """The Manhattan distance, a hair inflated so that among equally short partial paths A*
    extends the one nearest the goal first (it would otherwise widen every tie)."""
    return (abs(a[0] - b[0]) + abs(a[1] - b[1])) * TIE_BREAK


def direction_of(a, b) -> str:
    """The side of PE `a` that faces its neighbour `b`."""
    return _DIR_OF[(b[0] - a[0], b[1] - a[1])]


def allocate(flows: Flows, routers: dict, apart: list[list], switched: set, arch: str,
             where_of, pe_name) -> dict:
    """A physical color per flow root. `routers`: PE -> set of flow roots there; `apart`:
    groups of roots that must all differ; `switched`: roots with switch positions;
    `where_of(root)` names a flow and `pe_name(x, y)` a PE for errors."""
    neighbours: dict = defaultdict(set)
    for roots in {frozenset(r) for r in routers.values() if len(r) > 1}:
        for r in roots:
            neighbours[r] |= roots - {r}
    for group in apart:
        for r in group:
            neighbours[r] |= set(group) - {r}
    groups = flows.groups()
    color: dict = {}
    for r, members in groups.items():
        fixed = {m.id for m in members if m.id is not None}
        if len(fixed) > 1:
            raise RoutingError(f"flow {flows.name(r)} joins colors {sorted(fixed)}: a connection "
                               "carries one color end to end; use one of them (or a symbolic one)")
        if fixed:
            color[r] = fixed.pop()
    taken: dict = defaultdict(set)       # flow -> colors its neighbours already have
    for r, c in color.items():
        for n in neighbours[r]:
            taken[n].add(c)
    todo = {r: k for k, r in enumerate(groups) if r not in color}
    while todo:
        best = max(todo, key=lambda r: (len(taken[r]), len(neighbours[r]), -todo[r]))
        allowed = WSE3_SWITCH_COLORS if arch == "wse3" and best in switched else ASSIGNABLE
        free = [c for c in ASSIGNABLE if c in allowed and c not in taken[best]]
        if not free:
            candidates = [c for c in ASSIGNABLE if c in allowed]
            raise RoutingError(_out_of_colors(flows, routers, best, neighbours, where_of,
                                              candidates, pe_name))
        color[best] = free[0]
        for n in neighbours[best]:
            taken[n].add(free[0])
        del todo[best]
    return color


def _out_of_colors(flows, routers, root, neighbours, where_of, candidates, pe_name) -> str:
    busiest = max((pe for pe, roots in routers.items() if root in roots),
                  key=lambda pe: len(routers[pe]), default=None)
    meet = sorted({flows.name(n) for n in neighbours[root]})
    at = (f" At {pe_name(*busiest)} it meets {len(routers[busiest]) - 1} other flows."
          if busiest else "")
    shown = ", ".join(meet[:8]) + (f" and {len(meet) - 8} more" if len(meet) > 8 else "")
    return (f"out of colors for flow {flows.name(root)} ({where_of(root)}): the "
            f"{len(candidates)} colors the compiler may use ({candidates[0]}..{candidates[-1]}) "
            f"are all taken by flows it shares a router with: {shown}.{at} Spread the regions "
            "apart or let fewer flows cross one router")

