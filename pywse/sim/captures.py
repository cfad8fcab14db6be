"""What a task body captured, and how each capture reaches compiled code.

A task body is a closure over comptime objects. Per-PE data (vars, DSDs, tasks, colors,
numbers) is *lifted*: passed as a leading parameter, so every PE shares one compilation;
anything else (functions, types, library namespaces) is injected as a constant. What a body's
compiled code depends on is the *kind* of each capture (`kinds_of`), so two programs whose
tasks capture the same kinds share their compiled code.
"""
from __future__ import annotations

import numpy as np

from ..dsl.dsd import DsdVar, FabDesc, Fifo, MemDesc
from ..dsl.dsr import Dsr
from ..dsl.image import MemcpyModule, Task
from ..dsl.modules import ModuleInstance
from ..dsl.queues import Queue
from ..dsl.symbols import Var
from ..dsl.tasksource import UNASSIGNED, closure, is_user_function
from ..errors import TaskError, def_site
from ..types import Color


def kinds_of(fn, task, depth: int = 0) -> tuple:
    """What a function's compiled code depends on: the kinds of its free variables."""
    return tuple((n, _kind(v, task, depth)) for n, v in captured(fn, task).items())


def captured(fn, task) -> dict:
    """What the body captured, plus the module-level colors it names (`C = pw.Color(3)` at
    the top of the file, as CSL's `const` colors): numba cannot type a Color global, so those
    are lifted like captured ones (module-level numbers stay numba's frozen globals)."""
    free = closure(fn)
    for name in fn.__code__.co_names:
        value = fn.__globals__.get(name)
        if isinstance(value, Color) and name not in free:
            free[name] = value
    for name, v in free.items():
        if v is UNASSIGNED:
            raise TaskError(f"task '{task.name}': variable '{name}' is used before it is "
                            "assigned in the program; declare it above the task"
                            ).at(def_site(fn))
    return free


def _kind(v, task, depth):
    if isinstance(v, ModuleInstance) and depth < 8:
        return ("instance", tuple((k, _kind(m, task, depth + 1)) for k, m in v.members.items()))
    if isinstance(v, (list, tuple)) and is_data(v):
        return ("seq", tuple(_kind(x, task, depth) for x in v))
    if is_data(v) or isinstance(v, MemcpyModule):
        return type(v).__name__
    if is_user_function(v) and depth < 8:
        return ("fn", v.__code__, kinds_of(v, task, depth + 1))
    return ("const", id(v))


def resolve_path(fn, path: tuple[str, ...]):
    """The value a lifted path names: closure/global names, '.attr' attribute steps."""
    value = fn
    for step in path:
        if step.startswith("."):
            value = getattr(value, step[1:])
        else:
            cells = dict(zip(value.__code__.co_freevars,
                             (c.cell_contents for c in value.__closure__ or ())))
            value = cells[step] if step in cells else value.__globals__[step]
    return value


def is_data(value) -> bool:
    """Lifted to a parameter (per-PE data) rather than injected as a compile-time constant.
    Lists and tuples of such values are lifted as tuples."""
    if isinstance(value, (list, tuple)):
        return len(value) > 0 and all(is_data(v) for v in value)
    return isinstance(value, (Var, MemDesc, FabDesc, Fifo, DsdVar, Dsr, Task, Color, Queue,
                              bool, int, float, np.number, np.bool_))
