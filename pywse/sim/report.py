"""What the device is waiting for, in words: the engine's half of a DeadlockError report.

Everything here reads the engine's state arrays and never changes them. Per PE it says what
is stuck and on what: wavelets in a router (where they go, who does not take them), input
queues nobody reads (and why), full output queues, stalled microthreads (the op, its element,
the queue it waits on and where that queue's wavelets come from), host streams the PE does not
take or does not feed. `hints` names the likely cause from the same facts; the runtime adds
the host commands' side (host/report.py).
"""
from __future__ import annotations

import numpy as np

from . import fabric, ops
from .builtins import ACTIVE, BLOCKED

MAX_LISTED_PES = 8
SIDES = ("RAMP", "NORTH", "SOUTH", "EAST", "WEST")


def pe_name(engine, pe: int) -> str:
    x, y = engine.pe_xy(pe)
    return f"PE ({x}, {y})"


def neighbour(engine, pe: int, d: int) -> int:
    """The PE next to `pe` toward direction d (fabric.D_NORTH...), or -1 off the kernel."""
    x, y = engine.pe_xy(pe)
    x, y = {fabric.D_NORTH: (x, y - 1), fabric.D_SOUTH: (x, y + 1),
            fabric.D_EAST: (x + 1, y), fabric.D_WEST: (x - 1, y)}[d]
    return engine.pe_index(x, y) if 0 <= x < engine.width and 0 <= y < engine.height else -1


def memcpy_color(engine, c: int) -> str:
    """memcpy's stream name for color c ('MEMCPYH2D_1', ...), or ''."""
    info = engine.art.layout.memcpy_info
    if info is None or not engine.art.memcpy:
        return ""
    return next((name for name, color in info.colors.items() if color == c), "")


def streams_at(engine, pe: int, c: int, kind: str) -> list:
    x, y = engine.pe_xy(pe)
    return [s for s in engine.art.streams if s.kind == kind and (s.x, s.y) == (x, y)
            and s.color == c]


def _data_task(engine, pe: int, q: int):
    """(channel id, data task name or None) of input queue q on `pe`."""
    image = engine.image(pe)
    for chan, queue, has_data_task in engine._channels[engine.pe_image[pe]]:
        if queue == q:
            name = next((t.name for t in image.tasks if t.kind == "data" and t.queue == q), None)
            return chan, name if has_data_task else None
    return -1, None


def _running(engine, pe: int) -> str:
    waits = engine._sync_waits or {}
    return waits.get(pe) or engine._current.get(pe, "?")


def _threads(engine, pe: int):
    """(slot, operand rows) of every op running on `pe`, the CE's own blocking op last."""
    st = engine.st
    return [(s, st.ut_opnd[pe, s]) for s in range(ops.N_SLOTS) if st.ut_code[pe, s]]


# -- where wavelets come from -----------------------------------------------------------------

def where_from(engine, pe: int, c: int, tx_bit: int = 1) -> str:
    """Where wavelets of color c that reach `pe`'s CE (or, tx_bit HOST_BIT, that leave it for
    the host) come from: 'from the WEST neighbour PE (0, 0)', 'from its own CE (RAMP)',
    'from the host (...)'."""
    st = engine.st
    name = memcpy_color(engine, c)
    if tx_bit == 1 and name.startswith("MEMCPYH2D"):
        running = any(st.h2d_color[k] == c and not st.h2d_entry[k] and st.h2d_left[pe, k] > 0
                      for k in range(len(st.h2d_color)))
        return (f"from the host (memcpy_h2d streaming on color {c}"
                f"{'' if running else ', none running now'})")
    inputs = streams_at(engine, pe, c, "input")
    if inputs:
        k = inputs[0].index
        running = st.h2d_entry[k] and st.h2d_color[k] == c and st.h2d_left[pe, k] > 0
        return (f"from the host (input stream {k} at port {inputs[0].port}"
                f"{'' if running else ', no send running now'})")
    sides = 0
    routed = False
    for pos in range(st.sw_npos[pe, c]):
        if st.sw_tx[pe, c, pos] & tx_bit:
            routed = True
            sides |= int(st.sw_rx[pe, c, pos])
    if tx_bit == fabric.HOST_BIT and name.startswith("MEMCPYD2H") and not sides:
        sides = 1                       # memcpy's own D2H route: the PE's CE to the host
    if not routed:
        where = "its CE" if tx_bit == 1 else "the host"
        return f"but no route takes color {c} to {where} on this PE"
    if not sides:
        return f"but the route of color {c} here takes wavelets from nowhere (no rx)"
    froms = []
    for d, side in enumerate(SIDES):
        if not sides & (1 << d):
            continue
        if d == fabric.D_RAMP:
            froms.append("from its own CE (RAMP)")
            continue
        npe = neighbour(engine, pe, d)
        froms.append(f"from the {side} neighbour {pe_name(engine, npe)}" if npe >= 0
                     else f"from the {side} edge of the kernel (no PE there)")
    return " or ".join(froms)


