"""A compile-time warning for a local task nothing can ever run (`pw.UnreachableTaskWarning`).

A local task runs only once something activates it. CSL has these ways, and each counts
here: `pw.activate(t)` or an op's `activate=t` in any task body or helper; `@p.on_start`
(`p.activate` in the program body); being the teardown task's handler
(`p.set_teardown_handler`, `p.set_empty_queue_handler`, id 29); being handed to a helper or
a library function that may activate it (a callback: `c2d.broadcast(..., done)`,
`mp.on_activate(t)`); a task of an SDK library (the library's business). Data tasks run on
their color's wavelets (their binding), control tasks on a control wavelet's entry point
(wse3's control-task table or the shared one), exported functions on the host's launch
(RPC): those always count as reachable, as do the tasks that any reachable one activates. A
reachable task that activates a task computed at run time (`pw.activate(ids[k])` in the
user's code) may activate any: then nothing is reported for that program.

A local task that starts blocked (`p.block`) and that nothing unblocks can never run either.
Precision matters more than recall: a false warning on a correct program is a bug
(tests/test_unreachable.py compiles every example without one).
"""
from __future__ import annotations

from ..errors import UnreachableTaskWarning, def_site, warn_at_user
from .image import TEARDOWN_TASK_ID
from .taskrefs import effects
from .tasksource import in_sdk_library


def _always(image, task) -> bool:
    """Runs without a task body activating it (or is a library's own)."""
    return (task.kind != "local" or task.id in image.on_start or task.teardown
            or bool(task.flushed) or task.id == TEARDOWN_TASK_ID or in_sdk_library(task.fn))


def unreachable(image) -> list[tuple[object, str]]:
    """(task, why) for every local task of `image` that can never run."""
    table = effects(image)
    by_name = {t.name: t for t in image.tasks}
    by_id = {t.id: t for t in image.tasks if t.kind == "local"}
    reached = {t.name for t in image.tasks if _always(image, t)}
    todo = list(reached)
    while todo:
        fx = table[todo.pop()]
        if fx.any_activate:
            return []
        named = set(fx.activates) | set(fx.refers) | {by_id[i].name for i in fx.ids if i in by_id}
        for name in named - reached:
            if name in by_name:
                reached.add(name)
                todo.append(name)
    found = []
    for task in image.tasks:
        if task.kind != "local":
            continue
        if task.name not in reached:
            by = sorted(n for n, fx in table.items()
                        if n != task.name and task.name in fx.activates | fx.refers)
            why = (f"only {_names(by)} activate{'s' if len(by) == 1 else ''} it, and "
                   f"{'it' if len(by) == 1 else 'they'} can never run either" if by else
                   "no task body or helper activates it (pw.activate, an op's activate=), it "
                   "is not started by @p.on_start, and no library is handed it")
            found.append((task, f"nothing can ever activate it: {why}; activate it where its "
                                "work should start (or remove it)"))
        elif task.id in image.start_blocked and not any(
                task.name in fx.unblocks or task.name in fx.refers or fx.any_unblock
                or fx.callbacks for n, fx in table.items() if n in reached):
            found.append((task, "it starts blocked (p.block) and nothing unblocks it "
                                "(pw.unblock, an op's unblock=): it can never run; unblock it "
                                "where it may start (or do not block it)"))
    return found


def _names(names) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


MAX_IMAGES_CHECKED = 256
"""A program with more images than this (per-PE params on a big kernel) is not checked: a
task its first images leave unreachable may run on a later one, and a false warning is
worse than none (the stuck run's report still names a task that never ran)."""


def warn_unreachable(images) -> None:
    """One UnreachableTaskWarning per program and task that can never run on any of its PEs,
    at its `def`. A task may run on some PEs only (a library's callback fires at its root
    PE; a param chooses what a body activates), so it is reported only when every image of
    its program leaves it unreachable; a program none of whose tasks is unreachable on its
    first image costs one check."""
    programs: dict[int, list] = {}
    for image in images:
        programs.setdefault(id(image.program), []).append(image)
    for group in programs.values():
        if len(group) > MAX_IMAGES_CHECKED:
            continue
        left: dict | None = None         # task name -> (task, why): unreachable so far
        for image in group:
            here = {task.name: (task, why) for task, why in unreachable(image)}
            left = here if left is None else {n: left[n] for n in left if n in here}
            if not left:
                break
        for task, why in (left or {}).values():
            site = def_site(task.fn)
            line = f", line {site.line}" if site is not None else ""
            warn_at_user(UnreachableTaskWarning(
                f"program '{group[0].program.name}': local task '{task.name}' (id {task.id}"
                f"{line}): {why}"), site)
