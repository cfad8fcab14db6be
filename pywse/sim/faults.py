"""Where a task body failed, compiled or not: statement sites and fault records.

Compiled code keeps no line numbers, so the lowering (jit.py) numbers the statements of each
task body and helper (a *site*) and stores the site in `st.fault[WHERE]` before a statement
runs. A check that fails (an index out of range) records what failed in the other fields
before it raises. The engine turns the record into the user's line and one message, the same
in both modes (`task_failure`). Site numbers derive from the file and the function, never
from the process, so compiled code loaded from numba's cache still names the right line.
"""
from __future__ import annotations

import hashlib
import os
import re

import numpy as np
from numba.extending import register_jitable

from ..errors import Site

WHERE, KIND, VALUE, LIMIT, ADDR, OPERAND = range(6)
NO_FAULT, INDEX, DSD, MICROTHREAD, TILE_CONFIG, TILE_QUEUE, FILTER = 0, 1, 2, 3, 4, 5, 6
"""A fault's kind: an index past an array, or a DSD an op uses reaching outside its array
(VALUE the element it reaches, LIMIT the array's size, ADDR where the array is in the arena,
OPERAND which operand of the op: 0 the destination), or an async op starting on a busy
microthread (`microthread_clash`), a `<tile_config>` router call (`_tile_config`) or queue
flush and priority call (`_tile_queue`: VALUE the value, LIMIT which call, TQ_*) the model
cannot do."""
TQ_EXIT, TQ_TASK_ID, TQ_TASK_LEVEL, TQ_MAIN_LEVEL = range(4)


@register_jitable
def tile_queue(st, what, value):
    """Record a queue-flush or priority fault (TQ_*) before the call raises."""
    st.fault[KIND] = TILE_QUEUE
    st.fault[VALUE] = value
    st.fault[LIMIT] = what
RUNNING_Q, NEW_Q = 6, 7
SITE_BITS = 16

DESCRIBERS: dict = {}
"""Fault kinds other than the index, DSD, microthread and router ones: kind -> fn(fault) ->
the failure in words (queue flushes and priorities here; filters.py, configregs.py,
fpexcept.py); `register` files one."""


def register(kind: int, describe) -> int:
    """File `describe(fault) -> str` for fault `kind` (a constant of its module, not one of
    the kinds above); returns the kind."""
    if kind <= TILE_CONFIG or DESCRIBERS.get(kind, describe) is not describe:
        raise AssertionError(f"fault kind {kind} is taken")
    DESCRIBERS[kind] = describe
    return kind

SITES: dict[int, tuple[Site, str]] = {}
"""site -> (the user's line, the array an index check is about, or "")."""


def function_id(filename: str, fn) -> int:
    """A number for a function that is the same in every process (46 bits)."""
    key = f"{os.path.abspath(filename)}:{fn.__code__.co_firstlineno}:{fn.__qualname__}"
    return int(hashlib.sha1(key.encode()).hexdigest()[:11], 16) + 1


def new_site(fid: int, k: int, site: Site, array: str = "") -> int:
    """Register statement (or index) number `k` of function `fid` at `site`."""
    if k >= 1 << SITE_BITS:
        raise OverflowError("a task body with more than 65535 statements")
    where = (fid << SITE_BITS) | k
    SITES[where] = (site, array)
    return where


@register_jitable
def check_index(st, i, n, where):
    """`i` if 0 <= i < n; else record an index fault at `where` and raise (CSL has no
    negative indices; Python's would wrap around)."""
    if i < 0 or i >= n:
        st.fault[KIND] = INDEX
        st.fault[WHERE] = where
        st.fault[VALUE] = i
        st.fault[LIMIT] = n
        raise IndexError("index out of range")
    return i


@register_jitable
def microthread_clash(st, slot, running, running_q, code, new_q, ut_id):
    """Record an async op (`code`, first fabric operand `new_q` as kind * 16 + queue, its
    `ut_id` or -1) starting on microthread `slot` while op `running` still runs there."""
    st.fault[KIND] = MICROTHREAD
    st.fault[VALUE] = slot
    st.fault[LIMIT] = running
    st.fault[ADDR] = code
    st.fault[OPERAND] = ut_id
    st.fault[RUNNING_Q] = running_q
    st.fault[NEW_Q] = new_q


def _queue_words(q: int) -> str:
    from .ops import K_FABIN, K_FIFO
    if q < 0:
        return "no fabric operand"
    kind, queue = divmod(q, 16)
    return "a FIFO" if kind == K_FIFO else \
        f"{'input' if kind == K_FABIN else 'output'} queue {queue}"


def _clash(fault: np.ndarray) -> str:
    """A microthread clash in words: both ops, the microthread, their queues, the fix."""
    from .ops import OP_NAMES
    slot, ut = int(fault[VALUE]), int(fault[OPERAND])
    first, second = OP_NAMES.get(int(fault[LIMIT]), "?"), OP_NAMES.get(int(fault[ADDR]), "?")
    how = _queue_words(int(fault[NEW_Q])) + (f", ut_id={ut}" if ut >= 0 else "")
    return (f"two async ops on microthread {slot} at once: {first} ("
            f"{_queue_words(int(fault[RUNNING_Q]))}) still runs there when this {second} "
            f"({how}) starts. Give one of them another "
            "microthread (ut_id=pw.get_ut_id(n), wse3) or a queue of another id, or start "
            f"the {second} once the {first} has completed (its activate=/unblock= task)")


