"""DeadlockError and CycleLimitError reports: the host commands' side, then the device's.

A report leads with its root causes: the wait-for graph (sim/waitfor.py) from what the host
waits for (the PEs a launch needs an unblock_cmd_stream() from, the words a stream has yet
to hand over or collect) back to what never happened (a task nothing activates, a stream
that ended short, wavelets nothing takes), with the PEs that merely wait downstream of each
counted under it; host commands that wait on each other come first. Then the waiting host
command and how far it got, the commands queued behind it, the PEs that owe the host an
unblock_cmd_stream() and what is stuck on the fabric PE by PE (sim/report.py: what each
waits for and from where), the root causes' PEs first.
"""
from __future__ import annotations

import numpy as np

from ..sim import fabric, ops, rootcause, waitfor
from ..sim import report as device
from ..sim.builtins import ACTIVE
from .commands import Launch
from .memcpy import CopyH2D, StreamD2H, StreamH2D
from .streams import StreamReceive, StreamSend

SERIAL = "host commands run one at a time, in issue order"
SIMPRINT_SHOWN = 10     # the last <simprint> lines a report quotes


def _waiting(head, state: str = "still waiting", what: str = "host command") -> str:
    progress = getattr(head.command, "progress", None)
    text = f"{what} {head.label} is {state}"
    return text + (f": {progress()}" if progress is not None and head.started else "")


def _queue_lines(queue, what: str, state: str) -> list[str]:
    """A command queue's head and how far it got, then the commands queued behind it."""
    lines = [_waiting(queue[0], state, what)]
    if len(queue) > 1:
        lines.append("  queued behind it: " + ", ".join(h.label for h in list(queue)[1:]))
    return lines


def build(rt, first: str, more=(), sync_pe: int = -1, hint: bool = True) -> str:
    """`first`, the root causes, then the waiting host commands, the hint (when no root
    cause is found), `more`, and what is stuck."""
    eng = rt.engine
    st = eng.st
    lines = [first]
    head = rt._queue[0] if rt._queue else None
    if head is not None and sync_pe < 0:
        lines[0] += ", but " + _waiting(head)
    serial = serial_hint(rt) if hint else None
    roots, root_pes = causes(rt, sync_pe)
    lines += (["root cause: " + serial] if serial else []) + roots
    if head is not None:
        if sync_pe >= 0:
            lines.append(_waiting(head))
        later = [h.label for h in list(rt._queue)[1:]]
        if later:
            lines.append("queued behind it: " + ", ".join(later))
    for queue in rt._stream_queues.values():
        if queue:
            lines += _queue_lines(queue, "host stream command", "still waiting")
    if hint and not serial and not roots:
        found = [h for h in (host_hint(rt),) if h] + device.hints(eng, sync_pe)
        if found:
            lines.append("hint: " + found[0])
    shown = set()
    if head is not None:
        waiting = np.flatnonzero(st.cmd_unblocked == 0)
        if len(waiting):
            lines.append(f"{len(waiting)} PE(s) have not called sys.unblock_cmd_stream() "
                         "since the launch:")
        idle_pes = device.idle_mask(eng)
        waiting = device.first(waiting, root_pes)
        for pe in waiting[:device.MAX_LISTED_PES].tolist():
            idle = "; nothing left to run" if idle_pes[pe] else ""
            lines.append("  " + eng.describe(pe) + idle)
            shown.add(pe)
        if len(waiting) > device.MAX_LISTED_PES:
            lines.append(f"  ... and {len(waiting) - device.MAX_LISTED_PES} more")
    lines += more
    stuck = eng.describe_fabric(tasks_shown=shown, lead=root_pes)
    if stuck:
        lines.append("stuck on the fabric:\n" + stuck)
    printed = rt.simprint_lines()
    if printed:         # what the program said before it stopped (<simprint>)
        lines.append(f"the last <simprint> lines (all {len(printed)}: runner.simprint_lines()):")
        lines += [f"  @{cycle} {text}" for cycle, _, _, text in printed[-SIMPRINT_SHOWN:]]
    return "\n".join(lines)


def snapshot(rt) -> str:
    """`runner.snapshot()`: the cycle, each queue's waiting command and how far it got, the
    PEs that owe an unblock_cmd_stream(), and what is on the fabric PE by PE."""
    eng = rt.engine
    lines = [f"at cycle {eng.now:,} (runner.cycles {rt.cycles:,})"]
    for queue in rt._queues():
        if queue:
            lines += _queue_lines(queue, "host command", "running" if queue[0].started
                                  else "on its way to the device")
    if len(lines) == 1:
        lines.append("no host command is pending")
    owing = np.flatnonzero(eng.st.cmd_unblocked == 0)
    if rt._queue and isinstance(rt._queue[0].command, Launch) and len(owing):
        lines.append(f"{len(owing)} PE(s) have not called sys.unblock_cmd_stream() yet")
    fabric = eng.describe_fabric()
    lines.append("on the fabric:\n" + fabric if fabric else
                 "nothing on the fabric (no wavelet in a router or queue, no async op running)")
    return "\n".join(lines)


