"""A stuck run's root causes, in words: the wait-for graph (waitfor.py) decided and read.

`settle` decides every wait of the graph: moving, done (a way that ended), never (a way that
could not work even in a correct run), a root cause, or stuck behind another wait; waits
that wait on each other all round are broken where a task never ran though what activates
it did. `explain` turns the root causes the host's waits lead to into the report's first
lines, PEs stuck alike in one, each followed by the PEs that merely wait downstream of it.
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from .builtins import ACTIVE, BLOCKED
from .report import SCANNED_PES, pe_name, stuck_pes
from .waitfor import EITHER, Graph, _quoted


def settle(graph: Graph) -> None:
    """Decide every wait: "moving" (it can still progress), "done" (a possible activator
    that ran: not where the chain broke), "never" (a way that could not work even in a
    correct run: a route from the kernel's edge, a color no task writes), "root" (a
    cause), or stuck (it waits for a stuck wait). An either-or wait moves if any way out
    moves; one whose ways out are all done or never is a root cause with its own words
    (`fallback`: a task nothing left activates), done (an activator that ran) or never
    itself. A wait that needs all it waits for (an op, a multicast, a host command)
    makes a never-wait of its own a root cause."""
    g = graph.g
    status = {}
    for n, data in g.nodes(data=True):
        for state in ("moving", "root", "never", "done"):
            if data.get(state):
                status[n] = state
                break
    changed = True
    while changed:
        changed = False
        for n, data in g.nodes(data=True):
            if n in status:
                continue
            succ = list(g.successors(n))
            told = [status.get(s) for s in succ]
            if n[0] not in EITHER:
                if succ and all(t == "moving" for t in told):
                    status[n] = "moving"
                    changed = True
                for s, t in zip(succ, told):
                    if t == "never":
                        status[s] = "root"
                        g.nodes[s]["root"] = g.nodes[s]["never"]
                        changed = True
                continue
            if "moving" in told:
                status[n] = "moving"
            elif "skip" in data and data["skip"][1] and all(
                    status.get(a) in ("done", "never") for a in data["skip"][1]):
                status[n] = "root"            # what activates it ran, and is done
                data["root"] = data["skip"][0]
            elif all(t in ("done", "never") for t in told):
                fallback = data.get("fallback")
                if "skip" in data:            # the launch ran; nothing else will
                    status[n] = "root"
                    data["root"] = data["skip"][0]
                elif n[0] == "run" and n[3] == "activator":
                    status[n] = "done"        # a way that ended: not where it broke
                elif "spent" in data:
                    status[n] = "never"       # nothing more comes from there
                    data["never"] = data["spent"]
                elif fallback not in (None, "live"):
                    status[n] = "root"
                    data["root"] = fallback
                else:
                    status[n] = "never"
                    data["never"] = _inherit(graph, n, next(
                        (s for s, t in zip(succ, told) if t == "never"), None))
            else:
                continue
            changed = True
        if not changed:
            changed = _break_cycles(graph, status)
    graph.status = status


def _inherit(graph: Graph, n, child) -> str:
    """The words of a wait that can never end because `child` cannot: the child's, said
    at its PE (and, for wavelets a PE waits for, how many)."""
    if child is None:
        return ""
    text = graph.g.nodes[child]["never"]
    if child[1] != n[1]:
        text = text.replace("{pe}", pe_name(graph.eng, child[1]))
    if n[0] == "in" and child[1] != n[1]:
        need = max((graph.g.nodes[p].get("need", 0) for p in graph.g.predecessors(n)),
                   default=0)
        text = (f"{{pe}} waits for {f'{need} more ' if need else ''}wavelet(s) of color "
                f"{n[2]}, and " + text)
    return text


def _break_cycles(graph: Graph, status: dict) -> bool:
    """Waits that wait on each other all round (PE A's task waits for PE B's wavelets,
    which wait for A's): in each such cycle that waits on nothing else, the break is a
    task that never ran on its program's PEs though a task that activates it did (a
    dropped activation), else one whose data tasks ran without activating it, else a
    needed task that never ran; a cycle with none of these is done (its waits wait only
    on each other). False if there is no such cycle."""
    g = graph.g
    open_ = g.subgraph([n for n in g if n not in status])
    closed = [scc for scc in nx.strongly_connected_components(open_) if len(scc) > 1
              and all(s in scc for n in scc for s in open_.successors(n))]
    found = False
    for scc in [c for c in closed if any(n[0] == "host" for n in c)]:
        status.update(dict.fromkeys(scc, "done"))   # host commands in order: serial_hint
        closed.remove(scc)
        found = True
    for scc in closed:
        runs = [n for n in scc if n[0] == "run"]
        chosen = [(n, g.nodes[n]["skip"][0]) for n in runs if "skip" in g.nodes[n]] or \
            [(n, g.nodes[n]["ran_by"]) for n in runs if "ran_by" in g.nodes[n]] or \
            sorted((n, g.nodes[n]["fallback"]) for n in runs if graph.runs(n[1], n[2]) == 0
                   and g.nodes[n].get("fallback") not in (None, "live"))[:1]
        for n, text in chosen:
            status[n] = "root"
            g.nodes[n]["root"] = text
            found = True
    if not found:
        for scc in closed:            # waits only on each other, and none is a cause
            if not _never_started(graph, scc, status):
                status.update(dict.fromkeys(scc, "done"))
            found = True
    return found


def _never_started(graph: Graph, scc, status: dict) -> bool:
    """A cycle of tasks that activate only each other (through wavelets too) where none
    ever ran: nothing started it. The root cause, on each PE, is the first of them."""
    by_pe: dict = {}
    for n in scc:
        if n[0] == "run":
            by_pe.setdefault(n[1], set()).add(n[2])
    if not by_pe or any(n[0] == "run" and graph.runs(n[1], n[2]) for n in scc):
        return False
    for pe, names in by_pe.items():
        image = graph.eng.image(pe)
        first = min(names)
        n = next(n for n in scc if n[0] == "run" and n[1] == pe and n[2] == first)
        status[n] = "root"
        graph.g.nodes[n]["root"] = (
            f"{{pe}} [{image.program.name}]: tasks {_quoted(sorted(names))} activate only "
            "each other (through their wavelets too), and none of them ever ran: start "
            "one of them (pw.activate in the launched function, @p.on_start)")
    return True


def roots(graph: Graph, sources) -> list:
    """The root-cause nodes the waits `sources` lead to through stuck waits and other
    root causes (a source that could never work is a root cause itself)."""
    status = graph.status
    for n in sources:
        if status.get(n) == "never":
            status[n] = "root"
            graph.g.nodes[n]["root"] = graph.g.nodes[n]["never"]
    seen, todo = set(), [n for n in sources if n in graph.g]
    while todo:
        n = todo.pop()
        if n in seen or status.get(n) in ("moving", "done", "never"):
            continue
        seen.add(n)
        todo += list(graph.g.successors(n))    # below a root too: a deeper one may be it
    graph.reached = seen
    return [n for n in seen if status.get(n) == "root"]


# -- in words -------------------------------------------------------------------------------------


SHOWN_ROOTS = 3       # root causes a report names (the rest are counted)

SHOWN_PES = 3         # PEs a line names (the rest are counted)


def device_waits(graph: Graph) -> list:
    """What waits on the device when no host command does (a harness run, a blocking op
    alone): its ops, wavelets held in routers and queues, tasks activated but blocked."""
    eng, st = graph.eng, graph.st
    found = []
    for pe in stuck_pes(eng)[:SCANNED_PES].tolist():
        found += [("op", pe, s) for s in np.flatnonzero(st.ut_code[pe]).tolist()]
        found += [("fwd", pe, c) for c in np.flatnonzero(st.rb_count[pe]).tolist()]
        image = eng.image(pe)
        found += [("unread", pe, q) for q in np.flatnonzero(st.iq_count[pe]).tolist()
                  if q in image.iq_color]
    active = (st.task_state & ACTIVE) > 0
    for pe in np.flatnonzero(active.any(axis=1))[:SCANNED_PES].tolist():
        names = {t.id: t.name for t in eng.image(pe).tasks if t.kind == "local"}
        found += [("run", pe, names[i], "need") for i in np.flatnonzero(active[pe]).tolist()
                  if i in names and st.task_state[pe, i] & BLOCKED]
    for node in found:
        graph.add_wait(node)
    return found


def root_pes(graph: Graph) -> list[int]:
    """The PEs of the root causes `explain` found, in its order."""
    return list(getattr(graph, "root_order", []))


def explain(graph: Graph, sources, extra=()) -> list[str]:
    """The report's first lines: each root cause the waits `sources` lead to ("root cause:
    ..."; PEs stuck alike share one), most waited-for first, then those only the waits
    `extra` lead to; under each, the PEs that merely wait downstream of it, by the PE and
    color they wait through."""
    settle(graph)
    told = []
    found = set()
    for rank, waits in enumerate((sources, extra)):
        groups: dict = {}
        for n in roots(graph, waits):
            if n not in found:
                found.add(n)
                groups.setdefault((graph.g.nodes[n]["root"], n[0]), []).append(n)
        for (text, _), nodes in groups.items():
            pes = sorted({n[1] for n in nodes})
            behind = _downstream(graph, nodes, set(pes))
            weight = len(pes) + sum(len(w) for _, w in behind.values())
            told.append((rank, -weight, pes[0], text, pes, behind))
    told.sort(key=lambda t: t[:3])
    lines = []
    graph.root_order = [pe for t in told for pe in t[4]]
    for _, _, _, text, pes, behind in told[:SHOWN_ROOTS]:
        who = _pes(graph.eng, pes, "alike")
        lines.append("root cause: " + text.replace("{pe}", who))
        for c, (via, waiting) in sorted(behind.items(), key=lambda kv: -len(kv[1][1])):
            through = "" if c is None else \
                f" {_pes(graph.eng, sorted(via), None)} through color {c}"
            lines.append(f"  then {len(waiting)} PE(s) wait for{through or ' it'} (a later "
                         f"phase): {_pes(graph.eng, sorted(waiting), None)}")
    if len(told) > SHOWN_ROOTS:
        lines.append(f"  ... and {len(told) - SHOWN_ROOTS} more root cause(s) of other PEs")
    return lines


def _downstream(graph: Graph, nodes, root_pes: set) -> dict:
    """color -> (the PEs it comes from, the PEs that wait for these root nodes through it):
    the last hop across the fabric before the root (None: no hop across it)."""
    g = graph.g
    label = {n: None for n in nodes}
    todo = list(nodes)
    while todo:
        v = todo.pop(0)
        for u in g.predecessors(v):
            if u in label or u not in graph.reached:
                continue
            c = g.edges[u, v].get("color")
            label[u] = label[v] if label[v] is not None or c is None else (v[1], c)
            todo.append(u)
    out: dict = {}
    seen = set(root_pes)
    for n, lab in label.items():          # nearest first: a PE reached two ways counts once
        if n[0] != "host" and n[1] not in seen:
            seen.add(n[1])
            via, c = lab or (None, None)
            froms, waiting = out.setdefault(c, (set(), set()))
            froms.update(() if via is None else (via,))
            waiting.add(n[1])
    return out


def _pes(engine, pes, alike: str | None) -> str:
    """'PE (3, 2)', or 'PE (3, 2) and 7 more PE(s) alike (PE (4, 2), ...)'."""
    named = ", ".join(pe_name(engine, p) for p in pes[1:1 + SHOWN_PES])
    more = ", ..." if len(pes) > 1 + SHOWN_PES else ""
    if alike is None:
        return ", ".join(pe_name(engine, p) for p in pes[:SHOWN_PES]) + (
            f" and {len(pes) - SHOWN_PES} more" if len(pes) > SHOWN_PES else "")
    if len(pes) == 1:
        return pe_name(engine, pes[0])
    return f"{pe_name(engine, pes[0])} and {len(pes) - 1} more PE(s) {alike} ({named}{more})"
