"""What `@get_config` / `@set_config` do (signatures: dsl/configspace.py): a task body reads
or writes a color's color config or switch config register, built from and written into the
router state fabric.py runs on.

The registers (WSE-2's layout, CSL-LIBRARIES §1.7; docs/semantics.md, "Configuration
registers"), as pywse's state holds them:

color config, `COLOR_CONFIG + c`:
  bits 0-4   tx W, E, S, N, RAMP of position 0      `sw_tx[pe, c, 0]`
  bits 5-9   rx W, E, S, N, RAMP of position 0      `sw_rx[pe, c, 0]`
  bit 10/11  color swap N/S, E/W (wse2)             `swap_y`, `swap_x`
  bits 12-13 control-wavelet pop mode               `sw_pop` (pywse's numbering, fabric.POP_*)
  bit 14     teardown in progress                   `tip & TIP_ON` (clearing it leaves teardown)
  bit 15     point to point                         not modelled: reads 0, writing 1 is refused
switch config, `SWITCH_CONFIG + c`:
  bits 4k-4..4k-2  position k's direction (0 W, 1 E, 2 S, 3 N, 4 RAMP, 5 invalid), k = 1..3
  bit 4k-1         position k's select: 1 it sets the input side, 0 the output side
  bit 12           ring mode                        `sw_ring`
  bits 13-14       the current position             `sw_cur`

A switch position overrides one side of the route; the other side is position 0's, whenever
position 0 changes (`inherit`; `sw_sel` records which side each position overrides, and keeps
an invalid position's select bit, as the register does). Positions enter in order: a valid
position after an invalid one is refused. Every write takes effect at once and puts the PE's
router (and its neighbours) back on the fabric's active list, as `<tile_config>`'s calls do.
"""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from ..dsl import configspace as cs
from ..dsl import tileprims as tp
from ..layout.compile import WSE3_SWITCH_COLORS
from ..types import N_COLORS
from . import fabric, faults
from .builtins import lowers
from .precompiled import precompiled

assert (tp.CONFIG_BASE, tp.SWITCH_BASE) == (cs.COLOR_CONFIG, cs.SWITCH_CONFIG)

SEL_RX, SEL_TX = 1, 16
"""`sw_sel[pe, c]`: position k overrides the rx side (SEL_RX << k-1) or the tx side
(SEL_TX << k-1)."""
EXTRA = np.uint8(fabric.HOST_BIT | fabric.CAPTURE_BIT)
"""tx bits that stand for links off the kernel (memcpy's D2H, a harness's capture): no
register bit shows them and a write keeps them."""
_REV5 = np.array([int(f"{i:05b}"[::-1], 2) for i in range(32)], np.uint8)
"""pywse's direction bits (RAMP 1, N 2, S 4, E 8, W 16) <-> the register's (W, E, S, N, RAMP
from bit 0): the same five bits reversed, both ways."""
_DIR_OF_CODE = np.array([16, 8, 4, 2, 1], np.uint8)
"""A switch position's direction code (0 W, 1 E, 2 S, 3 N, 4 RAMP) as pywse's bit."""
INVALID = 5
_WSE3_SWITCHED = sum(1 << c for c in WSE3_SWITCH_COLORS)

CONFIG_REG = 8
"""Fault kind (sim/faults.py): VALUE the address, LIMIT the reason (R_*), ADDR a detail,
OPERAND 0 a read, 1 a write, NEW_Q the value written."""
(R_ADDRESS, R_P2P, R_SWAP_WSE3, R_ENTER_TEARDOWN, R_RX_WSE3, R_POS_CODE, R_POS_ORDER,
 R_CUR_POS, R_SW_BIT15, R_NO_SWITCH, R_NOT_ENCODABLE, R_VALUE) = range(12)


@register_jitable
def _fault(st, reason, addr, detail, write, value):
    st.fault[faults.KIND] = CONFIG_REG
    st.fault[faults.VALUE] = addr
    st.fault[faults.LIMIT] = reason
    st.fault[faults.ADDR] = detail
    st.fault[faults.OPERAND] = write
    st.fault[faults.NEW_Q] = value