def deadlock(rt, sync=None) -> str:
    """Nothing can move while a host command waits (`sync`: (pe, task) of a blocking op that
    can never finish, whose own first line leads)."""
    if sync is not None:
        pe, task = sync
        first = (f"{device.pe_name(rt.engine, pe)}: a blocking (sync) fabric op in task "
                 f"'{task}' waits forever: nothing else can move (after {rt.cycles} "
                 "simulated cycles)")
        return build(rt, first, sync_pe=pe)
    return build(rt, f"no PE can make progress (after {rt.cycles} simulated cycles)")


def limit(rt, budget: str = "") -> str:
    """Why a run stopped at its budget (`budget` names it; default: the runtime's)."""
    eng = rt.engine
    busy = np.flatnonzero((eng.st.task_state & ACTIVE).any(axis=1))
    lines = [f"{len(busy)} PE(s) still have tasks to run:"] if len(busy) else []
    lines += ["  " + eng.describe(int(pe), stuck=False) for pe in busy[:device.MAX_LISTED_PES]]
    if len(busy) > device.MAX_LISTED_PES:
        lines.append(f"  ... and {len(busy) - device.MAX_LISTED_PES} more")
    budget = budget or f"{rt.max_cycles} cycles (max_cycles / PYWSE_MAX_CYCLES)"
    lines.append("raise the budget if the program is just long; a task that activates itself "
                 "forever never ends")
    return build(rt, f"the run reached its budget of {budget} at cycle {rt.cycles} with work "
                 "left", lines, hint=False)


def finished(rt, head) -> None:
    """A host command is done: remember the last stream into each color (label, PEs, words
    per PE), so a stuck run's report can say what it sent to a PE that waits for more."""
    cmd = head.command
    if isinstance(cmd, StreamH2D):
        rt.streamed[cmd.color] = (head.label, cmd.pes, int(cmd.words.shape[2]))
    elif isinstance(cmd, StreamSend):
        rt.streamed[int(cmd.spec.color)] = (head.label, cmd.pes, int(cmd.words.size))


def _demand(cmd):
    """What a host command needs of the device: (kind, color, its PEs), kind "h2d" or
    "d2h" (other commands: None)."""
    if isinstance(cmd, StreamH2D):
        return "h2d", cmd.color, cmd.pes
    if isinstance(cmd, StreamSend):
        return "h2d", int(cmd.spec.color), cmd.pes
    if isinstance(cmd, StreamD2H):
        return "d2h", cmd.color, cmd.pes
    if isinstance(cmd, StreamReceive):
        return "d2h", int(cmd.spec.color), cmd.pes
    return None


def causes(rt, sync_pe: int = -1) -> tuple[list[str], list[int]]:
    """The root-cause lines (sim/waitfor.py) from what the waiting host commands (and a
    blocking op on `sync_pe`) need, and the root causes' PEs."""
    eng = rt.engine
    st = eng.st
    pending = {}
    for queue in rt._queues():
        for h in list(queue)[1:]:
            need = _demand(h.command)
            if need is not None:
                pending[h.label] = need
    graph = waitfor.Graph(eng, pending, rt.streamed)
    sources = []
    for queue in rt._queues():
        if not queue or not queue[0].started:
            continue
        head = queue[0]
        node = ("host", head.label)
        graph.g.add_node(node)
        sources.append(node)
        for h in list(queue)[1:]:            # one at a time: what is queued waits for the head
            graph.g.add_edge(("host", h.label), node)
        cmd = head.command
        if isinstance(cmd, Launch):
            for pe in _some(np.flatnonzero(st.cmd_unblocked == 0)):
                graph.add_wait(("owe", pe), via=node)
            continue
        need = _demand(cmd)
        if need is None:
            continue
        kind, c, pes = need
        for pe in _some(pes):
            if kind == "h2d":
                k = next((k for k in range(len(st.h2d_color)) if st.h2d_color[k] == c), -1)
                if k >= 0 and st.h2d_left[pe, k] > 0:
                    graph.add_wait(("fwd", pe, c) if st.h2d_entry[k] else ("take", pe, c),
                                   via=node)
            elif any(st.d2h_color[k] == c and st.d2h_left[pe, k] > 0
                     for k in range(len(st.d2h_color))):
                graph.add_wait(("in", pe, c, fabric.HOST_BIT), via=node)
    if sync_pe >= 0:
        graph.add_wait(("op", sync_pe, ops.MAIN))
        sources.append(("op", sync_pe, ops.MAIN))
    lines = rootcause.explain(graph, sources, rootcause.device_waits(graph))
    return lines, rootcause.root_pes(graph)


