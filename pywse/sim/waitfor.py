"""Why a stuck run is stuck: the wait-for graph, walked back to its roots.

A DeadlockError or CycleLimitError used to list what waits PE by PE, in PE order: on a big
kernel the first entries were PEs correctly waiting for a later phase, and the PE where the
chain broke was hidden in "... and 56 more". Here every wait becomes a node of a graph (a
`networkx.DiGraph`), with an edge to what it waits for, until a wait is reached whose cause
is not another wait: a task nothing left can activate, a color nothing sends, a host stream
that ended short, wavelets no queue takes. Those are the root causes; the report leads with
them, and counts the PEs that merely wait downstream of each.

Nodes (a tuple, first the kind and the PE):

- ("owe", pe): the PE has not called sys.unblock_cmd_stream() -> the tasks that call it;
- ("run", pe, task, role): the task must run (role "need") or could activate one that must
  (role "activator": an activator that ran and will not run again is not a cause, the task
  it did not activate is) -> what activates or unblocks it, or, for a data task, its color;
- ("op", pe, slot): a DSD op running -> the queues and FIFOs it waits on;
- ("in", pe, color, bit): wavelets of a color must reach the PE's CE (bit 1) or leave it for
  the host (HOST_BIT) -> where the route takes them from (a sender's CE, the host);
- ("out", pe, color): the PE's CE must send a color -> the ops and tasks that write it;
- ("take", pe, color): wavelets wait to enter the CE -> their input queue, if it is full;
- ("unread", pe, queue): an input queue holds wavelets -> who reads it;
- ("fwd", pe, color): wavelets in a router cannot move on -> what is downstream;
- ("host", label): a host command (host/report.py adds them, and what each waits for).

A node that cannot progress and whose cause is no other wait carries `root` (its words, with
"{pe}" for where); one that can still move (a task ready to run, wavelets on their way)
carries `moving` and ends the walk; one that could never work even in a correct run (a route
from the kernel's edge) carries `never`; a task whose activators are left open carries the
words it would have as a root (`fallback`), which rootcause.py decides. Reading only the
engine's arrays and the programs' bodies (dsl/taskrefs.py), it changes nothing.
"""
from __future__ import annotations

import networkx as nx
import numpy as np

from ..dsl.taskrefs import activators, effects
from . import fabric, ops
from .builtins import ACTIVE, BLOCKED
from .report import memcpy_color, neighbour, pe_name, streams_at

SIDES = ("RAMP", "NORTH", "SOUTH", "EAST", "WEST")
MAX_NODES = 20_000     # waits a graph expands at most (a report stays quick on any kernel)
EITHER = {"owe", "run", "in", "out", "take", "unread"}
"""Waits that any one way out ends (a task may be activated by any of its activators); the
others (an op's operands, a multicast's targets, a host command's PEs) need all."""