def _tile_config(c: int, what: int) -> str:
    """A `<tile_config>` call the router model cannot do (sim/tileconfig.py), in words."""
    if what == -1:
        return (f"<tile_config>: {c} is neither a color (0..23) nor a color's config address "
                "(color_config.get_color_config_addr(c)); pass the color")
    if what == 0:
        return (f"<tile_config> teardown.exit(color {c}): color {c} is not in teardown on "
                "this PE, so there is no teardown to leave. Call it from the teardown handler "
                "(p.set_teardown_handler), after a TEARDOWN command reached the color, or "
                "start the color in teardown (teardown=True in its route)")
    if what >= 100:
        return (f"<tile_config>: switch position {what - 100} of color {c} is set while an "
                "earlier position is invalid; set positions in order (pos1 first)")
    return (f"<tile_config> set_current_switch_position: position {what} of color {c} is "
            "not valid on this PE; set that position first")


def _tile_queue(value: int, what: int) -> str:
    """A queue-flush or priority call (sim/queueflush.py, sim/taskprio.py) in words."""
    if what == TQ_EXIT:
        queue = f"{'output' if value >= 8 else 'input'} queue {value % 8}"
        return (f"<tile_config> queue_flush.exit({queue}): the flush status of {queue} is "
                "not set on this PE, so there is nothing to reset. Call it from that queue's "
                "empty-queue handler (p.set_empty_queue_handler), naming the queue it serves")
    if what == TQ_TASK_ID:
        return (f"<tile_config> task_priority: {value} is not a task id (0..31); pass a local "
                "or data task (or its input queue on wse3, its color on wse2)")
    if what == TQ_TASK_LEVEL:
        return (f"<tile_config> task_priority: level {value} is not task_priority.level.LOW "
                "(0) or HIGH (1)")
    return (f"<tile_config> main_thread_priority: level {value} is not one of "
            "main_thread_priority.level.MEDIUM_LOW, MEDIUM, MEDIUM_HIGH, HIGH (0..3)")


register(TILE_QUEUE, lambda fault: _tile_queue(int(fault[VALUE]), int(fault[LIMIT])))


def task_failure(fault: np.ndarray, exc: BaseException,
                 symbol_at=lambda addr: "?") -> tuple[str, Site | None]:
    """(what failed, in words; the user's line) for an exception a task body raised: an
    index or DSD fault from its record (`symbol_at(addr)` names the array at an arena
    address), anything else from the exception and the statement site."""
    site, array = SITES.get(int(fault[WHERE]), (None, ""))
    if fault[KIND] == DSD:
        fault[KIND] = NO_FAULT
        i, n, k = int(fault[VALUE]), int(fault[LIMIT]), int(fault[OPERAND])
        which = "the destination" if k == 0 else f"source {k}"
        return (f"{which} of this op is a DSD over '{symbol_at(int(fault[ADDR]))}' ({n} "
                f"element(s), index 0..{n - 1}) that reaches element {i}: a DSD must stay "
                "inside its array when an op uses it (check its offset, extent and stride)",
                site)
    if fault[KIND] == MICROTHREAD:
        fault[KIND] = NO_FAULT
        return _clash(fault), site
    if fault[KIND] == TILE_CONFIG:
        fault[KIND] = NO_FAULT
        return _tile_config(int(fault[VALUE]), int(fault[LIMIT])), site
    describe = DESCRIBERS.get(int(fault[KIND]))
    if describe is not None:
        fault[KIND] = NO_FAULT
        return describe(fault), site
    if fault[KIND] == INDEX:
        fault[KIND] = NO_FAULT
        i, n = int(fault[VALUE]), int(fault[LIMIT])
        return (f"index {i} is out of range for '{array}' ({n} element(s), index 0..{n - 1})"
                + ("; CSL has no negative indices" if i < 0 else ""), site)
    if isinstance(exc, OverflowError):
        return _untyped_overflow(exc), site
    return f"{type(exc).__name__}: {exc}", site


def _untyped_overflow(exc: OverflowError) -> str:
    """numpy names the number that did not fit ("Python integer -3 out of bounds for
    uint32"), compiled code cannot (cslops raises a constant message): both modes say it
    the same way, without the number."""
    found = re.match(r"Python integer (?:-?\d+ )?out of bounds for (\w+)", str(exc))
    if found is None:
        return f"OverflowError: {exc}"
    return (f"OverflowError: Python integer out of bounds for {found.group(1)} (an untyped "
            f"number met a {found.group(1)} operand it does not fit: convert it to that type "
            "first, or check its range)")


def reset(fault: np.ndarray) -> None:
    """Forget the last statement site (a new run, or an error reported)."""
    fault[:] = 0
