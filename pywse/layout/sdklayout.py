"""SdkLayout: the SDK's Python layout API — code regions, routes, ports, connections, streams.

A layout is a set of rectangular code regions placed on the fabric. Each region runs one
`@pw.program`; its params are set per PE (`set_param*`), its routes painted per PE and color
(`paint*`, several positions = switch positions 0, 1, ...). Ports sit on a region's edge;
`layout.connect(out, in)` asks the compiler to find a path between two ports, and
`create_input_stream` / `create_output_stream` attach a host stream to a one-PE port.
Colors may be symbolic (`Color('c')`, or `region.color('c')` scoped to one region); the
compiler picks physical ones. `layout.compile()` (sdkcompile.py) lowers everything to the
classic layout's routes and tiles and compiles it with the same rules and checks.
"""
from __future__ import annotations

import enum
import importlib
import sys
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from ..dsl.program import Program
from ..errors import LayoutError, Site, caller_site, user_boundaries
from ..types import EAST, NORTH, RAMP, SOUTH, WEST, Direction
from ..types import Color as PhysicalColor
from . import imports
from .geometry import IntRectangle, IntVector, as_vector
from .platform import Platform

MAX_POSITIONS = 4       # a router color has switch positions 0..3
MAX_STREAMS = 4         # input and output host streams each (the engine's stream channels)


class Route(enum.Enum):
    """A router side: the PE's own RAMP or a neighbour."""

    RAMP = RAMP
    NORTH = NORTH
    SOUTH = SOUTH
    EAST = EAST
    WEST = WEST


class Edge(enum.Enum):
    """A side of a code region (where its ports sit)."""

    TOP = NORTH
    BOTTOM = SOUTH
    LEFT = WEST
    RIGHT = EAST

    @property
    def direction(self) -> Direction:
        """The router side that faces out of the region across this edge."""
        return Direction(self.value)


def _sides(routes, what: str) -> frozenset:
    if isinstance(routes, (Route, str)):
        routes = [routes]
    out = set()
    for r in routes:
        value = r.value if isinstance(r, Route) else r
        if value not in (RAMP, NORTH, SOUTH, EAST, WEST):
            raise LayoutError(f"{what}: {r!r} is not a Route (use Route.RAMP, NORTH, SOUTH, "
                              "EAST or WEST)")
        out.add(Direction(value))
    return frozenset(out)


class RoutingPosition:
    """One switch position of a router: the sides it takes wavelets from (`set_input`) and
    sends them to (`set_output`). Both setters return the position, so they chain."""

    def __init__(self):
        self.inputs: frozenset = frozenset()
        self.outputs: frozenset = frozenset()

    def set_input(self, routes) -> "RoutingPosition":
        self.inputs = _sides(routes, "RoutingPosition.set_input")
        return self

    def set_output(self, routes) -> "RoutingPosition":
        self.outputs = _sides(routes, "RoutingPosition.set_output")
        return self

    def __repr__(self) -> str:
        return (f"RoutingPosition(in={sorted(self.inputs) or '-'}, "
                f"out={sorted(self.outputs) or '-'})")


Position = tuple  # (inputs, outputs): a RoutingPosition frozen when it is used


def _positions(positions, what: str) -> tuple[Position, ...]:
    """Freeze a list of RoutingPositions (later changes to them do not leak in)."""
    if isinstance(positions, RoutingPosition):
        positions = [positions]
    try:
        items = list(positions)
    except TypeError:
        raise LayoutError(f"{what}: expected a list of RoutingPosition, got {positions!r}") from None
    if not 1 <= len(items) <= MAX_POSITIONS:
        raise LayoutError(f"{what}: give 1 to {MAX_POSITIONS} RoutingPositions (switch positions "
                          f"0..{MAX_POSITIONS - 1}), got {len(items)}")
    for p in items:
        if not isinstance(p, RoutingPosition):
            raise LayoutError(f"{what}: expected RoutingPosition objects, got {p!r}")
    return tuple((p.inputs, p.outputs) for p in items)


@attrs.frozen
class EdgeRouting:
    """Positions that replace a `paint_all`'s on the PEs along one edge of the region."""

    edge: Edge
    positions: tuple