class Graph:
    """The wait-for graph of one stuck moment: `add_wait(node)` walks from a wait to its
    causes; `pending` holds host commands queued behind the head (label -> (kind, color,
    PEs)), `streamed` the last finished host stream per color (label, PEs, words per PE)."""

    def __init__(self, engine, pending: dict | None = None, streamed: dict | None = None):
        self.eng, self.st = engine, engine.st
        self.g = nx.DiGraph()
        self.pending = pending or {}
        self.streamed = streamed or {}
        self._todo: list = []

    # -- building ---------------------------------------------------------------------------
    def add_wait(self, node, via=None, **attrs) -> None:
        """Walk from `node` (waited for by `via`, if given) to everything it waits for."""
        self._node(node, via, attrs)
        while self._todo and len(self.g) < MAX_NODES:
            self._expand(self._todo.pop())

    def wait(self, a, b, color: int | None = None) -> None:
        """`a` waits for `b` (b across the fabric: through `color`)."""
        self._node(b, a, {"color": color} if color is not None else {})

    def _node(self, node, via, attrs) -> None:
        new = node not in self.g
        self.g.add_node(node, **{k: v for k, v in attrs.items() if k != "color"})
        if via is not None:
            self.g.add_edge(via, node, color=attrs.get("color"))
        if new:
            self._todo.append(node)

    def root(self, node, text: str) -> None:
        self.g.nodes[node]["root"] = text

    def moving(self, node) -> None:
        self.g.nodes[node]["moving"] = True

    def _expand(self, node) -> None:
        kind = node[0]
        if kind != "host":
            getattr(self, "_" + kind)(node, *node[1:])

    # -- a PE owes the host an unblock_cmd_stream() -----------------------------------------
    def _owe(self, node, pe) -> None:
        image = self.eng.image(pe)
        if self.st.rpc_pending[pe]:       # the launch has not reached it yet
            self.moving(node)
            return
        if self.st.ut_code[pe, ops.MAIN]:
            self.wait(node, ("op", pe, ops.MAIN))
            return
        fx = effects(image)
        calls = [t for t in image.tasks if fx[t.name].cmd_stream and t.kind != "export"]
        launched = [t.name for t in image.tasks if t.kind == "export" and self.runs(pe, t.name)
                    and not fx[t.name].cmd_stream]
        if launched and not _starts(image, fx, launched) & {t.name for t in calls} and \
                not any(set(activators(image, t.name)) - {t.name} for t in calls):
            others = (f" ({_quoted(t.name for t in calls)} call{'s' if len(calls) == 1 else ''}"
                      f" it: nothing activates {'it' if len(calls) == 1 else 'them'})"
                      if calls else "")
            self.root(node, f"{{pe}} [{image.program.name}] never calls "
                            f"sys.unblock_cmd_stream(): the launched function "
                            f"{_quoted(launched)} ran, and neither calls it nor activates a "
                            f"task that does{others}; call it at the end of the launched "
                            "function (or of the last task it starts), on every PE")
            return
        for t in calls:
            self.wait(node, ("run", pe, t.name, "need"))
        if not calls:
            launched = [t.name for t in image.tasks if t.kind == "export" and fx[t.name].cmd_stream]
            self.root(node, f"{{pe}} [{image.program.name}] never calls sys.unblock_cmd_stream(): "
                      + (f"only the launched function(s) {_quoted(launched)} call it, on a path "
                         "this PE did not take" if launched else
                         "no task of its program calls it") + "; the launch is done only when "
                      "every PE calls it (at the end of the launched function, or of the last "
                      "task it starts)")

    # -- a task must run ----------------------------------------------------------------------
    def _run(self, node, pe, name, role) -> None:
        image = self.eng.image(pe)
        task = next(t for t in image.tasks if t.name == name)
        if task.kind == "data":
            self._data(node, pe, task, image)
            return
        if task.kind == "control":      # runs when a control wavelet naming it arrives
            for q, c in sorted(image.iq_color.items()):
                if not self.st.iq_count[pe, q]:      # (a queue with data has not got it)
                    self.wait(node, ("in", pe, int(c), 1))
            self.g.nodes[node]["fallback"] = None if role == "activator" else (
                f"{{pe}} [{image.program.name}]: control task '{task.name}' (id {task.id}) "
                "waits for a control wavelet that names it, and none is coming")
            return
        if task.kind != "local":         # launched by the host
            self.moving(node)
            return
        flags = int(self.st.task_state[pe, task.id])
        if flags & ACTIVE and not flags & BLOCKED:
            if self.st.ut_code[pe, ops.MAIN]:
                self.wait(node, ("op", pe, ops.MAIN))
            else:
                self.moving(node)
        elif flags & ACTIVE:
            self._unblockers(node, pe, task, image)
        else:
            self._activators(node, pe, task, image, role)

    def _activators(self, node, pe, task, image, role) -> None:
        live = False
        for s in range(ops.N_SLOTS):
            if self.st.ut_code[pe, s] and self.st.ut_act[pe, s] == task.id:
                self.wait(node, ("op", pe, s))
                live = True
        if live:                          # an op running will: it is what to wait for
            self.g.nodes[node]["fallback"] = "live"
            return
        by = activators(image, task.name)
        kinds = {t.name: t for t in image.tasks}
        if self.runs(pe, task.name) == 0:
            ran_by = [a for a in by if a != task.name and self.runs(pe, a)]
            ran = [a for a in ran_by if kinds[a].kind in ("local", "export") and by[a]]
            text = _never_activated(image, task, {a: by[a] for a in ran_by}, kinds,
                                    skipped=True)
            unran = [a for a in by if a != task.name and kinds[a].kind == "local"
                     and not self.runs(pe, a)]
            launched = any(kinds[a].kind == "export" for a in ran)
            if launched and not unran:
                self.root(node, text)    # the launch ran and did not activate it
                return
            if launched:  # unless a task that never ran was to activate it here
                by = {a: by[a] for a in unran}
                self.g.nodes[node]["skip"] = (text, [])
            elif ran:     # an activator ran and it did not: skipped, once that one is done
                self.g.nodes[node]["skip"] = (text, [("run", pe, a, "activator") for a in ran])
            elif ran_by:  # data tasks ran and did not (yet: their count may be short)
                self.g.nodes[node]["ran_by"] = text
        if not set(by) - {task.name} and self.runs(pe, task.name) == 0:
            self.root(node, _never_activated(image, task, {}, kinds))   # nothing can
            return
        for other in by:
            if other != task.name and kinds[other].kind != "export":
                self.wait(node, ("run", pe, other, "activator"))
        # decided once the activators are (`settle`): if none of them can still run, a
        # needed task is where the chain broke; a possible activator is only a way that ended
        self.g.nodes[node]["fallback"] = None if role == "activator" else \
            _never_activated(image, task, by, kinds, ran=self.runs(pe, task.name) > 0)

    def runs(self, pe, name) -> int:
        """How often task `name` ran on the PEs of `pe`'s program image (the engine counts
        runs per image, not per PE)."""
        if not hasattr(self, "_row_of"):
            self._row_of = {(k, t.name): r for r, (k, t) in enumerate(self.eng._rows)}
        row = self._row_of.get((int(self.eng.pe_image[pe]), name))
        return int(self.st.row_runs[row]) if row is not None else 0

    def _unblockers(self, node, pe, task, image) -> None:
        live = False
        for s in range(ops.N_SLOTS):
            if self.st.ut_code[pe, s] and self.st.ut_unb[pe, s] == task.id:
                self.wait(node, ("op", pe, s))
                live = True
        for other, fx in effects(image).items():
            if other != task.name and (task.name in fx.unblocks or task.name in fx.refers
                                       or fx.any_unblock):
                self.wait(node, ("run", pe, other, "activator"))
        what = "data task" if task.kind == "data" else "task"
        state = "is blocked" if task.kind == "data" else "is activated but blocked"
        self.g.nodes[node]["fallback"] = "live" if live else (
            f"{{pe}} [{image.program.name}]: {what} '{task.name}' {state}, and nothing left "
            "unblocks it (pw.unblock, an op's unblock=): unblock it where it may run")

    def _data(self, node, pe, task, image) -> None:
        chan = self._channel(pe, task.queue, image)
        if chan >= 0 and self.st.task_state[pe, chan] & BLOCKED:
            self._unblockers(node, pe, task, image)
            return
        q = task.queue if task.queue is not None else int(self.st.ce_iq[pe, task.color])
        if q >= 0 and self.st.iq_count[pe, q]:
            self.moving(node)
            return
        self.wait(node, ("in", pe, int(task.color), 1))

    def _channel(self, pe, q, image) -> int:
        for chan, queue, _ in self.eng._channels[self.eng.pe_image[pe]]:
            if queue == q:
                return int(chan)
        return -1

    # -- a DSD op running ---------------------------------------------------------------------
    def _op(self, node, pe, s) -> None:
        st = self.st
        code = int(st.ut_code[pe, s])
        rows = st.ut_opnd[pe, s]
        image = self.eng.image(pe)
        waits = False
        if code == ops.DFILT:
            q = int(rows[1, ops.QUEUE])
            self.wait(node, ("in", pe, image.iq_color.get(q, -1), 1))
            return
        for k in range(ops.OP_NSRC[code] + 1):
            kind, q = int(rows[k, ops.KIND]), int(rows[k, ops.QUEUE])
            if kind == ops.K_FABIN and k > 0 and st.iq_count[pe, q] == 0:
                c = image.iq_color.get(q, -1)
                self.g.nodes[node]["need"] = int(st.ut_len[pe, s] - st.ut_pos[pe, s])
                self.wait(node, ("in", pe, c, 1))
                waits = True
            elif kind == ops.K_FABOUT and k == 0 and st.oq_count[pe, q] >= st.oq_cap[q]:
                c = int(st.oq_wcol[pe, q, st.oq_head[pe, q]])
                self.wait(node, ("fwd", pe, c))
                waits = True
            elif kind == ops.K_FIFO and ((k == 0 and st.fifo_count[pe, q] >= st.fifo_cap[pe, q])
                                         or (k > 0 and st.fifo_count[pe, q] == 0)):
                waits |= self._fifo(node, pe, s, q, pop=k == 0)
        if not waits:
            self.moving(node)

    def _fifo(self, node, pe, s, f, pop: bool) -> bool:
        """The op in slot s waits on FIFO f (full: for an op popping it; empty: pushing)."""
        found = False
        for other in range(ops.N_SLOTS):
            code = int(self.st.ut_code[pe, other])
            if other == s or not code:
                continue
            rows = self.st.ut_opnd[pe, other]
            for k in range(ops.OP_NSRC[code] + 1):
                if rows[k, ops.KIND] == ops.K_FIFO and rows[k, ops.QUEUE] == f and \
                        (k > 0) == pop:
                    self.wait(node, ("op", pe, other))
                    found = True
        if not found:
            self.root(node, f"{{pe}}: FIFO {f} is {'full' if pop else 'empty'} and no op "
                            f"{'pops' if pop else 'pushes'} it")
        return True

    # -- wavelets that must arrive --------------------------------------------------------------
    def _in(self, node, pe, c, bit) -> None:
        """Walk color c upstream from `pe`'s CE (bit 1) or host exit (HOST_BIT) to where it is
        sent from: a CE (an "out" node), the host, or the kernel's edge."""
        st = self.st
        if bit == 1:
            q = int(st.ce_iq[pe, c])
            if q >= 0 and st.iq_count[pe, q]:
                self.moving(node)
                return
            if st.rb_count[pe, c]:        # on its way in, unless held in the router
                self.wait(node, ("fwd", pe, c))
                return
        host = self._from_host(node, pe, c) if bit == 1 else None
        if host is not None:
            return
        seen, todo, found, edges = set(), [(pe, bit)], False, []
        while todo:
            at, want = todo.pop()
            if (at, want) in seen:
                continue
            seen.add((at, want))
            if at != pe and st.rb_count[at, c]:   # on their way, unless held there
                self.wait(node, ("fwd", at, c), color=c)
                found = True
                continue
            sides = 0
            for pos in range(st.sw_npos[at, c]):
                if st.sw_tx[at, c, pos] & want:
                    sides |= int(st.sw_rx[at, c, pos])
            if want == fabric.HOST_BIT and not sides and \
                    memcpy_color(self.eng, c).startswith("MEMCPYD2H"):
                sides = 1                 # memcpy's own D2H route: the CE to the host
            for d in range(5):
                if not sides & (1 << d):
                    continue
                if d == fabric.D_RAMP:
                    found = True
                    self.wait(node, ("out", at, c), color=c if at != pe else None)
                    continue
                src = neighbour(self.eng, at, d)
                if src >= 0:
                    todo.append((src, 1 << fabric.OPPOSITE[d]))
                elif at != pe and self._from_host(node, at, c) is not None:
                    found = True
                else:
                    edges.append(f"the {SIDES[d]} edge at {pe_name(self.eng, at)}")
        if found:
            return
        where = "its CE" if bit == 1 else "the host"
        self.g.nodes[node]["never"] = f"{{pe}} waits for wavelets of color {c}, " + (
            f"which its route takes only from {' and '.join(edges[:2])} of the kernel, where "
            f"nothing sends them: route color {c} from a PE that sends it" if edges else
            f"but no route takes color {c} to {where} there: add one (set_color_config rx/tx)")

    def _from_host(self, node, pe, c):
        """If the host feeds color c into `pe` (a memcpy_h2d stream color, or an input
        stream's port): wait for the host command that will, or say the stream ended short.
        None if the host does not feed it here."""
        st = self.st
        name = memcpy_color(self.eng, c)
        ports = streams_at(self.eng, pe, c, "input")
        if not name.startswith("MEMCPYH2D") and not ports:
            return None
        for k in range(len(st.h2d_color)):
            if st.h2d_color[k] == c and st.h2d_left[pe, k] > 0:
                self.moving(node)
                return True
        for label, (kind, color, pes) in self.pending.items():
            if kind == "h2d" and color == c and (pes is None or pe in pes):
                self.wait(node, ("host", label))
                return True
        what = f"memcpy_h2d (streaming, {name})" if name else \
            f"input stream {ports[0].index} at port {ports[0].port}"
        need = max((self.g.nodes[p].get("need", 0) for p in self.g.predecessors(node)),
                   default=0)
        text = (f"{{pe}} waits for {f'{need} more ' if need else ''}wavelet(s) of color {c} "
                f"from the host ({what}), and no host command streams them now")
        last = self.streamed.get(c)
        if last is not None:
            label, pes, words = last
            text += (f": the last one, {label}, sent it {words} word(s)" if pe in pes else
                     f": the last one, {label}, did not cover it (it streamed to "
                     f"{_span(self.eng, pes)})")
        self.root(node, text + "; the stream is short: send the rest, or expect fewer")
        return True

    # -- wavelets that must be sent, taken or moved on --------------------------------------------
    def _out(self, node, pe, c) -> None:
        st = self.st
        image = self.eng.image(pe)
        queues = [q for q in image.oq_color if c in image.queue_colors(q)]
        if st.rb_count[pe, c] or any(st.oq_count[pe, q] for q in queues):
            self.moving(node)
            return
        live = False
        for s in range(ops.N_SLOTS):
            rows = st.ut_opnd[pe, s]
            if st.ut_code[pe, s] and rows[0, ops.KIND] == ops.K_FABOUT and \
                    rows[0, ops.QUEUE] in queues:
                self.wait(node, ("op", pe, s))
                live = True
        senders = [n for n, fx in effects(image).items() if c in fx.sends]
        kinds = {t.name: t.kind for t in image.tasks}
        for name in senders:
            if kinds[name] != "export":
                self.wait(node, ("run", pe, name, "activator"))
        if not senders and not live:
            self.g.nodes[node]["never"] = (
                f"{{pe}} [{image.program.name}] is to send wavelets of color {c}, but no task "
                f"of its program writes color {c} (a fabout DSD): send them from there, or "
                f"route color {c} from a PE that does")
            return
        unlaunched = [n for n in senders if kinds[n] == "export" and not self.runs(pe, n)]
        if unlaunched and not live:
            self.g.nodes[node]["spent"] = (
                f"{{pe}} [{image.program.name}] sends nothing on color {c}: the launched "
                f"function {_quoted(unlaunched)}, which would, has not been launched (host "
                "commands run in issue order: launch it before the command that waits for "
                "its wavelets)")
        elif not live:
            self.g.nodes[node]["spent"] = (
                f"{{pe}} [{image.program.name}] sends nothing more on color {c}: "
                f"{_quoted(senders)}, which would, will not run again; something must send "
                f"color {c} here")

    def _take(self, node, pe, c) -> None:
        st = self.st
        image = self.eng.image(pe)
        q = int(st.ce_iq[pe, c])
        if q < 0:
            self.root(node, f"wavelets of color {c} reach the CE of {{pe}} [{image.program.name}], "
                            f"but no input queue there is bound to color {c} (no data task, "
                            f"no fabin DSD): bind a data task to color {c}, or take RAMP out "
                            "of its route")
            return
        if st.iq_count[pe, q] < st.iq_cap[q]:
            self.moving(node)
        else:
            self.wait(node, ("unread", pe, q))

    def _unread(self, node, pe, q) -> None:
        """Input queue q holds wavelets: who reads it (an op, its data task, a task that
        starts a fabin op on it)?"""
        st = self.st
        image = self.eng.image(pe)
        c = image.iq_color.get(q, -1)
        live = False
        for s in range(ops.N_SLOTS):
            code = int(st.ut_code[pe, s])
            rows = st.ut_opnd[pe, s]
            if code and any(rows[k, ops.KIND] == ops.K_FABIN and rows[k, ops.QUEUE] == q
                            for k in range(1, ops.OP_NSRC[code] + 1)):
                self.wait(node, ("op", pe, s))
                live = True
        fx = effects(image)
        readers = []
        for t in image.tasks:
            if t.kind == "data" and t.queue == q:
                self.wait(node, ("run", pe, t.name, "need"))
                live = True
            elif t.kind in ("local", "control") and c in fx[t.name].reads:
                self.wait(node, ("run", pe, t.name, "activator"))
                readers.append(t.name)
        self.g.nodes[node]["fallback"] = "live" if live else (
            f"input queue {q} of {{pe}} [{image.program.name}] holds wavelets of color {c} "
            "that nothing reads: no data task is bound to it, and "
            + (f"{_quoted(readers)}, which read it with a fabin DSD, will not run again"
               if readers else "no task reads it with a fabin DSD")
            + f": bind a data task to color {c}, or read it")

    def _fwd(self, node, pe, c) -> None:
        """Wavelets of color c in `pe`'s router (or output queue) cannot move on."""
        st = self.st
        tx = int(st.sw_tx[pe, c, st.sw_cur[pe, c]])
        if st.tip[pe, c] & fabric.TIP_ON:
            self.root(node, f"color {c} is in teardown on {{pe}} (its program leaves it with "
                            "<tile_config>'s teardown.exit, from a teardown handler)")
            return
        if not tx:
            self.root(node, f"on {{pe}} the route of color {c} (position {st.sw_cur[pe, c]}) "
                            "sends wavelets nowhere (no tx)")
            return
        if tx & 1:
            self.wait(node, ("take", pe, c))
        if tx & fabric.HOST_BIT:
            self._to_host(node, pe, c)
        for d in range(1, 5):
            if not tx & (1 << d):
                continue
            npe = neighbour(self.eng, pe, d)
            side = fabric.OPPOSITE[d]
            pos = int(st.sw_cur[npe, c]) if npe >= 0 else 0
            if npe < 0:
                if st.config[fabric.CFG_CAPTURE_EDGES]:
                    continue        # taken there and counted lost (reported as such), no wait
                self.root(node, f"color {c} on {{pe}} is routed {SIDES[d]}, off the kernel's "
                                "edge, where nothing takes it: fix its route")
            elif st.rb_count[npe, c] >= fabric.ROUTER_DEPTH:
                self.wait(node, ("fwd", npe, c), color=c)
            elif st.sw_npos[npe, c] > 1 and not (st.sw_rx[npe, c, pos] >> side) & 1:
                self.root(node, f"wavelets of color {c} wait on {{pe}} for the switch of "
                                f"{pe_name(self.eng, npe)}, at position {pos}, which does not "
                                f"take them from the {SIDES[side]}: the control wavelet that "
                                "would move it on (SWITCH_ADV) has not come")
            else:
                self.moving(node)

    def _to_host(self, node, pe, c) -> None:
        st = self.st
        if any(st.d2h_color[k] == c and st.d2h_left[pe, k] > 0 for k in range(len(st.d2h_color))):
            self.moving(node)
            return
        for label, (kind, color, pes) in self.pending.items():
            if kind == "d2h" and color == c and (pes is None or pe in pes):
                self.wait(node, ("host", label))
                return
        self.root(node, f"{{pe}} sends color {c} to the host, and no host command collects it "
                        "(no memcpy_d2h streaming or receive on it is running or queued)")


