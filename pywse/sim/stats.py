"""The cycle account: where a run's cycles went, per PE, task, queue, color, link and symbol.

`account(engine)` reads the counters the engine keeps as it runs (account.py, fabric.py) into
a `Stats` (what `SdkRuntime.stats()` and `Harness.stats()` return). Every figure is exact
for pywse's clock (docs/timing.md), and the same compiled and as plain Python.

Per-PE figures are h x w arrays over the kernel (`stats.metric(name)`, row y, column x), the
names `METRICS` lists: what heatmaps draw. The tables (`tasks`, `stalls`, `wavelets`, `links`,
`memory`, `kinds`, and `lines` when a run counts them) are `Table`s: printable, and pandas
DataFrames on request (`stats.to_dataframes()`). Coordinates are the kernel's (as in pywse's
error messages), not the fabric's.
"""
from __future__ import annotations

import numpy as np

from ..dsl.kindlabels import kind_labels as labels_of
from ..errors import StatsError
from ..types import N_COLORS, PE_MEMORY_BYTES, type_name
from . import account as A
from .fabric import D_NORTH, D_WEST, N_DIRS
from .table import Table, pandas

METRICS = ("busy", "stalled", "idle", "wavelets", "received", "tasks")
"""The per-PE metrics (`Stats.metric`): cycles busy, stalled and idle (they add up to the
run's cycles), wavelets the PE's router sent and took in (every copy of a multicast), and
tasks run."""
SIDES = ("RAMP", "NORTH", "SOUTH", "EAST", "WEST", "HOST")
"""Directions of `sent` / `received` (fabric.D_*): RAMP is the PE's own CE (down into its
input queue / up from its output queue), HOST what leaves or enters the fabric from outside
(memcpy, streams, a test's sends and captures)."""
LINKS_KEPT = 100        # the busiest links the `links` table keeps
SHOWN = 5               # PEs, rows of each table, in the printed account


class Stats:
    """A run's cycle account (docs/timing.md), taken by `runner.stats()` / `h.stats()`.

    - `cycles`: the run's clock (`runner.cycles`); `host_latency_cycles`: the part of it in
      which the whole device was idle, waiting for a host command to reach it (the
      platform's `host_command_latency`, less the device work that overlapped it);
      `transfer_cycles`: the part in which the idle device waited for a copy-mode memcpy to
      move its data (its channel time, less what overlapped device work); `kernel_cycles`:
      the rest, the clock while the device had work of its own.
    - `busy`, `stalled`, `idle`: per PE (h x w), adding up to `cycles` on every PE. Busy:
      the CE runs a task (its switch and what its body is charged: scalar code, synchronous
      DSD ops), or, the CE free, an async DSD op moves an element. Stalled: a task waits in
      a blocking fabric op (input empty, output full), or, the CE free, an async op is
      unfinished and cannot move. Idle: the rest.
    - `sent`, `received`: wavelets per PE, color and side (h x w x 24 x 6, `SIDES`).
    - tables: `tasks`, `stalls`, `wavelets`, `links`, `memory`, `kinds`, `lines` (or None).
    """

    def __init__(self, *, cycles: int, host_latency_cycles: int, transfer_cycles: int,
                 width: int, height: int,
                 per_pe: dict, sent: np.ndarray, received: np.ndarray, kind_of: np.ndarray,
                 tables: dict[str, Table | None]):
        self.cycles = cycles
        self.host_latency_cycles = host_latency_cycles
        self.transfer_cycles = transfer_cycles
        self.kernel_cycles = cycles - host_latency_cycles - transfer_cycles
        self.width, self.height = width, height
        self._per_pe = per_pe
        self.busy, self.stalled, self.idle = (per_pe[k] for k in ("busy", "stalled", "idle"))
        self.sent, self.received = sent, received
        self.kind_of = kind_of           # per PE (h x w): its row in `kinds`
        self.tasks = tables["tasks"]
        self.stalls = tables["stalls"]
        self.wavelets = tables["wavelets"]
        self.links = tables["links"]
        self.memory = tables["memory"]
        self.kinds = tables["kinds"]
        self.lines = tables["lines"]

    def metric(self, name: str) -> np.ndarray:
        """Per-PE metric `name` (one of `METRICS`) as an h x w array (row y, column x)."""
        if name not in self._per_pe:
            raise StatsError(f"stats.metric({name!r}): no such metric; the metrics are "
                             f"{', '.join(METRICS)}")
        return self._per_pe[name]

    def pes(self) -> Table:
        """One row per PE: its kind and every metric."""
        ys, xs = np.indices((self.height, self.width))
        kinds = self.kinds.column("kind")
        cols = [self.metric(m).ravel().tolist() for m in METRICS]
        rows = [(x, y, kinds[k], *vals) for x, y, k, *vals in
                zip(xs.ravel().tolist(), ys.ravel().tolist(), self.kind_of.ravel().tolist(),
                    *cols)]
        return Table("pes()", ("x", "y", "kind", *METRICS), rows)

    def to_pandas(self):
        """The per-PE table (`pes()`) as a pandas DataFrame."""
        return self.pes().to_pandas()

    def to_dataframes(self) -> dict:
        """Every table as a pandas DataFrame, by name ("pes", "tasks", "stalls", ...)."""
        pandas()
        tables = {"pes": self.pes(), "tasks": self.tasks, "stalls": self.stalls,
                  "wavelets": self.wavelets, "links": self.links, "memory": self.memory,
                  "kinds": self.kinds, "lines": self.lines}
        return {k: t.to_pandas() for k, t in tables.items() if t is not None}

    def __str__(self) -> str:
        return summary(self)

    def __repr__(self) -> str:
        return (f"<Stats: {self.cycles:,} cycles ({self.kernel_cycles:,} kernel), "
                f"{self.width}x{self.height} PEs>")


