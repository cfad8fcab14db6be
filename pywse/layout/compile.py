"""`pw.compile`: cslc's rules, comptime for every PE, resource checks, artifacts on disk.

Artifacts are what the runtime loads. On disk (`out_dir`) they are `out.json` (cslc-style
`params` plus pywse's own section) and `layout.pkl`, the pickled layout (programs are pickled
by reference, module + name), from which `SdkRuntime(out_dir)` compiles again.

Compile works per tile kind (classic.py) and per route pattern, never per PE, except for
programs that read `p.x` / `p.y`: their comptime runs once per PE, as it must.
"""
from __future__ import annotations

import copy
import heapq
import importlib.util
import json
import os
import pickle
import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import attrs
import numpy as np

from ..dsl.image import TEARDOWN_TASK_ID, ProgramImage
from ..dsl.taskcheck import check_images
from ..errors import (
    LayoutError,
    ProgramError,
    RoutingError,
    RoutingWarning,
    UnreachableTaskWarning,
    def_site,
    site_of_tb,
    user_boundary,
)
from ..types import ARCHES
from . import lints
from .classic import MEMCPY_RESERVED_COLORS, Layout
from .comptime import ComptimeLimit
from .filters import check_filter_budget, check_filter_ids
from .routing import check_routes, make_route

MEMCPY_RESERVED_LOCAL_IDS = (27, 28, 30)
ALWAYS_RESERVED_LOCAL_IDS = (29,)


@attrs.define(eq=False)
class Artifacts:
    """A compiled program: every PE's image plus the options it was compiled with."""

    layout: Layout
    arch: str
    fabric_dims: tuple[int, int]
    fabric_offsets: tuple[int, int]
    memcpy: bool
    channels: int
    params: dict[str, Any]
    images: list[ProgramImage]      # the distinct images, in the order of their first PE
    pe_image: np.ndarray            # per PE, row-major (y * width + x): its index in images
    jit: bool | str | None = None
    out_dir: str | None = None
    # what only an SdkLayout has (layout/sdkcompile.py): host streams, symbol values set from
    # the layout, its code regions, and its flows' names (sdkcompile.FlowInfo)
    streams: list = attrs.Factory(list)
    symbols: list = attrs.Factory(list)
    regions: tuple = ()
    flows: tuple = ()
    # the layout as the user wrote it, when programs added routes of their own
    # (p.set_local_color_config) to `layout`: what is saved, to compile again
    written: Layout | None = None

    @property
    def pe_images(self) -> list[ProgramImage]:
        """Every PE's image, row-major (a list per PE: built when asked)."""
        return [self.images[k] for k in self.pe_image.tolist()]

    @property
    def width(self) -> int:
        """The kernel's width in PEs (the layout's rectangle)."""
        return self.layout.width

    @property
    def height(self) -> int:
        """The kernel's height in PEs."""
        return self.layout.height

    def out_json(self) -> dict:
        """The content of out.json: cslc's `params` section plus pywse's own."""
        colors = dict(self.layout.memcpy_info.colors) if self.layout.memcpy_info else {}
        return {
            "params": {k: _jsonable(v) for k, v in self.params.items()},
            "pywse": {"arch": self.arch, "fabric_dims": list(self.fabric_dims),
                      "fabric_offsets": list(self.fabric_offsets), "memcpy": self.memcpy,
                      "channels": self.channels, "width": self.width, "height": self.height,
                      "memcpy_colors": colors, "jit": self.jit,
                      "layout_file": self.layout.source_file,
                      "layout_module": self.layout.source_module},
        }


def _jsonable(v):
    try:
        json.dumps(v)
        return v
    except TypeError:
        return int(v) if hasattr(v, "__index__") else str(v)