WALKED_PES = 4096      # waiting PEs a report walks from (evenly spread over the rest)


def _some(pes: np.ndarray) -> list[int]:
    """At most WALKED_PES of `pes`, evenly spread (a root cause is reached from any PE
    that waits for it, so a sample finds it on a kernel of a million PEs too)."""
    if len(pes) > WALKED_PES:
        pes = pes[np.linspace(0, len(pes) - 1, WALKED_PES).astype(np.int64)]
    return pes.tolist()


def serial_hint(rt) -> str | None:
    """The cause when it lies in the order of host commands (a command waits for the device,
    which waits for a command queued behind it), or None."""
    text = host_hint(rt)
    return text if text is not None and text.startswith(SERIAL) else None


def host_hint(rt) -> str | None:
    """The likely cause when it lies in the order of host commands, or None."""
    if not rt._queue:
        return None
    eng, st = rt.engine, rt.engine.st
    head, behind = rt._queue[0], list(rt._queue)[1:]
    cmd = head.command
    if isinstance(cmd, StreamH2D):
        short = cmd.pes[st.h2d_left[cmd.pes, cmd.k] > 0]
        if (st.ce_iq[short, cmd.color] < 0).any():
            return None                      # not taken at all: the device's hint says why
        for h in behind:
            if isinstance(h.command, StreamD2H) and _color_pending(eng, h.command.color):
                return (f"{SERIAL}: {head.label} is done only once the PEs have taken all its "
                        f"wavelets, and they stopped taking them because what they send on "
                        f"color {h.command.color} has nowhere to go until {h.label}, queued "
                        "behind it, collects it; let the kernel take the whole H2D first "
                        "(buffer it, e.g. in a FIFO as pipeline-02 does) or stream less per "
                        "command")
            if isinstance(h.command, Launch):
                return (f"{SERIAL}: {head.label} is done only once the PEs have taken all its "
                        f"wavelets, and nothing takes them before {h.label}, queued behind "
                        "it, runs; issue the launch first, or have a data task (or a task "
                        "activated at start) read the stream")
        return None
    if isinstance(cmd, StreamD2H):
        for h in behind:
            if isinstance(h.command, (StreamH2D, CopyH2D, Launch)):
                return (f"{SERIAL}: {head.label} waits for wavelets the PEs have not sent, and "
                        f"{h.label}, queued behind it, cannot start before it ends; if the PEs "
                        "need it to send them, issue the memcpy_d2h after it (nonblock=True "
                        "lets the host script go on, it does not reorder the device's commands)")
        if not _color_pending(eng, cmd.color):
            return (f"{head.label} expects {cmd.l} wavelet(s) from each of its {len(cmd.pes)} "
                    f"PE(s) on color {cmd.color}, but nothing on the device sends on color "
                    f"{cmd.color}: a task must write them (a fabout DSD on that MEMCPYD2H "
                    "color), started by a launch issued before the memcpy_d2h")
        return None
    if isinstance(cmd, Launch):
        waiting = np.flatnonzero(st.cmd_unblocked == 0)
        for h in behind:
            c = getattr(h.command, "color", None)
            if c is None:
                continue
            reading = [c in image.iq_color.values() for image in eng.images]
            reads = waiting[np.array(reading, bool)[eng.pe_image[waiting]]]
            writes = waiting[device.sends_mask(eng, c)[waiting]]
            if isinstance(h.command, StreamH2D) and len(reads):
                return (f"{SERIAL}: {head.label} is done only when every PE has called "
                        f"sys.unblock_cmd_stream(), but {len(reads)} PE(s) wait for the "
                        f"wavelets of {h.label}, queued behind it, which cannot start before "
                        "that; call sys.unblock_cmd_stream() before waiting for streamed data "
                        "(at the end of the launched function, not in the task that runs once "
                        "the data is in)")
            if isinstance(h.command, StreamD2H) and len(writes):
                return (f"{SERIAL}: {head.label} is done only when every PE has called "
                        f"sys.unblock_cmd_stream(), but {len(writes)} PE(s) wait to send "
                        f"wavelets that only {h.label}, queued behind it, collects; call "
                        "sys.unblock_cmd_stream() before waiting for the send to finish")
        idle = waiting[device.idle_mask(eng)[waiting]].tolist()
        if idle:
            named = ", ".join(device.pe_name(eng, pe) for pe in idle[:3])
            more = f" and {len(idle) - 3} more" if len(idle) > 3 else ""
            return (f"{len(idle)} PE(s) ({named}{more}) ran {head.label} and have nothing left "
                    "to run, but never called sys.unblock_cmd_stream(): the launch is done "
                    "only when every PE calls it (at the end of the launched function, or of "
                    "the last task it starts; idle PEs too)")
    return None


def _color_pending(eng, c: int) -> bool:
    """Are wavelets of color c waiting anywhere, or about to be sent?"""
    return bool(device.sends_mask(eng, c).any())
