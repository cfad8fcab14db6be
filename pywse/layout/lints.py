"""Route lints: layouts cslc accepts but that lose wavelets, starve a task or feed a PE its
own sends. Each is a `RoutingWarning` (a `UserWarning`) naming the PE, color, direction and
the fix; `pw.compile(..., strict=True)` / `pywse check --strict` makes them `RoutingError`s.

They run after comptime, on arrays: per route-table entry (PE, color) its rx/tx sides, per
PE the colors its program reads (input queues) and sends on (output queues).

A route at the kernel's edge that only its own PE uses does not warn: a tx off the edge fed
only by the PE's own sends, and an rx from outside delivered only to the CE, when the
program does not send (read) that color or when the same (color, route) works at another PE
of the kernel. Cerebras' stencils (game-of-life, gemv-08/09) give edge PEs their row's
routes and never send or wait there; what a program does send off the edge is counted as
lost at run time, and an op waiting there ends in a deadlock report that names it.

A color read but never routed to the PE warns only where a data task is bound to it: that
task can never run. An input queue that only fabin DSDs use may be declared on PEs that never
start an op on it (CSL programs declare every DSD on every PE and pick one by a comptime
`if`, as bandwidth-test's sync module does); an op that does wait there is a run-time
deadlock, whose report names the queue and the missing route.
"""
from __future__ import annotations

import attrs
import numpy as np

from ..errors import RoutingError, RoutingWarning, Site, warn_at_user
from ..types import N_COLORS, RAMP
from .routing import DIR_BITS, NEIGHBOURS, STEP, RouteNames, RouteTable, pattern_bits

SHOWN = 3     # places named per lint kind; the rest are counted


@attrs.frozen
class Lint:
    kind: str
    message: str
    site: Site | None = None     # the call that made the route (SdkLayout), else None


