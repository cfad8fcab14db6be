"""The fabric picture of a layout (`layout.draw(path)`, `pywse show`): what runs where and
how each color's wavelets travel.

A classic `Layout` shows its tile kinds (one tint per distinct program and params); an
`SdkLayout` its code regions, ports and host streams, with the routes its compiler plans
(paths of `connect` included) named by flow. Both show each color's routes as arrows out
of the PEs that send that way (colors side by side), a diamond where a color has switch
positions, and memcpy's edges (west and east of the kernel) when the layout uses memcpy.

Both kinds of layout become a `Scene` (arrays over the PEs, plus the few labelled things),
which one function draws. Past `pictures.MAX_CELLS` PEs a side, PEs are binned into square
blocks: a block takes its most common tile kind and an arrow where any of its PEs sends
that way, and the title states the block size.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import attrs
import numpy as np

from ..dsl.kindlabels import kind_labels
from ..types import DIRECTIONS, EAST, N_COLORS, NORTH, SOUTH, WEST
from . import pictures as P
from .sdklayout import SdkLayout

SIDES = (NORTH, SOUTH, EAST, WEST)
STEP = {NORTH: (0, -1), SOUTH: (0, 1), EAST: (1, 0), WEST: (-1, 0)}   # y grows southward
BIT = {d: 1 << i for i, d in enumerate(DIRECTIONS)}
MAX_KINDS_LISTED = 12   # tile kinds the legend names (their tints still show them all)
TINTS = 20              # tints for tile kinds; with more kinds, tints repeat


@attrs.define
class Scene:
    """What a layout picture shows, in kernel coordinates (x east, y south)."""

    title: str
    kinds: np.ndarray                  # h x w: 0 nothing placed, k: kind_names[k - 1]
    kind_names: list[str]
    tx: np.ndarray                     # h x w x colors: bits of the sides routed out (BIT)
    switched: np.ndarray               # h x w x colors: the color has switch positions there
    color_names: dict[int, str]
    regions: list = attrs.Factory(list)    # (name, x, y, width, height)
    ports: list = attrs.Factory(list)      # (name, color, edge side, (x0, y0), (x1, y1))
    streams: list = attrs.Factory(list)    # (label, x, y)
    memcpy: bool = False
    memcpy_streams: list = attrs.Factory(list)    # "MEMCPYH2D_1: color 2", ...: those named


def draw(layout, path, arch: str | None = None) -> Path:
    """Draw `layout` (a pw.Layout or an SdkLayout) to `path` (.png or .svg). `arch` is named
    in the title; an SdkLayout's colors are planned for it (default: its platform's)."""
    out = P.image_path(path, "draw")
    Figure = P.figure_class()
    scene = sdk_scene(layout, arch) if isinstance(layout, SdkLayout) else \
        classic_scene(layout, arch)
    return P.save(render(Figure, scene), out)


def _sides_bits(sides) -> int:
    return sum(BIT[d] for d in sides if d in BIT)


def classic_scene(layout, arch: str | None) -> Scene:
    """A classic Layout's tile kinds, routes and memcpy edges."""
    routes = layout.routes
    tx_of = np.zeros(len(routes.patterns) + 1, np.uint8)
    sw_of = np.zeros(len(routes.patterns) + 1, bool)
    for k, cfg in enumerate(routes.patterns, 1):
        tx_of[k] = _sides_bits(set().union(*(tx for _, tx in cfg.positions())))
        sw_of[k] = len(cfg.positions()) > 1
    used = np.flatnonzero(routes.pid.any(axis=(0, 1)))
    pid = routes.pid[:, :, used]
    tx = np.zeros(routes.pid.shape, np.uint8)
    switched = np.zeros(routes.pid.shape, bool)
    tx[:, :, used], switched[:, :, used] = tx_of[pid], sw_of[pid]
    kind_names = kind_labels(layout.tile_kinds)
    info = layout.memcpy_info
    streams = [] if info is None else [f"{name}: color {info.colors[name]}"
                                       for name in sorted(info.reserved_streams())]
    name = Path(layout.source_file).stem if layout.source_file else "layout"
    return Scene(f"{name}: {layout.width}x{layout.height} PEs, {len(kind_names)} tile kind(s)"
                 + (f", {arch}" if arch else ""), layout.tile_kind.copy(), kind_names, tx,
                 switched, {int(c): f"color {int(c)}" for c in used}, memcpy=info is not None,
                 memcpy_streams=streams)