def get_edge_routing(edge: Edge, positions) -> EdgeRouting:
    """Routing for the PEs on `edge` of a region, for `paint_all(..., [edge_routing])`."""
    if not isinstance(edge, Edge):
        raise LayoutError(f"get_edge_routing: {edge!r} is not an Edge (TOP, BOTTOM, LEFT, RIGHT)")
    return EdgeRouting(edge, _positions(positions, "get_edge_routing"))


class Color:
    """A color for SdkLayout: symbolic by name (`Color('c')`, resolved by the compiler to a
    free physical color) or physical by number (`Color(3)`). `region.color(name)` makes one
    scoped to a region: two regions' `color('tx')` are different colors."""

    __slots__ = ("name", "scope", "id", "_key", "_hash")

    def __init__(self, name, *, scope: str | None = None):
        if isinstance(name, str):
            if not name.isidentifier():
                raise LayoutError(f"Color({name!r}): a color's name must be an identifier (it "
                                  "names the program param set_param_all(color) sets)")
            self.name, self.id = name, None
        else:
            try:
                self.id = PhysicalColor(int(name)).id
            except (TypeError, ValueError) as e:
                raise LayoutError(f"Color({name!r}): give a name (symbolic) or a color 0..23 "
                                  f"({e})") from None
            self.name = None
        self.scope = scope
        self._key = (self.name, scope, self.id)
        self._hash = hash(self._key)

    def __eq__(self, other):
        return isinstance(other, Color) and self._key == other._key

    def __hash__(self):
        return self._hash

    def __reduce__(self):
        return (_make_color, self._key)

    def __repr__(self) -> str:
        if self.id is not None:
            return f"Color({self.id})"
        return f"{self.scope}.color({self.name!r})" if self.scope else f"Color({self.name!r})"


def _make_color(name, scope, id_):
    return Color(name if id_ is None else id_, scope=scope)


def as_color(value, what: str) -> Color:
    """A Color from an SdkLayout Color or a physical `pw.Color` / int."""
    if isinstance(value, Color):
        return value
    if isinstance(value, (PhysicalColor, int, np.integer)) and not isinstance(value, bool):
        return Color(int(value))
    raise LayoutError(f"{what}: expected a Color (Color('name'), region.color('name') or a "
                      f"color number), got {value!r}")


def caller() -> Site | None:
    """The user's line that called into the layout API: compile's errors and lints about
    what the call made (a route, a port, a path) point at it."""
    return caller_site(sys._getframe(1))


def where(site: Site | None) -> str:
    """A call's place as 'file:line', for messages that name two of them."""
    return f"{site.file}:{site.line}" if site is not None else "?"


_UNSET = object()


@attrs.define(eq=False)
class Port:
    """Where a region takes wavelets in or sends them out: PEs along one edge, one color."""

    region: "CodeRegion"
    kind: str                        # "input" or "output"
    color: Color
    edge: Edge
    positions: tuple
    size: int
    suffix: str
    where: Site | None               # the create_*_port call
    peer: "Port | None" = None
    stream: "Stream | None" = None

    @property
    def name(self) -> str:
        return f"{self.region.name}.{self.color.name or self.color.id}{self.suffix}"

    def pes(self) -> list[tuple[int, int]]:
        """Region-local PEs along the edge, in increasing x (TOP/BOTTOM) or y (LEFT/RIGHT)."""
        w, h = self.region.width, self.region.height
        if self.edge in (Edge.TOP, Edge.BOTTOM):
            y = 0 if self.edge is Edge.TOP else h - 1
            return [(x, y) for x in range(w)]
        x = 0 if self.edge is Edge.LEFT else w - 1
        return [(x, y) for y in range(h)]

    def __repr__(self) -> str:
        return f"<{self.kind} port {self.name} on the {self.edge.name} edge>"


@attrs.define(eq=False)
class Stream:
    """A host stream attached to a one-PE port (`runtime.send` / `runtime.receive`)."""

    kind: str       # "input" (host to device) or "output"
    index: int      # among streams of its kind: the engine's stream channel
    port: Port

    def __repr__(self) -> str:
        return f"<{self.kind} stream {self.index} at port {self.port.name}>"