def _blocked_target(engine, pe: int, c: int, d: int) -> str:
    """Why the router of `pe` cannot hand color c on toward direction d (a neighbour)."""
    st = engine.st
    npe = neighbour(engine, pe, d)
    side = SIDES[d]
    if npe < 0:
        return f"to the {side}: off the kernel's edge, where nothing takes them"
    nc = c ^ 1 if (st.swap_x[pe, c] if d in (fabric.D_EAST, fabric.D_WEST)
                   else st.swap_y[pe, c]) else c
    there = f"to the {side} neighbour {pe_name(engine, npe)}"
    if st.tip[npe, nc] & fabric.TIP_ON:
        return (f"{there}, where color {nc} is in teardown (its program leaves it with "
                "<tile_config>'s teardown.exit, from a teardown handler)")
    if st.rb_count[npe, nc] >= st.rb_buf.shape[2]:      # its FIFO and the link's slots
        return f"{there}, whose router for color {nc} is full"
    if st.sw_npos[npe, nc] > 1:
        pos = st.sw_cur[npe, nc]
        if not (st.sw_rx[npe, nc, pos] >> fabric.OPPOSITE[d]) & 1:
            return (f"{there}, whose switch position {pos} for color {nc} does not take "
                    f"wavelets from the {SIDES[fabric.OPPOSITE[d]]}")
    return there


def _ce_block(engine, pe: int, c: int) -> str:
    """Why `pe`'s CE does not take color c from its router ('' if it could)."""
    st = engine.st
    q = st.ce_iq[pe, c]
    if q < 0:
        return f"no input queue is bound to color {c} here (no data task or fabin DSD on it)"
    if st.iq_count[pe, q] >= st.iq_cap[q]:
        return f"input queue {q} is full ({st.iq_count[pe, q]} of {st.iq_cap[q]})"
    return ""


def _host_block(engine, pe: int, c: int) -> str:
    st = engine.st
    k = next((k for k in range(len(st.d2h_color)) if st.d2h_color[k] == c), -1)
    if k < 0:
        return (f"nothing on the host collects color {c} now (no memcpy_d2h streaming or "
                "receive on it is running)")
    if st.d2h_left[pe, k] <= 0:
        return (f"the host already has the {st.d2h_done[pe, k]} wavelet(s) the running D2H on "
                f"color {c} asked of this PE")
    return ""


# -- one line per thing that is stuck -----------------------------------------------------------

def _router_line(engine, pe: int, c: int) -> str:
    st = engine.st
    if st.tip[pe, c] & fabric.TIP_ON:
        return (f"color {c}: {st.rb_count[pe, c]} wavelet(s) in the router, held: color {c} "
                "is in teardown here (its program leaves it with <tile_config>'s "
                "teardown.exit, from a teardown handler)")
    pos = st.sw_cur[pe, c]
    tx = int(st.sw_tx[pe, c, pos])
    ce = _ce_block(engine, pe, c) if tx & 1 else ""
    tag = "no input queue reads it" if tx & 1 and st.ce_iq[pe, c] < 0 else "next hop full"
    targets = []
    for d in range(1, 5):
        if tx & (1 << d):
            targets.append(_blocked_target(engine, pe, c, d))
    if tx & 1:
        targets.append("to its own CE" + (f": {ce}" if ce else ""))
    if tx & fabric.HOST_BIT:
        block = _host_block(engine, pe, c)
        targets.append("to the host" + (f": {block}" if block else ""))
    if not targets:
        targets.append(f"the route's position {pos} sends them nowhere (no tx)")
    where = f" at switch position {pos}" if st.sw_npos[pe, c] > 1 else ""
    return (f"color {c}: {st.rb_count[pe, c]} wavelet(s) in the router ({tag}){where}, going "
            + " and ".join(targets))


