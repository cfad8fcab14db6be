"""Signatures of the `<tile_config>` primitives: a PE's code rewriting its own router, reading
its queues' flush and fill status, setting task priorities.

`<tile_config>` (pywse/lib/tile_config.py) hands task bodies these internal builtins under
the SDK's names (`color_config.reset_routes`, `switch_config.set_rx_switch_pos1`,
`teardown.exit`, `queue_flush.exit`, ...); sim/tileconfig.py says what they do to the router
model, sim/queueflush.py to the queues, sim/taskprio.py to the scheduler. Directions
are comptime in CSL (`comptime new_routes`), so a direction argument must be a direction the
task captured or names (`pw.EAST`, `(WEST, NORTH)`): the task compiler folds it into route
bits (`DIRECTION_ARGS`) and the checker refuses anything else at the caller's line.

A color argument may be the color or its color-config address
(`color_config.get_color_config_addr(c)`, pywse's encoding `CONFIG_BASE + color`), as in CSL.
"""
from __future__ import annotations

from ..types import DIRECTIONS
from .dsd import FABIN, FABOUT
from .kinds import Kind
from .primitives import _primitive
from .queues import kind_name
from .signatures import NOT_YET, TABLE

CONFIG_BASE = 0x7F20
"""`get_color_config_addr(c)` is CONFIG_BASE + c (the WSE-2 word address of the color
config register, CSL-LIBRARIES §1.7); a reconfiguring call takes either form."""
SWITCH_BASE = 0x7F40
"""`get_switch_config_addr(c)` is SWITCH_BASE + c (WSE-2's switch config register)."""
DIR_BITS = {d: 1 << i for i, d in enumerate(DIRECTIONS)}   # RAMP 1, NORTH 2, ... WEST 16


def direction_bits(value, what: str = "a direction", many: bool = True) -> int:
    """Route bits of a direction or a tuple/list of distinct directions; ValueError says
    what is wrong."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, (tuple, list)) or not items or (len(items) > 1 and not many):
        raise ValueError(f"{what} must be {'a direction or a tuple of directions' if many else 'one direction'} "
                         f"(pw.RAMP, pw.NORTH, pw.SOUTH, pw.EAST, pw.WEST), got {value!r}")
    bits = 0
    for d in items:
        if not isinstance(d, str) or d not in DIR_BITS:
            raise ValueError(f"{what}: {d!r} is not a direction (pw.RAMP, pw.NORTH, pw.SOUTH, "
                             "pw.EAST, pw.WEST)")
        if bits & DIR_BITS[d]:
            raise ValueError(f"{what}: {d} is given twice")
        bits |= DIR_BITS[d]
    return bits


def _dir_problem(k: Kind | None, what: str, many: bool) -> list[str]:
    """The checker's view of a direction argument (its kind), as problems."""
    if k is None:
        return [f"{what} is missing"]
    items = k.items if k.what == "seq" else (k,)
    if not items or any(i is None or i.what != "str" or i.value not in DIR_BITS
                        for i in items):
        return [f"{what} must be a direction known at comptime (pw.EAST, or a tuple such as "
                f"(pw.WEST, pw.NORTH)), got {k.describe()}"]
    if len(items) > 1 and not many:
        return [f"{what} takes one direction, got {len(items)}"]
    if len({i.value for i in items}) != len(items):
        return [f"{what} names a direction twice"]
    return []


def _routes_check(rx_many: bool):
    def check(args, kwargs) -> list[str]:
        problems = []
        for name in ("tx", "rx"):
            if name not in kwargs:
                problems.append(f"reset_routes needs {name}= (CSL `.{{ .tx = ..., .rx = ... }}`)")
            else:
                many = rx_many or name == "tx"
                found = _dir_problem(kwargs[name], f"reset_routes' {name}", many)
                if found and not many and kwargs[name].what == "seq" and \
                        len(kwargs[name].items) > 1:
                    found = ["on wse3 reset_routes' rx takes one direction (an rx array must "
                             f"have one element), got {len(kwargs[name].items)}; route the "
                             "color from one side at a time"]
                problems += found
        return problems
    return check


def _dir_arg_check(pos: int, what: str):
    def check(args, kwargs=None) -> list[str]:
        return _dir_problem(args[pos] if len(args) > pos else None, what, many=False)
    return check


_C = "<tile_config>'s "
tc_reset_routes = _primitive("tc_reset_routes", ("color",), check=_routes_check(True),
                             csl=_C + "color_config.reset_routes",
                             doc="set a color's base route (position 0) on this PE")
tc_reset_routes_wse3 = _primitive("tc_reset_routes_wse3", ("color",),
                                  check=_routes_check(False),
                                  csl=_C + "color_config.reset_routes",
                                  doc="set a color's base route (one rx direction on wse3)")