@user_boundaries
class CodeRegion:
    """A `width x height` rectangle of PEs running one program (`create_code_region`)."""

    def __init__(self, layout: "SdkLayout", program: Program, name: str, width: int,
                 height: int):
        self.layout, self.program, self.name = layout, program, name
        self.width, self.height = width, height
        self.origin: IntVector | None = None
        self.params: list[tuple[IntRectangle, str, Any, Site | None]] = []
        self.paints: dict[Color, list] = {}     # color -> [(rect, positions, edges, call, site)]
        self.symbols: list[tuple[IntRectangle, str, np.ndarray, tuple | None]] = []
        self.ports: list[Port] = []

    def __repr__(self) -> str:
        where = f" at {tuple(self.origin)}" if self.origin is not None else ""
        return f"<code region '{self.name}' {self.width}x{self.height}{where}>"

    @property
    def rect(self) -> IntRectangle:
        """The region's PEs in fabric coordinates (placed at (0, 0) until `place`)."""
        o = self.origin or IntVector(0, 0)
        return IntRectangle(o, IntVector(o.x + self.width, o.y + self.height))

    def _local(self, pe, what: str) -> IntRectangle:
        v = as_vector(pe, f"region '{self.name}': {what}")
        if not (0 <= v.x < self.width and 0 <= v.y < self.height):
            raise LayoutError(f"region '{self.name}': {what} at {tuple(v)} is outside the "
                              f"{self.width}x{self.height} region (coordinates are local to it)")
        return IntRectangle(v, IntVector(v.x + 1, v.y + 1))

    def _range(self, rect, what: str) -> IntRectangle:
        if not isinstance(rect, IntRectangle):
            raise LayoutError(f"region '{self.name}': {what} needs an IntRectangle, got {rect!r}")
        if rect.ul.x < 0 or rect.ul.y < 0 or rect.lr.x > self.width or rect.lr.y > self.height:
            raise LayoutError(f"region '{self.name}': {what} {rect!r} reaches outside the "
                              f"{self.width}x{self.height} region (coordinates are local to it)")
        return rect

    def _all(self) -> IntRectangle:
        return IntRectangle(IntVector(0, 0), IntVector(self.width, self.height))

    # -- colors and params ---------------------------------------------------------------
    def color(self, name: str) -> Color:
        """A symbolic color scoped to this region (another region's `color(name)` differs)."""
        return Color(name, scope=self.name)

    def _set(self, rect: IntRectangle, name, value, what: str) -> None:
        if value is _UNSET:
            color = as_color(name, f"region '{self.name}': {what}")
            if color.name is None:
                raise LayoutError(f"region '{self.name}': {what}({color!r}): a numbered color "
                                  "has no name to use as the param's; pass (name, color)")
            name, value = color.name, color
        if not isinstance(name, str) or name not in self.program.param_names:
            known = ", ".join(sorted(self.program.param_names)) or "none"
            raise LayoutError(f"region '{self.name}': {what}: program '{self.program.name}' has "
                              f"no param {name!r} (its params: {known})")
        self.params.append((rect, name, value, caller()))
        self.layout.changed()

    def set_param(self, pe, name, value=_UNSET) -> None:
        """Set param `name` (or the param named after a Color) on one PE (local coords)."""
        self._set(self._local(pe, "set_param"), name, value, "set_param")

    def set_param_all(self, name, value=_UNSET) -> None:
        """Set param `name` (or the param named after a Color) on every PE of the region."""
        self._set(self._all(), name, value, "set_param_all")

    def set_param_range(self, rect: IntRectangle, name, value=_UNSET) -> None:
        """Set param `name` (or the param named after a Color) on the PEs of `rect`."""
        self._set(self._range(rect, "set_param_range"), name, value, "set_param_range")

    # -- symbols -------------------------------------------------------------------------
    def set_symbol(self, pe, name: str, values) -> None:
        """Initial value of symbol `name` on one PE (its whole array, row-major)."""
        self.symbols.append((self._local(pe, "set_symbol"), name, np.asarray(values), None))
        self.layout.changed()

    def set_symbol_all(self, name: str, values, width: int | None = None,
                       height: int | None = None) -> None:
        """Initial value of symbol `name` on every PE. Without `width`/`height`, each PE gets
        all of `values`; with them, `values` is a `height x width` matrix (row-major) cut into
        equal tiles, one per PE: PE (x, y) gets rows y*height/H.. and columns x*width/W..
        of it (the SDK's `set_symbol_all('A', A, x_size, b_size)`)."""
        values = np.asarray(values)
        grid = None
        if width is not None or height is not None:
            try:
                grid = (int(width), int(height))
            except (TypeError, ValueError):
                raise LayoutError(f"region '{self.name}': set_symbol_all('{name}'): width and "
                                  f"height must both be integers, got {width!r}, {height!r}") from None
            w, h = grid
            if values.size != w * h or w % self.width or h % self.height:
                raise LayoutError(
                    f"region '{self.name}': set_symbol_all('{name}'): a {h}x{w} matrix must "
                    f"have {w * h} elements (got {values.size}) and split evenly over the "
                    f"{self.width}x{self.height} region")
        self.symbols.append((self._all(), name, values, grid))
        self.layout.changed()

    # -- routes --------------------------------------------------------------------------
    def _paint(self, rect: IntRectangle, color, positions, what: str, edges=()) -> None:
        color = as_color(color, f"region '{self.name}': {what}")
        frozen = _positions(positions, f"region '{self.name}': {what}")
        for inputs, outputs in frozen + tuple(p for e in edges for p in e.positions):
            if not inputs or not outputs:
                raise LayoutError(f"region '{self.name}': {what} on {color!r}: a painted "
                                  "RoutingPosition needs both set_input and set_output (only "
                                  "ports leave one side to the compiler)")
        self.paints.setdefault(color, []).append((rect, frozen, tuple(edges), what, caller()))
        self.layout.changed()

    def paint(self, pe, color, positions) -> None:
        """Route `color` through one PE (local coords); several positions are switch
        positions 0, 1, ... of that router."""
        self._paint(self._local(pe, "paint"), color, positions, "paint")

    def paint_all(self, color, positions, edge_routes=()) -> None:
        """Route `color` through every PE; `edge_routes` (from `get_edge_routing`) replace
        the positions on the PEs along an edge."""
        edge_routes = list(edge_routes or ())
        for e in edge_routes:
            if not isinstance(e, EdgeRouting):
                raise LayoutError(f"region '{self.name}': paint_all: edge routes come from "
                                  f"get_edge_routing(Edge, [...]), got {e!r}")
        self._paint(self._all(), color, positions, "paint_all", edge_routes)

    def paint_range(self, rect: IntRectangle, color, positions) -> None:
        """Route `color` through the PEs of `rect` (local coords)."""
        self._paint(self._range(rect, "paint_range"), color, positions, "paint_range")

    # -- ports ---------------------------------------------------------------------------
    def _port(self, kind, color, edge, positions, size, suffix) -> Port:
        what = f"region '{self.name}': create_{kind}_port"
        color = as_color(color, what)
        if not isinstance(edge, Edge):
            raise LayoutError(f"{what}: {edge!r} is not an Edge of the region (Edge.TOP, "
                              "BOTTOM, LEFT or RIGHT)")
        frozen = _positions(positions, what)
        chosen = "inputs" if kind == "input" else "outputs"
        for inputs, outputs in frozen:
            if inputs if kind == "input" else outputs:
                raise LayoutError(f"{what} on {color!r}: its RoutingPositions name {chosen} "
                                  f"({sorted(inputs if kind == 'input' else outputs)}), but "
                                  f"the compiler picks a port's {chosen}: give only "
                                  f"{'set_output' if kind == 'input' else 'set_input'}")
        try:
            size = int(size)
            if size < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise LayoutError(f"{what}: size {size!r} must be a positive number of wavelets") from None
        port = Port(self, kind, color, edge, frozen, size, suffix or "", caller())
        clash = [p for p in self.ports if p.color == color and p.edge == edge]
        if clash:
            raise LayoutError(f"{what}: {clash[0]!r} already uses {color!r} on the {edge.name} "
                              "edge")
        self.ports.append(port)
        self.layout.changed()
        return port

    def create_input_port(self, color, edge: Edge, positions, size: int,
                          suffix: str | None = None) -> Port:
        """Wavelets of `color` enter the region's `edge` PEs; `positions` say where each goes
        next (outputs only: the compiler sets where they come from)."""
        return self._port("input", color, edge, positions, size, suffix)

    def create_output_port(self, color, edge: Edge, positions, size: int,
                           suffix: str | None = None) -> Port:
        """Wavelets of `color` leave the region across `edge`; `positions` say where they
        come from (inputs only: the compiler sets where they go)."""
        return self._port("output", color, edge, positions, size, suffix)

    # -- placement -----------------------------------------------------------------------
    def place(self, x: int, y: int) -> None:
        """Put the region's upper-left PE at fabric coordinates (x, y)."""
        if self.origin is not None:
            raise LayoutError(f"region '{self.name}' is placed twice (at {tuple(self.origin)} "
                              f"and ({x}, {y}))")
        origin = as_vector((x, y), f"region '{self.name}': place")
        fx, fy = self.layout.platform.fabric_dims
        if origin.x < 0 or origin.y < 0 or origin.x + self.width > fx or origin.y + self.height > fy:
            raise LayoutError(f"region '{self.name}' ({self.width}x{self.height}) placed at "
                              f"({origin.x}, {origin.y}) does not fit on the {fx}x{fy} fabric")
        self.origin = origin
        self.layout.changed()
        other = self.layout.overlapping(self)
        if other is not None:
            self.origin = None
            raise LayoutError(f"region '{self.name}' placed at ({x}, {y}) overlaps region "
                              f"'{other.name}' at {tuple(other.rect.ul)} ({other.width}x"
                              f"{other.height})")


