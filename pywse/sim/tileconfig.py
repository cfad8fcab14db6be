"""What the `<tile_config>` primitives do (signatures: dsl/tileprims.py): a PE's code rewrites
its own router's color and switch configuration at run time, and leaves teardown.

The router model is fabric.py's: `sw_tx/sw_rx[pe, c, pos]` (position 0 is the base route),
`sw_npos`, `sw_cur`, `sw_ring`, `sw_pop`, and `tip[pe, c]` (in teardown; route set at run
time, so its rx is enforced). A switch position overrides one side, the one its
`set_{rx,tx}_switch_posN` call gives (`sw_sel`, configregs.py); the other side is position
0's, and follows it when the base route changes later (`configregs.inherit`), as the switch
config register holds one side per position. Every change takes effect at once; a PE whose
router may now move something is put back on the fabric's active list.

A color argument is the color or its config address (`tileprims.CONFIG_BASE + color`).
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from ..dsl import tileprims as tp
from ..types import N_COLORS
from . import fabric, faults
from .builtins import LOWERINGS, Lowering, lowers
from .configregs import EXTRA, SEL_RX, SEL_TX, inherit
from .precompiled import precompiled

# color_config.fabric_io: bits 0-4 tx W, E, S, N, RAMP; 5-9 rx W, E, S, N, RAMP (the
# register's order, CSL-LIBRARIES §1.7), as pywse's route bits (RAMP 1, N 2, S 4, E 8, W 16)
_IO_BITS = np.array([16, 8, 4, 2, 1], np.uint8)


@register_jitable
def _color(st, a):
    """A color from a color or its config/switch config address; anything else is a fault."""
    a = int(a)       # a Color is a number in compiled code, an object in plain Python
    c = a
    if a >= tp.SWITCH_BASE:
        c = a - tp.SWITCH_BASE
    elif a >= tp.CONFIG_BASE:
        c = a - tp.CONFIG_BASE
    if c < 0 or c >= N_COLORS:
        st.fault[faults.KIND] = faults.TILE_CONFIG
        st.fault[faults.VALUE] = a
        st.fault[faults.LIMIT] = -1
        raise ValueError("not a color")
    return c


@register_jitable
def _changed(st, pe):
    """The router of `pe` may move something now: back on the active list, neighbours too."""
    fabric.wake_around(st, pe)


def _impl_reset_routes(st, pe, a, tx, rx):
    _reset_routes(st, pe, np.int64(a), tx, rx)


@precompiled
def _reset_routes(st, pe, a, tx, rx):
    """(The work of every tile_config call is `precompiled`: compiled once and cached, not
    inlined into each task that calls it, which made a task with many calls slow to compile.)"""
    c = _color(st, a)
    st.sw_tx[pe, c, 0] = (st.sw_tx[pe, c, 0] & ~np.uint8(31)) | np.uint8(tx)
    st.sw_rx[pe, c, 0] = rx
    inherit(st, pe, c)
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    _changed(st, pe)


def _routes_static(value):
    if value is None:
        raise ValueError("reset_routes needs tx= and rx=")
    return tp.direction_bits(value, "reset_routes' direction")


for _name in ("tc_reset_routes", "tc_reset_routes_wse3"):
    LOWERINGS[_name] = Lowering(_impl_reset_routes, static={"tx": _routes_static,
                                                             "rx": _routes_static})


@lowers("tc_io_direction")
def _io_direction(st, pe, a, io, how):
    _io_direction_core(st, pe, np.int64(a), io, how)


@precompiled
def _io_direction_core(st, pe, a, io, how):
    """color_config.set_io_direction (how 0), toggle_ (1), clear_ (2) of one fabric_io."""
    c = _color(st, a)
    bit = _IO_BITS[io % 5]
    if io < 5:
        cur = st.sw_tx[pe, c, 0]
        st.sw_tx[pe, c, 0] = cur | bit if how == 0 else (cur ^ bit if how == 1 else cur & ~bit)
    else:
        cur = st.sw_rx[pe, c, 0]
        st.sw_rx[pe, c, 0] = cur | bit if how == 0 else (cur ^ bit if how == 1 else cur & ~bit)
    inherit(st, pe, c)
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    _changed(st, pe)


@lowers("tc_clear_position")
def _clear_position(st, pe, a):
    _clear_position_core(st, pe, np.int64(a))


@precompiled
def _clear_position_core(st, pe, a):
    c = _color(st, a)
    st.sw_cur[pe, c] = 0
    _changed(st, pe)


@lowers("tc_set_position")
def _set_position(st, pe, a, pos):
    _set_position_core(st, pe, np.int64(a), pos)


@precompiled
def _set_position_core(st, pe, a, pos):
    c = _color(st, a)
    if pos < 0 or pos >= st.sw_npos[pe, c]:
        st.fault[faults.KIND] = faults.TILE_CONFIG
        st.fault[faults.VALUE] = c
        st.fault[faults.LIMIT] = pos
        raise ValueError("switch position not valid")
    st.sw_cur[pe, c] = pos
    _changed(st, pe)


@lowers("tc_invalidate")
def _invalidate(st, pe, a):
    _invalidate_core(st, pe, np.int64(a))


@precompiled
def _invalidate_core(st, pe, a):
    c = _color(st, a)
    st.sw_npos[pe, c] = 1
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    if st.sw_cur[pe, c] > 0:
        st.sw_cur[pe, c] = 0
    _changed(st, pe)


@lowers("tc_ring_mode")
def _ring_mode(st, pe, a, on):
    c = _color(st, a)
    st.sw_ring[pe, c] = 1 if on else 0


@lowers("tc_pop_mode")
def _pop_mode(st, pe, a, mode):
    c = _color(st, a)
    st.sw_pop[pe, c] = mode


def _switch_pos_impl(pos, rx_side):
    def impl(st, pe, a, bits):
        _switch_pos(st, pe, np.int64(a), bits, pos, rx_side)
    impl.__name__ = f"_switch_{'rx' if rx_side else 'tx'}_pos{pos}"
    return impl


@precompiled
def _switch_pos(st, pe, a, bits, pos, rx_side):
    c = _color(st, a)
    # positions below this one must exist (the hardware enters them in order)
    if st.sw_npos[pe, c] < pos:
        st.fault[faults.KIND] = faults.TILE_CONFIG
        st.fault[faults.VALUE] = c
        st.fault[faults.LIMIT] = 100 + pos
        raise ValueError("switch position after an invalid one")
    sel = st.sw_sel[pe, c] & ~np.uint8((SEL_RX | SEL_TX) << (pos - 1))
    if rx_side:
        st.sw_rx[pe, c, pos] = bits
        st.sw_tx[pe, c, pos] = st.sw_tx[pe, c, 0]
        st.sw_sel[pe, c] = sel | np.uint8(SEL_RX << (pos - 1))
    else:
        st.sw_tx[pe, c, pos] = bits | (st.sw_tx[pe, c, 0] & EXTRA)
        st.sw_rx[pe, c, pos] = st.sw_rx[pe, c, 0]
        st.sw_sel[pe, c] = sel | np.uint8(SEL_TX << (pos - 1))
    if st.sw_npos[pe, c] < pos + 1:
        st.sw_npos[pe, c] = pos + 1
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    _changed(st, pe)


def _one_direction(value):
    return tp.direction_bits(value, "a switch position's direction", many=False)


for (_pos, _side), _prim in tp.SWITCH_POS_PRIMS.items():
    LOWERINGS[_prim.name] = Lowering(_switch_pos_impl(_pos, _side == "rx"),
                                     static={1: _one_direction})


@lowers("tc_exit")
def _exit(st, pe, a):
    _exit_core(st, pe, np.int64(a))


@precompiled
def _exit_core(st, pe, a):
    """teardown.exit(c): the color leaves teardown on this PE's router. Leaving a teardown
    the color is not in is a fault (the fabric model has nothing to leave)."""
    c = _color(st, a)
    if not st.tip[pe, c] & fabric.TIP_ON:
        st.fault[faults.KIND] = faults.TILE_CONFIG
        st.fault[faults.VALUE] = c
        st.fault[faults.LIMIT] = 0
        raise ValueError("teardown.exit of a color not in teardown")
    fabric.exit_teardown(st, pe, c)


@lowers("tc_pending")
def _pending(st, pe):
    """teardown.get_pending(): one bit per color now in teardown on this PE."""
    out = np.uint32(0)
    for c in range(N_COLORS):
        if st.tip[pe, c] & fabric.TIP_ON:
            out |= np.uint32(1 << c)
    return out