def account(engine, lines: Table | None = None) -> Stats:
    """The cycle account of `engine`'s run so far."""
    st = engine.st
    h, w = engine.height, engine.width
    now = int(st.now[0])
    cycles, per_pe = per_pe_metrics(engine)
    links = st.links
    labels = kind_labels(engine)
    tables = {"tasks": _tasks(engine, labels), "stalls": _stalls(engine, labels, now),
              "wavelets": _wavelets(engine), "links": _links(engine, cycles),
              "memory": _memory(engine, labels), "kinds": _kinds(engine, labels),
              "lines": lines}
    return Stats(cycles=cycles, host_latency_cycles=engine.host_idle["latency"],
                 transfer_cycles=engine.host_idle["transfer"], width=w, height=h, per_pe=per_pe,
                 sent=links[:, :, :N_DIRS].reshape(h, w, N_COLORS, N_DIRS),
                 received=links[:, :, N_DIRS:].reshape(h, w, N_COLORS, N_DIRS),
                 kind_of=np.asarray(engine.pe_image, np.int64).reshape(h, w), tables=tables)


def per_pe_metrics(engine) -> tuple[int, dict[str, np.ndarray]]:
    """(the run's cycles, each of `METRICS` as an h x w array): the per-PE part of the
    account alone, which is all a heatmap needs (the tables cost more on a big kernel)."""
    st = engine.st
    now = int(st.now[0])
    cycles = max(now, int(st.busy_until.max()))
    acct = st.acct
    start = np.maximum(acct[:, A.A_MARK], st.busy_until)      # account.settle, up to now
    unfinished = ((st.ut_mask & A.ASYNC_SLOTS) != 0) & (st.in_task == 0) & (start < now)
    ut_open = acct[:, A.A_UT_OPEN] + np.where(unfinished, now - start, 0)
    busy = acct[:, A.A_BUSY] + acct[:, A.A_UT_WORK]
    stalled = acct[:, A.A_WAIT] + ut_open - acct[:, A.A_UT_WORK]
    links = st.links
    per_pe = {"busy": busy, "stalled": stalled, "idle": cycles - busy - stalled,
              "wavelets": links[:, :, :N_DIRS].sum(axis=(1, 2)),
              "received": links[:, :, N_DIRS:].sum(axis=(1, 2)),
              "tasks": st.pe_runs.copy()}
    return cycles, {k: np.asarray(v, np.int64).reshape(engine.height, engine.width)
                    for k, v in per_pe.items()}


def kind_labels(engine) -> list[str]:
    """A label per image (PE kind), as the layout picture's legend names it (its program's
    name, the params that tell kinds of one program apart, or a number): the account's
    tables and the trace's task slices use them."""
    return labels_of([(im.program, im.params) for im in engine.images])


