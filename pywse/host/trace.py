"""A run as a Perfetto trace: `SdkRuntime(..., trace="run.pftrace")`, `Harness(...,
trace=...)` or `pywse run --trace run.pftrace SCRIPT`; open the file in ui.perfetto.dev.

The engine records events into preallocated arrays (sim/tracebuf.py); `Trace` drains them
into the file whenever half the buffer is used and when the runtime stops, so a long run
never holds its trace in memory: track descriptors, host commands and notes through
perfetto's streaming builder, the engine's events as the same packets encoded compiled
(tracepack.py). One cycle is one nanosecond on Perfetto's time axis.

Tracks: a `pywse` track (notes: budget or buffer full, flow sampling), a track per host
command stream (memcpy commands, launches, SdkLayout streams), and per traced PE a track
`PE (x, y)` with its tasks (named `task [PE kind]`), children `ops: main` (synchronous DSD
ops), `ops: microthread k` (async ones), with their stalls (`stall: cause`) nested in the op
that stalled, `router` (a wavelet leaving for a neighbour: a flow arrow to the instant it
arrives there) and a counter per input queue used (`iq k`: wavelets held).
"""
from __future__ import annotations

import os
import warnings
import weakref

import numpy as np

from ..errors import TraceError, TraceWarning
from ..sim import ops, stats, tracebuf
from ..sim.account import N_STALL, STALL_FIFO, STALL_OQ
from ..types import N_COLORS, Color
from . import tracepack
from .tracepack import BEGIN, END, INSTANT, SEQ

ROOT, HOST = 1, 2               # track uuids: notes, host streams (HOST + stream index)
PE_BASE, PER_PE = 1000, 32      # a PE's tracks: PE_BASE + PER_PE * pe + ...
T_OPS, T_ROUTER, T_QUEUE = 1, 1 + ops.N_SLOTS, 2 + ops.N_SLOTS    # ... 0: tasks
def _builder_module():
    try:
        from perfetto.trace_builder.proto_builder import StreamingTraceProtoBuilder
    except ImportError:
        raise TraceError('trace=: writing a Perfetto trace needs the perfetto package: '
                         'pip install "pywse[viz]"') from None
    return StreamingTraceProtoBuilder


def _release(file, path: str) -> None:
    file.close()
    WRITING.discard(path)


def check_request(path, pes, colors, width: int, height: int) -> tuple[str, np.ndarray, int]:
    """(absolute path, a 0/1 flag per PE, a bit per color) of a trace request, or a
    TraceError naming what is wrong: a folder that does not exist, a rectangle outside the
    w x h kernel, a color outside 0..23."""
    given = os.fspath(path)
    path = os.path.abspath(given)
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise TraceError(f"trace={given!r}: folder {folder} does not exist; create it or "
                         "write the trace elsewhere")
    flags = np.zeros((height, width), np.uint8)
    if pes is None:
        flags[:] = 1
    else:
        try:
            x, y, w, h = (int(v) for v in pes)
        except (TypeError, ValueError):
            raise TraceError(f"trace_pes={pes!r}: give a rectangle (x, y, width, height) of "
                             "kernel PEs") from None
        if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
            raise TraceError(f"trace_pes={pes!r}: the rectangle at ({x}, {y}) of {w}x{h} PEs "
                             f"is not inside the {width}x{height} kernel")
        flags[y:y + h, x:x + w] = 1
    mask = (1 << N_COLORS) - 1
    if colors is not None:
        mask = 0
        for c in colors:
            c = c.id if isinstance(c, Color) else c
            if not isinstance(c, (int, np.integer)) or not 0 <= c < N_COLORS:
                raise TraceError(f"trace_colors: color {c!r} is not a color id 0..{N_COLORS - 1}")
            mask |= 1 << int(c)
    return path, flags.ravel(), mask


def _stall_name(col: int) -> str:
    """A stall slice's name from its cause, a `q_stall` column (account.STALL_*)."""
    if col >= STALL_FIFO:
        return f"stall: FIFO {col - STALL_FIFO} empty or full"
    if col >= STALL_OQ:
        return f"stall: output queue {col - STALL_OQ} full"
    return f"stall: input queue {col} empty"


