"""Compiling an SdkLayout: placement, routes, paths, colors, then the shared compile path.

`plan()` resolves what the layout leaves open — unplaced regions, the paths `connect` asks
for, physical colors — into per-PE routes keyed by flow. `compile_sdk()` lowers the plan to
a classic `Layout` spanning the used part of the fabric (PEs outside every region run a
program with no code and only route), compiles it with `pw.compile`'s rules and routing
checks, and records what only SdkLayout has: host streams, symbol values set from the
layout, and where each region sits (for `read_symbol`).
"""
from __future__ import annotations

from collections import defaultdict

import attrs
import numpy as np

from ..dsl.image import PEContext
from ..dsl.program import program
from ..errors import LayoutError, RoutingError
from ..types import Color as PhysicalColor
from .autoroute import MARGIN, Flows, Router, allocate, direction_of
from .classic import Layout
from .compile import compile as compile_layout
from .compile import save
from .routing import RouteNames, Switches, SwitchPos, make_route
from .sdklayout import Color, Edge, SdkLayout, where
from .sdknames import SdkNames, region_pe


@program
def router_only(p):
    """The code of a PE outside every region: none. Its router still forwards wavelets."""


@attrs.frozen
class StreamSpec:
    """A host stream after compile: its channel, port PE (fabric coordinates) and color."""

    kind: str
    index: int
    x: int
    y: int
    color: int
    port: str


@attrs.frozen(eq=False)
class SymbolInit:
    """Values of symbol `name` that the layout sets: row k of `values` goes to PE `pes[k]`."""

    name: str
    pes: tuple
    values: np.ndarray
    where: str


@attrs.frozen(eq=False)
class FlowInfo:
    """A flow after compile: its name (the Colors `connect` joined), its physical color and the
    PEs (kernel index, y * width + x) whose routers carry it; the cycle account counts a
    color's wavelets under the flow's name there (another flow may reuse the color elsewhere)."""

    name: str
    color: int
    pes: np.ndarray


@attrs.frozen
class RegionInfo:
    name: str
    program: str
    x: int
    y: int
    width: int
    height: int


class RegionLayout(Layout):
    """The classic layout an SdkLayout lowers to: PEs are numbered in fabric coordinates and
    a region's program sees its coordinates within the region (`p.x`, `p.width`, ...).
    Its routes carry no call sites; `plan`, the compile's plan (not saved), lets route
    errors and lints speak of regions, the user's colors and the calls that made a route."""

    def __init__(self, width: int, height: int, regions: tuple[RegionInfo, ...],
                 plan: "Plan | None" = None):
        super().__init__(width, height)
        self.regions = regions
        self.plan = plan
        self.owner = np.full((height, width), -1, np.int32)
        for k, r in enumerate(regions):
            self.owner[r.y:r.y + r.height, r.x:r.x + r.width] = k
        self._patterns: dict = {}           # switch positions -> route pattern

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_patterns", None)
        state["plan"] = None
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        self._patterns = {}

    def route_names(self) -> RouteNames:
        if getattr(self, "plan", None) is None:      # loaded from disk: no plan
            return super().route_names()
        return SdkNames(self.routes, self.plan)

    def set_route(self, x: int, y: int, color: int, positions: tuple) -> None:
        """Route `color` at PE (x, y) through `positions` (switch positions 0, 1, ...: (rx,
        tx) each), as the plan says; the plan, not a call site, says where it came from."""
        pattern = self._patterns.get(positions)
        if pattern is None:
            (rx, tx), more = positions[0], positions[1:]
            switches = Switches(*(SwitchPos(rx=i, tx=o) for i, o in more)) if more else None
            pattern = self._patterns[positions] = self.routes.pattern_id(
                make_route(x, y, color, rx, tx, switches))
        self.routes.pid[y, x, color] = pattern

    def region_at(self, x: int, y: int) -> RegionInfo | None:
        if 0 <= x < self.width and 0 <= y < self.height and self.owner[y, x] >= 0:
            return self.regions[self.owner[y, x]]
        return None

    def pe_context(self, x: int, y: int, arch: str, memcpy: bool) -> PEContext:
        r = self.region_at(x, y)
        if r is None:
            return super().pe_context(x, y, arch, memcpy)
        return PEContext(arch, x - r.x, y - r.y, r.width, r.height, memcpy)