def _reader(engine, pe: int, q: int) -> str:
    """Who reads input queue q of `pe`, and why it does not now."""
    st = engine.st
    for s, rows in _threads(engine, pe):
        n_src = ops.OP_NSRC[st.ut_code[pe, s]]
        if any(rows[k, ops.KIND] == ops.K_FABIN and rows[k, ops.QUEUE] == q
               for k in range(1, n_src + 1)):
            who = "the blocking op" if s == ops.MAIN else f"microthread {s}"
            return f"{who} reads it but is stalled"
    chan, task = _data_task(engine, pe, q)
    if task is not None:
        if chan >= 0 and st.task_state[pe, chan] & BLOCKED:
            return f"its data task '{task}' is blocked and nothing unblocks it"
        if st.ut_code[pe, ops.MAIN]:
            return f"its data task '{task}' cannot run while the CE waits in a blocking op"
        return f"its data task '{task}' does not take the wavelet at its head"
    return "nothing reads it: no data task, no fabin op running"


def _iq_line(engine, pe: int, q: int) -> str:
    st = engine.st
    color = engine.image(pe).iq_color.get(q, -1)
    full = " (full)" if st.iq_count[pe, q] >= st.iq_cap[q] else ""
    return (f"input queue {q} (color {color}): {st.iq_count[pe, q]} wavelet(s) not read{full}: "
            + _reader(engine, pe, q))


def _head_color(st, pe: int, q: int) -> int:
    """The color of the wavelet at the head of output queue q (the one that must leave first;
    on wse2 a queue may hold several colors)."""
    return int(st.oq_wcol[pe, q, st.oq_head[pe, q]])


def _oq_line(engine, pe: int, q: int) -> str:
    st = engine.st
    c = _head_color(st, pe, q)
    line = f"output queue {q} (color {c}): {st.oq_count[pe, q]} wavelet(s) waiting"
    if st.rb_count[pe, c] >= fabric.ROUTER_DEPTH:
        return line + f" (the router for color {c} is full)"
    if st.sw_npos[pe, c] > 1 and not st.sw_rx[pe, c, st.sw_cur[pe, c]] & 1:
        return line + f" (switch position {st.sw_cur[pe, c]} of color {c} does not take from RAMP)"
    return line


def _thread_line(engine, pe: int, s: int) -> str:
    st = engine.st
    code = st.ut_code[pe, s]
    pos, n = st.ut_pos[pe, s], st.ut_len[pe, s]
    name = ops.OP_NAMES[code]
    head = (f"blocking (sync) {name} in task '{_running(engine, pe)}'" if s == ops.MAIN
            else f"microthread {s}: {name}")
    waits = []
    rows = st.ut_opnd[pe, s]
    if code == ops.DFILT:      # no elements: it counts control wavelets in its input queue
        q = rows[1, ops.QUEUE]
        c = engine.image(pe).iq_color.get(q, -1)
        held = st.iq_count[pe, q] and st.iq_ctl[pe, q, st.iq_head[pe, q]] & ops.COUNTED
        waits.append(f"a control wavelet it counted waits at the head of input queue {q} for "
                     "the CE (is the queue's channel blocked?)" if held else
                     f"waits for control wavelets in input queue {q} (color {c}): {pos} of "
                     f"{n} came, the rest would come {where_from(engine, pe, c)}")
    for k in range(ops.OP_NSRC[code] + 1):
        kind, q = rows[k, ops.KIND], rows[k, ops.QUEUE]
        if kind == ops.K_FABIN and k > 0 and st.iq_count[pe, q] == 0:
            c = engine.image(pe).iq_color.get(q, -1)
            waits.append(f"waits for input queue {q} (color {c}): {pos} of {n} wavelet(s) "
                         f"arrived, the rest would come {where_from(engine, pe, c)}")
        elif kind == ops.K_FABIN and k > 0 and st.iq_ctl[pe, q, st.iq_head[pe, q]]:
            waits.append(f"a control wavelet is at the head of input queue {q}")
        elif kind == ops.K_FABOUT and st.oq_count[pe, q] >= st.oq_cap[q]:
            waits.append(f"output queue {q} (color {_head_color(st, pe, q)}) is full "
                         f"({st.oq_count[pe, q]} of {st.oq_cap[q]}), {pos} of {n} sent")
        elif kind == ops.K_FIFO and k == 0 and st.fifo_count[pe, q] >= st.fifo_cap[pe, q]:
            waits.append(f"FIFO {q} is full ({st.fifo_count[pe, q]} elements)")
        elif kind == ops.K_FIFO and k > 0 and st.fifo_count[pe, q] == 0:
            waits.append(f"FIFO {q} is empty")
    return f"{head} stalled at element {pos} of {n}" + (": " + "; ".join(waits) if waits else "")