class Trace:
    """The Perfetto file of one runtime's run: opened at load(), fed as the engine's buffer
    fills and as host commands finish, closed at stop()."""

    def __init__(self, path: str, engine, budget: int = tracebuf.BUDGET):
        builder = _builder_module()
        self.path, self.engine = path, engine
        self._file = open(path, "wb")
        self._out = builder(self._file)
        self._closer = weakref.finalize(self, _release, self._file, path)
        self._tracks: set[int] = set()
        self._flows = 0
        self._names = self._name_table(engine)
        self._track(ROOT, "pywse", None, f"1 cycle = 1 ns; {engine.width}x{engine.height} "
                    f"kernel; budget {budget:,} events")

    def _name_table(self, engine) -> tracepack.Names:
        """Every name an engine event can take: each task row's (`task [PE kind]`), then
        "?", each op code's, each stall cause's, each color's hop out and in, the task
        annotations'."""
        kinds = stats.kind_labels(engine)
        names = [f"{task.name} [{kinds[k]}]" for k, task in engine._rows] + ["?"]
        self._n_rows = len(engine._rows)
        self._op0 = len(names)
        names += [ops.OP_NAMES.get(code, f"op {code}") for code in range(ops.MAX_OPS)]
        self._stall0 = len(names)
        names += [_stall_name(col) for col in range(N_STALL)]
        self._flow0 = len(names)
        names += [f"wavelet c{c} {way}" for c in range(N_COLORS) for way in ("out", "in")]
        self._cycles_k = len(names)
        names += ["cycles", "waited"]
        return tracepack.Names(names)

    # -- packets -----------------------------------------------------------------------
    def _track(self, uuid: int, name: str, parent: int | None, description: str = "",
               counter: bool = False) -> None:
        if uuid in self._tracks:
            return
        self._tracks.add(uuid)
        p = self._out.create_packet()
        if uuid == ROOT:                 # the file's first packet starts the sequence
            p.trusted_packet_sequence_id = SEQ
            p.sequence_flags = p.SEQ_INCREMENTAL_STATE_CLEARED
        d = p.track_descriptor
        d.uuid = uuid
        d.name = name
        if parent is not None:
            d.parent_uuid = parent
        if description:
            d.description = description
        if counter:
            d.counter.SetInParent()
        self._out.write_packet(p)

    def _event(self, t: int, uuid: int, kind: int, name: str = "") -> None:
        """One event through the streaming builder (host commands and notes: rare)."""
        p = self._out.create_packet()
        p.timestamp = int(t)
        p.trusted_packet_sequence_id = SEQ
        p.track_event.type = kind
        p.track_event.track_uuid = uuid
        if name:
            p.track_event.name = name
        self._out.write_packet(p)

    def note(self, t: int, text: str) -> None:
        """An instant on the `pywse` track."""
        self._event(t, ROOT, INSTANT, text)

    # -- host commands --------------------------------------------------------------------
    def command(self, stream: int, name: str, start: int, end: int) -> None:
        """A host command of stream `stream` (0: memcpy's) from `start` to `end`."""
        self._track(HOST + stream, "host commands" if stream == 0 else f"host stream {stream}",
                    None)
        self._event(start, HOST + stream, BEGIN, name)
        self._event(max(start, end), HOST + stream, END)

    # -- the engine's events --------------------------------------------------------------
    def _pe_track(self, pe: int, sub: int = 0) -> int:
        base = PE_BASE + PER_PE * pe
        x, y = self.engine.pe_xy(pe)
        self._track(base, f"PE ({x}, {y})", None)
        if sub == 0:
            return base
        if sub < T_ROUTER:
            slot = sub - T_OPS
            name = "ops: main" if slot == ops.MAIN else f"ops: microthread {slot}"
            self._track(base + sub, name, base)
        elif sub == T_ROUTER:
            self._track(base + sub, "router", base)
        else:
            self._track(base + sub, f"iq {sub - T_QUEUE}", base, counter=True)
        return base + sub

    def drain(self) -> None:
        """Write the events the engine holds (tracepack.py encodes them) and empty its
        buffer."""
        st = self.engine.st
        cfg = st.trc_cfg
        n = int(cfg[tracebuf.CFG_N])
        rows = st.trc[:n]
        rows = rows[np.lexsort(rows.T[[5, 4, 3, 2, 0, 1]])]   # by cycle, kind, PE, ...
        kind, pe, a, c = rows[:, 0], rows[:, 2], rows[:, 3], rows[:, 5]
        slot = (kind == tracebuf.EV_OP) | (kind == tracebuf.EV_STALL)
        flow = kind == tracebuf.EV_FLOW
        sub = np.select([kind == tracebuf.EV_TASK, slot, kind == tracebuf.EV_QUEUE],
                        [0, T_OPS + a, T_QUEUE + a], T_ROUTER)
        track = PE_BASE + PER_PE * pe + sub
        track2 = PE_BASE + PER_PE * a + T_ROUTER              # a hop's arrival
        for uuid in np.unique(np.concatenate([track, track2[flow]])).tolist():
            if uuid not in self._tracks:
                self._pe_track(*divmod(uuid - PE_BASE, PER_PE))
        name = np.select([kind == tracebuf.EV_TASK, kind == tracebuf.EV_OP,
                          kind == tracebuf.EV_STALL, flow],
                         [np.where(a >= 0, a, self._n_rows), self._op0 + c, self._stall0 + c,
                          self._flow0 + 2 * c], 0)
        ev, size = tracepack.bound(n, self._names)
        out = np.empty(size, np.uint8)
        used, flows = tracepack.encode(rows, track, track2, name, self._names.flat,
                                       self._names.off, self._cycles_k, self._cycles_k + 1,
                                       self._flows, np.empty(ev, np.uint8), out)
        self._flows += flows
        self._file.write(out[:used].tobytes())
        self._file.flush()
        cfg[tracebuf.CFG_N] = 0
        st.counters[tracebuf.HOST_IO] &= ~tracebuf.IO_TRACE

    # -- the end ----------------------------------------------------------------------------
    def close(self) -> None:
        """Drain the last events, say what is missing (in the file and as a warning), close."""
        if self._file.closed:
            return
        self.drain()
        cfg = self.engine.st.trc_cfg
        missing = []
        for at, what in ((cfg[tracebuf.CFG_FULL_AT], "trace budget full"),
                         (cfg[tracebuf.CFG_BUF_FULL_AT], "trace buffer full")):
            if at >= 0:
                self.note(int(at), f"{what} from cycle {int(at)}")
                missing.append(f"{what} from cycle {int(at)}")
        if cfg[tracebuf.CFG_SAMPLED_AT] >= 0:
            at = int(cfg[tracebuf.CFG_SAMPLED_AT])
            self.note(at, f"flows sampled from cycle {at}: 1 wavelet hop in "
                      f"{int(cfg[tracebuf.CFG_FLOW_EVERY])} after the first "
                      f"{int(cfg[tracebuf.CFG_FLOW_LIMIT]):,}")
        self._closer()
        if missing:
            warnings.warn(TraceWarning(f"{self.path}: {'; '.join(missing)}: later events of "
                                       "that kind are not in the file (raise trace_budget, or "
                                       "trace fewer PEs with trace_pes / trace_colors)"),
                          stacklevel=3)


