"""What a program declares, as plain data: `Task`, the memcpy module and its params, the
`ProgramImage` a comptime run produces, the `PEContext` it runs for, and the task-id
constants of each arch. The builder (program.py) fills these in; the layout, the engine and
the libraries read them without needing the builder.
"""
from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, Callable

import attrs
import numpy as np

from ..errors import ProgramError
from ..types import Color, dtype_of
from .dsd import FABOUT
from .signatures import TABLE
from .symbols import Var

if TYPE_CHECKING:     # the builder imports this module
    from .program import Program

TASK_KINDS = ("local", "data", "control", "export")


MEMCPY_COLOR_NAMES = tuple(f"MEMCPY{d}_{i}" for d in ("H2D", "D2H") for i in range(1, 5))


LOCAL_TASK_IDS = {"wse2": (0, 30), "wse3": (8, 30)}
"""Local task id range per arch (on wse3, 0..7 are the data-task ids of the input queues)."""


TEARDOWN_TASK_ID = 29
"""The reserved teardown task: a program's teardown handler runs as it (sim/fabric.py)."""


ALIGN = 4  # bytes: every symbol starts on a 32-bit boundary, as cslc aligns arrays


@attrs.define(eq=False)
class Task:
    """A task (or host-callable function) declared by a program; task bodies refer to these."""

    name: str
    kind: str
    id: int | None
    fn: Callable
    arg_types: tuple[np.dtype, ...] = ()
    color: int | None = None   # data tasks: the color and input queue they are bound to
    queue: int | None = None
    teardown: bool = False     # the color teardown handler (p.set_teardown_handler), id 29
    flushed: tuple[int, ...] = ()   # empty-queue handlers: the queues (queue codes) it serves
    fp_checked: bool = False   # its program unmasks FP exceptions: check scalar float operators

    def __repr__(self) -> str:
        return f"<{self.kind} task {self.name}" + (f" id={self.id}>" if self.id is not None else ">")

    def __call__(self, *args, **kwargs):
        raise ProgramError(f"task '{self.name}' cannot be called: tasks are activated "
                           "(pw.activate), triggered by wavelets, or launched by the host")


@attrs.frozen
class MemcpyParams:
    """What `<memcpy/get_params>` hands each PE: the streaming colors (same for every column)."""

    colors: tuple[tuple[str, int], ...]
    width: int
    height: int

    def __getattr__(self, name: str) -> Color:
        """`memcpy_params.MEMCPYH2D_1`, ...: a stream's color, as CSL modules read it."""
        if name in MEMCPY_COLOR_NAMES:
            return Color(dict(self.colors)[name])
        raise AttributeError(name)


class MemcpyModule:
    """The `<memcpy/memcpy>` module inside a program (CSL `sys_mod`)."""

    def __init__(self, params: MemcpyParams):
        self.params = params
        for name, cid in params.colors:
            setattr(self, name, Color(cid))

    def __repr__(self) -> str:
        return "<memcpy module>"

    # The builtin itself: a task body calls it as `sys_mod.unblock_cmd_stream()`, and a
    # module may take it as a function param (CSL `.f_callback = sys_mod.unblock_cmd_stream`)
    # and call it by that name.
    unblock_cmd_stream = TABLE["unblock_cmd_stream"]