@user_boundary
def compile(layout: Layout | Callable[..., Layout], *, arch: str = "wse2",
            fabric_dims: tuple[int, int] | None = None,
            fabric_offsets: tuple[int, int] = (4, 1), memcpy: bool = True, channels: int = 1,
            params: dict[str, Any] | None = None, out_dir: str | os.PathLike | None = None,
            width_west_buf: int = 0, width_east_buf: int = 0,
            jit: bool | str | None = None, strict: bool = False,
            fp16_format: str = "f16") -> Artifacts:
    """Check and compile a layout, as `cslc` does; optionally write `out_dir`.

    `layout` is a `Layout`, or a function `layout(**params) -> Layout` called with `params`.
    `params` are recorded in `out.json` (cslc's `--params`); `jit` is the default the runtime
    uses (see `SdkRuntime`). Routes cslc accepts but that lose or starve wavelets give a
    `pw.RoutingWarning` (layout/lints.py); `strict=True` makes them a `RoutingError`.
    `fp16_format` is cslc's `--fp16-format`, what `@fp16()` (`pw.f16`) is: pywse has IEEE
    binary16 only (`check_fp16_format`).
    """
    check_fp16_format(fp16_format)
    params = dict(params or {})
    if not isinstance(layout, Layout):
        if not callable(layout):
            raise LayoutError(f"pw.compile: expected a pw.Layout or a function returning one, got {layout!r}")
        layout = layout(**params)
        if not isinstance(layout, Layout):
            raise LayoutError(f"pw.compile: the layout function returned {layout!r}, not a pw.Layout")
    if arch not in ARCHES:
        raise LayoutError(f"pw.compile: unknown arch {arch!r}; use 'wse2' or 'wse3'")
    if not (jit is None or jit is True or jit is False or jit == "auto"):
        raise LayoutError(f"pw.compile: jit={jit!r}; use True (compiled), False (plain Python), "
                          "\"auto\" or None (PYWSE_JIT, else auto)")
    w, h = layout.width, layout.height
    fabric_offsets = _pair(fabric_offsets, "fabric_offsets")
    min_x = w + 7 + int(width_west_buf) + int(width_east_buf) if memcpy else w + fabric_offsets[0]
    min_y = h + 2 if memcpy else h + fabric_offsets[1]
    fabric_dims = _pair(fabric_dims, "fabric_dims") if fabric_dims is not None else (
        max(min_x, fabric_offsets[0] + w + (3 if memcpy else 0)),
        max(min_y, fabric_offsets[1] + h + (1 if memcpy else 0)))
    fx, fy = fabric_dims
    ox, oy = fabric_offsets
    if memcpy:
        if fx < min_x or fy < min_y:
            raise LayoutError(f"fabric_dims {fx},{fy} are too small for a {w}x{h} kernel with "
                              f"memcpy: need at least {min_x},{min_y} (width + 7, height + 2)")
        if ox < 4 + int(width_west_buf) or oy < 1:
            raise LayoutError(f"fabric_offsets {ox},{oy}: memcpy needs offset x >= 4 (+ west "
                              "buffer columns) and offset y >= 1")
        if not 1 <= int(channels) <= 16:
            raise LayoutError(f"channels={channels}: memcpy supports 1..16 I/O channels")
    if ox + w > fx - (3 if memcpy else 0) or oy + h > fy - (1 if memcpy else 0):
        raise LayoutError(f"the {w}x{h} kernel at offset {ox},{oy} does not fit in fabric {fx},{fy}")
    ys, xs = np.nonzero(layout.tile_kind == 0)
    if len(ys):
        missing = [(int(x), int(y)) for x, y in zip(xs[:5], ys[:5])]
        more = f" and {len(ys) - 5} more" if len(ys) > 5 else ""
        raise LayoutError(f"PE {missing[0]} has no code: every PE of the {w}x{h} rectangle needs "
                          f"set_tile_code (missing: {', '.join(map(str, missing))}{more})")
    written = layout
    images, pe_image, layout = _routes_and_images(layout, arch, memcpy, (fx, fy), (ox, oy))
    check_images(images)          # every task body's mistakes, before anything runs
    check_filter_ids(layout.routes, images, pe_image)
    exempt = set()
    if memcpy:
        exempt = set(MEMCPY_RESERVED_COLORS) | set(
            layout.memcpy_info.colors.values() if layout.memcpy_info is not None else ())
    lints.report(lints.route_lints(layout.routes, images, pe_image, exempt,
                                   layout.route_names()), strict)
    art = Artifacts(layout, arch, (fx, fy), (ox, oy), bool(memcpy), int(channels), params,
                    images, pe_image, jit, written=written if written is not layout else None)
    if out_dir is not None:
        save(art, out_dir)
    return art