ENV = "PYWSE_TRACE"
WRITING: set[str] = set()
"""The files traces are being written to now (a second runtime may not write one)."""
_CLI_RUNTIMES = {"count": 0}


def request(path, pes, colors, budget, width: int, height: int):
    """SdkRuntime's trace keywords, checked at construction: None (no trace) or (path, PE
    flags, color bits, budget). Without `path`, `PYWSE_TRACE` (set by `pywse run --trace`;
    the second runtime a script builds writes PATH-2.pftrace, and so on)."""
    if path is None:
        path = os.environ.get(ENV) or None
        if path is None:
            if pes is not None or colors is not None or budget is not None:
                raise TraceError("trace_pes=, trace_colors= and trace_budget= choose what a "
                                 "trace records: give trace=PATH too")
            return None
        _CLI_RUNTIMES["count"] += 1
        if _CLI_RUNTIMES["count"] > 1:
            root, ext = os.path.splitext(path)
            path = f"{root}-{_CLI_RUNTIMES['count']}{ext or '.pftrace'}"
    _builder_module()                        # perfetto missing: said before anything runs
    path, flags, mask = check_request(path, pes, colors, width, height)
    budget = tracebuf.BUDGET if budget is None else budget
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget <= 0:
        raise TraceError(f"trace_budget={budget!r}: give a positive number of events")
    _not_writing(path)
    return path, flags, mask, int(budget)


def _not_writing(path: str) -> None:
    if path in WRITING:
        raise TraceError(f"trace={path!r}: a running SdkRuntime is writing this trace "
                         "already; stop() it first, or trace into another file")


def start(engine, path: str, flags: np.ndarray, mask: int, budget: int) -> Trace:
    """Start recording `engine`'s run into the Perfetto file at `path` (SdkRuntime.load())."""
    _not_writing(path)
    trace = Trace(path, engine, budget)
    engine.start_trace(flags, mask, budget, trace.drain)
    WRITING.add(path)
    return trace


def cli_run(path: str | None):
    """`pywse run --trace PATH`: what `PYWSE_TRACE` is set to for the script (restored by the
    caller); each run of a script numbers its runtimes from one."""
    _CLI_RUNTIMES["count"] = 0
    return os.path.abspath(path) if path is not None else None