def _kinds(engine, labels) -> Table:
    rows = []
    for k, im in enumerate(engine.images):
        pes = engine._pes[k]
        rows.append((labels[k], im.program.name, len(pes), str(engine.pe_xy(int(pes[0]))),
                     im.mem_bytes))
    return Table("kinds", ("kind", "program", "pes", "first PE", "memory bytes"), rows)


def _tasks(engine, labels) -> Table:
    """Tasks that ran, per PE kind: runs, busy cycles, cycles stalled in blocking ops."""
    st = engine.st
    rows = []
    for row, (k, task) in enumerate(engine._rows):
        runs = int(st.row_runs[row])
        if runs:
            work, wait = (int(v) for v in st.row_acct[row])
            rows.append((labels[k], task.name, task.kind, len(engine._pes[k]), runs, work, wait,
                         round(work / runs, 2)))
    rows.sort(key=lambda r: (-r[5], r[0], r[1]))
    return Table("tasks", ("kind", "task", "type", "pes", "runs", "busy", "stalled",
                           "busy/run"), rows)


def _stalls(engine, labels, now: int) -> Table:
    """Cycles ops waited, per PE kind and queue: summed over the kind's PEs, and the PE that
    waited most (an async op still waiting counts up to now)."""
    st = engine.st
    q_stall = st.q_stall.copy()
    waiting = np.argwhere(st.ut_wait[:, :, 0] > 0)
    for pe, slot in waiting.tolist():
        since, col = st.ut_wait[pe, slot]
        q_stall[pe, col] += now - (since - 1)
    rows = []
    for k, im in enumerate(engine.images):
        pes = engine._pes[k]
        block = q_stall[pes]
        for col in np.flatnonzero(block.any(axis=0)).tolist():
            per = block[:, col]
            top = int(np.argmax(per))
            queue, color, cause = _queue(im, col)
            rows.append((labels[k], queue, color, cause, int((per > 0).sum()), int(per.sum()),
                         int(per[top]), str(engine.pe_xy(int(pes[top])))))
    rows.sort(key=lambda r: (-r[5], r[0], r[1]))
    return Table("stalls", ("kind", "queue", "color", "cause", "pes", "cycles", "most",
                            "at"), rows)


def _queue(im, col: int) -> tuple[str, str, str]:
    """(queue, its color, why an op waits on it) of q_stall column `col`."""
    if col >= A.STALL_FIFO:
        f = col - A.STALL_FIFO
        name = next((fi.var.name for fi in im.fifos if fi.index == f), str(f))
        return f"FIFO {name}", "", "FIFO empty or full"
    if col >= A.STALL_OQ:
        q = col - A.STALL_OQ
        return f"output queue {q}", ", ".join(map(str, im.queue_colors(q))), "output full"
    color = im.iq_color.get(col)
    return f"input queue {col}", "" if color is None else str(color), "input empty"


def _flow_names(engine) -> list[tuple[int, str, np.ndarray | None]]:
    """(color, name, PEs or None: everywhere) of each named flow: an SdkLayout's, memcpy's."""
    out = [(f.color, f.name, f.pes) for f in getattr(engine.art, "flows", ())]
    info = engine.art.layout.memcpy_info
    if info is not None and engine.art.memcpy:
        out += [(c, f"memcpy {name}", None) for name, c in info.colors.items()]
    return out


def _wavelets(engine) -> Table:
    """Wavelets per color (and flow, where named) and side, summed over the PEs."""
    links = engine.st.links
    per_color = links.sum(axis=0)                  # color x (sent sides, received sides)
    rows = []
    named: dict[int, list] = {}
    for color, name, pes in _flow_names(engine):
        named.setdefault(color, []).append((name, pes))
    for c in np.flatnonzero(per_color.any(axis=1)).tolist():
        rest = per_color[c].copy()
        for name, pes in named.get(c, []):
            counts = rest.copy() if pes is None else links[pes, c].sum(axis=0)
            rest -= counts
            rows += _side_rows(c, name, counts)
        rows += _side_rows(c, "", rest)
    return Table("wavelets", ("color", "flow", "side", "sent", "received"), rows)


def _side_rows(color: int, name: str, counts: np.ndarray) -> list[tuple]:
    return [(color, name, SIDES[d], int(counts[d]), int(counts[N_DIRS + d]))
            for d in range(N_DIRS) if counts[d] or counts[N_DIRS + d]]