def _routes_and_images(layout: Layout, arch: str, memcpy: bool, fabric_dims, offsets):
    """Check the routes, then run comptime: (images, pe_image, the layout with the routes the
    programs set). A route mistake is reported before a comptime one, as cslc does, unless
    the programs' own routes (`p.set_local_color_config`) complete what the layout lacked."""
    try:
        check_layout_routes(layout, arch, memcpy, fabric_dims, offsets)
        route_error = None
    except RoutingError as e:
        route_error = e
    try:
        images, pe_image = _instantiate(layout, arch, memcpy)
    except ProgramError:
        if route_error is not None:
            raise route_error from None
        raise
    routed = _with_program_routes(layout, images, pe_image)
    if routed is not layout:          # the programs route their own PEs: check the whole
        check_layout_routes(routed, arch, memcpy, fabric_dims, offsets)
    elif route_error is not None:
        raise route_error
    _check_teardown_colors(routed, images, pe_image)
    return images, pe_image, routed


def _check_teardown_colors(layout: Layout, images: list[ProgramImage],
                           pe_image: np.ndarray) -> None:
    """A teardown handler for a color its PE does not route could never run: no TEARDOWN
    command reaches a router that has no route for the color."""
    pid = layout.routes.pid.reshape(-1, layout.routes.pid.shape[-1])   # [pe, color]
    names = layout.route_names()
    for n, image in enumerate(images):
        for c in image.teardown_colors:
            unrouted = np.flatnonzero((pe_image == n) & (pid[:, c] == 0))
            if len(unrouted):
                y, x = divmod(int(unrouted[0]), layout.width)
                raise LayoutError(
                    f"{names.pe(x, y)}: program '{image.program.name}' sets a teardown handler "
                    f"for {names.color(c, x, y)}, which this PE does not route: no TEARDOWN "
                    f"command can reach it. Route it on the PE ({names.routed_by}, or "
                    "p.set_local_color_config, with teardown=True if it starts torn down), "
                    "or drop the handler").at(image.teardown_site)


def _with_program_routes(layout: Layout, images: list[ProgramImage],
                         pe_image: np.ndarray) -> Layout:
    """`layout` with the routes programs set on their own PEs (`p.set_local_color_config`),
    as a copy: the user's layout stays as written, so it compiles again (or for the other
    arch) alike. A color routed by both the layout and the program is an error."""
    _check_reserved(layout, images, pe_image)
    routed = [n for n, image in enumerate(images) if image.local_routes]
    if not routed:
        return layout
    merged = copy.copy(layout)
    merged.routes = copy.deepcopy(layout.routes)
    merged._route_keys = {}
    table = merged.routes
    names = layout.route_names()
    for n in routed:
        image = images[n]
        ys, xs = np.divmod(np.flatnonzero(pe_image == n), layout.width)
        for c, (cfg, site) in image.local_routes.items():
            pattern = None
            for x, y in zip(xs.tolist(), ys.tolist()):
                if table.pid[y, x, c]:
                    raise RoutingError(
                        f"{names.at(x, y, c)} is routed twice: by the layout "
                        f"({names.routed_by}) and by its program '{image.program.name}' "
                        "(p.set_local_color_config); route it in one place"
                    ).at(site, "the program's route:").also(names.made(x, y, c)[0],
                                                            "the layout's route:")
                if pattern is None:
                    try:
                        route = make_route(x, y, c, **cfg)
                    except RoutingError as e:            # the same error, at the user's line
                        e.at(site, f"program '{image.program.name}' routes it here:")
                        raise
                    pattern = table.pattern_id(route)
                    table.note_site(pattern, site)
                table.pid[y, x, c] = pattern
    return merged


def _check_reserved(layout: Layout, images: list[ProgramImage], pe_image: np.ndarray) -> None:
    """A color a library keeps for itself on a PE (`ProgramImage.reserved_colors`, e.g.
    `<message_passing>`'s 14..18) must have no route of the layout's there."""
    names = layout.route_names()
    for n, image in enumerate(images):
        if not image.reserved_colors:
            continue
        ys, xs = np.divmod(np.flatnonzero(pe_image == n), layout.width)
        for c, owner in sorted(image.reserved_colors.items()):
            hit = np.flatnonzero(layout.routes.pid[ys, xs, c])
            if len(hit):
                x, y = int(xs[hit[0]]), int(ys[hit[0]])
                raise RoutingError(
                    f"{names.at(x, y, c)}: the layout routes it, but {owner} on that PE "
                    f"keeps colors {', '.join(map(str, sorted(image.reserved_colors)))} for "
                    "itself; give your route another color").at(names.made(x, y, c)[0],
                                                                 "the layout's route:")


