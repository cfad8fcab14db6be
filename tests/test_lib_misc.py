"""`<layout>`, `<directions>`, `<control>` and `<memcpy/memcpy_switches>`."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import control, directions
from pywse.lib.memcpy import memcpy_switches as switches
from pywse.testing import Harness


@pw.program
def where_am_i(p):
    lay = p.import_module("<layout>")
    xy = p.var("xy", pw.u16, 2, export=True)

    @p.on_start
    @p.local_task(10)
    def go():
        xy[0] = lay.get_x_coord()
        xy[1] = lay.get_y_coord() * 10


def test_layout_gives_each_pe_its_column_and_row(jit):
    layout = pw.Layout(3, 2)
    layout.set_tile_code(0, 0, where_am_i)
    layout.set_tile_code(1, 0, where_am_i)
    layout.set_tile_code(2, 0, where_am_i)
    layout.set_tile_code(0, 1, where_am_i)
    layout.set_tile_code(1, 1, where_am_i)
    layout.set_tile_code(2, 1, where_am_i)
    h = Harness(layout, jit=jit)
    h.run_until_idle()
    for x in range(3):
        for y in range(2):
            assert list(h.peek("xy", pe=(x, y))) == [x, 10 * y]


def test_directions_turn_as_documented():
    N, S, E, W, R = pw.NORTH, pw.SOUTH, pw.EAST, pw.WEST, pw.RAMP
    assert [directions.flip(d) for d in (N, S, E, W, R)] == [S, N, W, E, R]
    assert [directions.rotate_clockwise(d) for d in (N, E, S, W, R)] == [E, S, W, N, R]
    assert [directions.rotate_counterclockwise(d) for d in (N, E, S, W, R)] == [W, N, E, S, R]
    assert [directions.flip_vertical(d) for d in (N, S, E, W)] == [S, N, E, W]
    assert [directions.flip_horizontal(d) for d in (N, S, E, W)] == [N, S, W, E]
    with pytest.raises(pw.ProgramError, match="'UP' is not a direction"):
        directions.flip("UP")


@pw.program
def turns(p):
    d = p.import_module("<directions>")
    assert d.flip(pw.WEST) == pw.EAST


def test_directions_import_as_in_csl():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, turns)
    pw.compile(layout, arch="wse3", memcpy=False)
    on_layout = layout.import_module("<directions>")      # routes.csl imports it there
    assert on_layout.flip(pw.NORTH) == pw.SOUTH


def test_control_payloads_follow_the_documented_layout():
    assert control.MAX_CMDS == 8
    op = control.opcode
    assert (op.NOP, op.SWITCH_ADV, op.SWITCH_RST, op.TEARDOWN) == (0, 1, 2, 3)
    # the three call shapes of csl-examples (topic-05/06/07)
    assert control.encode_single_payload(op.SWITCH_ADV, True, None, 0) == \
        (0x3F << 16) | (1 << 22) | (1 << 24)
    assert control.encode_single_payload(op.SWITCH_ADV, False, 40, 6) == \
        (40 << 16) | (1 << 22) | 6
    assert control.encode_control_task_payload(43) == 43 << 16
    # encode_payload: the commands in order, the rest NOP with ce_ignore_remaining
    assert control.encode_payload(1, [op.TEARDOWN], [True], True, None) == \
        (0x3F << 16) | (3 << 22) | (1 << 24) | (1 << 27) | 0x9249
    assert control.encode_payload(2, [op.SWITCH_ADV, op.SWITCH_RST], [False, True], False, 7) \
        == (7 << 16) | (1 << 22) | (2 << 25) | (1 << 27)
    with pytest.raises(ValueError, match="n = 2 but 1 commands"):
        control.encode_payload(2, [op.NOP], [True], True)


def test_memcpy_switches_words_are_the_sdks():
    assert switches.ctrl(switches.teardown_cmd_1()) == 0x9DF9249
    assert switches.ctrl(switches.switch_cmd_11()) == 0xB5F9249
    with pytest.raises(pw.ProgramError, match="every command must be CE-ignored"):
        switches.ctrl(((control.opcode.SWITCH_ADV, False),))


@pw.program
def sender(p, *, color: pw.Color):
    ctrl = p.import_module("<control>")
    sw = p.import_module("<memcpy/memcpy_switches>", name="switches")
    oq = p.output_queue(2, color)
    out = pw.fabout(color, extent=1, queue=oq, control=True)
    words = p.var("words", pw.u32, 4, export=True)
    teardown = p.const(pw.u32, [sw.ctrl(sw.teardown_cmd_1())])

    @p.on_start
    @p.local_task(10)
    def go():
        words[0] = ctrl.encode_single_payload(ctrl.opcode.SWITCH_ADV, True, None, 0)
        words[1] = ctrl.encode_control_task_payload(9)
        words[2] = ctrl.encode_single_payload(ctrl.opcode.NOP, False, 9, 77)
        words[3] = teardown[0]
        pw.mov32(out, words[2])


@pw.program
def receiver(p, *, color: pw.Color):
    iq = p.input_queue(2, color)
    got = p.var("got", pw.u16, 1, export=True)
    p.unblock(iq)

    @p.control_task(9)
    def on_ctrl(data: pw.u16):
        got[0] = data


def test_control_encoders_run_in_task_bodies_and_reach_a_control_task(jit):
    layout = pw.Layout(2, 1)
    c = pw.Color(3)
    layout.set_tile_code(0, 0, sender, color=c)
    layout.set_tile_code(1, 0, receiver, color=c)
    layout.set_color_config(0, 0, c, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(1, 0, c, rx=[pw.WEST], tx=[pw.RAMP])
    h = Harness(layout, jit=jit)
    h.run_until_idle()
    words = h.peek("words")
    assert list(words) == [control.encode_single_payload(1, True, None, 0),
                           control.encode_control_task_payload(9),
                           control.encode_single_payload(0, False, 9, 77), 0x9DF9249]
    assert h.peek("got", pe=(1, 0))[0] == 77
    assert isinstance(words, np.ndarray)
