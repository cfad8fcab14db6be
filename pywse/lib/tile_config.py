"""`<tile_config>`: a PE's code reconfiguring its own router, teardown, queue flushes and status,
priorities (CSL-LIBRARIES §1.7).

    tile_config = p.import_module("<tile_config>")
    color_config = tile_config.color_config
    switch_config = tile_config.switch_config

    def on_teardown():                        # p.set_teardown_handler(on_teardown, C)
        addr = color_config.get_color_config_addr(C)
        color_config.reset_routes(addr, tx=pw.EAST, rx=pw.WEST)    # CSL .{.tx=..., .rx=...}
        switch_config.clear_current_position(C)
        switch_config.set_invalid_for_all_switch_positions(C)
        switch_config.set_rx_switch_pos1(C, pw.RAMP)
        tile_config.teardown.exit(C)

What pywse has (docs/libraries.md; the router model in docs/semantics.md, "Teardown"):

* `color_config`: `get_color_config_addr(c)`; `reset_routes(c_or_addr, tx=..., rx=...)` (a
  direction or a tuple of directions, known at comptime as CSL's `comptime new_routes`; on
  wse3 `rx` takes one direction); `set_io_direction` / `toggle_io_direction` /
  `clear_io_direction(c, color_config.fabric_io.RX_WEST)`;
* `switch_config`: `get_color_config_addr`, `get_switch_config_addr`,
  `clear_current_position(c)`, `set_current_switch_position(c, pos)`,
  `set_invalid_for_all_switch_positions(c)`, `set_rx_switch_pos{1,2,3}(c, dir)`,
  `set_tx_switch_pos{1,2,3}(c, dir)`, `set_ring_mode(c, on)`, `set_pop_mode(c, mode)` with
  `switch_config.pop_mode.NO_POP / ALWAYS_POP / POP_ON_ADVANCE`;
* `teardown`: `get_task_id()` (29), `get_pending()`, `is_pending(value, c)`, `exit(c)`;
* `queue_flush` (wse3): `exit(q)`, `iq_status()`, `oq_status()`, `is_flushed(value, q)` (the
  empty-queue handlers of `p.set_empty_queue_handler`; on wse2 every call is refused);
* `input_queue_status`, `output_queue_status`: `get()`, `get_raw()` (a u16: bit q empty,
  bit 8 + q full), `is_full(s, q)`, `is_empty(s, q)`, `all_full`, `all_empty`, `none_full`,
  `none_empty`;
* `task_priority`: `level.LOW/HIGH`, `update_task_priority(id, level)`,
  `set_task_priority(id)`, `clear_task_priority(id)`; `main_thread_priority`:
  `level.MEDIUM_LOW..HIGH`, `update_main_thread_priority(level)` (recorded only). Both also
  work in the program body, as CSL allows them at comptime;
* `filters` (a PE's counter filters, by id: `pw.get_filter_id(c)`): `num_filters`,
  `set_active_limit(id, limit)`, `set_max_counter(id, max)`, `set_counter(id, n)`,
  `counter_filter_state.PASS / DROP`; on wse3 also `set_counter_and_state(id, value, state)`,
  `set_counter_value` / `get_counter_value`, `set_state` / `get_state`, `set_pass_count` /
  `get_pass_count`, `set_drop_count` / `get_drop_count` (counts in half-wavelets). What they
  mean for the router: docs/semantics.md, "Filters";
* `exceptions`: `PERF_CNT_0_OVERFLOW`, `PERF_CNT_1_OVERFLOW`, `SW_EXCEPTION`, `FP_UNDERFLOW`,
  `FP_OVERFLOW`, `FP_INEXACT`, `FP_INVALID`, `FP_DIV_BY_0` and `set_exception_mask(m)`: an
  unmasked floating-point exception in a DSD op or a scalar operator stops the run with an
  error (docs/semantics.md, "Floating-point exceptions"; FP_INEXACT cannot be unmasked).

The registers behind `color_config` / `switch_config` are also read and written whole with
`pw.get_config(addr)` / `pw.set_config(addr, word)` (addresses from `get_color_config_addr` /
`get_switch_config_addr`).

The other submodule, `control_transform`, is there by name: calling its function is a
compile-time "not supported yet" naming it (docs/semantics.md says why).
A call's color may be the color or its config address, as in CSL. Each call changes the
router at once; it costs what its code costs (a helper call and its statements), the router
change itself nothing.
"""
from __future__ import annotations