@attrs.define(eq=False)
class Plan:
    layout: SdkLayout
    arch: str
    regions: list                         # (CodeRegion, origin IntVector) in creation order
    owner: np.ndarray                     # region index per PE of the box [y, x], -1 = free
    flows: Flows
    routes: dict                          # (x, y, flow root) -> positions
    paths: list                           # (out port, in port, [PE lists])
    colors: dict                          # flow root -> physical color
    param_groups: list                    # (region, [(x, y) local], params with Colors)
    size: tuple[int, int]                 # the box of PEs the program occupies
    makers: list                          # (site, what): the calls that made routes
    made: dict                            # (x, y, flow root) -> index in makers
    routers: dict                         # (x, y) -> flow roots there (routes and params)

    def color_of(self, c: Color) -> int:
        if self.flows.find(c) not in self.colors:
            raise LayoutError(f"{c!r} is not a color of this layout: no paint, port or "
                              "set_param of it")
        return self.colors[self.flows.find(c)]


def plan(layout: SdkLayout, arch: str) -> Plan:
    if not layout.regions:
        raise LayoutError("SdkLayout.compile: the layout has no code region "
                          "(create_code_region first)")
    regions = [(r, r.rect.ul) for r in layout.regions.values()]
    fx, fy = layout.platform.fabric_dims
    for r, o in regions:
        if o.x + r.width > fx or o.y + r.height > fy:
            raise LayoutError(f"region '{r.name}' ({r.width}x{r.height}) at {tuple(o)} does not "
                              f"fit on the {fx}x{fy} fabric")
    w = max(o.x + r.width for r, o in regions)
    h = max(o.y + r.height for r, o in regions)
    owner = np.full((h, w), -1, np.int32)
    for k, (r, o) in enumerate(regions):
        block = owner[o.y:o.y + r.height, o.x:o.x + r.width]
        if (block >= 0).any():
            other = regions[int(block[block >= 0][0])][0]
            hint = "" if r.origin is not None else f" (region '{r.name}' is not placed: call place(x, y))"
            raise LayoutError(f"region '{r.name}' at {tuple(o)} overlaps region '{other.name}' at "
                              f"{tuple(other.rect.ul)}{hint}")
        block[...] = k

    def occupied(x, y):
        if 0 <= y < h and 0 <= x < w and owner[y, x] >= 0:
            return regions[owner[y, x]][0]
        return None

    flows = Flows()
    for r, _ in regions:
        for c in r.paints:
            flows.add(c)
        for port in r.ports:
            flows.add(port.color)
        for _, _, value, _ in r.params:
            if isinstance(value, Color):
                flows.add(value)
    for out_port, in_port, _ in layout.connections:
        flows.union(out_port.color, in_port.color)

    routes: dict = {}
    makers: list = []
    made: dict = {}
    for r, o in regions:
        _paint_routes(r, o, flows, routes, makers, made)
        _port_routes(r, o, flows, routes, makers, made)
    x0 = max(0, min(o.x for _, o in regions) - MARGIN)
    y0 = max(0, min(o.y for _, o in regions) - MARGIN)
    free = np.ones((min(fy, h + MARGIN) - y0, min(fx, w + MARGIN) - x0), bool)
    free[:h - y0, :w - x0] = owner[y0:, x0:] < 0
    router = Router((fx, fy), occupied, free, (x0, y0))
    for (x, y, root) in routes:          # painted routes and ports hold their routers
        router.flows_at[(x, y)].add(root)
    paths = []
    for out_port, in_port, site in layout.connections:
        root = flows.find(out_port.color)
        what = f"connect({out_port.name}, {in_port.name})"
        makers.append((site, what))
        o_out, o_in = out_port.region.rect.ul, in_port.region.rect.ul
        cells_per_pair = []
        for (sx, sy), (dx, dy) in zip(out_port.pes(), in_port.pes()):
            try:
                cells = router.route(root, (o_out.x + sx, o_out.y + sy),
                                     (o_in.x + dx, o_in.y + dy), out_port, in_port, what)
            except RoutingError as e:                    # the same error, at the user's call
                e.at(site, f"{what} asked for the path here:")
                raise
            for (x, y), rx, tx in router.claim(root, cells):
                routes[(x, y, root)] = ((frozenset({rx}), frozenset({tx})),)
                made[(x, y, root)] = len(makers) - 1
            cells_per_pair.append(cells)
        paths.append((out_port, in_port, cells_per_pair))

    param_groups = [(r, *g) for r, _ in regions for g in _param_groups(r)]
    routers: dict = defaultdict(set)
    for (x, y, root) in routes:
        routers[(x, y)].add(root)
    for r, pes, params in param_groups:
        roots = {flows.find(v) for v in params.values() if isinstance(v, Color)}
        if roots:
            o = r.rect.ul
            for (x, y) in pes:
                routers[(o.x + x, o.y + y)] |= roots
    apart = [[flows.find(s.port.color) for s in layout.streams if s.kind == kind]
             for kind in ("input", "output")]
    switched = {root for (_, _, root), positions in routes.items() if len(positions) > 1}
    colors = allocate(flows, routers, apart, switched, arch,
                      lambda root: _flow_regions(flows, root, regions),
                      lambda x, y: region_pe(regions, owner, x, y))
    used = [xy for cells in (c for _, _, cs in paths for c in cs) for xy in cells]
    size = (max([w] + [x + 1 for x, _ in used]), max([h] + [y + 1 for _, y in used]))
    return Plan(layout, arch, regions, owner, flows, routes, paths, colors, param_groups, size,
                makers, made, dict(routers))