def sdk_scene(layout, arch: str | None) -> Scene:
    """An SdkLayout's regions, ports, streams and planned routes (named by flow)."""
    from .sdkcompile import _color_name
    plan = layout.plan(arch)
    w, h = plan.size
    kinds = np.zeros((h, w), np.int32)
    regions, ports = [], []
    for k, (r, o) in enumerate(plan.regions, 1):
        kinds[o.y:o.y + r.height, o.x:o.x + r.width] = k
        regions.append((r.name, o.x, o.y, r.width, r.height))
        for port in r.ports:
            (x0, y0), (x1, y1) = port.pes()[0], port.pes()[-1]
            ports.append((port.name, plan.color_of(port.color), port.edge.direction,
                          (o.x + x0, o.y + y0), (o.x + x1, o.y + y1)))
    tx = np.zeros((h, w, N_COLORS), np.uint8)
    switched = np.zeros((h, w, N_COLORS), bool)
    for (x, y, root), positions in plan.routes.items():
        c = plan.colors[root]
        tx[y, x, c] |= _sides_bits(set().union(*(outs for _, outs in positions)))
        switched[y, x, c] |= len(positions) > 1
    groups = plan.flows.groups()
    color_names: dict[int, list] = {}
    for root, c in plan.colors.items():
        color_names.setdefault(c, []).append(" = ".join(_color_name(v) for v in groups[root]))
    streams = []
    for s in layout.streams:
        o = s.port.region.rect.ul
        x, y = s.port.pes()[0]
        streams.append((f"{s.kind} stream {s.index}", o.x + x, o.y + y))
    title = (f"SdkLayout: {len(plan.regions)} region(s) in a {w}x{h} box of the "
             f"{layout.platform.fabric_dims[0]}x{layout.platform.fabric_dims[1]} fabric, "
             f"{plan.arch}")
    return Scene(title, kinds, [r.name for r, _ in plan.regions], tx, switched,
                 {c: f"color {c}: " + "; ".join(n) for c, n in sorted(color_names.items())},
                 regions, ports, streams)


def _palette(n: int):
    """`n` distinct colors: matplotlib's qualitative tables, then a hue wheel."""
    import matplotlib
    base = list(matplotlib.colormaps["tab10"].colors) + list(matplotlib.colormaps["Dark2"].colors)
    if n > len(base):
        base += [matplotlib.colormaps["hsv"](i / (n - len(base))) for i in range(n - len(base))]
    return base[:n]


def _kind_grid(kinds: np.ndarray, n_kinds: int, block: int) -> np.ndarray:
    """Each cell's tint: its block's most common tile kind (0 when most of it has nothing
    placed; with more kinds than tints, its first PE's kind), kinds past TINTS wrapping."""
    if block == 1:
        grid = kinds
    elif n_kinds < TINTS:
        counts = np.stack([P.binned((kinds == k).astype(np.int32), block, "sum")
                           for k in range(n_kinds + 1)])
        grid = counts.argmax(axis=0)
    else:
        grid = kinds[::block, ::block]
    return np.where(grid > 0, (grid - 1) % TINTS + 1, 0)


