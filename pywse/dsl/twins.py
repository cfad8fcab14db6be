"""Comptime twins of scalar builtins (`@bitcast`, `@get_int`, `@get_rectangle`): what
`pw.bitcast(...)` and the others do when a program body calls them. Task bodies run their
run-time twins (sim/builtins.py); the checker (taskcheck.py) holds both to CSL's rules.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..errors import ProgramError
from ..types import dtype_of

Rectangle = namedtuple("Rectangle", "width height")
"""What `pw.get_rectangle()` gives: the program rectangle's size (CSL's `.width`,
`.height`; the fabric's size and offsets are chosen at compile, after comptime)."""


def bitcast(t, value):
    """`value`'s bits as type `t` (CSL `@bitcast`): the widths must match."""
    try:
        dt = dtype_of(t)
    except TypeError as e:
        raise ProgramError(f"pw.bitcast: {e}") from None
    if not isinstance(value, np.generic):
        raise ProgramError(f"pw.bitcast({dt.name}, {value!r}): give the value a type first "
                           "(e.g. pw.u32(x)): a bitcast needs its width")
    if value.dtype.itemsize != dt.itemsize:
        raise ProgramError(f"pw.bitcast: {value.dtype.name} ({8 * value.dtype.itemsize}-bit) "
                           f"and {dt.name} ({8 * dt.itemsize}-bit) differ in width")
    return np.full(1, value).view(dt)[0]


def constants(shape, t, value) -> np.ndarray:
    """An array of `shape` all `value`, of type `t` (CSL `@constants([shape]T, value)`): the
    init of a `p.var` or the values of a `p.const`. The value must fit T exactly, as CSL's
    comptime coercion requires (no silent wrap-around)."""
    try:
        dt = dtype_of(t)
        shape = (int(shape),) if np.isscalar(shape) else tuple(int(s) for s in shape)
    except (TypeError, ValueError) as e:
        raise ProgramError(f"pw.constants: {e}") from None
    if any(s <= 0 for s in shape):
        raise ProgramError(f"pw.constants: shape {shape}: every extent must be >= 1")
    v = getattr(value, "id", value)           # a color or task stands for its id
    if not isinstance(v, (int, float, np.number, bool)):
        raise ProgramError(f"pw.constants: the value must be a number, got {value!r}")
    if dt.kind in "iu":
        info = np.iinfo(dt)
        if float(v) != int(v) or not info.min <= int(v) <= info.max:
            raise ProgramError(f"pw.constants: {value!r} does not fit {dt.name} "
                               f"({info.min}..{info.max})")
    return np.full(shape, v, dt)


def fp16():
    """The type `@fp16()` names: `pw.f16`, IEEE binary16 (pw.compile's `fp16_format`, cslc's
    `--fp16-format`, accepts only f16)."""
    return np.float16


def get_int(value) -> np.uint16:
    """The integer behind a color, task or queue (CSL `@get_int`)."""
    n = getattr(value, "id", value)
    if not isinstance(n, (int, np.integer)):
        raise ProgramError(f"pw.get_int needs a color, task, queue or integer, got {value!r}")
    return np.uint16(n)


def get_rectangle() -> Rectangle:
    """The program rectangle this PE belongs to (CSL `@get_rectangle()`, comptime)."""
    from .program import current_builder
    p = current_builder("pw.get_rectangle")
    return Rectangle(p.width, p.height)


def set_teardown_handler(fn, color) -> None:
    """CSL `@set_teardown_handler(fn, color)` in a program or module body: the builder's
    `p.set_teardown_handler` (dsl/program.py)."""
    from .program import current_builder
    current_builder("pw.set_teardown_handler").set_teardown_handler(fn, color)


def set_empty_queue_handler(fn, queue) -> None:
    """CSL `@set_empty_queue_handler(fn, queue)` in a program or module body: the builder's
    `p.set_empty_queue_handler` (dsl/peconfig.py)."""
    from .program import current_builder
    current_builder("pw.set_empty_queue_handler").set_empty_queue_handler(fn, queue)


class UtId(int):
    """A microthread id (CSL's `ut_id`, from `@get_ut_id(n)`): an int, so task bodies lift
    it as a number, but a type of its own, so the checker can tell it from any number."""

    def __repr__(self) -> str:
        return f"pw.get_ut_id({int(self)})"


def get_ut_id(n) -> UtId:
    """Microthread `n` of this PE (CSL `@get_ut_id`, wse3, comptime). wse2 has none to name:
    its microthreads are its queue ids, and an async op runs on its queue's."""
    from .program import current_builder
    p = current_builder("pw.get_ut_id")
    if p.arch != "wse3":
        raise ProgramError(f"pw.get_ut_id({n!r}): {p.arch} has no microthread ids (CSL's "
                           "@get_ut_id is wse3's): an async op runs on the microthread of its "
                           "fabric operand's queue; leave ut_id= out and pick the queue")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or not 0 <= n <= 7:
        raise ProgramError(f"pw.get_ut_id({n!r}): a microthread id is an integer 0..7")
    if int(n) == 0 and p._ctx.memcpy:
        raise ProgramError("pw.get_ut_id(0): microthread 0 is memcpy's (as its queues 0 are); "
                           "pick another id, 1..7")
    p._ut_ids.add(int(n))        # the automatic queue choice keeps off it (queues.py)
    return UtId(int(n))


CONTROL_TABLE_INSTRUCTIONS = (2, 4, 8)
CONTROL_TABLE_STRIDES = range(1, 8)


def set_control_task_table(config: dict | None = None, /, **fields) -> None:
    """Give control tasks a task table of their own (CSL `@set_control_task_table`, wse3,
    comptime, at most once): a control task may then have the id of a local or data task.
    `instructions` (2, 4 or 8; default 4) is an entry's size and `stride` (1..7; default 1)
    the entry points per input queue's `ctrl_table_id`; both are checked and kept, and change
    nothing else in pywse, whose queues have no `ctrl_table_id` and whose cycles do not count
    an entry's instructions."""
    from .program import current_builder
    p = current_builder("pw.set_control_task_table")
    where = "pw.set_control_task_table"
    if p.arch != "wse3":
        raise ProgramError(f"{where}: {p.arch} has one task table for every kind of task "
                           "(CSL's @set_control_task_table is wse3's); give the control task "
                           "an id no data or local task has")
    if config is not None and not isinstance(config, dict):
        raise ProgramError(f"{where} takes its fields as keywords or one dict "
                           f"(.{{ .instructions = 8, .stride = 4 }}), got {config!r}")
    fields = {**(config or {}), **fields}
    unknown = set(fields) - {"instructions", "stride"}
    if unknown:
        raise ProgramError(f"{where}: no field {', '.join(sorted(unknown))} (its fields: "
                           "instructions, stride)")
    instructions, stride = fields.get("instructions", 4), fields.get("stride", 1)
    if isinstance(instructions, bool) or instructions not in CONTROL_TABLE_INSTRUCTIONS:
        raise ProgramError(f"{where}: instructions={instructions!r}; an entry point has 2, 4 "
                           "or 8 instructions")
    if isinstance(stride, bool) or stride not in CONTROL_TABLE_STRIDES:
        raise ProgramError(f"{where}: stride={stride!r}; the stride is 1..7 entry points")
    p.set_control_table(int(instructions), int(stride))
