"""`<tile_config>`: a PE's code reconfiguring its own router, and teardown (CSL-LIBRARIES §1.7).

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
* `exceptions`: `PERF_CNT_0_OVERFLOW`, `PERF_CNT_1_OVERFLOW`, `SW_EXCEPTION`, `FP_UNDERFLOW`,
  `FP_OVERFLOW`, `FP_INEXACT`, `FP_INVALID`, `FP_DIV_BY_0` and `set_exception_mask(m)`: an
  unmasked floating-point exception in a DSD op or a scalar operator stops the run with an
  error (docs/semantics.md, "Floating-point exceptions"; FP_INEXACT cannot be unmasked).

The registers behind `color_config` / `switch_config` are also read and written whole with
`pw.get_config(addr)` / `pw.set_config(addr, word)` (addresses from `get_color_config_addr` /
`get_switch_config_addr`).

The other submodules (`filters`, `control_transform`, `main_thread_priority`,
`task_priority`, `input_queue_status`, `output_queue_status`, `queue_flush`) are there by
name: calling one of their functions is a compile-time "not supported yet" naming it.
A call's color may be the color or its config address, as in CSL. Each call changes the
router at once and costs no cycles (scalar statements are free in pywse's clock).
"""
from __future__ import annotations

from ..dsl import configspace as cs
from ..dsl import primitives as prim  # noqa: F401  (the internal builtins' registry)
from ..dsl import tileprims as tp
from ..dsl.modules import ModuleInstance, library
from ..dsl.signatures import TABLE

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


def _namespace(name: str, members: dict) -> ModuleInstance:
    return ModuleInstance(name, tile_config, members)


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
    exceptions = _namespace("exceptions", dict(
        set_exception_mask=cs.tc_set_exception_mask,
        **{name: cs.mask_constant(name) for name in cs.EXCEPTIONS}))
    later = {sub: _namespace(sub, {fn: tp.NOT_YET_PRIMS[sub, fn] for fn in names.split()})
             for sub, names in tp.NOT_YET_NAMES.items()}
    return dict(color_config=color_config, switch_config=switch_config, teardown=teardown,
                exceptions=exceptions, target_name=p.arch, **later)


library = tile_config
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(tile_config.library)`)."""
