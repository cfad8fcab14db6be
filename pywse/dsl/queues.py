"""Queues: which input and output queue each color a PE reads or writes goes through.

CSL binds queues with `@initialize_queue` (wse3) or lets the compiler pick them (wse2); a
program in pywse binds them with `p.input_queue(q, color)` / `p.output_queue(q, color)` or
leaves the choice to `bind_queues`, which runs when the program's image is made. An async op
runs on the microthread of its first fabric operand's queue, and input queue *q* and output
queue *q* share microthread *q*: so an automatic choice prefers a queue id that no other color
uses in either direction, and two async ops of different colors never meet on one microthread
because pywse chose their queues.
"""
from __future__ import annotations

import inspect

import attrs

from ..errors import ProgramError, def_site
from . import modules
from .dsd import FABIN, FABOUT, DsdVar, FabDesc

MEMCPY_IQS = {"wse2": (0,), "wse3": (0, 1)}   # input queues memcpy reserves
MEMCPY_OQS = (0,)                              # output queue memcpy reserves


@attrs.frozen
class Queue:
    """An input or output queue bound to a color (`p.input_queue` / `p.output_queue`)."""

    kind: int
    id: int
    color: int

    @property
    def name(self) -> str:
        return "input" if self.kind == FABIN else "output"


def kind_name(kind: int) -> str:
    return "input" if kind == FABIN else "output"


def queue_count(kind: int, arch: str) -> int:
    """Queues of one kind a PE has: 8 input queues; 6 output queues on wse2, 8 on wse3."""
    return 8 if kind == FABIN or arch == "wse3" else 6


def reserved_queues(kind: int, arch: str, memcpy: bool) -> tuple[int, ...]:
    """The queues memcpy takes on a PE that uses it (none without memcpy: SdkLayout)."""
    if not memcpy:
        return ()
    return MEMCPY_IQS[arch] if kind == FABIN else MEMCPY_OQS


def check_queue(q: int | None, kind: int, arch: str, memcpy: bool, where: str) -> None:
    """A queue id the user gave: in range for the arch and not one memcpy reserves."""
    if q is None:
        return
    top = queue_count(kind, arch) - 1
    if not 0 <= q <= top:
        raise ProgramError(f"{where}: queue {q} out of range 0..{top}")
    reserved = reserved_queues(kind, arch, memcpy)
    if q in reserved:
        raise ProgramError(f"{where}: {kind_name(kind)} queue {q} is reserved by memcpy on "
                           f"{arch} (reserved: {list(reserved)}); pick another queue")


def fabric_descs(tasks) -> list:
    """Fabric DSDs captured by task bodies (and the helpers and module instances they use)."""
    found, seen = [], set()

    def walk(fn):
        if id(fn) in seen:
            return
        seen.add(id(fn))
        for cell in fn.__closure__ or ():
            try:
                v = cell.cell_contents
            except ValueError:
                continue
            for item in (v.members.values() if isinstance(v, modules.ModuleInstance) else (v,)):
                if isinstance(item, DsdVar) and item.fabric:
                    item = item.initial         # a fabric p.dsd_var: its color and queue
                if isinstance(item, FabDesc):
                    found.append(item)
                elif inspect.isfunction(item):
                    walk(item)
                elif isinstance(item, (list, tuple)):
                    found.extend(x for x in item if isinstance(x, FabDesc))
    for t in tasks:
        walk(t.fn)
    return found


def bind_queues(image, *, where: str, arch: str, memcpy: bool, tasks, data_tasks,
                explicit: dict[tuple[int, int], int],
                microthreads: frozenset = frozenset()) -> None:
    """Give every color the CE reads or writes a queue (the wse3 `@initialize_queue`s pywse
    writes for you), fill `image.auto_queue`, `iq_color`, `oq_color`, and bind each data
    task's queue and id. Explicit bindings (`explicit`: (kind, queue) -> color, and queues
    named on DSDs or data tasks) come first; then each other color gets a free queue, whose
    microthread neither another color nor a `pw.get_ut_id` of the program (`microthreads`)
    uses while there is one."""
    wanted: list[tuple[int, int, int | None]] = []
    for task in data_tasks:
        wanted.append((FABIN, task.color, task.queue))
    for desc in fabric_descs(tasks):
        wanted.append((desc.kind, desc.color, desc.queue))
    bound = dict(explicit)
    for kind, color, q in wanted:
        if q is not None:
            if kind == FABOUT and arch == "wse2" and (kind, q) in bound:
                # wse2's output queues take no color: each fabout names its own, and its
                # wavelets leave on it (wse2/pe.csl of benchmark-libs' stencil sends four
                # colors through one queue); the queue's listed color is its first
                image.auto_queue.setdefault((kind, color), q)
                continue
            if bound.setdefault((kind, q), color) != color:
                raise ProgramError(f"{where}: queue {q} is used for colors "
                                   f"{bound[(kind, q)]} and {color}")
            image.auto_queue.setdefault((kind, color), q)
    for kind, color, q in wanted:
        if (kind, color) in image.auto_queue:
            continue
        have = [qq for (k, qq), c in bound.items() if k == kind and c == color]
        image.auto_queue[(kind, color)] = have[0] if have else \
            _free_queue(bound, kind, color, arch, memcpy, where, microthreads)
    for (kind, q), color in bound.items():
        (image.iq_color if kind == FABIN else image.oq_color)[q] = color
    taken = {t.id: t for t in tasks if t.kind == "local"}   # one task table
    for task in data_tasks:
        task.queue = image.auto_queue[(FABIN, task.color)]
        task.id = task.color if arch == "wse2" else task.queue
        other = taken.setdefault(task.id, task)
        if other is not task:
            rule = ("its color" if arch == "wse2" else "its input queue")
            raise ProgramError(f"{where}: task id {task.id} is bound twice ('{other.name}' "
                               f"and data task '{task.name}', whose id on {arch} is "
                               f"{rule}); give each task its own id").at(def_site(task.fn))


def _free_queue(bound: dict, kind: int, color: int, arch: str, memcpy: bool,
                where: str, microthreads: frozenset = frozenset()) -> int:
    """A free queue for `color`, binding it in `bound`: one whose microthread nothing else
    uses (the same id free in the other direction too, and no `ut_id=` naming it) when there
    is one."""
    other = FABOUT if kind == FABIN else FABIN
    reserved = reserved_queues(kind, arch, memcpy)
    free = [q for q in range(queue_count(kind, arch))
            if q not in reserved and (kind, q) not in bound]
    if not free:
        raise ProgramError(f"{where} needs more {kind_name(kind)} queues than {arch} has free "
                           f"(colors in use: "
                           f"{sorted(c for (k, _), c in bound.items() if k == kind)})")
    own_thread = [q for q in free if (other, q) not in bound and q not in microthreads and
                  q not in reserved_queues(other, arch, memcpy)]
    q = (own_thread or free)[0]
    bound[(kind, q)] = color
    return q