for _p in (tc_reset_routes, tc_reset_routes_wse3):
    object.__setattr__(_p, "options", (("tx", None), ("rx", None)))
    object.__setattr__(_p, "check_kwargs", True)
tc_io_direction = _primitive("tc_io_direction", ("color", "int", "int"),
                             csl=_C + "color_config.set/toggle/clear_io_direction",
                             doc="set (0), toggle (1) or clear (2) one rx/tx direction")
tc_clear_position = _primitive("tc_clear_position", ("color",),
                               csl=_C + "switch_config.clear_current_position",
                               doc="put a color's switch back to position 0")
tc_set_position = _primitive("tc_set_position", ("color", "int"),
                             csl=_C + "switch_config.set_current_switch_position",
                             doc="put a color's switch at position 0..3")
tc_invalidate = _primitive("tc_invalidate", ("color",),
                           csl=_C + "switch_config.set_invalid_for_all_switch_positions",
                           doc="leave a color only its position 0")
tc_ring_mode = _primitive("tc_ring_mode", ("color", "int"), csl=_C + "switch_config.set_ring_mode",
                          doc="wrap (1) or stay at the last position (0) on advance")
tc_pop_mode = _primitive("tc_pop_mode", ("color", "int"), csl=_C + "switch_config.set_pop_mode",
                         doc="how routers pop a control wavelet's commands")
SWITCH_POS_PRIMS = {}
"""(position 1..3, 'rx' or 'tx') -> the primitive `set_{rx,tx}_switch_pos{n}(c, dir)`."""
for _pos in (1, 2, 3):
    for _side in ("rx", "tx"):
        SWITCH_POS_PRIMS[_pos, _side] = _primitive(
            f"tc_{_side}_pos{_pos}", ("color", "direction"),
            check=_dir_arg_check(1, f"set_{_side}_switch_pos{_pos}'s direction"),
            csl=_C + f"switch_config.set_{_side}_switch_pos{_pos}",
            doc=f"switch position {_pos}: {_side} from one direction, the other side as "
                "position 0's")
tc_exit = _primitive("tc_exit", ("color",), csl=_C + "teardown.exit",
                     doc="leave teardown on a color")
tc_pending = _primitive("tc_pending", (), returns="uint32", csl=_C + "teardown.get_pending",
                        doc="one bit per color in teardown on this PE")

# -- queues: flush status (wse3) and queue status (sim/queueflush.py) -----------------------------
# A queue argument is a captured `p.input_queue` / `p.output_queue` (a queue code at run time,
# dsl/queues.py); CSL's `comptime qid`.

def _queue_check(pos: int, what: str, kind: int | None = None):
    def check(args, kwargs=None) -> list[str]:
        k = args[pos] if len(args) > pos else None
        if k is None or k.what == "unknown":
            return []
        if k.what != "queue":
            return [f"{what} must be a queue (what p.input_queue / p.output_queue returned, "
                    f"captured), got {k.describe()}"]
        if kind is not None and k.obj.kind != kind:
            return [f"{what} must be an {kind_name(kind)} queue, got {k.describe()}"]
        return []
    return check


def _wse3_only(sub: str):
    def check(args, kwargs=None) -> list[str]:
        return [f"<tile_config>'s {sub} is wse3's: wse2 has no @queue_flush (its output "
                "queues take any color, so one is reused without a flush); compile for wse3"]
    return check


QF_PRIMS = {}
"""(arch, function) -> `<tile_config>` queue_flush's primitive; wse2's refuse every call."""
for _arch in ("wse3", "wse2"):
    _sfx = "" if _arch == "wse3" else "_wse2"
    _bad = _wse3_only("queue_flush") if _arch == "wse2" else None
    QF_PRIMS[_arch, "exit"] = _primitive(
        f"tc_qf_exit{_sfx}", ("queue",), csl=_C + "queue_flush.exit",
        check=_bad or _queue_check(0, "queue_flush.exit's queue"),
        doc="reset a queue's flush status (the empty-queue handler's last step)")
    QF_PRIMS[_arch, "iq_status"] = _primitive(
        f"tc_qf_iq_status{_sfx}", (), returns="uint16", check=_bad,
        csl=_C + "queue_flush.iq_status",
        doc="flush status of the input queues: bit q set, queue q emptied after a flush")
    QF_PRIMS[_arch, "oq_status"] = _primitive(
        f"tc_qf_oq_status{_sfx}", (), returns="uint16", check=_bad,
        csl=_C + "queue_flush.oq_status",
        doc="flush status of the output queues: bit q set, queue q emptied after a flush")
    QF_PRIMS[_arch, "is_flushed"] = _primitive(
        f"tc_qf_is_flushed{_sfx}", ("value", "queue"), returns="bool",
        check=_bad or _queue_check(1, "queue_flush.is_flushed's queue"),
        csl=_C + "queue_flush.is_flushed",
        doc="is the queue's bit set in an iq_status() / oq_status() value")