from ..dsl import configspace as cs
from ..dsl import filterprims as fp
from ..dsl import primitives as prim  # noqa: F401  (the internal builtins' registry)
from ..dsl import tileprims as tp
from ..dsl.dsd import FABIN, FABOUT
from ..dsl.kinds import WEAK_INT
from ..dsl.modules import ModuleInstance, library
from ..dsl.peconfig import MAIN_THREAD_LEVELS, TASK_PRIORITY_LEVELS
from ..dsl.signatures import TABLE
from ..layout.filters import FILTERS_PER_PE
from .argrules import rule

_get_int = TABLE["get_int"]      # pw.get_int: the number behind a color (CSL @get_int)

TEARDOWN_TASK_ID = 29
FABRIC_IO = ("TX_WEST", "TX_EAST", "TX_SOUTH", "TX_NORTH", "TX_RAMP",
             "RX_WEST", "RX_EAST", "RX_SOUTH", "RX_NORTH", "RX_RAMP")
POP_MODES = ("NO_POP", "ALWAYS_POP", "POP_ON_ADVANCE")


def get_color_config_addr(c):
    """The color's config address (pywse's encoding, accepted wherever a color is)."""
    return tp.CONFIG_BASE + _get_int(c)


def get_switch_config_addr(c):
    """The color's switch config address (pywse's encoding)."""
    return tp.SWITCH_BASE + _get_int(c)


def set_io_direction(c, io):
    """Add one direction (a `fabric_io`) to the color's base route."""
    tp.tc_io_direction(c, io, 0)


def toggle_io_direction(c, io):
    """Flip one direction (a `fabric_io`) of the color's base route."""
    tp.tc_io_direction(c, io, 1)


def clear_io_direction(c, io):
    """Remove one direction (a `fabric_io`) from the color's base route."""
    tp.tc_io_direction(c, io, 2)


def set_ring_mode(c, on):
    """Advancing past the last switch position wraps to 0 (on) or stays there (off)."""
    tp.tc_ring_mode(c, on)


def set_pop_mode(c, mode):
    """How this router pops a control wavelet's commands (`switch_config.pop_mode`)."""
    tp.tc_pop_mode(c, mode)


def get_task_id():
    """The teardown task's local task id (the handler runs as it)."""
    return 29                # TEARDOWN_TASK_ID (a literal: task bodies read no globals)


def is_pending(value, c):
    """Is color `c` pending in a `get_pending()` value?"""
    return ((value >> _get_int(c)) & 1) == 1


# filters: each function is a primitive call with its code (dsl/filterprims.py FUNCTIONS)

def set_active_limit(filter_id, limit):
    """A counter filter's limit1: its counter runs 0..limit, then wraps to 0."""
    fp.tc_filter_set(filter_id, 0, limit, 0)


def set_max_counter(filter_id, max_counter):
    """A counter filter's max_counter: data wavelets pass while the counter is <= it."""
    fp.tc_filter_set(filter_id, 1, max_counter, 0)


def set_counter(filter_id, n):
    """Set a counter filter's counter."""
    fp.tc_filter_set(filter_id, 2, n, 0)


def set_counter_value(filter_id, value):
    """wse3: the half-wavelets counted in the filter's current state."""
    fp.tc_filter_set(filter_id, 3, value, 0)


def set_state(filter_id, state):
    """wse3: put the filter in `counter_filter_state.PASS` or `DROP`, its count kept."""
    fp.tc_filter_set(filter_id, 4, state, 0)


def set_pass_count(filter_id, count):
    """wse3: the half-wavelets the filter passes before it drops."""
    fp.tc_filter_set(filter_id, 5, count, 0)