def _paint_routes(region, origin, flows, routes, makers, made) -> None:
    on_edge = {Edge.TOP: lambda x, y: y == 0, Edge.BOTTOM: lambda x, y: y == region.height - 1,
               Edge.LEFT: lambda x, y: x == 0, Edge.RIGHT: lambda x, y: x == region.width - 1}
    for color, ops in region.paints.items():
        root = flows.find(color)
        for rect, positions, edges, call, site in ops:
            makers.append((site, f"{call} of {color!r} on region '{region.name}'"))
            for v in rect:
                chosen = positions
                for e in edges:
                    if on_edge[e.edge](v.x, v.y):
                        chosen = e.positions
                key = (origin.x + v.x, origin.y + v.y, root)
                if key in routes:
                    first = makers[made[key]][0]
                    raise LayoutError(
                        f"region '{region.name}': PE {tuple(v)} (local) is painted twice with "
                        f"{color!r}, at {where(first)} and at {where(site)}; paint each PE and "
                        "color once").at(site, "painted again here:").also(
                            first, "painted first here:")
                routes[key] = chosen
                made[key] = len(makers) - 1


def _port_routes(region, origin, flows, routes, makers, made) -> None:
    """A port's PEs route its color as its positions say; the compiler adds the edge side
    (a stream's side is the host's, not a neighbour's). A port replaces paint there."""
    for port in region.ports:
        root = flows.find(port.color)
        makers.append((port.where, f"create_{port.kind}_port of port {port.name}"))
        outside = frozenset() if port.stream is not None else frozenset({port.edge.direction})
        for x, y in port.pes():
            if port.kind == "input":
                positions = tuple((outside, outputs) for _, outputs in port.positions)
            else:
                positions = tuple((inputs, outside) for inputs, _ in port.positions)
            routes[(origin.x + x, origin.y + y, root)] = positions
            made[(origin.x + x, origin.y + y, root)] = len(makers) - 1


