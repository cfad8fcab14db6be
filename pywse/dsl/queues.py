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
from .tasksource import in_sdk_library

MEMCPY_IQS = {"wse2": (0,), "wse3": (0, 1)}   # input queues memcpy reserves
MEMCPY_OQS = (0,)                              # output queue memcpy reserves
QUEUE_OUTPUT = 8
"""A queue in a task body is a number, its *code*: input queue q is q, output queue q is
QUEUE_OUTPUT + q (`@queue_flush` and `<tile_config>`'s queue calls tell the kinds apart)."""


@attrs.frozen
class Queue:
    """An input or output queue bound to a color (`p.input_queue` / `p.output_queue`)."""

    kind: int
    id: int
    color: int

    @property
    def name(self) -> str:
        return "input" if self.kind == FABIN else "output"

    @property
    def code(self) -> int:
        """The number a task body sees for this queue (QUEUE_OUTPUT)."""
        return self.id + (QUEUE_OUTPUT if self.kind == FABOUT else 0)

    def __str__(self) -> str:
        return f"{self.name} queue {self.id}"


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


def fabric_descs(tasks, own: bool = False) -> list:
    """Fabric DSDs captured by task bodies (and the helpers and module instances they use);
    with `own`, only the task's own: not those of the module instances or SDK library
    functions it calls (a library's DSDs are the library's, whoever calls it)."""
    found, seen = [], set()

    def walk(fn):
        if id(fn) in seen or (own and in_sdk_library(fn)):
            return
        seen.add(id(fn))
        for cell in fn.__closure__ or ():
            try:
                v = cell.cell_contents
            except ValueError:
                continue
            if own and isinstance(v, modules.ModuleInstance):
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
                microthreads: frozenset = frozenset(), owners: dict | None = None) -> None:
    """Give every color the CE reads or writes a queue (the wse3 `@initialize_queue`s pywse
    writes for you), fill `image.auto_queue`, `iq_color`, `oq_color`, and bind each data
    task's queue and id. Explicit bindings (`explicit`: (kind, queue) -> color, and queues
    named on DSDs or data tasks) come first; then each other color gets a free queue, whose
    microthread neither another color nor a `pw.get_ut_id` of the program (`microthreads`)
    uses while there is one. A color a library bound a queue to (`owners`: (kind, queue) ->
    (instance, library)) is the library's: a task outside it reading or sending on that color
    is refused, naming both (it would share the library's queue and take its wavelets)."""
    _check_library_colors(tasks, data_tasks, explicit, owners or {}, where)
    wanted: list[tuple] = []     # (kind, color, queue or None, where the user asked)
    for task in data_tasks:
        wanted.append((FABIN, task.color, task.queue, def_site(task.fn)))
    for desc in fabric_descs(tasks):
        wanted.append((desc.kind, desc.color, desc.queue, desc.site))
    bound = dict(explicit)
    for kind, color, q, site in wanted:
        if q is not None:
            first = bound.setdefault((kind, q), color)
            if first != color:
                _share(image, kind, q, first, color, arch, (kind, q) in explicit, where, site)
            image.auto_queue.setdefault((kind, color), q)
    for kind, color, _, _ in wanted:
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


def _check_library_colors(tasks, data_tasks, explicit: dict, owners: dict,
                          where: str) -> None:
    """A data task or fabric DSD outside a library on a color the library bound a queue to.
    A data task bound to the library's input queue itself (`p.data_task(mp.mp_input_queue)`)
    is the library's documented way in, as `<message_passing>` offers it."""
    if not owners:
        return
    mine = {}                                   # (kind, color) -> (instance, library, queue)
    for (kind, q), (instance, lib) in owners.items():
        mine.setdefault((kind, explicit[(kind, q)]), (instance, lib, q))

    def check(kind, color, task, what, queue=None):
        owner = mine.get((kind, color))
        if owner is None:
            return
        instance, lib, q = owner
        if task.name.startswith(instance + ".") or queue == q:
            return      # the library's own task, or one bound to the library's own queue
        verb = "reads" if kind == FABIN else "sends on"
        raise ProgramError(f"{where}: {what} {verb} color {color}, which {lib} (instance "
                           f"'{instance}') bound to its {kind_name(kind)} queue {q} for its own "
                           f"wavelets; give the library other colors (its layout-side params) "
                           f"or {what} another color").at(def_site(task.fn))
    for task in data_tasks:
        check(FABIN, task.color, task, f"data task '{task.name}'", task.queue)
    for task in tasks:
        for desc in fabric_descs([task], own=True):
            check(desc.kind, desc.color, task,
                  f"a {'fabin' if desc.kind == FABIN else 'fabout'} DSD of task '{task.name}'")


def _share(image, kind: int, q: int, first: int, color: int, arch: str, explicit: bool,
           where: str, site=None) -> None:
    """A second color named on queue `q`. On wse2 a fabout DSD's `@get_output_queue(n)` binds
    no color, so fabout DSDs of several colors may share an output queue (each wavelet keeps
    its DSD's color: the engine's per-entry `oq_wcol`); recorded in `image.oq_shared`. An input
    queue takes one color on either arch, a wse3 output queue the one its `@initialize_queue`
    gave it, and a queue `p.output_queue` bound stays with that color."""
    if kind == FABOUT and arch == "wse2" and not explicit:
        colors = image.oq_shared.setdefault(q, [first])
        if color not in colors:
            colors.append(color)
        return
    if kind == FABIN:
        why = "an input queue takes one color (its wavelets go to one reader)"
    elif explicit:
        why = f"p.output_queue({q}, ...) bound it to color {first}"
    else:
        why = ("on wse3 an output queue is bound to one color (@initialize_queue); only wse2 "
               "lets fabout DSDs of several colors share one")
    err = ProgramError(f"{where}: {kind_name(kind)} queue {q} is used for colors {first} and "
                       f"{color}: {why}; give each color its own queue")
    raise err.at(site) if site is not None else err


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