def route_lints(table: RouteTable, images, pe_image: np.ndarray, exempt_colors: set[int],
                names: RouteNames | None = None) -> list[list[Lint]]:
    """Every lint of the layout, grouped by kind (first places first, row-major).
    `exempt_colors` are delivered and collected by memcpy, not by routes; `names` words
    the messages (default: the classic layout's)."""
    names = names or RouteNames(table)
    w, h = table.width, table.height
    reads = np.array([_mask(im.iq_color.values()) for im in images], np.int64)[pe_image]
    sends = np.array([_mask(im.sent_colors()) for im in images], np.int64)[pe_image]
    tasks_read = np.array([_mask(im.iq_color[t.queue] for t in im.tasks
                                 if t.kind == "data" and t.queue in im.iq_color)
                           for im in images], np.int64)[pe_image]
    exempt = _mask(exempt_colors)
    ys, xs, cs, pids = table.entries()
    torn = np.array([False] + [cfg.teardown for cfg in table.patterns], bool)[pids]
    ys, xs, cs, pids = ys[~torn], xs[~torn], cs[~torn], pids[~torn]   # run-time routes
    rx_of, tx_of, *_ = pattern_bits(table.patterns)
    loop_of = _ramp_loops(table)
    rx, tx, loops = rx_of[pids].astype(np.int64), tx_of[pids].astype(np.int64), loop_of[pids]
    pe = ys * w + xs
    bit = np.int64(1) << cs.astype(np.int64)
    found: dict[str, list[Lint]] = {}

    def add(kind, where, message):
        for e in where[:SHOWN].tolist():
            x, y, c = int(xs[e]), int(ys[e]), int(cs[e])
            found.setdefault(kind, []).append(Lint(kind, message(e) + names.lint_note(x, y, c),
                                                   names.lint_site(x, y, c)))
        if len(where) > SHOWN:
            found[kind].append(Lint(kind, f"... and {len(where) - SHOWN} more like it"))

    def at(e):
        return names.at(int(xs[e]), int(ys[e]), int(cs[e]))

    def color(e):
        return names.color(int(cs[e]), int(xs[e]), int(ys[e]))

    tx_word, rx_word, ramp = names.tx, names.rx, names.side(RAMP)

    live_rx = rx & DIR_BITS[RAMP]                  # sides a wavelet can come in by
    for d in NEIGHBOURS:
        dx, dy = STEP[d]
        inside = (0 <= xs + dx) & (xs + dx < w) & (0 <= ys + dy) & (ys + dy < h)
        live_rx = live_rx | np.where(inside, rx & DIR_BITS[d], 0)
    from_kernel = (live_rx & ~DIR_BITS[RAMP]) != 0        # a neighbour in the kernel feeds it
    fed = from_kernel | ((live_rx != 0) & (sends[pe] & bit != 0))
    key = cs.astype(np.int64) * (len(table.patterns) + 1) + pids     # (color, route pattern)
    for d in NEIGHBOURS:
        dx, dy = STEP[d]
        outside = ~((0 <= xs + dx) & (xs + dx < w) & (0 <= ys + dy) & (ys + dy < h))
        sends_d = tx & DIR_BITS[d] != 0
        # the PE's own sends off the edge on a route its row or column uses inside: clipped
        clipped = ~from_kernel & np.isin(key, key[sends_d & ~outside])
        leaves = np.flatnonzero(outside & sends_d & fed & ~clipped & (bit & exempt == 0))
        add("leaves", leaves, lambda e, d=d: (
            f"{at(e)}: {tx_word} {names.side(d)} leaves {names.kernel}, where nothing receives "
            f"{color(e)}: wavelets sent there are lost. Route them to a PE that reads them, "
            f"or drop {names.side(d)} from {tx_word}"))
    # a route from outside the kernel to the CE only: it matters if the PE reads the color,
    # unless the same route is fed at another PE (the edge's copy of its row's route)
    stub = (live_rx == 0) & (tx & ~DIR_BITS[RAMP] == 0)
    quiet = stub & ((reads[pe] & bit == 0) | np.isin(key, key[from_kernel]))
    unfed = np.flatnonzero((rx != 0) & (live_rx == 0) & ~quiet & (bit & exempt == 0))
    add("unfed", unfed, lambda e: (
        f"{at(e)}: {rx_word} {names.sides(rx[e])}, but {names.kernel} ends there: nothing "
        f"feeds this route. Feed the color from a PE of {names.kernel}, or drop the route"))
    merged = (rx & DIR_BITS[RAMP] != 0) & (rx & ~DIR_BITS[RAMP] != 0)
    own = np.flatnonzero(loops & merged & (sends[pe] & bit != 0))
    add("loop", own, lambda e: (
        f"{at(e)}: {rx_word} {ramp} and {tx_word} {ramp} on a color this PE sends on, while "
        f"it also receives it from {names.sides(rx[e] & ~DIR_BITS[RAMP])}: its own sends "
        "come back to its input queue, mixed with what arrives. Send on a separate color, "
        f"or drop {ramp} from {tx_word}"))
    to_ce = (tx & DIR_BITS[RAMP] != 0) & (live_rx != 0) & (bit & exempt == 0)
    unread = np.flatnonzero(to_ce & (reads[pe] & bit == 0))
    add("unread", unread, lambda e: (
        f"{at(e)}: the route delivers to the CE ({tx_word} {ramp}), but no input queue, data "
        f"task or fabin DSD of this PE reads {color(e)}: the wavelets wait in the router "
        f"forever. Bind the color in the program, or drop {ramp} from {tx_word}"))
    routed = np.zeros(w * h, np.int64)
    np.bitwise_or.at(routed, pe, bit)
    starved = (tasks_read & ~routed & ~exempt) & ((1 << N_COLORS) - 1)
    for p in np.flatnonzero(starved)[:SHOWN].tolist():
        y, x = divmod(p, w)
        image = images[pe_image[p]]
        c = (int(starved[p]) & -int(starved[p])).bit_length() - 1
        task = next(t.name for t in image.tasks
                    if t.kind == "data" and image.iq_color.get(t.queue) == c)
        found.setdefault("starved", []).append(Lint("starved", (
            f"{names.at(x, y, c)}: data task '{task}' reads {names.color(c, x, y)}, but this PE "
            f"has no route for it: it never gets a wavelet. {names.route_hint(x, y, c)}"),
            names.lint_site(x, y, c)))
    more = int(np.count_nonzero(starved)) - SHOWN
    if more > 0:
        found["starved"].append(Lint("starved", f"... and {more} more PEs like it"))
    return list(found.values())


def report(groups: list[list[Lint]], strict: bool) -> None:
    """Warn once per kind of lint, at the call that made its first route where that is
    known (SdkLayout), else at the compile call; with `strict`, raise them all as one
    RoutingError."""
    if not groups:
        return
    if strict:
        lines = [lint.message for group in groups for lint in group]
        raise RoutingError("the routes lose or starve wavelets (strict=True):\n  "
                           + "\n  ".join(lines)).at(groups[0][0].site,
                                                   "the first of these routes was made here:")
    for group in groups:
        warn_at_user(RoutingWarning("\n  ".join(lint.message for lint in group)),
                     group[0].site)


def _mask(colors) -> int:
    m = 0
    for c in colors:
        m |= 1 << int(c)
    return m


def _ramp_loops(table: RouteTable) -> np.ndarray:
    """Per pattern (0: none): does one of its positions take from RAMP and give to RAMP?"""
    return np.array([False] + [any(RAMP in prx and RAMP in ptx for prx, ptx in cfg.positions())
                               for cfg in table.patterns])