def set_drop_count(filter_id, count):
    """wse3: the half-wavelets the filter drops before it passes again."""
    fp.tc_filter_set(filter_id, 6, count, 0)


def set_counter_and_state(filter_id, value, state):
    """wse3: the filter's state and the half-wavelets counted in it."""
    fp.tc_filter_set(filter_id, 7, value, state)


def get_counter_value(filter_id):
    """wse3: the half-wavelets counted in the filter's current state."""
    return fp.tc_filter_get(filter_id, 8)


def get_state(filter_id):
    """wse3: `counter_filter_state.PASS` (0) or `DROP` (1)."""
    return fp.tc_filter_get(filter_id, 9)


def get_pass_count(filter_id):
    """wse3: the half-wavelets the filter passes before it drops."""
    return fp.tc_filter_get(filter_id, 10)


def get_drop_count(filter_id):
    """wse3: the half-wavelets the filter drops before it passes again."""
    return fp.tc_filter_get(filter_id, 11)


_FILTER_FUNCTIONS = {f.__name__: f for f in (
    set_active_limit, set_max_counter, set_counter, set_counter_value, set_state,
    set_pass_count, set_drop_count, set_counter_and_state, get_counter_value, get_state,
    get_pass_count, get_drop_count)}


def _wse3_only(name: str, fn):
    """`fn` as wse2 has it: there by name, its call refused by the task-body checker."""
    def refused(*args):
        return fn(*args)
    refused.__name__ = refused.__qualname__ = name
    refused.check_call = lambda kinds: (
        f"<tile_config> filters.{name} is wse3 only (wse3's counter filters count passes and "
        "drops); on wse2 use set_counter, set_max_counter and set_active_limit")
    return refused


def _filters(arch: str) -> dict:
    """The `filters` submodule's members on `arch` (wse2: the wse3-only functions are
    there by name, a call of one a compile-time error saying so)."""
    members = {name: (_wse3_only(name, fn) if arch == "wse2" and name in fp.WSE3_ONLY else fn)
               for name, fn in _FILTER_FUNCTIONS.items()}
    return dict(num_filters=FILTERS_PER_PE[arch],
                counter_filter_state=_namespace("counter_filter_state",
                                                {"PASS": fp.PASS, "DROP": fp.DROP}),
                **members)


def _namespace(name: str, members: dict) -> ModuleInstance:
    return ModuleInstance(name, tile_config, members)


def _queue_status(kind: int, n_queues: int) -> dict:
    """`input_queue_status` / `output_queue_status`: a status is a u16, bit q set when queue
    q is empty and bit 8 + q when it is full (CSL's struct's `empty` and `full` bytes, packed:
    `s & 0xFF` is `s.empty`, `s >> 8` is `s.full`). `n_queues`: the queues the arch has of
    that kind (the all_/none_ tests look at those)."""
    mask = (1 << n_queues) - 1

    def all_full(s):
        """Is every queue full?"""
        return ((s >> 8) & mask) == mask

    def all_empty(s):
        """Is every queue empty?"""
        return (s & mask) == mask

    def none_full(s):
        """Is no queue full?"""
        return ((s >> 8) & mask) == 0

    def none_empty(s):
        """Is no queue empty?"""
        return (s & mask) == 0

    sub = "input_queue_status" if kind == FABIN else "output_queue_status"
    tests = dict(all_full=all_full, all_empty=all_empty, none_full=none_full,
                 none_empty=none_empty)
    for name, fn in tests.items():
        fn.check_call = rule("<tile_config>", f"{sub}.{name}", ("int",), "bool")
    prims = {fn: tp.QS_PRIMS[kind, fn] for fn in ("get", "get_raw", "is_full", "is_empty")}
    return dict(prims, **tests)