@user_boundaries
class SdkLayout:
    """Regions, their routes and ports, connections and host streams on one platform."""

    def __init__(self, platform: Platform):
        if not isinstance(platform, Platform):
            raise LayoutError(f"SdkLayout: expected the platform from get_platform(...), got "
                              f"{platform!r}")
        self.platform = platform
        self.regions: dict[str, CodeRegion] = {}
        self.connections: list[tuple[Port, Port, Site | None]] = []
        self.streams: list[Stream] = []
        self._plans: dict = {}               # arch -> Plan

    @property
    def arch(self) -> str:
        return self.platform.arch

    def import_module(self, target: str, params: dict | None = None, /, **kwparams) -> Any:
        """Import a layout-side SDK library by its CSL name (layout/imports.py)."""
        return imports.import_module(self, target, params, kwparams)

    def create_code_region(self, program, name: str, width: int, height: int) -> CodeRegion:
        """A `width x height` region running `program` (a @pw.program or "module:function")."""
        program = _program(program, name)
        if not isinstance(name, str) or not name:
            raise LayoutError(f"create_code_region: name {name!r} must be a non-empty string")
        if name in self.regions:
            raise LayoutError(f"create_code_region: a region named '{name}' exists already; "
                              "region names must be unique")
        try:
            w, h = int(width), int(height)
            if w < 1 or h < 1:
                raise ValueError
        except (TypeError, ValueError):
            raise LayoutError(f"create_code_region('{name}'): width and height must be "
                              f"positive integers, got {width!r}, {height!r}") from None
        region = CodeRegion(self, program, name, w, h)
        self.regions[name] = region
        return region

    def overlapping(self, region: CodeRegion) -> CodeRegion | None:
        """A placed region whose PEs overlap `region`'s."""
        a = region.rect
        for other in self.regions.values():
            if other is region or other.origin is None:
                continue
            b = other.rect
            if a.ul.x < b.lr.x and b.ul.x < a.lr.x and a.ul.y < b.lr.y and b.ul.y < a.lr.y:
                return other
        return None

    def connect(self, out_port: Port, in_port: Port) -> None:
        """Let the compiler find a path from an output port to an input port and route it."""
        what = "connect"
        for port, kind in ((out_port, "output"), (in_port, "input")):
            if not isinstance(port, Port):
                raise LayoutError(f"{what}: expected ports from create_{kind}_port, got {port!r}")
        if out_port.kind != "output" or in_port.kind != "input":
            raise LayoutError(f"{what}({out_port.name}, {in_port.name}): connect an output port to "
                              f"an input port, in that order (got {out_port.kind} -> "
                              f"{in_port.kind})")
        for port in (out_port, in_port):
            if port.peer is not None or port.stream is not None:
                taken = f"connected to {port.peer.name}" if port.peer else "attached to a stream"
                raise LayoutError(f"{what}: port {port.name} is already {taken}; a port has one "
                                  "connection")
        if out_port.size != in_port.size:
            raise LayoutError(f"{what}({out_port.name}, {in_port.name}): sizes differ "
                              f"({out_port.size} vs {in_port.size} wavelets)")
        n_out, n_in = len(out_port.pes()), len(in_port.pes())
        if n_out != n_in:
            raise LayoutError(f"{what}({out_port.name}, {in_port.name}): the ports span {n_out} "
                              f"and {n_in} PEs; connected ports must span as many")
        out_port.peer, in_port.peer = in_port, out_port
        self.connections.append((out_port, in_port, caller()))
        self.changed()

    def _stream(self, port: Port, kind: str) -> Stream:
        what = f"create_{kind}_stream"
        if not isinstance(port, Port) or port.kind != kind:
            raise LayoutError(f"{what}: expected an {kind} port, got {port!r}")
        if port.peer is not None or port.stream is not None:
            raise LayoutError(f"{what}: port {port.name} is already "
                              f"{'connected to ' + port.peer.name if port.peer else 'streamed'}")
        if len(port.pes()) != 1:
            raise LayoutError(f"{what}: port {port.name} spans {len(port.pes())} PEs; host streams "
                              "attach only to one-PE ports (put a 1x1 adaptor region in front, "
                              "as sdklayout-05's demux adaptor does)")
        index = sum(s.kind == kind for s in self.streams)
        if index >= MAX_STREAMS:
            raise LayoutError(f"{what}: at most {MAX_STREAMS} {kind} streams per layout")
        stream = Stream(kind, index, port)
        port.stream = stream
        self.streams.append(stream)
        self.changed()
        return stream

    def create_input_stream(self, port: Port) -> Stream:
        """A host-to-device stream into a one-PE input port (`runtime.send`)."""
        return self._stream(port, "input")

    def create_output_stream(self, port: Port) -> Stream:
        """A device-to-host stream out of a one-PE output port (`runtime.receive`)."""
        return self._stream(port, "output")

    def changed(self) -> None:
        """Forget the plans: a region, port, connection or stream changed."""
        self._plans = {}

    def plan(self, arch: str | None = None):
        """Placement, paths and colors for `arch` (default: the platform's; the colors a
        switched flow may take depend on it), cached until the layout changes."""
        arch = arch or self.arch
        if arch not in self._plans:
            from .sdkcompile import plan
            self._plans[arch] = plan(self, arch)
        return self._plans[arch]

    def compile(self, out_prefix: str | None = "out", jit: bool | str | None = None):
        """Route, allocate colors, compile every region's program; write `out_prefix/`
        (a directory `SdkRuntime(out_prefix)` can load) unless `out_prefix` is None."""
        from .sdkcompile import compile_sdk
        return compile_sdk(self, out_prefix, jit)

    def draw(self, path, arch: str | None = None) -> Path:
        """Draw the planned layout to `path` (.png or .svg; matplotlib, the `viz` extra):
        regions, ports, host streams, each flow's routes as arrows. Returns the path."""
        from .draw import draw
        return draw(self, path, arch)

    def describe(self) -> str:
        """Regions, ports, and for each connection the path and color the compiler chose."""
        from .sdkcompile import describe
        return describe(self.plan())


def _program(program, region: str) -> Program:
    if isinstance(program, Program):
        return program
    if isinstance(program, str) and ":" in program and not program.endswith(".csl"):
        module, _, attr = program.partition(":")
        try:
            obj = getattr(importlib.import_module(module), attr)
        except (ImportError, AttributeError) as e:
            raise LayoutError(f"create_code_region('{region}'): cannot load {program!r}: {e}") from None
        if isinstance(obj, Program):
            return obj
        raise LayoutError(f"create_code_region('{region}'): {program!r} is not a @pw.program")
    raise LayoutError(f"create_code_region('{region}'): expected a @pw.program or "
                      f"'module:function', got {program!r} (pywse runs Python programs: write "
                      "the .csl file's program with @pw.program)")
