"""wse3's control task table (`pw.set_control_task_table`): without it control tasks share
the task table with data and local tasks, so one id is one task; with it a control task and
a local task of the same id both run, compiled and plain. (Queue flushes:
tests/test_queue_flush.py.)"""
import pytest

import pywse as pw
from pywse.testing import Harness

C = pw.Color(3)


@pw.program
def send_ctl(p):
    oq = p.output_queue(2, C)
    out = pw.fabout(C, extent=1, queue=oq, control=True)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out, pw.control.encode_single_payload(pw.control.NOP, False, 10, 77))


@pw.program
def both_tens(p, *, own_table: bool, config=None):
    """A control task and a local task, both id 10."""
    iq = p.input_queue(2, C)
    p.unblock(iq)
    got = p.var("got", pw.u16, 2)

    @p.control_task(10)
    def on_ctl(data: pw.u16):
        got[0] = data

    @p.on_start
    @p.local_task(10)
    def local_ten():
        got[1] = 1

    if own_table:
        if config is None:
            pw.set_control_task_table()
        else:
            pw.set_control_task_table(config)


def pair(own_table: bool, config=None) -> pw.Layout:
    layout = pw.Layout(2, 1)
    layout.set_tile_code(0, 0, send_ctl)
    layout.set_tile_code(1, 0, both_tens, own_table=own_table, config=config)
    layout.set_color_config(0, 0, C, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(1, 0, C, rx=[pw.WEST], tx=[pw.RAMP])
    return layout


@pytest.mark.parametrize("config", [None, {"instructions": 8, "stride": 4}])
def test_a_control_table_of_its_own_lets_a_control_and_a_local_task_share_an_id(config, jit):
    h = Harness(pair(True, config), arch="wse3", jit=jit)
    h.run_until_idle()
    assert list(h.peek("got", pe=(1, 0))) == [77, 1]
    art = pw.compile(pair(True, config), arch="wse3", memcpy=False)
    image = art.images[art.pe_image[1]]                  # PE (1, 0)'s
    assert image.control_table == ((4, 1) if config is None else (8, 4))


def test_without_it_the_ids_clash():
    with pytest.raises(pw.ProgramError, match=r"control task 'on_ctl' and local task "
                                              r"'local_ten' both have id 10(.|\n)*call "
                                              r"pw.set_control_task_table\(\)"):
        pw.compile(pair(False), arch="wse3", memcpy=False)
    with pytest.raises(pw.ProgramError, match=r"both have id 10(.|\n)*give one of them "
                                              r"another id"):
        pw.compile(pair(False), arch="wse2", memcpy=False)


@pw.program
def table_twice(p, *, how: str):
    if how == "twice":
        pw.set_control_task_table()
        pw.set_control_task_table()
    elif how == "instructions":
        pw.set_control_task_table(instructions=3)
    elif how == "stride":
        pw.set_control_task_table({"stride": 0})
    elif how == "field":
        pw.set_control_task_table(entries=4)


@pytest.mark.parametrize("how, arch, match", [
    ("twice", "wse3", "pw.set_control_task_table is called twice"),
    ("instructions", "wse3", "instructions=3; an entry point has 2, 4 or 8 instructions"),
    ("stride", "wse3", r"stride=0; the stride is 1..7"),
    ("field", "wse3", r"no field entries \(its fields: instructions, stride\)"),
    ("twice", "wse2", "wse2 has one task table for every kind of task"),
])
def test_its_mistakes_are_named(how, arch, match):
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, table_twice, how=how)
    with pytest.raises(pw.ProgramError, match=match):
        pw.compile(layout, arch=arch, memcpy=False)


@pw.program
def table_in_a_task(p):
    @p.on_start
    @p.local_task(10)
    def go():
        pw.set_control_task_table()


def test_the_checker_places_them():
    one = pw.Layout(1, 1)
    one.set_tile_code(0, 0, table_in_a_task)
    with pytest.raises(pw.TaskError, match=r"`@set_control_task_table` is comptime: call "
                                           r"pw.set_control_task_table in the program body"):
        pw.compile(one, arch="wse3", memcpy=False)