def _h2d_line(engine, pe: int, k: int) -> str:
    st = engine.st
    c, left = int(st.h2d_color[k]), int(st.h2d_left[pe, k])
    total = left + int(st.h2d_pos[pe, k])
    if st.h2d_entry[k]:
        return (f"host input stream on color {c}: {left} of {total} wavelet(s) not accepted "
                f"yet (the router for color {c} is full)")
    q = st.ce_iq[pe, c]
    why = (f"no input queue is bound to color {c} here (no data task or fabin DSD on it)"
           if q < 0 else f"input queue {q} is full ({st.iq_count[pe, q]} of {st.iq_cap[q]})")
    return f"memcpy H2D on color {c}: {left} of {total} wavelet(s) not accepted: {why}"


def _d2h_line(engine, pe: int, k: int) -> str:
    st = engine.st
    c, got = int(st.d2h_color[k]), int(st.d2h_done[pe, k])
    total = got + int(st.d2h_left[pe, k])
    memcpy = memcpy_color(engine, c).startswith("MEMCPYD2H")
    what = "memcpy D2H" if memcpy else "host output stream"
    line = (f"{what} on color {c}: expects {total} wavelet(s) from this PE, got {got}; they "
            f"would come {where_from(engine, pe, c, fabric.HOST_BIT)}")
    if not _sends(engine, pe, c):
        line += f", and nothing here sends on color {c} now"
    return line


def _sends(engine, pe: int, c: int) -> bool:
    """sends_mask for one PE."""
    st = engine.st
    image = engine.image(pe)
    queues = [q for q in image.oq_color if c in image.queue_colors(q)]
    return bool(st.rb_count[pe, c] or any(st.oq_count[pe, q] for q in queues)
                or any(rows[0, ops.KIND] == ops.K_FABOUT and rows[0, ops.QUEUE] in queues
                       for _, rows in _threads(engine, pe)))


def sends_mask(engine, c: int) -> np.ndarray:
    """Per PE: is anything about to put color c in its router (a wavelet there already, an
    output queue of color c holding some, an op writing one)?"""
    st = engine.st
    bound = np.zeros((len(engine.images), st.oq_count.shape[1] + 1), bool)   # last: never
    for k, image in enumerate(engine.images):
        for q in image.oq_color:
            bound[k, q] = c in image.queue_colors(q)
    mine = bound[engine.pe_image]
    out = (st.rb_count[:, c] > 0) | ((st.oq_count > 0) & mine[:, :-1]).any(axis=1)
    for s in range(ops.N_SLOTS):
        rows = st.ut_opnd[:, s, 0]
        q = np.where(rows[:, ops.KIND] == ops.K_FABOUT, rows[:, ops.QUEUE], -1)
        out |= (st.ut_code[:, s] != 0) & mine[np.arange(len(q)), q]
    return out


def _on_the_way(engine, pe: int, c: int) -> bool:
    """Is a wavelet of color c about to reach `pe`'s CE: in its router, or in (or about to
    leave) a neighbour or its own CE that the route takes color c from?"""
    st = engine.st
    if st.rb_count[pe, c]:
        return True
    rx = 0
    for pos in range(st.sw_npos[pe, c]):
        if st.sw_tx[pe, c, pos] & 1:
            rx |= int(st.sw_rx[pe, c, pos])
    for d in range(5):
        if rx & (1 << d):
            src = pe if d == fabric.D_RAMP else neighbour(engine, pe, d)
            if src >= 0 and _sends(engine, src, c):
                return True
    return False


def _open_d2h(engine) -> list[int]:
    st = engine.st
    return [k for k in range(len(st.d2h_color)) if st.d2h_color[k] >= 0]