def selects(switches) -> int:
    """`sw_sel` of a layout's `pw.Switches`: the sides each position's SwitchPos gives (an
    invalid position reads as selecting the output side, select bit 0)."""
    sel = 0
    for k in (1, 2, 3):
        pos = switches.position(k)
        if pos is not None:
            sel |= (SEL_RX if pos.rx else 0) << (k - 1) | (SEL_TX if pos.tx else 0) << (k - 1)
    return sel


# -- reading ------------------------------------------------------------------------------------

@lowers("get_config")
def _get_config(st, pe, addr):
    """`@get_config(addr)`: the register's word (a u16)."""
    return np.uint16(_read(st, pe, np.int64(addr)))


@lowers("get_config_unchecked")
def _get_config_unchecked(st, pe, addr):
    """`@get_config_unchecked(addr)`: as `@get_config` (pywse checks both)."""
    return np.uint16(_read(st, pe, np.int64(addr)))


@precompiled
def _read(st, pe, a):
    if cs.COLOR_CONFIG <= a < cs.COLOR_CONFIG + N_COLORS:
        return color_word(st, pe, a - cs.COLOR_CONFIG)
    if cs.SWITCH_CONFIG <= a < cs.SWITCH_CONFIG + N_COLORS:
        c = a - cs.SWITCH_CONFIG
        _has_switches(st, c, a, 0, 0)
        return switch_word(st, pe, c, a)
    _fault(st, R_ADDRESS, a, 0, 0, 0)
    raise ValueError("not a modelled configuration register")


@register_jitable
def color_word(st, pe, c):
    """The color config word of color `c` on `pe`."""
    w = np.int64(_REV5[st.sw_tx[pe, c, 0] & 31]) | (np.int64(_REV5[st.sw_rx[pe, c, 0] & 31]) << 5)
    if st.swap_y[pe, c]:
        w |= 1 << 10
    if st.swap_x[pe, c]:
        w |= 1 << 11
    w |= (np.int64(st.sw_pop[pe, c]) & 3) << 12
    if st.tip[pe, c] & fabric.TIP_ON:
        w |= 1 << 14
    return w


@register_jitable
def _code(bits):
    """A switch direction code of one direction's bit; -1 for none or several."""
    for i in range(5):
        if bits == _DIR_OF_CODE[i]:
            return np.int64(i)
    return np.int64(-1)


@register_jitable
def switch_word(st, pe, c, a):
    """The switch config word of color `c` on `pe` (`a`: its address, for a fault)."""
    w = np.int64(0)
    sel = np.int64(st.sw_sel[pe, c])
    npos = st.sw_npos[pe, c]
    for k in range(1, 4):
        rx_side = (sel >> (k - 1)) & 1
        tx_side = (sel >> (k + 3)) & 1
        if k < npos:
            code = np.int64(-1)
            if rx_side and not tx_side:
                code = _code(st.sw_rx[pe, c, k] & 31)
            elif tx_side and not rx_side:
                code = _code(st.sw_tx[pe, c, k] & 31)
            if code < 0:
                _fault(st, R_NOT_ENCODABLE, a, k, 0, 0)
                raise ValueError("switch position has no register encoding")
        else:
            code = np.int64(INVALID)
        w |= (code | (rx_side << 3)) << (4 * (k - 1))
    w |= (np.int64(st.sw_ring[pe, c]) & 1) << 12
    w |= (np.int64(st.sw_cur[pe, c]) & 3) << 13
    return w


@register_jitable
def _has_switches(st, c, a, write, value):
    if st.config[0] == 3 and not (_WSE3_SWITCHED >> c) & 1:
        _fault(st, R_NO_SWITCH, a, c, write, value)
        raise ValueError("this color has no switch on wse3")


# -- writing ------------------------------------------------------------------------------------

@lowers("set_config")
def _set_config(st, pe, addr, value):
    """`@set_config(addr, value)`: write the register; the router changes at once."""
    _write(st, pe, np.int64(addr), np.int64(value))


@lowers("set_config_unchecked")
def _set_config_unchecked(st, pe, addr, value):
    """`@set_config_unchecked(addr, value)`: as `@set_config` (pywse checks both)."""
    _write(st, pe, np.int64(addr), np.int64(value))


