"""Routes a program sets on its own PE (CSL `@set_local_color_config`): applied by
pw.compile to every PE running the program, checked with the layout's routes."""
import pytest

import pywse as pw
from pywse.testing import Harness

N = 3


@pw.program
def sender(p, *, c: pw.Color):
    p.set_local_color_config(c, rx=[pw.RAMP], tx=[pw.EAST])
    data = p.const(pw.u32, [5, 6, 7])
    src, out = pw.mem1d(data, extent=N), pw.fabout(c, extent=N)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out, src)


@pw.program
def receiver(p, *, c: pw.Color):
    p.set_local_color_config(c, rx=[pw.WEST], tx=[pw.RAMP])
    got = p.var("got", pw.u32, N)
    dst, into = pw.mem1d(got, extent=N), pw.fabin(c, extent=N)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(dst, into)


def two_pes(layout_routes=False):
    layout = pw.Layout(2, 1)
    layout.set_tile_code(0, 0, sender, c=pw.Color(5))
    layout.set_tile_code(1, 0, receiver, c=pw.Color(5))
    if layout_routes:
        layout.set_color_config(1, 0, pw.Color(5), rx=[pw.WEST], tx=[pw.RAMP])
    return layout


def test_programs_route_their_own_pes(jit):
    layout = two_pes()
    h = Harness(layout, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("got", pe=(1, 0)).tolist() == [5, 6, 7]
    assert not layout.routes.pid.any(), "the user's layout is left as written"
    pw.compile(layout, arch="wse2")       # and compiles again


def test_an_out_dir_keeps_the_layout_as_written(tmp_path):
    layout = two_pes()
    pw.compile(layout, arch="wse3", out_dir=tmp_path / "out")
    art = pw.compile(layout, arch="wse3")
    reloaded = pw.SdkRuntime(str(tmp_path / "out")).artifacts
    assert (reloaded.layout.routes.pid == art.layout.routes.pid).all()
    assert reloaded.written is not None and not reloaded.written.routes.pid.any()


def test_a_color_routed_by_the_layout_and_the_program_is_refused():
    with pytest.raises(pw.RoutingError) as err:
        pw.compile(two_pes(layout_routes=True), arch="wse3")
    text = str(err.value)
    assert "PE (1, 0) color 5 is routed twice" in text and "program 'receiver'" in text
    assert "p.set_local_color_config(c, rx=[pw.WEST], tx=[pw.RAMP])" in text   # the user's line


@pw.program
def bad_route(p):
    p.set_local_color_config(pw.Color(4), rx=["up"], tx=[pw.RAMP])


@pw.program
def twice(p):
    p.set_local_color_config(pw.Color(4), rx=[pw.WEST], tx=[pw.RAMP])
    p.set_local_color_config(pw.Color(4), rx=[pw.EAST], tx=[pw.RAMP])


def test_bad_program_routes_name_the_program_line():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, bad_route)
    with pytest.raises(pw.RoutingError) as err:
        pw.compile(layout, arch="wse3")
    assert "rx=[\"up\"]" in str(err.value)
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, twice)
    with pytest.raises(pw.ProgramError, match="color 4 is configured twice"):
        pw.compile(layout, arch="wse3")