def _instantiate(layout: Layout, arch: str,
                 memcpy: bool) -> tuple[list[ProgramImage], np.ndarray]:
    """Comptime once per tile kind, and per PE only for programs that read p.x / p.y.

    PEs are visited in row-major order (a heap of the PEs that need a run), so the error
    raised is the first PE's, as if every PE ran; images are numbered by their first PE."""
    w = layout.width
    kind = layout.tile_kind.reshape(-1)                # row-major: y * width + x
    kinds, first = np.unique(kind, return_index=True)
    heap = sorted(first.tolist())
    number: dict[int, int] = {}                        # id(image) -> its index in images
    images: list[ProgramImage] = []
    of_kind = np.zeros(len(layout.tile_kinds) + 1, np.int32)
    per_pe: list[tuple[int, int]] = []                 # (pe, image) of coordinate-dependent PEs
    with ComptimeLimit().installed() as limit:      # a comptime that never ends: an error
        while heap:
            pe = heapq.heappop(heap)
            k = int(kind[pe])
            y, x = divmod(pe, w)
            program, params = layout.tile_kinds[k - 1]
            try:
                with limit.run(f"program '{program.name}' on PE ({x}, {y})"):
                    image = program.instantiate(layout.pe_context(x, y, arch, bool(memcpy)), params)
            except ProgramError as e:      # also quote where this PE got its program and params
                e.at(site_of_tb(e.__traceback__))
                sites = getattr(layout, "tile_sites", ())
                e.also(sites[k - 1] if k <= len(sites) else None,
                       f"PE ({x}, {y}) got program '{program.name}' and its params here:")
                raise
            n = number.get(id(image))
            if n is None:
                _check_ids(image, x, y, memcpy)
                n = number[id(image)] = len(images)
                images.append(image)
            if not image.coord_dependent:
                of_kind[k] = n
                continue
            if pe == first[np.searchsorted(kinds, k)]:     # the kind's first PE: queue the rest
                for other in np.flatnonzero(kind == k)[1:].tolist():
                    heapq.heappush(heap, other)
            per_pe.append((pe, n))
    pe_image = of_kind[kind]
    if per_pe:
        pes, ns = zip(*per_pe)
        pe_image[list(pes)] = ns
    return images, pe_image


FP16_FORMATS = ("f16", "cb16", "bf16")
"""cslc's `--fp16-format` choices (CSL-LIBRARIES `@fp16`): IEEE binary16, Cerebras' cb16
(6-bit exponent, 9-bit mantissa) and bfloat16."""


def check_fp16_format(fmt: str) -> None:
    """pywse's f16 arithmetic (every f16 DSD op, conversion and rounding, sim/cslops.py) is
    IEEE binary16's; cb16 and bf16 would need their own rounding in each, so they are refused
    rather than run as f16 with silently different results."""
    if fmt == "f16":
        return
    if fmt in FP16_FORMATS:
        raise LayoutError(f"--fp16-format={fmt}: pywse simulates IEEE f16 only (its f16 "
                          f"operations round as binary16 does), not {fmt}; compile with "
                          "--fp16-format=f16 (the default) or use f32")
    raise LayoutError(f"--fp16-format={fmt!r}: unknown format; cslc's are "
                      f"{', '.join(FP16_FORMATS)} (pywse simulates f16)")


def _pair(v, what) -> tuple[int, int]:
    try:
        a, b = (int(t) for t in v)
    except (TypeError, ValueError):
        raise LayoutError(f"{what} must be two integers (x, y), got {v!r}") from None
    return a, b


WSE3_SWITCH_COLORS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, 21)


def check_layout_routes(layout: Layout, arch: str, memcpy: bool, fabric_dims=None,
                        offsets=(0, 0)):
    """Arch rules for routes (per pattern, then where it is used), then the routing-graph
    checks (routing.py)."""
    table = layout.routes
    names = layout.route_names()
    if arch == "wse3" and table.patterns:
        ys, xs, cs, pids = table.entries()
        swap = np.array([False] + [cfg.color_swap_x or cfg.color_swap_y
                                   for cfg in table.patterns])[pids]
        switched = np.array([False] + [cfg.switches is not None for cfg in table.patterns])[pids]
        no_switch = switched & ~np.isin(cs, WSE3_SWITCH_COLORS)
        bad = np.flatnonzero(swap | no_switch)
        if len(bad):
            e = bad[0]
            x, y, c = int(xs[e]), int(ys[e]), int(cs[e])
            if swap[e]:
                raise names.error(f"{names.at(x, y, c)}: color swap does not exist on wse3; "
                                  "route without it, or compile for wse2", x, y, c)
            raise names.error(f"{names.at(x, y, c)}: on wse3 only colors "
                              f"{', '.join(map(str, WSE3_SWITCH_COLORS))} have switches", x, y, c)
    reserved = {}
    if memcpy:
        reserved = {c: "reserved by memcpy" for c in MEMCPY_RESERVED_COLORS}
        if layout.memcpy_info is not None:
            for name in sorted(layout.memcpy_info.reserved_streams()):
                reserved[layout.memcpy_info.colors[name]] = f"memcpy's {name} streaming color"
    check_routes(table, reserved, fabric_dims, offsets, names)
    check_filter_budget(table, arch, memcpy)