def _param_groups(region) -> list[tuple[list, dict]]:
    """PEs of `region` that get the same params, with those params (set_param* in order)."""
    names = sorted({name for _, name, _, _ in region.params})
    n_pes = region.width * region.height
    if not names:
        return [([(i % region.width, i // region.width) for i in range(n_pes)], {})]
    index = np.full((len(names), region.height, region.width), -1, np.int64)
    for k, (rect, name, _, _) in enumerate(region.params):
        index[names.index(name), rect.ul.y:rect.lr.y, rect.ul.x:rect.lr.x] = k
    keys, inverse = np.unique(index.reshape(len(names), n_pes).T, axis=0, return_inverse=True)
    groups = []
    for g, key in enumerate(keys):
        pes = [(int(i) % region.width, int(i) // region.width)
               for i in np.flatnonzero(inverse.ravel() == g)]
        params = {names[j]: region.params[k][2] for j, k in enumerate(key) if k >= 0}
        groups.append((pes, params))
    return groups


def _flow_regions(flows, root, regions) -> str:
    names = [r.name for r, _ in regions
             if any(flows.find(c) == root for c in list(r.paints) + [p.color for p in r.ports])]
    return "regions " + ", ".join(repr(n) for n in names) if names else "no region"


def compile_sdk(layout: SdkLayout, out_prefix, jit, arch: str | None = None):
    """Compile `layout` for `arch` (default: its platform's)."""
    p = layout.plan(arch)
    w, h = p.size
    infos = tuple(RegionInfo(r.name, r.program.name, o.x, o.y, r.width, r.height)
                  for r, o in p.regions)
    kernel = RegionLayout(w, h, infos, p)
    for r, pes, params in p.param_groups:
        resolved = {k: PhysicalColor(p.color_of(v)) if isinstance(v, Color) else v
                    for k, v in params.items()}
        missing = r.program.required - set(resolved)
        if missing:
            raise LayoutError(f"region '{r.name}': PE {pes[0]} (local) has no value for param "
                              f"{', '.join(sorted(missing))} of program '{r.program.name}'; "
                              "set it with set_param_all / set_param_range / set_param")
        o = r.rect.ul
        for x, y in pes:
            kernel.set_tile_code(o.x + x, o.y + y, r.program, resolved)
    for y in range(h):
        for x in range(w):
            if kernel.owner[y, x] < 0:
                kernel.set_tile_code(x, y, router_only)
    for (x, y, root), positions in p.routes.items():
        kernel.set_route(x, y, p.colors[root], positions)
    art = compile_layout(kernel, arch=p.arch, fabric_dims=layout.platform.fabric_dims,
                         fabric_offsets=(0, 0), memcpy=False, jit=jit)
    art.streams = [StreamSpec(s.kind, s.index, s.port.region.rect.ul.x + s.port.pes()[0][0],
                              s.port.region.rect.ul.y + s.port.pes()[0][1],
                              p.color_of(s.port.color), s.port.name) for s in layout.streams]
    art.symbols = _symbols(p, art)
    art.regions = infos
    art.flows = _flow_infos(p, w)
    if out_prefix is not None:
        save(art, out_prefix)
    return art


def _symbols(p: Plan, art) -> list[SymbolInit]:
    """Symbol values set from the layout, checked against each PE's program image."""
    out = []
    for r, o in p.regions:
        for rect, name, values, grid in r.symbols:
            pes = [(o.x + v.x, o.y + v.y) for v in rect]
            rows = []
            for (x, y) in pes:
                image = art.images[art.pe_image[y * art.width + x]]
                var = image.symbol(name)
                if var is None:
                    known = ", ".join(v.name for v in image.vars if not v.name.startswith("__"))
                    raise LayoutError(f"region '{r.name}': set_symbol('{name}'): program "
                                      f"'{r.program.name}' declares no symbol '{name}' "
                                      f"(its symbols: {known or 'none'})")
                tile = values.reshape(-1) if grid is None else _tile(values, grid, r, x - o.x, y - o.y)
                if tile.size != var.size:
                    raise LayoutError(f"region '{r.name}': set_symbol('{name}') gives PE "
                                      f"({x - o.x}, {y - o.y}) {tile.size} values; its '{name}' "
                                      f"holds {var.size}: give each PE exactly that many")
                rows.append(tile.astype(var.dtype))
            out.append(SymbolInit(name, tuple(pes), np.stack(rows), r.name))
    return out


def _flow_infos(p: Plan, width: int) -> tuple[FlowInfo, ...]:
    """Each routed flow's name, color and PEs (`width`: the kernel's, PEs numbered row-major)."""
    pes: dict = defaultdict(list)
    for (x, y, root) in p.routes:
        pes[root].append(y * width + x)
    groups = p.flows.groups()
    return tuple(FlowInfo(" = ".join(_color_name(c) for c in groups[root]), p.colors[root],
                          np.array(sorted(set(at)), np.int64))
                 for root, at in pes.items())


def _color_name(c: Color) -> str:
    if c.name is None:
        return f"Color({c.id})"
    return f"{c.scope}.{c.name}" if c.scope else c.name


def _tile(values, grid, region, x, y) -> np.ndarray:
    w, h = grid
    tw, th = w // region.width, h // region.height
    return values.reshape(h, w)[y * th:(y + 1) * th, x * tw:(x + 1) * tw].reshape(-1)


def describe(p: Plan) -> str:
    lay = p.layout
    lines = [f"SdkLayout on {lay.arch}, fabric {lay.platform.fabric_dims[0]}x"
             f"{lay.platform.fabric_dims[1]}, program box {p.size[0]}x{p.size[1]}", "regions:"]
    for r, o in p.regions:
        lines.append(f"  {r.name}: program '{r.program.name}', {r.width}x{r.height} at "
                     f"({o.x}, {o.y})" + ("" if r.origin is not None else " (not placed)"))
        for port in r.ports:
            to = (f"-> {port.peer.name}" if port.kind == "output" else f"<- {port.peer.name}") \
                if port.peer else f"{port.kind} stream {port.stream.index}" if port.stream else \
                "not connected"
            lines.append(f"    {port.kind} port {port.name}: {port.edge.name} edge, "
                         f"{port.size} wavelets, color {p.color_of(port.color)}, {to}")
    if p.paths:
        lines.append("connections:")
    for out_port, in_port, cells_per_pair in p.paths:
        lines.append(f"  {out_port.name} -> {in_port.name}: color {p.color_of(out_port.color)}")
        for cells in cells_per_pair:
            lines.append(f"    {cells[0]} {_steps(cells)} {cells[-1]} ({len(cells) - 1} hops)")
    if lay.streams:
        lines.append("streams:")
    for s in lay.streams:
        o = s.port.region.rect.ul
        x, y = s.port.pes()[0]
        lines.append(f"  {s.kind} stream {s.index}: port {s.port.name} at PE ({o.x + x}, "
                     f"{o.y + y}), color {p.color_of(s.port.color)}")
    lines.append("colors:")
    groups = p.flows.groups()                  # once: naming each flow alone re-groups them all
    lines += [f"  {c:2d}: {' = '.join(map(repr, groups[r]))}"
              for r, c in sorted(p.colors.items(), key=lambda i: i[1])]
    return "\n".join(lines)


def _steps(cells) -> str:
    """A path's hops as runs: 'E, S x2, E x10'."""
    runs: list[list] = []
    for a, b in zip(cells, cells[1:]):
        d = direction_of(a, b)[0]
        if runs and runs[-1][0] == d:
            runs[-1][1] += 1
        else:
            runs.append([d, 1])
    return ", ".join(d if n == 1 else f"{d} x{n}" for d, n in runs)