@precompiled
def _write(st, pe, a, v):
    if v < 0 or v > 0xFFFF:
        _fault(st, R_VALUE, a, 0, 1, v)
        raise ValueError("a config register takes a u16")
    if cs.COLOR_CONFIG <= a < cs.COLOR_CONFIG + N_COLORS:
        _write_color(st, pe, a - cs.COLOR_CONFIG, a, v)
    elif cs.SWITCH_CONFIG <= a < cs.SWITCH_CONFIG + N_COLORS:
        c = a - cs.SWITCH_CONFIG
        _has_switches(st, c, a, 1, v)
        _write_switch(st, pe, c, a, v)
    else:
        _fault(st, R_ADDRESS, a, 0, 1, v)
        raise ValueError("not a modelled configuration register")


@register_jitable
def _write_color(st, pe, c, a, v):
    """Position 0's route, color swap, pop mode and teardown of color `c` from word `v`; every
    check comes before the first change."""
    if v & 0x8000:
        _fault(st, R_P2P, a, 0, 1, v)
        raise ValueError("point-to-point mode is not modelled")
    swaps = (v >> 10) & 3
    if swaps and st.config[0] == 3:
        _fault(st, R_SWAP_WSE3, a, 0, 1, v)
        raise ValueError("wse3 has no color swap")
    tx = _REV5[v & 31]
    rx = _REV5[(v >> 5) & 31]
    rxi = np.int64(rx)
    if st.config[0] == 3 and rxi & (rxi - 1):
        _fault(st, R_RX_WSE3, a, 0, 1, v)
        raise ValueError("wse3 routes a color from one side")
    torn = st.tip[pe, c] & fabric.TIP_ON
    if (v >> 14) & 1 and not torn:
        _fault(st, R_ENTER_TEARDOWN, a, 0, 1, v)
        raise ValueError("teardown is entered by a TEARDOWN command")
    st.sw_tx[pe, c, 0] = (st.sw_tx[pe, c, 0] & EXTRA) | tx
    st.sw_rx[pe, c, 0] = rx
    st.swap_y[pe, c] = swaps & 1
    st.swap_x[pe, c] = swaps >> 1
    st.sw_pop[pe, c] = (v >> 12) & 3
    inherit(st, pe, c)
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    if torn and not (v >> 14) & 1:
        fabric.exit_teardown(st, pe, c)     # wakes the router and its neighbours
    else:
        fabric.wake_around(st, pe)


@register_jitable
def inherit(st, pe, c):
    """Position 0 of color `c` changed: each switch position takes the side it does not
    override from it."""
    sel = st.sw_sel[pe, c]
    for k in range(1, 4):
        if not (sel >> (k - 1)) & 1:
            st.sw_rx[pe, c, k] = st.sw_rx[pe, c, 0]
        if not (sel >> (k + 3)) & 1:
            st.sw_tx[pe, c, k] = st.sw_tx[pe, c, 0]


@register_jitable
def _write_switch(st, pe, c, a, v):
    """Switch positions 1..3, ring mode and the current position of color `c` from `v`."""
    if v & 0x8000:
        _fault(st, R_SW_BIT15, a, 0, 1, v)
        raise ValueError("bit 15 of a switch config register is not modelled")
    npos = 1
    for k in range(1, 4):
        code = (v >> (4 * (k - 1))) & 7
        if code > INVALID:
            _fault(st, R_POS_CODE, a, k * 16 + code, 1, v)
            raise ValueError("not a switch direction")
        if code != INVALID:
            if npos != k:
                _fault(st, R_POS_ORDER, a, k, 1, v)
                raise ValueError("a switch position after an invalid one")
            npos = k + 1
    cur = (v >> 13) & 3
    if cur >= npos:
        _fault(st, R_CUR_POS, a, cur, 1, v)
        raise ValueError("the current switch position is not valid")
    sel = 0
    extra = st.sw_tx[pe, c, 0] & EXTRA
    for k in range(1, 4):
        nibble = (v >> (4 * (k - 1))) & 15
        code = nibble & 7
        rx_side = (nibble >> 3) & 1
        sel |= (SEL_RX if rx_side else SEL_TX) << (k - 1)
        st.sw_rx[pe, c, k] = st.sw_rx[pe, c, 0]
        st.sw_tx[pe, c, k] = st.sw_tx[pe, c, 0]
        if code != INVALID:
            if rx_side:
                st.sw_rx[pe, c, k] = _DIR_OF_CODE[code]
            else:
                st.sw_tx[pe, c, k] = _DIR_OF_CODE[code] | extra
    st.sw_sel[pe, c] = sel
    st.sw_npos[pe, c] = npos
    st.sw_ring[pe, c] = (v >> 12) & 1
    st.sw_cur[pe, c] = cur
    st.tip[pe, c] |= fabric.TIP_DYNAMIC
    fabric.wake_around(st, pe)