def stuck_pes(engine) -> np.ndarray:
    """PEs holding wavelets, running ops, or owing / refusing a host stream wavelets."""
    st = engine.st
    holding = (st.rb_mask | st.oq_mask | st.ut_mask | st.h2d_mask).astype(bool)
    holding |= st.iq_count.any(axis=1)
    for k in _open_d2h(engine):
        holding |= st.d2h_left[:, k] > 0
    return np.flatnonzero(holding)


def idle_mask(engine) -> np.ndarray:
    """Per PE: nothing to run and nothing in flight (tasks, queues, routers, ops)."""
    st = engine.st
    busy = (st.task_state & ACTIVE).any(axis=1) | st.iq_count.any(axis=1)
    busy |= (st.ut_mask | st.rb_mask | st.oq_mask | st.h2d_mask).astype(bool)
    return ~busy


def pe_lines(engine, pe: int) -> list[str]:
    """Everything stuck on one PE, one item a line."""
    st = engine.st
    lines = [_router_line(engine, pe, c) for c in np.flatnonzero(st.rb_count[pe])]
    lines += [_iq_line(engine, pe, q) for q in np.flatnonzero(st.iq_count[pe])]
    lines += [_oq_line(engine, pe, q) for q in np.flatnonzero(st.oq_count[pe])]
    lines += [_thread_line(engine, pe, s) for s in np.flatnonzero(st.ut_code[pe])]
    lines += [_h2d_line(engine, pe, k) for k in np.flatnonzero(st.h2d_left[pe])]
    lines += [_d2h_line(engine, pe, k) for k in _open_d2h(engine) if st.d2h_left[pe, k] > 0]
    return lines


def describe(engine, pe: int, stuck: bool = True) -> str:
    """One line on a PE's tasks: `stuck` when nothing can move (a deadlock report)."""
    image = engine.image(pe)
    flags = engine.st.task_state[pe]
    names = {t.id: t.name for t in image.tasks if t.kind in ("local", "data")}
    if image.flush_handlers:
        names[ops.TEARDOWN_TASK] = "the teardown task (its handlers)"
    for chan, q, has_data_task in engine._channels[engine.pe_image[pe]]:
        if not has_data_task:
            names[chan] = f"input queue {q} (no data task)"
    pending = [names.get(i, str(i)) for i in np.flatnonzero(flags & ACTIVE)]
    blocked = [names.get(i, str(i)) for i in np.flatnonzero(flags & BLOCKED)]
    parts = [f"{pe_name(engine, pe)} [{image.program.name}]"]
    parts.append("has not called unblock_cmd_stream()" if not engine.st.cmd_unblocked[pe]
                 else "unblocked the command stream")
    if pending:
        parts.append(("activated but blocked: " if stuck else "activated, to run: ")
                     + ", ".join(pending))
    if blocked:
        parts.append("blocked: " + ", ".join(blocked))
    armed = [f"{side} queue {q}" for k, side in enumerate(("input", "output")) for q in range(8)
             if engine.st.qflush[pe, ops.QF_ARMED + k] >> q & 1]
    if armed:
        parts.append("pw.queue_flush waits for " + ", ".join(armed) + " to be empty")
    return "; ".join(parts)


SCANNED_PES = 256      # PEs a report reads line by line (the rest are counted)


def first(pes: np.ndarray, leading) -> np.ndarray:
    """`pes` with those in `leading` (a root cause's PEs, in order) first."""
    lead = [pe for pe in dict.fromkeys(leading) if pe in set(pes.tolist())]
    if not lead:
        return pes
    return np.concatenate([np.array(lead, pes.dtype), pes[~np.isin(pes, lead)]])


def describe_fabric(engine, limit: int = MAX_LISTED_PES, tasks_shown=(), lead=()) -> str:
    """What is stuck, PE by PE: one line per item, the PE's tasks last (unless `tasks_shown`
    has the PE: its tasks are listed elsewhere in the report). PEs stuck alike (same program,
    same lines) share one entry; at most `limit` entries, the PEs in `lead` (a root cause's)
    first."""
    pes = first(stuck_pes(engine), lead)
    groups: dict[tuple, list[int]] = {}
    for pe in pes[:SCANNED_PES].tolist():
        lines = pe_lines(engine, pe)
        if pe not in tasks_shown:
            lines.append("tasks: " + describe(engine, pe).split("; ", 1)[1])
        groups.setdefault((engine.pe_image[pe], tuple(lines)), []).append(pe)
    out = []
    for (_, lines), members in list(groups.items())[:limit]:
        pe = members[0]
        alike = ""
        if len(members) > 1:
            named = ", ".join(pe_name(engine, m) for m in members[1:4])
            alike = (f" and {len(members) - 1} more PE(s) alike ({named}"
                     f"{', ...' if len(members) > 4 else ''})")
        out.append(f"  {pe_name(engine, pe)} [{engine.image(pe).program.name}]{alike}: {lines[0]}")
        out += ["    " + line for line in lines[1:]]
    listed = sum(len(m) for m in list(groups.values())[:limit])
    if len(pes) > listed:
        out.append(f"  ... and {len(pes) - listed} more PE(s)")
    return "\n".join(out)