def _starts(image, fx: dict, names) -> set:
    """The tasks that the tasks `names` start, directly or through the tasks they start
    (data tasks, which their wavelets start, included: a launch may send them)."""
    by_id = {t.id: t.name for t in image.tasks if t.kind == "local"}
    seen = {t.name for t in image.tasks if t.kind in ("data", "control")}
    todo = list(names) + list(seen)
    while todo:
        f = fx[todo.pop()]
        if f.any_activate:
            return set(fx)
        named = set(f.activates) | set(f.refers) | {by_id[i] for i in f.ids if i in by_id}
        if f.callbacks:
            named |= set(fx)
        for n in named - seen:
            seen.add(n)
            todo.append(n)
    return seen


def _quoted(names) -> str:
    return ", ".join(f"'{n}'" for n in names)


def _span(engine, pes) -> str:
    ys, xs = np.divmod(np.asarray(pes, np.int64), engine.width)
    return f"PE ({xs.min()}, {ys.min()}) to PE ({xs.max()}, {ys.max()})"


def _never_activated(image, task, by: dict, kinds: dict, skipped: bool = False,
                     ran: bool = False) -> str:
    """Why a needed local task never runs on a PE: what could activate it, and why not
    (`skipped`: the activators `by` ran here and did not activate it; `ran`: it ran on some
    PE of its program before)."""
    short = task.name.split(".")[-1]
    head = (f"{{pe}} [{image.program.name}]: task '{task.name}' "
            + ("is not activated again" if ran else "never ran"))
    if not by:
        return (head + f": nothing in program '{image.program.name}' activates it (no "
                f"pw.activate({short}), no op with activate={short}, not @p.on_start); "
                "activate it where its work should start")
    said = []
    for name, line in by.items():
        what = "the launched function" if kinds[name].kind == "export" else "task"
        said.append(f"{what} '{name}'" + (f" (line {line})" if line else ""))
    if skipped:
        return (head + f", though {' and '.join(said)}, which may activate it, ran: a path "
                f"that skips pw.activate({short}) or activate={short}? Activate it on every "
                "path that needs it")
    return (head + f": only {', '.join(said)} may activate it, and none of them will run "
            "again; activate it where its work should start")