@attrs.define
class ProgramImage:
    """One comptime result: everything the runtime needs to run this program on a PE."""

    program: "Program"
    params: dict[str, Any]
    vars: list[Var]
    init: bytes
    tasks: list[Task]
    exports: dict[str, Task]
    on_start: list[int]
    start_blocked: list[int]
    uses_memcpy: bool
    coord_dependent: bool
    iq_color: dict[int, int] = attrs.Factory(dict)      # input queue -> color
    oq_color: dict[int, int] = attrs.Factory(dict)      # output queue -> (first) color
    oq_shared: dict[int, list] = attrs.Factory(dict)    # wse2 output queue -> all its colors
    auto_queue: dict[tuple[int, int], int] = attrs.Factory(dict)  # (kind, color) -> queue
    fifos: list = attrs.Factory(list)
    start_unblocked: list[int] = attrs.Factory(list)   # channels (queue/color) to unblock
    var_sites: dict = attrs.Factory(dict)      # var name -> where the program declared it
    local_routes: dict = attrs.Factory(dict)   # color -> (set_color_config keywords, site)
    reserved_colors: dict = attrs.Factory(dict)  # color -> the library that reserves it
    control_table: tuple[int, int] | None = None    # (instructions, stride): wse3's own table
    teardown_colors: tuple = ()   # colors whose teardown runs the teardown handler (task 29)
    teardown_site: object = None  # where p.set_teardown_handler was first called
    flush_handlers: dict = attrs.Factory(dict)   # queue code -> its empty-queue handler task
    high_tasks: tuple = ()        # task ids that start at task priority HIGH
    main_thread_priority: int = 0   # <tile_config> main_thread_priority level (recorded)
    arch: str = "wse3"            # the arch the comptime ran for

    def queue_of(self, desc) -> int:
        """The queue a fabric DSD uses: its own, or the one the compiler bound to its color."""
        return desc.queue if desc.queue is not None else self.auto_queue[(desc.kind, desc.color)]

    def queue_colors(self, q: int) -> list[int]:
        """Every color output queue `q` sends on (several only on wse2, `queues._share`)."""
        if q in self.oq_shared:
            return list(self.oq_shared[q])
        return [self.oq_color[q]] if q in self.oq_color else []

    def sent_colors(self) -> set[int]:
        """Every color this program's output queues send on."""
        return set(self.oq_color.values()).union(
            *self.oq_shared.values(), (c for (k, c) in self.auto_queue if k == FABOUT))

    @property
    def mem_bytes(self) -> int:
        return len(self.init)

    def symbol(self, name: str) -> Var | None:
        for v in self.vars:
            if v.name == name:
                return v
        return None


@attrs.frozen
class PEContext:
    """Where a program is being instantiated: arch and coordinates (CSL `<layout>`).

    `x, y, width, height` are the PE's place in its kernel rectangle (classic layout) or in
    its code region (SdkLayout). Without memcpy (SdkLayout), no queue is reserved."""

    arch: str
    x: int
    y: int
    width: int
    height: int
    memcpy: bool = True


def task_arg_types(fn, name, kind, program) -> tuple[np.dtype, ...]:
    """Typed scalar parameters of an exported function (or wavelet args of a data task)."""
    sig = inspect.signature(fn)
    types = []
    for prm in sig.parameters.values():
        if kind == "local":
            raise ProgramError(f"program '{program}': local task '{name}' takes no arguments "
                               f"(has '{prm.name}')")
        try:
            types.append(dtype_of(prm.annotation))
        except TypeError:
            raise ProgramError(f"program '{program}': parameter '{prm.name}' of '{name}' needs a "
                               "type annotation such as pw.u16 or pw.f32 (the host passes "
                               "typed scalars)") from None
    if kind == "data" and (not types or len(types) > 2
                           or (len(types) == 2 and any(t.itemsize != 2 for t in types))):
        raise ProgramError(f"program '{program}': data task '{name}' takes the wavelet as one "
                           "argument (32-bit, or a 16-bit type for the low half) or as two "
                           "16-bit arguments (low half, high half)")
    if kind == "control" and (len(types) > 1 or (types and types[0].itemsize != 2)):
        raise ProgramError(f"program '{program}': control task '{name}' takes no argument or "
                           "one 16-bit argument (the control wavelet's data field)")
    if kind == "export" and len(types) > 15:
        raise ProgramError(f"program '{program}': exported function '{name}' has {len(types)} "
                           "parameters; memcpy allows at most 15")
    return tuple(types)
