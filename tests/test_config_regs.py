"""@get_config / @set_config on a color's color config and switch config registers: the
read-modify-write sequences of csl-examples spmv-hypersparse's allreduce2R1E (its
rowReduce_configure, colReduce_configure and bcast_configure, written there through raw
pointers), then wavelets go where the rewritten registers say, compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.dsl import configspace as cs
from pywse.sim import fabric
from pywse.testing import Harness

# the register bits the allreduce names (pe.csl lines ~250-300)
MASK_INPUT_OUTPUT_POS0 = 0xFC00
OUTPUT_WEST, OUTPUT_EAST, OUTPUT_SOUTH, OUTPUT_NORTH, OUTPUT_RAMP = 0x1, 0x2, 0x4, 0x8, 0x10
INPUT_WEST, INPUT_EAST, INPUT_SOUTH, INPUT_NORTH, INPUT_RAMP = 0x20, 0x40, 0x80, 0x100, 0x200
MASK_SWITCH_RESET_POS0 = 0x9FFF
MASK_SWITCH_CLEAR_POS1 = 0xFFF8
SWITCH_POS1_INVALID = 0x5
SWITCH_POS1_RAMP = 0x4


@pw.program
def chain(p, *, C=pw.Color(3), axis: str = "row"):
    """Each PE reroutes C as the allreduce's row (or column) reduction does, from registers
    it reads and writes; every PE but the last sends its value, then a switch-advance
    control wavelet (memcpy_switches' switch_cmd_11) that lets the next PE send; the last
    PE sums what arrives. C's comptime route points the other way (tx WEST / NORTH): so
    position 1 (rx RAMP), written before position 0, sends east (south) only if it takes
    its tx from the position 0 written after it."""
    tc = p.import_module("<tile_config>")
    sw = p.import_module("<memcpy/memcpy_switches>")
    color_addr = tc.color_config.get_color_config_addr(C)
    switch_addr = tc.switch_config.get_switch_config_addr(C)
    row = axis == "row"
    first = (p.x if row else p.y) == 0
    last = (p.x == p.width - 1) if row else (p.y == p.height - 1)
    p.set_local_color_config(C, rx=pw.EAST if row else pw.SOUTH,
                             tx=pw.WEST if row else pw.NORTH, teardown=True,
                             switches=pw.Switches(pos1=pw.SwitchPos(rx=pw.RAMP), ring_mode=True,
                                                  pop_mode="pop_on_advance"))
    oq = p.output_queue(2, C)
    iq = p.input_queue(2, C)
    value = p.var("value", pw.u32, 1, init=(p.x + p.y + 1) * 10)
    got = p.var("got", pw.u32, 4)
    count = p.var("count", pw.u32, 1)
    words = p.var("words", pw.u16, 4)      # switch, color before; switch, color after
    ctrl_11 = p.var("ctrl_11", pw.u32, 1, init=sw.ctrl(sw.switch_cmd_11()))
    out = pw.fabout(C, extent=1, queue=oq)
    ctl = pw.fabout(C, extent=1, queue=oq, control=True)
    if row:
        in_dir, out_dir = INPUT_WEST, OUTPUT_EAST
    else:
        in_dir, out_dir = INPUT_NORTH, OUTPUT_SOUTH

    @p.local_task(12)
    def send_ctrl():
        pw.mov32(ctl, ctrl_11[0], async_=True)

    @p.data_task(iq)
    def recv(v: pw.u32):
        got[count[0]] = v
        count[0] += 1

    @p.on_start
    @p.local_task(10)
    def configure():
        # (1) the switch: back to position 0, position 1 from RAMP (the last PE has none)
        r_switch_state = pw.get_config(switch_addr)
        words[0] = r_switch_state
        r_switch_state = r_switch_state & MASK_SWITCH_RESET_POS0
        r_switch_state = r_switch_state & MASK_SWITCH_CLEAR_POS1
        if last:
            r_switch_state = r_switch_state | SWITCH_POS1_INVALID
        else:
            r_switch_state = r_switch_state | SWITCH_POS1_RAMP
        pw.set_config(switch_addr, r_switch_state)
        # (2) position 0: clear bits 0-9, keep 10-15 (swap, pop mode, teardown, p2p)
        r_state = pw.get_config(color_addr)
        words[1] = r_state
        r_state = r_state & MASK_INPUT_OUTPUT_POS0
        if first:
            r_state = r_state | INPUT_RAMP | out_dir
        elif last:
            r_state = r_state | in_dir | OUTPUT_RAMP
        else:
            r_state = r_state | in_dir | out_dir
        pw.set_config(color_addr, r_state)
        tc.teardown.exit(C)
        words[2] = pw.get_config(switch_addr)
        words[3] = pw.get_config(color_addr)
        if not last:
            pw.mov32(out, value[0], async_=True, activate=send_ctrl)


@pytest.mark.parametrize("axis, width, height", [("row", 4, 1), ("col", 1, 3)])
def test_reduction_routes_written_through_registers(jit, axis, width, height):
    h = Harness(chain, width=width, height=height, jit=jit, axis=axis)
    h.run_until_idle(max_cycles=20_000)
    n = max(width, height)
    last = (width - 1, height - 1)
    sent = [(x + y + 1) * 10 for y in range(height) for x in range(width)][:-1]
    assert h.peek("count", pe=last)[0] == n - 1
    assert list(h.peek("got", pe=last)[:n - 1]) == sent       # in chain order
    pop = 2 << 12                      # pop_on_advance, pywse's code in bits 12-13
    for k in range(n):
        pe = (k, 0) if axis == "row" else (0, k)
        w = h.peek("words", pe=pe)
        is_last = k == n - 1
        # before: position 1 from RAMP (input), 2 and 3 invalid, ring mode; the comptime
        # placeholder route, pop mode and teardown in progress
        placeholder = (INPUT_EAST | OUTPUT_WEST) if axis == "row" else (INPUT_SOUTH | OUTPUT_NORTH)
        assert w[0] == 0x155C and w[1] == placeholder | pop | 1 << 14
        # after: position 1 invalid on the last PE (its select bit kept), the new route
        assert w[2] == (0x155D if is_last else 0x155C)
        src = INPUT_RAMP if k == 0 else (INPUT_WEST if axis == "row" else INPUT_NORTH)
        dst = OUTPUT_RAMP if is_last else (OUTPUT_EAST if axis == "row" else OUTPUT_SOUTH)
        assert w[3] == src | dst | pop
        assert h.engine.st.tip[h.engine.pe_index(*pe), 3] & fabric.TIP_ON == 0


@pw.program
def bcast(p, *, C=pw.Color(5), n: int = 3):
    """bcast_configure: up the last column from the bottom-right PE, then west along every
    row, position 1 invalid everywhere (several tx directions in one word); the bottom-right
    PE sends n values and every other PE receives them."""
    tc = p.import_module("<tile_config>")
    color_addr = tc.color_config.get_color_config_addr(C)
    switch_addr = tc.switch_config.get_switch_config_addr(C)
    first_px, last_px = p.x == 0, p.x == p.width - 1
    first_py, last_py = p.y == 0, p.y == p.height - 1
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.EAST, teardown=True,
                             switches=pw.Switches(pos1=pw.SwitchPos(rx=pw.RAMP), ring_mode=True,
                                                  pop_mode="pop_on_advance"))
    oq = p.output_queue(3, C)
    iq = p.input_queue(3, C)
    vals = p.var("vals", pw.u32, n, init=np.arange(1, n + 1) * 7)
    got = p.var("got", pw.u32, n)
    out = pw.fabout(C, extent=n, queue=oq)
    inp = pw.fabin(C, extent=n, queue=iq)

    @p.on_start
    @p.local_task(10)
    def configure():
        r_switch_state = pw.get_config(switch_addr)
        r_switch_state = r_switch_state & MASK_SWITCH_RESET_POS0
        r_switch_state = r_switch_state & MASK_SWITCH_CLEAR_POS1
        r_switch_state = r_switch_state | SWITCH_POS1_INVALID
        pw.set_config(switch_addr, r_switch_state)
        r_state = pw.get_config(color_addr)
        r_state = r_state & MASK_INPUT_OUTPUT_POS0
        if last_px:
            if last_py:
                r_state = r_state | INPUT_RAMP | OUTPUT_WEST | OUTPUT_NORTH
            elif first_py:
                r_state = r_state | INPUT_SOUTH | OUTPUT_WEST | OUTPUT_RAMP
            else:
                r_state = r_state | INPUT_SOUTH | OUTPUT_WEST | OUTPUT_RAMP | OUTPUT_NORTH
        elif first_px:
            r_state = r_state | INPUT_EAST | OUTPUT_RAMP
        else:
            r_state = r_state | INPUT_EAST | OUTPUT_RAMP | OUTPUT_WEST
        pw.set_config(color_addr, r_state)
        tc.teardown.exit(C)
        if last_px and last_py:
            pw.mov32(out, pw.mem1d(vals), async_=True)
        else:
            pw.mov32(pw.mem1d(got), inp, async_=True)


def test_broadcast_routes_written_through_registers(jit):
    h = Harness(bcast, width=3, height=3, jit=jit)
    h.run_until_idle(max_cycles=20_000)
    for y in range(3):
        for x in range(3):
            if (x, y) != (2, 2):
                assert list(h.peek("got", pe=(x, y))) == [7, 14, 21], (x, y)


@pw.program
def roundtrip(p, *, C=pw.Color(4)):
    """<tile_config> calls, then the registers read back; then words written and the
    <tile_config> view of them (get_pending, the router state)."""
    tc = p.import_module("<tile_config>")
    cc, sc = tc.color_config, tc.switch_config
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    words = p.var("words", pw.u16, 6)
    addrs = p.var("addrs", pw.u16, 2)

    @p.on_start
    @p.local_task(10)
    def go():
        addrs[0] = cc.get_color_config_addr(C)
        addrs[1] = sc.get_switch_config_addr(C)
        cc.reset_routes(C, tx=(pw.EAST, pw.NORTH), rx=pw.WEST)
        sc.set_tx_switch_pos1(C, pw.SOUTH)
        sc.set_ring_mode(C, 1)
        words[0] = pw.get_config(cc.get_color_config_addr(C))
        words[1] = pw.get_config(sc.get_switch_config_addr(C))
        # position 2 from the west, current position 1; the base route now from RAMP
        pw.set_config(sc.get_switch_config_addr(C), pw.u16(0x2000 | 0x1000 | 0x580 | 0x2))
        pw.set_config(cc.get_color_config_addr(C), pw.u16(0x4000 | INPUT_RAMP | OUTPUT_EAST))
        words[2] = pw.get_config_unchecked(sc.get_switch_config_addr(C))
        words[3] = pw.get_config(cc.get_color_config_addr(C))
        pw.set_config_unchecked(cc.get_color_config_addr(C), pw.u16(INPUT_RAMP | OUTPUT_EAST))
        words[4] = pw.get_config(cc.get_color_config_addr(C))
        words[5] = tc.teardown.get_pending()


@pytest.mark.parametrize("arch", ["wse3", "wse2"])
def test_tile_config_and_registers_agree(jit, arch):
    h = Harness(roundtrip, jit=jit, arch=arch)
    h.run_until_idle(max_cycles=1000)
    assert list(h.peek("addrs")) == [cs.COLOR_CONFIG + 4, cs.SWITCH_CONFIG + 4]
    w = h.peek("words")
    assert w[0] == INPUT_WEST | OUTPUT_EAST | OUTPUT_NORTH | 1 << 14
    # position 1: tx SOUTH (code 2, select 0); 2, 3 invalid; ring mode
    assert w[1] == 0x0002 | 0x0050 | 0x0500 | 0x1000
    assert w[2] == 0x2000 | 0x1000 | 0x580 | 0x2
    assert w[3] == 0x4000 | INPUT_RAMP | OUTPUT_EAST
    assert w[4] == INPUT_RAMP | OUTPUT_EAST and w[5] == 0      # clearing bit 14 left teardown
    st = h.engine.st
    # position 1 overrides tx (SOUTH), takes rx from the new base route (RAMP); position 2
    # overrides rx (WEST), takes tx (EAST) from it; the switch stands at position 1
    assert list(st.sw_rx[0, 4, :3]) == [1, 1, 16] and list(st.sw_tx[0, 4, :3]) == [8, 4, 8]
    assert st.sw_npos[0, 4] == 3 and st.sw_cur[0, 4] == 1 and st.sw_ring[0, 4] == 1


def test_comptime_set_config_says_why():
    @pw.program
    def body(p):
        pw.set_config(0x7F23, 0)

    with pytest.raises(pw.ProgramError, match=r"refuses the routing and switch ranges"):
        Harness(body)


def test_builder_set_config_says_why():
    @pw.program
    def body(p):
        p.set_config(0x7F23, 0)

    with pytest.raises(pw.ProgramError, match=r"p.set_config in a program body: CSL's top-level "
                                              r"comptime form refuses"):
        Harness(body)