def _check_ids(image: ProgramImage, x: int, y: int, memcpy: bool) -> None:
    reserved = ALWAYS_RESERVED_LOCAL_IDS + (MEMCPY_RESERVED_LOCAL_IDS if memcpy else ())
    for t in image.tasks:
        if t.kind == "local" and t.id == TEARDOWN_TASK_ID and (t.teardown or t.flushed):
            continue           # a teardown or empty-queue handler runs as the teardown task
        if t.kind == "local" and t.id in reserved:
            who = "memcpy" if t.id in MEMCPY_RESERVED_LOCAL_IDS else "the system (teardown)"
            raise LayoutError(f"PE ({x}, {y}): local task '{t.name}' uses id {t.id}, which is "
                              f"reserved by {who} (reserved local ids: {sorted(reserved)}); pick another id"
                              ).at(def_site(t.fn))


# -- on disk ----------------------------------------------------------------------------------

def save(art: Artifacts, out_dir) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "out.json").write_text(json.dumps(art.out_json(), indent=2))
    try:
        blob = pickle.dumps((art.written or art.layout, art.params,
                             (art.streams, art.symbols, art.regions, art.flows)))
    except Exception as e:
        raise LayoutError(f"cannot save the layout to {out}: {e}. Define programs at module level "
                          "and pass picklable params") from None
    (out / "layout.pkl").write_bytes(blob)
    art.out_dir = str(out)


def load(out_dir) -> Artifacts:
    """Compile again what `out_dir` records (used by `SdkRuntime(out_dir)`)."""
    out = Path(out_dir)
    meta_file = out / "out.json"
    if not meta_file.is_file() or not (out / "layout.pkl").is_file():
        raise LayoutError(f"{out} is not a pywse compile output (no out.json / layout.pkl); "
                          "compile with pw.compile(..., out_dir=...) or `pywse compile`")
    meta = json.loads(meta_file.read_text())["pywse"]
    if meta.get("layout_file"):
        if not Path(meta["layout_file"]).is_file():
            raise LayoutError(f"{out} was compiled from {meta['layout_file']}, which no longer "
                              "exists; compile it again from where the layout file is now")
        import_file(meta["layout_file"], meta.get("layout_module"))
    try:
        layout, params, extras = pickle.loads((out / "layout.pkl").read_bytes())
    except (AttributeError, ImportError, ModuleNotFoundError) as e:
        raise LayoutError(f"cannot load {out}: {e}. Programs defined in a script's __main__ can "
                          "only be loaded by that script; put them in a module") from None
    with warnings.catch_warnings():      # said when it was compiled the first time
        warnings.simplefilter("ignore", RoutingWarning)
        warnings.simplefilter("ignore", UnreachableTaskWarning)
        art = compile(layout, arch=meta["arch"], fabric_dims=tuple(meta["fabric_dims"]),
                      fabric_offsets=tuple(meta["fabric_offsets"]), memcpy=meta["memcpy"],
                      channels=meta["channels"], params=params, jit=meta.get("jit"))
    art.streams, art.symbols, art.regions, *flows = extras    # no flows: saved before them
    art.flows = tuple(flows[0]) if flows else ()
    art.out_dir = str(out)
    return art


@user_boundary
def import_file(path, module_name: str | None = None):
    """Import a Python file as a module (the layout file of `pywse compile`)."""
    path = Path(path).resolve()
    if not path.is_file():
        raise LayoutError(f"layout file {str(path)!r} does not exist; give the path of the "
                          "Python file that defines `layout` (the layout.csl twin)")
    name = module_name or path.stem
    if name in sys.modules and getattr(sys.modules[name], "__file__", None) == str(path):
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise LayoutError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module