def _task_priority(arch: str) -> dict:
    """`task_priority`: a task's (or, for wavelet-triggered tasks, its input queue's on wse3,
    its color's on wse2) priority, LOW (0, every task's at start) or HIGH (1). In a task body
    or, as CSL allows at comptime, in the program body."""
    update_task_priority = tp.TASK_PRIORITY[arch]

    def set_task_priority(task_id):
        """The task runs at HIGH priority."""
        update_task_priority(task_id, 1)

    def clear_task_priority(task_id):
        """The task runs at LOW priority."""
        update_task_priority(task_id, 0)

    def check_call(args):          # the primitive's own check, at the caller's line
        if len(args) != 1:
            return f"<tile_config>'s task_priority functions take 1 argument, got {len(args)}"
        found = update_task_priority.check([args[0], WEAK_INT])
        return found[0] if found else None

    set_task_priority.check_call = clear_task_priority.check_call = check_call

    return dict(level=_namespace("level", {n: k for k, n in enumerate(TASK_PRIORITY_LEVELS)}),
                update_task_priority=update_task_priority, set_task_priority=set_task_priority,
                clear_task_priority=clear_task_priority)


@library("<tile_config>")
def tile_config(p) -> dict:
    """`p.import_module("<tile_config>")`: the submodules as namespaces of functions task
    bodies call; on wse3 `reset_routes` refuses an rx of more than one direction."""
    reset_routes = tp.tc_reset_routes_wse3 if p.arch == "wse3" else tp.tc_reset_routes
    color_config = _namespace("color_config", dict(
        fabric_io=_namespace("fabric_io", {n: k for k, n in enumerate(FABRIC_IO)}),
        get_color_config_addr=get_color_config_addr, reset_routes=reset_routes,
        set_io_direction=set_io_direction, toggle_io_direction=toggle_io_direction,
        clear_io_direction=clear_io_direction))
    switches = {f"set_{side}_switch_pos{pos}": prim_
                for (pos, side), prim_ in tp.SWITCH_POS_PRIMS.items()}
    switch_config = _namespace("switch_config", dict(
        pop_mode=_namespace("pop_mode", {n: k for k, n in enumerate(POP_MODES)}),
        get_color_config_addr=get_color_config_addr,
        get_switch_config_addr=get_switch_config_addr,
        clear_current_position=tp.tc_clear_position,
        set_current_switch_position=tp.tc_set_position,
        set_invalid_for_all_switch_positions=tp.tc_invalidate,
        set_ring_mode=set_ring_mode, set_pop_mode=set_pop_mode, **switches))
    teardown = _namespace("teardown", dict(get_task_id=get_task_id, get_pending=tp.tc_pending,
                                           is_pending=is_pending, exit=tp.tc_exit))
    queue_flush = _namespace("queue_flush", {fn: tp.QF_PRIMS[p.arch, fn] for fn in
                                             ("exit", "iq_status", "oq_status", "is_flushed")})
    n_out = 8 if p.arch == "wse3" else 6
    status = {name: _namespace(name, _queue_status(kind, n))
              for name, kind, n in (("input_queue_status", FABIN, 8),
                                    ("output_queue_status", FABOUT, n_out))}
    task_priority = _namespace("task_priority", _task_priority(p.arch))
    main_thread_priority = _namespace("main_thread_priority", dict(
        level=_namespace("level", {n: k for k, n in enumerate(MAIN_THREAD_LEVELS)}),
        update_main_thread_priority=tp.tc_main_priority))
    exceptions = _namespace("exceptions", dict(
        set_exception_mask=cs.tc_set_exception_mask,
        **{name: cs.mask_constant(name) for name in cs.EXCEPTIONS}))
    later = {sub: _namespace(sub, {fn: tp.NOT_YET_PRIMS[sub, fn] for fn in names.split()})
             for sub, names in tp.NOT_YET_NAMES.items()}
    return dict(color_config=color_config, switch_config=switch_config, teardown=teardown,
                queue_flush=queue_flush, task_priority=task_priority,
                main_thread_priority=main_thread_priority, target_name=p.arch, **status,
                filters=_namespace("filters", _filters(p.arch)), exceptions=exceptions, **later)


library = tile_config
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(tile_config.library)`)."""