def _links(engine, cycles: int) -> Table:
    """The busiest links between PEs, by wavelets sent over them (a link carries one
    wavelet a cycle at most: `per cycle` is its use)."""
    sent = engine.st.links[:, :, D_NORTH:D_WEST + 1].sum(axis=1)     # PE x (N, S, E, W)
    flat = np.flatnonzero(sent)
    top = flat[np.argsort(-sent.ravel()[flat], kind="stable")[:LINKS_KEPT]]
    rows = []
    for i in top.tolist():
        pe, d = divmod(i, 4)
        n = int(sent[pe, d])
        rows.append((*engine.pe_xy(pe), SIDES[D_NORTH + d], n,
                     round(n / cycles, 4) if cycles else 0.0))
    return Table("links", ("x", "y", "toward", "wavelets", "per cycle"), rows)


def _memory(engine, labels) -> Table:
    """Each PE kind's symbols, largest first, and its total, against the PE's 48 KiB."""
    rows = []
    for k, im in enumerate(engine.images):
        for v in sorted(im.vars, key=lambda v: (-v.nbytes, v.name)):
            rows.append((labels[k], _symbol_name(v.name), type_name(v.dtype), v.size, v.nbytes,
                         round(100 * v.nbytes / PE_MEMORY_BYTES, 2)))
        rows.append((labels[k], "(total)", "", "", im.mem_bytes,
                     round(100 * im.mem_bytes / PE_MEMORY_BYTES, 2)))
    return Table("memory", ("kind", "symbol", "type", "elements", "bytes", "% of 48 KiB"), rows)


def _symbol_name(name: str) -> str:
    """A symbol as its user wrote it: a `p.dsd_var` is stored under an internal name
    (`__dsdN`) the user never wrote, so it is shown as the DSD variable it is."""
    return f"(p.dsd_var #{name[5:]})" if name.startswith("__dsd") else name


def summary(s: Stats, shown: int = SHOWN) -> str:
    """The account as text: the clock, PE time (mean, and the PEs most busy and stalled),
    then the head of each table."""
    n = s.width * s.height
    lines = [f"cycle account: {s.cycles:,} cycles = {s.kernel_cycles:,} kernel + "
             f"{s.host_latency_cycles:,} host latency + {s.transfer_cycles:,} memcpy transfer; "
             f"{s.width}x{s.height} PEs (kernel coordinates)"]
    pe_rows = []
    for name in ("busy", "stalled", "idle"):
        a = s.metric(name)
        y, x = np.unravel_index(int(np.argmax(a)), a.shape)
        share = 100 * a.sum() / (s.cycles * n) if s.cycles else 0.0
        pe_rows.append((name, round(float(a.mean()), 1), round(float(share), 1), int(a.max()),
                        f"({x}, {y})"))
    lines += ["PE time (cycles, per PE):", Table("", ("", "mean", "% of all", "max", "at"),
                                                 pe_rows).text()]
    for name in ("busy", "stalled"):
        a = s.metric(name).ravel()
        top = [i for i in np.argsort(-a, kind="stable")[:shown].tolist() if a[i]]
        if top:
            lines.append(f"  most {name}: " + ", ".join(
                f"({i % s.width}, {i // s.width}) {int(a[i]):,}" for i in top))
    for title, table in (("tasks (per PE kind; cycles summed over its PEs)", s.tasks),
                         ("stalls (cycles ops waited on a queue, per PE kind)", s.stalls),
                         ("wavelets (per color or flow, and side: sent toward, received "
                          "from)", s.wavelets),
                         ("busiest links", s.links),
                         ("memory (per PE kind)", _folded(s.memory)),
                         ("cycles per task-body line", s.lines)):
        if table is not None and len(table):
            long = table.name in ("wavelets", "memory")
            lines += [f"{title}:", table.text(limit=3 * shown if long else shown)]
    return "\n".join(lines)


def _folded(memory: Table) -> Table:
    """The memory table with kinds whose symbols are the same listed once ("k (+n alike)")."""
    by_kind: dict[str, list] = {}
    for r in memory.rows:
        by_kind.setdefault(r[0], []).append(r[1:])
    alike: dict[tuple, list] = {}
    for kind, rows in by_kind.items():
        alike.setdefault(tuple(rows), []).append(kind)
    out = [(kinds[0] if len(kinds) == 1 else f"{kinds[0]} (+{len(kinds) - 1} alike)", *r)
           for rows, kinds in alike.items() for r in rows]
    return Table("memory", memory.columns, out)