# -- the likely cause ---------------------------------------------------------------------------

def _drain_end(engine, pe: int, c: int) -> str:
    """Follow color c downstream from `pe` through full routers to what does not take it."""
    st = engine.st
    seen = set()
    while (pe, c) not in seen:
        seen.add((pe, c))
        tx = int(st.sw_tx[pe, c, st.sw_cur[pe, c]])
        if tx & 1:
            q = st.ce_iq[pe, c]
            if q < 0:
                return f"{pe_name(engine, pe)} binds no input queue to color {c}"
            if st.iq_count[pe, q] >= st.iq_cap[q]:
                return (f"input queue {q} on {pe_name(engine, pe)} is full and "
                        + _reader(engine, pe, q))
        if tx & fabric.HOST_BIT:
            block = _host_block(engine, pe, c)
            if block:
                return block
        nxt = None
        for d in range(1, 5):
            if tx & (1 << d):
                npe = neighbour(engine, pe, d)
                if npe < 0:
                    return (f"on {pe_name(engine, pe)} it is routed {SIDES[d]}, off the "
                            "kernel's edge")
                nxt = nxt or (npe, c)
        if nxt is None:
            break
        pe, c = nxt
    return f"color {c} stops at {pe_name(engine, pe)}"


def hints(engine, sync_pe: int = -1) -> list[str]:
    """Likely causes, most specific first (the report shows the first)."""
    st = engine.st
    out = []
    for pe in ([sync_pe] if sync_pe >= 0 else []):
        rows = st.ut_opnd[pe, ops.MAIN]
        name = ops.OP_NAMES.get(int(st.ut_code[pe, ops.MAIN]), "op")
        task = _running(engine, pe)
        if rows[0, ops.KIND] == ops.K_FABOUT:
            q = rows[0, ops.QUEUE]
            c = _head_color(st, pe, q)
            out.append(f"a blocking (sync) {name} in task '{task}' on {pe_name(engine, pe)} "
                       f"writes to output queue {q} (color {c}), which is full, and nothing "
                       f"drains color {c}: {_drain_end(engine, pe, c)}. Read color {c} there "
                       "(a data task or a fabin op), or, if this PE's own tasks drain it, make "
                       "the op async (async_=True)")
        for k in range(1, ops.OP_NSRC[st.ut_code[pe, ops.MAIN]] + 1):
            if rows[k, ops.KIND] == ops.K_FABIN and st.iq_count[pe, rows[k, ops.QUEUE]] == 0:
                c = engine.image(pe).iq_color.get(int(rows[k, ops.QUEUE]), -1)
                out.append(f"a blocking (sync) {name} in task '{task}' on {pe_name(engine, pe)} "
                           f"waits for wavelets on color {c} that never come "
                           f"({where_from(engine, pe, c)}): make sure something sends them, or "
                           "make the op async (async_=True) so the CE can run other tasks")
    cur_tx = np.take_along_axis(st.sw_tx, st.sw_cur[:, :, None].astype(np.int64), 2)[:, :, 0]
    to_ce = (st.rb_count > 0) & (cur_tx & 1 > 0) & (st.ce_iq < 0)
    for pe, c in zip(*np.nonzero(to_ce)):
        out.append(f"color {c} is routed to the CE of {pe_name(engine, pe)} (RAMP), but no "
                   f"input queue there is bound to color {c}: give that PE a data task or a "
                   f"fabin DSD on color {c}, or take RAMP out of its route")
        break
    for k in range(len(st.h2d_color)):
        c = int(st.h2d_color[k])
        if c < 0 or st.h2d_entry[k]:
            continue
        refused = np.flatnonzero((st.h2d_left[:, k] > 0) & (st.ce_iq[:, c] < 0))
        if len(refused):
            out.append(f"memcpy_h2d streams color {c} into {pe_name(engine, refused[0])}"
                       f"{f' and {len(refused) - 1} more PE(s)' if len(refused) > 1 else ''}, "
                       f"but no input queue there is bound to color {c}: give the PE(s) a data "
                       "task on it (@p.data_task(sys.MEMCPYH2D_n)) or a fabin DSD reading it")
    for pe in stuck_pes(engine)[:SCANNED_PES].tolist():
        for c in np.flatnonzero(st.rb_count[pe]):
            for d in range(1, 5):
                if cur_tx[pe, c] & (1 << d) and neighbour(engine, pe, d) < 0:
                    out.append(f"color {c} on {pe_name(engine, pe)} is routed {SIDES[d]}, off "
                               "the kernel's edge, where nothing takes it: fix its route")
        for q in np.flatnonzero(st.iq_count[pe]):
            reader = _reader(engine, pe, q)
            if st.iq_count[pe, q] >= st.iq_cap[q] and "stalled" not in reader:
                out.append(f"input queue {q} (color {engine.image(pe).iq_color.get(q, -1)}) on "
                           f"{pe_name(engine, pe)} is full and {reader}")
        for s, rows in _threads(engine, pe):
            if s != ops.MAIN and rows[0, ops.KIND] == ops.K_FABOUT and \
                    st.oq_count[pe, rows[0, ops.QUEUE]] >= st.oq_cap[rows[0, ops.QUEUE]]:
                c = _head_color(st, pe, rows[0, ops.QUEUE])
                out.append(f"microthread {s} on {pe_name(engine, pe)} writes color {c}, and "
                           f"nothing drains it: {_drain_end(engine, pe, c)}")
        for s, rows in _threads(engine, pe):
            for k in range(1, ops.OP_NSRC[st.ut_code[pe, s]] + 1):
                q = rows[k, ops.QUEUE]
                if rows[k, ops.KIND] != ops.K_FABIN or st.iq_count[pe, q]:
                    continue
                c = engine.image(pe).iq_color.get(int(q), -1)
                src = where_from(engine, pe, c)
                host = src.startswith("from the host")
                if (host and "running now" not in src) or _on_the_way(engine, pe, c):
                    continue
                who = "the blocking op" if s == ops.MAIN else f"microthread {s}"
                left = st.ut_len[pe, s] - st.ut_pos[pe, s]
                out.append(f"{who} on {pe_name(engine, pe)} waits for {left} more wavelet(s) "
                           f"on color {c} {src}, and none is on its way: "
                           + ("the host sent fewer than its DSD's extent, or has not sent them "
                              "yet" if host else
                              f"nothing outside the kernel sends on color {c}; route it from "
                              "a PE that does" if " or " not in src and "edge" in src else
                              "the senders sent fewer than its DSD's extent, or have not "
                              "started"))
    active = (st.task_state & ACTIVE) > 0
    stalled = active.any(axis=1) & ~(active & ((st.task_state & BLOCKED) == 0)).any(axis=1)
    stalled &= (st.cmd_unblocked == 0) & (st.ut_mask == 0) & ~st.iq_count.any(axis=1)
    for pe in np.flatnonzero(stalled)[:1].tolist():
        names = {t.id: t.name for t in engine.image(pe).tasks if t.kind in ("local", "data")}
        listed = ", ".join(f"'{names.get(i, i)}'" for i in np.flatnonzero(active[pe]))
        out.append(f"{pe_name(engine, pe)} has not called sys.unblock_cmd_stream(), and its "
                   f"pending task(s) {listed} are blocked with nothing left to unblock them "
                   "(pw.unblock)")
    return out


def sync_wait(engine, pe: int, task: str) -> str:
    """The report of a blocking fabric op that can never finish (engine facts only)."""
    lines = [f"{pe_name(engine, pe)}: a blocking (sync) fabric op in task '{task}' waits "
             f"forever: nothing else can move (after {engine.now} simulated cycles)"]
    found = hints(engine, pe)
    if found:
        lines.append("hint: " + found[0])
    fabric_lines = describe_fabric(engine)
    if fabric_lines:
        lines.append("stuck on the fabric:\n" + fabric_lines)
    return "\n".join(lines)