# -- what a fault says -------------------------------------------------------------------------

def _describe(fault: np.ndarray) -> str:
    a, reason, detail = int(fault[faults.VALUE]), int(fault[faults.LIMIT]), int(fault[faults.ADDR])
    write, value = int(fault[faults.OPERAND]), int(fault[faults.NEW_Q])
    reg = cs.register_of(a)
    name = f"{reg[0]} register of color {reg[1]} ({a:#06x})" if reg else f"address {a:#06x}"
    call = f"pw.set_config({a:#06x}, {value:#06x})" if write else f"pw.get_config({a:#06x})"
    if reason == R_ADDRESS:
        return (f"{call}: {a:#06x} is no configuration register pywse models; "
                f"{cs.RANGES_TEXT}: take the address from <tile_config>")
    if reason == R_VALUE:
        return (f"pw.set_config({a:#06x}, {value}): a configuration register holds a u16 "
                "(0..65535)")
    if reason == R_NO_SWITCH:
        return (f"{call}: color {detail} has no switch on wse3 (only colors "
                f"{', '.join(map(str, WSE3_SWITCH_COLORS))} do), so there is no switch config "
                "register to access; route the color with its color config register")
    if reason == R_NOT_ENCODABLE:
        return (f"{call}: switch position {detail} of color {reg[1]} has no register "
                "encoding: a switch config register holds one direction per position, on one "
                "side (rx or tx), and this position, set by the layout, changes several "
                "directions or both sides; read and write its routes with <tile_config> (or "
                "give the position one direction)")
    head = f"{call} writes the {name}: "
    if reason == R_P2P:
        return head + ("bit 15 (point to point) is set, which pywse does not model; keep "
                       "it clear (mask the word read with 0x7fff)")
    if reason == R_SW_BIT15:
        return head + "bit 15 has no meaning pywse knows; keep it clear"
    if reason == R_SWAP_WSE3:
        return head + ("bits 10-11 ask for color swap, which wse3 does not have; keep them "
                       "clear")
    if reason == R_RX_WSE3:
        return head + ("it routes the color from several sides (bits 5-9), which wse3 does "
                       "not allow (one rx direction, as reset_routes' rx on wse3)")
    if reason == R_ENTER_TEARDOWN:
        return head + (f"bit 14 (teardown) is set while color {reg[1]} is not in teardown on "
                       "this PE; pywse enters teardown only when a TEARDOWN command reaches "
                       "the color. Clear bit 14, or write while the color is in teardown (in "
                       "its teardown handler)")
    if reason == R_POS_CODE:
        k, code = divmod(detail, 16)
        return head + (f"switch position {k} has direction code {code}; the codes are 0 W, "
                       "1 E, 2 S, 3 N, 4 RAMP and 5 invalid")
    if reason == R_POS_ORDER:
        return head + (f"switch position {detail} is valid while an earlier one is invalid "
                       "(code 5); positions are entered in order, so set them from position 1 "
                       "on")
    if reason == R_CUR_POS:
        return head + (f"the current position (bits 13-14) is {detail}, which is not a valid "
                       "position of this word; make that position valid, or point at an "
                       "earlier one")
    return f"{call}: {reason}"


faults.register(CONFIG_REG, _describe)