def render(Figure, s: Scene):
    """The figure of scene `s`."""
    from matplotlib.colors import ListedColormap
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle
    h, w = s.kinds.shape
    block = P.block_size(w, h)
    bh, bw = -(-h // block), -(-w // block)
    fig, ax = P.canvas(Figure, bw, bh, 4.5)
    tints = ["#ffffff"] + [_tint(c) for c in _palette(min(len(s.kind_names), TINTS) + 1)[1:]]
    ax.imshow(_kind_grid(s.kinds, len(s.kind_names), block), cmap=ListedColormap(tints),
              vmin=-0.5, vmax=len(tints) - 0.5, interpolation="nearest",
              extent=(-0.5, bw - 0.5, bh - 0.5, -0.5))
    ax.set_xlim(-0.5 - s.memcpy, bw - 0.5 + s.memcpy)
    ax.set_ylim(bh - 0.5, -0.5)
    ax.set_aspect("equal")
    handles = [Patch(facecolor=tints[k], edgecolor="grey", label=name)
               for k, name in enumerate(s.kind_names[:MAX_KINDS_LISTED], 1)]
    if len(s.kind_names) > MAX_KINDS_LISTED:
        handles.append(Patch(fc="none", ec="none",
                             label=f"(+{len(s.kind_names) - MAX_KINDS_LISTED} more kinds)"))
    used = [c for c in range(s.tx.shape[2]) if s.tx[:, :, c].any() or s.switched[:, :, c].any()]
    colors = dict(zip(used, _palette(len(used))))
    for rank, c in enumerate(used):
        lane = (rank - (len(used) - 1) / 2) * min(0.12, 0.6 / max(1, len(used)))
        _arrows(ax, P.binned(s.tx[:, :, c], block, "or"),
                block, lane, colors[c])
        sw = P.binned(s.switched[:, :, c], block, "any")
        ys, xs = np.nonzero(sw)
        if len(xs):
            ax.scatter(xs + lane, ys + lane, s=30, marker="D", facecolors="none",
                       edgecolors=[colors[c]], linewidths=1.2, zorder=4)
        handles.append(Line2D([], [], color=colors[c], lw=2,
                              label=textwrap.fill(s.color_names[c], 60, subsequent_indent="  ")))
    if s.switched.any():
        handles.append(Line2D([], [], ls="", marker="D", mfc="none", mec="black",
                              label="switch positions"))
    for name, x, y, rw, rh in s.regions:
        ax.add_patch(Rectangle((x / block - 0.5, y / block - 0.5), rw / block, rh / block,
                               fill=False, lw=1.5, ec="black", zorder=5))
        ax.text(x / block - 0.4, y / block - 0.4, name, fontsize=7, va="top", zorder=6,
                bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 1})
    for _name, c, edge, (x0, y0), (x1, y1) in s.ports:
        dx, dy = STEP[edge]
        xs = np.array([x0, x1]) / block + 0.45 * dx + (0.45 * np.array([-1, 1]) if dy else 0)
        ys = np.array([y0, y1]) / block + 0.45 * dy + (0.45 * np.array([-1, 1]) if dx else 0)
        ax.plot(xs, ys, lw=4, color=colors.get(c, "black"), solid_capstyle="butt", zorder=6)
    for label, x, y in s.streams:
        ax.scatter([x / block], [y / block], s=90, marker="*", color="black", zorder=7)
        ax.annotate(label, (x / block, y / block), xytext=(0, -6), textcoords="offset points",
                    fontsize=6, ha="center", va="top", zorder=7,
                    bbox={"fc": "white", "ec": "none", "alpha": 0.7, "pad": 0.5})
    if s.memcpy:
        for x0, label in ((-1.5, "memcpy"), (bw - 0.5, "memcpy")):
            ax.add_patch(Rectangle((x0, -0.5), 1.0, bh, fc="#dddddd", ec="grey", zorder=1))
            ax.text(x0 + 0.5, (bh - 1) / 2, label, rotation=90, ha="center", va="center",
                    fontsize=8)
    if s.memcpy:
        handles.append(Patch(fc="#dddddd", ec="grey", label="\n".join(
            ["memcpy (host copies, launches)"] + [f"  stream {t}" for t in s.memcpy_streams])))
    if s.streams:
        handles.append(Line2D([], [], ls="", marker="*", color="black",
                              label="host stream (its port's PE)"))
    ax.set_title(s.title + P.block_note(block), fontsize=9)
    ax.set_xlabel(f"x (PE{' block' if block > 1 else ''})")
    ax.set_ylabel(f"y (PE{' block' if block > 1 else ''})")
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=7,
              frameon=False)
    return fig


def _tint(rgb) -> str:
    """A pale version of `rgb`: tile kinds are the background, routes are drawn over them."""
    from matplotlib.colors import to_hex, to_rgb
    return to_hex([0.72 + 0.28 * v for v in to_rgb(rgb)])


def _arrows(ax, tx: np.ndarray, block: int, lane: float, color) -> None:
    """One arrow per cell and side its `tx` bits name, shifted sideways by `lane`."""
    for d in SIDES:
        ys, xs = np.nonzero(tx & BIT[d])
        if not len(xs):
            continue
        dx, dy = STEP[d]
        ax.quiver(xs + lane * abs(dy), ys + lane * abs(dx), np.full(len(xs), 0.8 * dx),
                  np.full(len(xs), 0.8 * dy), color=color, angles="xy", scale_units="xy",
                  scale=1, width=0.004, headwidth=4, headlength=4, zorder=3)