QS_PRIMS = {}
"""(kind, function) -> the primitive of `input_queue_status` (FABIN) or
`output_queue_status` (FABOUT): `get`, `get_raw`, `is_full`, `is_empty`."""
for _kind, _sub in ((FABIN, "input_queue_status"), (FABOUT, "output_queue_status")):
    _side = kind_name(_kind)
    QS_PRIMS[_kind, "get"] = _primitive(
        f"tc_{_side[0]}q_status", (), returns="uint16", csl=_C + _sub + ".get",
        doc=f"the {_side} queues' status: bit q empty, bit 8 + q full")
    QS_PRIMS[_kind, "get_raw"] = _primitive(
        f"tc_{_side[0]}q_status_raw", (), returns="uint16", csl=_C + _sub + ".get_raw",
        doc=f"the {_side} queue status register (pywse: the same packing as get())")
    for _fn, _bit in (("is_empty", 0), ("is_full", 8)):
        QS_PRIMS[_kind, _fn] = _primitive(
            f"tc_{_side[0]}q_{_fn}", ("value", "queue"), returns="bool",
            check=_queue_check(1, f"{_sub}.{_fn}'s queue", _kind),
            csl=_C + _sub + "." + _fn, doc=f"is the queue's {_fn[3:]} bit set in a status")


# -- task and main-thread priority (sim/taskprio.py) ---------------------------------------------
# Callable in task bodies and, as CSL allows, in the program body (their comptime twins record
# on the builder: `p.update_task_priority`, `p.update_main_thread_priority`).

def _priority_check(arch: str):
    channel = "an input queue" if arch == "wse3" else "a color"

    def check(args, kwargs=None) -> list[str]:
        k, level = args
        problems = []
        if k.what == "task" and k.task_kind not in ("local", "data"):
            problems.append(f"task_priority takes a local or data task; '{k.name}' is a "
                            f"{k.task_kind} {'function' if k.task_kind == 'export' else 'task'}"
                            f" (a control task takes the priority of {channel} its wavelets "
                            "arrive on)")
        elif k.what == "queue" and (arch != "wse3" or k.obj.kind != FABIN) or \
                k.what == "color" and arch != "wse2" or \
                k.what not in ("task", "queue", "color", "unknown", "scalar") or \
                k.what == "scalar" and k.dtype is not None and k.dtype.kind not in "iu":
            problems.append(f"task_priority takes a local or data task or {channel} on "
                            f"{arch}, got {k.describe()}")
        if level.what not in ("scalar", "unknown") or \
                level.what == "scalar" and level.dtype is not None and level.dtype.kind == "f":
            problems.append(f"task_priority's level must be task_priority.level.LOW or HIGH, "
                            f"got {level.describe()}")
        return problems
    return check


def _record_priority(target, level) -> None:
    from .program import current_builder
    current_builder("<tile_config>'s task_priority").update_task_priority(target, level)


def _record_main_priority(level) -> None:
    from .program import current_builder
    current_builder("<tile_config>'s main_thread_priority").update_main_thread_priority(level)


TASK_PRIORITY = {}
"""arch -> the primitive `update_task_priority(id, level)` (an input queue is an id on wse3, a
color on wse2)."""
for _arch in ("wse3", "wse2"):
    TASK_PRIORITY[_arch] = _primitive(
        f"tc_task_priority{'' if _arch == 'wse3' else '_wse2'}", ("task", "int"),
        check=_priority_check(_arch), csl=_C + "task_priority.update_task_priority",
        doc="set a task's priority: level 1 (HIGH) runs before level 0 (LOW)")
    object.__setattr__(TASK_PRIORITY[_arch], "comptime_twin", _record_priority)
tc_main_priority = _primitive("tc_main_priority", ("int",),
                              csl=_C + "main_thread_priority.update_main_thread_priority",
                              doc="record the main thread's priority level (0..3)")
object.__setattr__(tc_main_priority, "comptime_twin", _record_main_priority)

NOT_YET_NAMES = {
    "control_transform": "set_mask",
}
"""Submodules of `<tile_config>` pywse does not model yet: each function is a primitive whose
call is a compile-time "not supported yet" naming it."""
NOT_YET_PRIMS = {
    (sub, fn): _primitive(f"tc_{sub}_{fn}", csl=f"{_C}{sub}.{fn}", status=NOT_YET,
                          doc=f"<tile_config> {sub}.{fn} (not modelled)")
    for sub, names in NOT_YET_NAMES.items() for fn in names.split()}

assert all(name in TABLE for name in ("tc_exit", "tc_reset_routes"))
