"""SdkLayout: every API call and every bad input, and the five sdklayout tutorials."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from conftest import arch_legs
from progs import relay
from pywse.geometry import IntRectangle, IntVector
from pywse.sdkruntime import (
    Color,
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_edge_routing,
    get_platform,
)

SDK_EXAMPLES = Path(__file__).parent.parent / "examples" / "sdklayout"


@pw.program
def store(p, *, value: int):
    """Stores `value` and its coordinates at load time (sdklayout-01's program, plus p.x/p.y)."""
    out = p.var("out", pw.i32, 3, export=True)
    x, y = p.x, p.y

    @p.on_start
    @p.local_task(8)
    def main():
        out[0] = value
        out[1] = x
        out[2] = y


@pw.program
def matrix(p, *, rows: int, cols: int):
    p.var("A", pw.f32, (rows, cols), export=True)


def platform(dims=None, target=SdkTarget.WSE3):
    return get_platform(None, SimfabConfig(dump_core=True, fabric_dims=dims), target)


def ramp_in():
    return RoutingPosition().set_output([Route.RAMP])


def ramp_out():
    return RoutingPosition().set_input([Route.RAMP])


def chain(layout, names_at, size=4):
    """Relay regions at the given places, each with an input port LEFT and output port
    RIGHT; returns their (input port, output port) pairs."""
    ports = []
    for name, (x, y) in names_at:
        r = layout.create_code_region(relay, name, 1, 1)
        rx, tx = r.color("rx"), r.color("tx")
        r.set_param_all("size", size)
        r.set_param_all(rx)
        r.set_param_all(tx)
        ports.append((r.create_input_port(rx, Edge.LEFT, [ramp_in()], size),
                      r.create_output_port(tx, Edge.RIGHT, [ramp_out()], size)))
        r.place(x, y)
    return ports


def run_streams(layout, sends, receives, jit):
    art = layout.compile(out_prefix=None)
    rt = SdkRuntime(art, layout.platform, memcpy_required=False, jit=jit)
    rt.load()
    rt.run()
    for stream, data in sends:
        rt.send(stream, data, nonblock=True)
    outs = []
    for stream, n in receives:
        out = np.zeros(n, np.uint32)
        rt.receive(stream, out, n, nonblock=True)
        outs.append(out)
    rt.stop()
    return rt, outs


# -- platform ---------------------------------------------------------------------------------

def test_platform_and_its_fabric():
    p = get_platform(None, SimfabConfig(dump_core=True), SdkTarget.WSE2)
    assert p.arch == "wse2" and p.fabric_dims == (757, 996)
    assert platform((30, 20)).fabric_dims == (30, 20)


def test_a_cs_system_address_is_refused():
    with pytest.raises(pw.LayoutError, match="cmaddr='10.0.0.1:9000' names a CS system"):
        get_platform("10.0.0.1:9000", SimfabConfig(), SdkTarget.WSE3)


# -- regions and params -------------------------------------------------------------------------

def test_params_per_pe_range_and_all_and_region_coordinates(jit):
    layout = SdkLayout(platform())
    r = layout.create_code_region(store, "r", 3, 2)
    r.set_param_all("value", 1)
    r.set_param_range(IntRectangle(IntVector(1, 0), IntVector(3, 2)), "value", 2)
    r.set_param(IntVector(2, 1), "value", 3)
    r.place(4, 5)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False,
                    jit=jit)
    rt.load(); rt.run(); rt.stop()
    got = {(x, y): rt.read_symbol(4 + x, 5 + y, "out", dtype=np.int32).tolist()
           for y in range(2) for x in range(3)}
    assert got[(0, 0)] == [1, 0, 0] and got[(0, 1)] == [1, 0, 1]
    assert got[(1, 0)] == [2, 1, 0] and got[(2, 0)] == [2, 2, 0]
    assert got[(2, 1)] == [3, 2, 1]          # p.x, p.y are region-local


def test_a_program_runs_under_both_layouts():
    classic = pw.Layout(1, 1)
    classic.set_tile_code(0, 0, store, value=7)
    art = pw.compile(classic, arch="wse3", memcpy=False)
    rt = pw.SdkRuntime(art, memcpy_required=False)
    rt.load(); rt.run(); rt.stop()
    assert rt.read_symbol(4, 1, "out", dtype=np.int32)[0] == 7
    layout = SdkLayout(platform())
    layout.create_code_region(store, "s", 1, 1).set_param_all("value", 7)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False)
    rt.load(); rt.run(); rt.stop()
    assert rt.read_symbol(0, 0, "out", dtype=np.int32)[0] == 7


def test_a_region_from_a_module_function_string():
    layout = SdkLayout(platform())
    r = layout.create_code_region("test_sdklayout:store", "s", 1, 1)
    assert r.program is store


@pytest.mark.parametrize("call, message", [
    (lambda L: L.create_code_region("./gv.csl", "gv", 1, 1), "expected a @pw.program"),
    (lambda L: L.create_code_region("no_such_module:prog", "gv", 1, 1), "cannot load"),
    (lambda L: L.create_code_region(store, "gv", 0, 1), "positive integers"),
    (lambda L: [L.create_code_region(store, "gv", 1, 1), L.create_code_region(store, "gv", 1, 1)],
     "a region named 'gv' exists already"),
    (lambda L: L.create_code_region(store, "gv", 1, 1).set_param_all("nope", 1),
     "program 'store' has no param 'nope'"),
    (lambda L: L.create_code_region(store, "gv", 2, 2).set_param(IntVector(2, 0), "value", 1),
     r"set_param at \(2, 0\) is outside the 2x2 region"),
    (lambda L: L.create_code_region(store, "gv", 2, 2).set_param_range(
        IntRectangle(IntVector(0, 0), IntVector(3, 1)), "value", 1), "reaches outside"),
    (lambda L: L.create_code_region(store, "gv", 1, 1).set_param_all(Color(3)),
     "a numbered color has no name"),
])
def test_region_mistakes(call, message):
    with pytest.raises(pw.LayoutError, match=message):
        call(SdkLayout(platform()))


def test_missing_param_names_the_region():
    layout = SdkLayout(platform())
    layout.create_code_region(store, "gv", 1, 1)
    with pytest.raises(pw.LayoutError, match="region 'gv': PE .* no value for param value"):
        layout.compile(out_prefix=None)


# -- symbols -----------------------------------------------------------------------------------

def test_set_symbol_all_tiles_a_matrix_and_set_symbol_one_pe():
    layout = SdkLayout(platform())
    r = layout.create_code_region(matrix, "m", 2, 3)
    r.set_param_all("rows", 2)
    r.set_param_all("cols", 4)
    big = np.arange(6 * 8, dtype=np.float32)          # a 6 x 8 matrix over 2 x 3 PEs
    r.set_symbol_all("A", big, 8, 6)
    r.set_symbol(IntVector(1, 2), "A", -np.ones(8, np.float32))
    r.place(1, 1)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False)
    rt.load(); rt.run(); rt.stop()
    whole = big.reshape(6, 8)
    assert rt.read_symbol(1, 1, "A", dtype=np.float32).tolist() == whole[0:2, 0:4].ravel().tolist()
    assert rt.read_symbol(2, 2, "A", dtype=np.float32).tolist() == whole[2:4, 4:8].ravel().tolist()
    assert rt.read_symbol(2, 3, "A", dtype=np.float32).tolist() == [-1.0] * 8


@pytest.mark.parametrize("setup, message", [
    (lambda r: r.set_symbol_all("B", np.zeros(8)), "declares no symbol 'B'"),
    (lambda r: r.set_symbol_all("A", np.zeros(5)), "gives PE \\(0, 0\\) 5 values; its 'A' holds 8"),
    (lambda r: r.set_symbol_all("A", np.zeros(30), 5, 6), "must have 30 elements .* split evenly"),
])
def test_symbol_mistakes(setup, message):
    layout = SdkLayout(platform())
    r = layout.create_code_region(matrix, "m", 2, 3)
    r.set_param_all("rows", 2)
    r.set_param_all("cols", 4)
    with pytest.raises(pw.LayoutError, match=message):
        setup(r)
        layout.compile(out_prefix=None)


# -- routes --------------------------------------------------------------------------------------

def test_routing_position_chains_and_freezes_when_used():
    pos = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP, Route.EAST])
    assert pos.inputs == {pw.WEST} and pos.outputs == {pw.RAMP, pw.EAST}
    edge = get_edge_routing(Edge.RIGHT, [pos])
    pos.set_output([Route.SOUTH])
    assert edge.positions == (({pw.WEST}, {pw.RAMP, pw.EAST}),)


@pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")   # paints without a feeder
def test_paint_all_with_an_edge_override_and_switch_positions():
    layout = SdkLayout(platform())
    r = layout.create_code_region(store, "r", 3, 1)
    r.set_param_all("value", 0)
    a = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP])
    b = RoutingPosition().set_input([Route.WEST]).set_output([Route.EAST])
    c = Color("c")
    r.paint_all(c, [a, b], [get_edge_routing(Edge.RIGHT, [a])])
    art = layout.compile(out_prefix=None)
    routes = art.layout.routes
    color = next(k[2] for k in routes)
    assert routes[(0, 0, color)].switches.pos1.tx == {pw.EAST}
    assert routes[(2, 0, color)].switches is None and routes[(2, 0, color)].tx == {pw.RAMP}
    assert color in (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20)   # a wse3 switch color


@pytest.mark.parametrize("call, message", [
    (lambda r: r.paint(IntVector(0, 0), Color("c"), [RoutingPosition().set_output([Route.EAST])]),
     "needs both set_input and set_output"),
    (lambda r: r.paint(IntVector(0, 0), Color("c"), [RoutingPosition()] * 5), "give 1 to 4"),
    (lambda r: r.paint(IntVector(0, 0), "c", [ramp_out()]), "expected a Color"),
    (lambda r: RoutingPosition().set_input(["UP"]), "is not a Route"),
    (lambda r: r.paint_all(Color("c"), [RoutingPosition().set_input([Route.RAMP])
                                        .set_output([Route.EAST])], ["RIGHT"]),
     "edge routes come from get_edge_routing"),
])
def test_route_mistakes(call, message):
    r = SdkLayout(platform()).create_code_region(store, "r", 2, 1)
    with pytest.raises(pw.LayoutError, match=message):
        call(r)


def test_painting_a_pe_twice_is_an_error():
    layout = SdkLayout(platform())
    r = layout.create_code_region(store, "r", 2, 1)
    r.set_param_all("value", 0)
    pos = RoutingPosition().set_input([Route.RAMP]).set_output([Route.EAST])
    r.paint_all(Color("c"), [pos])
    r.paint(IntVector(0, 0), Color("c"), [pos])
    with pytest.raises(pw.LayoutError, match=r"PE \(0, 0\) \(local\) is painted twice"):
        layout.compile(out_prefix=None)


# -- ports, placement, connect -------------------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda r: r.create_output_port(Color("c"), Edge.RIGHT, [ramp_in()], 4),
     "the compiler picks a port's outputs"),
    (lambda r: r.create_input_port(Color("c"), Edge.LEFT,
                                   [RoutingPosition().set_input([Route.WEST])], 4),
     "the compiler picks a port's inputs"),
    (lambda r: r.create_input_port(Color("c"), "LEFT", [ramp_in()], 4), "is not an Edge"),
    (lambda r: r.create_input_port(Color("c"), Edge.LEFT, [ramp_in()], 0), "positive number"),
])
def test_port_mistakes(call, message):
    r = SdkLayout(platform()).create_code_region(store, "r", 1, 1)
    with pytest.raises(pw.LayoutError, match=message):
        call(r)


def test_placement_mistakes():
    layout = SdkLayout(platform((20, 10)))
    a = layout.create_code_region(store, "a", 3, 3)
    b = layout.create_code_region(store, "b", 2, 2)
    a.place(1, 1)
    with pytest.raises(pw.LayoutError, match="region 'a' is placed twice"):
        a.place(5, 5)
    with pytest.raises(pw.LayoutError, match="overlaps region 'a'"):
        b.place(3, 3)
    with pytest.raises(pw.LayoutError, match="does not fit on the 20x10 fabric"):
        b.place(19, 0)
    layout = SdkLayout(platform((20, 10)))
    a = layout.create_code_region(store, "a", 3, 3)
    c = layout.create_code_region(store, "c", 2, 2)     # never placed: it sits at (0, 0)
    for r in (a, c):
        r.set_param_all("value", 0)
    a.place(0, 0)
    with pytest.raises(pw.LayoutError, match="region 'c' is not placed: call place"):
        layout.compile(out_prefix=None)


def test_connect_mistakes():
    layout = SdkLayout(platform())
    (i1, o1), (i2, o2) = chain(layout, [("a", (1, 1)), ("b", (5, 1))])
    big = layout.create_code_region(relay, "big", 1, 2)
    big_in = big.create_input_port(big.color("rx"), Edge.LEFT, [ramp_in()], 4)
    odd = layout.create_code_region(relay, "odd", 1, 1)
    odd_in = odd.create_input_port(odd.color("rx"), Edge.LEFT, [ramp_in()], 5)
    with pytest.raises(pw.LayoutError, match="connect an output port to an input port"):
        layout.connect(o1, o2)
    with pytest.raises(pw.LayoutError, match="connect an output port to an input port"):
        layout.connect(i1, i2)
    with pytest.raises(pw.LayoutError, match=r"sizes differ \(4 vs 5 wavelets\)"):
        layout.connect(o1, odd_in)
    with pytest.raises(pw.LayoutError, match="span 1 and 2 PEs"):
        layout.connect(o1, big_in)
    layout.connect(o1, i2)
    with pytest.raises(pw.LayoutError, match="port a.tx is already connected to b.rx"):
        layout.connect(o1, i2)


def test_connect_routes_around_regions_and_describe_shows_it(jit):
    layout = SdkLayout(platform((16, 8)))
    (a_in, a_out), (b_in, b_out) = chain(layout, [("a", (1, 3)), ("b", (8, 3))])
    wall = layout.create_code_region(store, "wall", 1, 5)
    wall.set_param_all("value", 0)
    wall.place(5, 1)                       # stands between a and b
    layout.connect(a_out, b_in)
    src = layout.create_input_stream(a_in)
    dst = layout.create_output_stream(b_out)
    text = layout.describe()
    assert "a.tx -> b.rx: color" in text and "(1, 3) E" in text and "(8, 3)" in text
    path = next(line for line in text.splitlines() if line.strip().startswith("(1, 3)"))
    assert ("N" in path or "S" in path) and "hops" in path   # it went around the wall
    data = np.arange(1, 5, dtype=np.uint32)
    rt, (out,) = run_streams(layout, [(src, data)], [(dst, 4)], jit)
    assert out.tolist() == data.tolist()


def test_no_path_names_the_blocking_regions():
    layout = SdkLayout(platform((12, 5)))
    (_, a_out), (b_in, _) = chain(layout, [("a", (1, 2)), ("b", (8, 2))])
    wall = layout.create_code_region(store, "wall", 1, 5)
    wall.set_param_all("value", 0)
    wall.place(5, 0)                      # from the top of the fabric to its bottom
    layout.connect(a_out, b_in)
    with pytest.raises(pw.RoutingError, match="no path from .* regions 'wall' block the way"):
        layout.compile(out_prefix=None)


def test_a_port_facing_another_region_or_the_fabric_edge():
    layout = SdkLayout(platform((12, 5)))
    (_, a_out), (b_in, _) = chain(layout, [("a", (1, 2)), ("b", (8, 2))])
    block = layout.create_code_region(store, "block", 1, 1)
    block.set_param_all("value", 0)
    block.place(2, 2)
    layout.connect(a_out, b_in)
    with pytest.raises(pw.RoutingError, match="faces region 'block'"):
        layout.compile(out_prefix=None)
    layout = SdkLayout(platform((12, 5)))
    (_, a_out), (b_in, _) = chain(layout, [("a", (11, 2)), ("b", (4, 2))])
    layout.connect(a_out, b_in)
    with pytest.raises(pw.RoutingError, match="faces the edge of the 12x5 fabric"):
        layout.compile(out_prefix=None)


def test_out_of_colors_names_the_router_and_the_flows():
    layout = SdkLayout(platform())
    r = layout.create_code_region(store, "r", 1, 1)
    r.set_param_all("value", 0)
    pos = RoutingPosition().set_input([Route.WEST]).set_output([Route.RAMP])
    for k in range(22):
        r.paint(IntVector(0, 0), Color(f"c{k}"), [pos])
    r.place(3, 3)
    with pytest.raises(pw.RoutingError, match=r"out of colors for flow Color\('c\d+'\) "
                                              r"\(regions 'r'\).*At region 'r' PE \(0, 0\)"):
        layout.compile(out_prefix=None)


def test_a_connection_joining_two_numbered_colors_is_an_error():
    layout = SdkLayout(platform())
    a = layout.create_code_region(relay, "a", 1, 1)
    b = layout.create_code_region(relay, "b", 1, 1)
    out = a.create_output_port(Color(3), Edge.RIGHT, [ramp_out()], 4)
    inp = b.create_input_port(pw.Color(4), Edge.LEFT, [ramp_in()], 4)
    a.place(1, 1)
    b.place(4, 1)
    layout.connect(out, inp)
    with pytest.raises(pw.RoutingError, match=r"joins colors \[3, 4\]"):
        layout.compile(out_prefix=None)


# -- errors and lints in SdkLayout's terms -------------------------------------------------------

@pw.program
def sends_on(p, *, c: pw.Color):
    """Sends one word on `c` at load time."""
    out = pw.fabout(c, extent=1, queue=p.output_queue(2, c))

    @p.on_start
    @p.local_task(8)
    def go():
        pw.mov32(out, 1)


@pw.program
def reads_on(p, *, rx: pw.Color):
    n = p.var("n", pw.u32, 1)

    @p.data_task(p.input_queue(3, rx))
    def got(v: pw.u32):
        n[0] += v


def through(*sides):
    """A painted position: in from the first side, out to the rest."""
    return RoutingPosition().set_input([sides[0]]).set_output(list(sides[1:]))


def line_of(text: str) -> int:
    """The line of this file that holds `text` (where an error must point)."""
    return next(k for k, line in enumerate(Path(__file__).read_text().splitlines(), 1)
                if text in line)


def test_route_errors_name_regions_colors_and_the_call_that_made_the_route():
    layout = SdkLayout(platform())
    r = layout.create_code_region(sends_on, "a", 2, 1)
    c = Color("c")
    r.set_param_all(c)
    r.paint_all(c, [through(Route.RAMP, Route.EAST)])   # PE (1, 0) takes nothing from WEST
    r.place(2, 2)
    with pytest.raises(pw.RoutingError) as err:
        layout.compile(out_prefix=None)
    text = str(err.value)
    assert text.startswith("region 'a' PE (0, 0), Color('c') (color 0): output Route.EAST "
                           "points at region 'a' PE (1, 0), which does not receive Color('c') "
                           "(color 0) from Route.WEST; add Route.WEST to its input")
    assert "its route was made here, by paint_all of Color('c') on region 'a':" in text
    assert err.value.line == line_of("r.paint_all(c, [through(Route.RAMP, Route.EAST)])")
    assert "set_color_config" not in text and "PE (2, 2)" not in text

    layout = SdkLayout(platform())
    b = layout.create_code_region(reads_on, "b", 1, 1)
    rx = b.color("rx")
    b.set_param_all(rx)
    b.paint(IntVector(0, 0), rx, [through(Route.WEST, Route.RAMP)])   # nothing to the west
    b.place(2, 2)
    with pytest.raises(pw.RoutingError, match=(
            r"region 'b' PE \(0, 0\), b.color\('rx'\) \(color 0\): input Route.WEST but PE "
            r"\(1, 2\) of the fabric \(outside every region\) sends nothing on b.color\('rx'\) "
            r"\(color 0\) toward it; no region is there to send it: take it in through an input "
            r"port and connect it")) as err:
        layout.compile(out_prefix=None)
    assert err.value.line == line_of("b.paint(IntVector(0, 0), rx, [through(Route.WEST")


def test_merges_and_cycles_are_named_in_regions():
    layout = SdkLayout(platform())
    r = layout.create_code_region(reads_on, "r", 3, 1)
    c = Color("c")
    r.set_param_all("rx", Color("other"))
    r.paint(IntVector(0, 0), c, [through(Route.RAMP, Route.EAST)])
    r.paint(IntVector(2, 0), c, [through(Route.RAMP, Route.WEST)])
    r.paint(IntVector(1, 0), c,
            [RoutingPosition().set_input([Route.WEST, Route.EAST]).set_output([Route.RAMP])])
    with pytest.raises(pw.RoutingError, match=r"region 'r' PE \(1, 0\), Color\('c'\) "
                                              r"\(color \d+\): flows from region 'r' PE \(0, 0\), "
                                              r"region 'r' PE \(2, 0\) merge here without a "
                                              "switch"):
        layout.compile(out_prefix=None)
    layout = SdkLayout(platform())
    ring = layout.create_code_region(reads_on, "ring", 2, 2)
    ring.set_param_all("rx", Color("other"))
    for (x, y), (a, b) in {(0, 0): (Route.SOUTH, Route.EAST), (1, 0): (Route.WEST, Route.SOUTH),
                           (1, 1): (Route.NORTH, Route.WEST), (0, 1): (Route.EAST, Route.NORTH)
                           }.items():
        ring.paint(IntVector(x, y), Color("loop"), [through(a, b)])
    with pytest.raises(pw.RoutingError, match=r"Color\('loop'\) \(color \d+\) routes in a "
                                              r"cycle \(region 'ring' PE \(\d, \d\) -> "):
        layout.compile(out_prefix=None)


def test_lints_warn_at_the_call_that_made_the_route_in_its_terms(jit):
    layout = SdkLayout(platform())
    r = layout.create_code_region(sends_on, "a", 2, 1)
    c = Color("c")
    r.set_param_all(c)
    r.paint(IntVector(1, 0), c, [through(Route.RAMP, Route.EAST)])   # off the layout's area
    r.place(2, 2)
    b = layout.create_code_region(reads_on, "b", 1, 1)
    b.set_param_all(b.color("rx"))                                    # no route to it
    b.place(2, 4)
    with pytest.warns(pw.RoutingWarning) as caught:
        art = layout.compile(out_prefix=None)
    leaves, starved = (w for w in caught if issubclass(w.category, pw.RoutingWarning))
    assert str(leaves.message).startswith(
        "region 'a' PE (1, 0), Color('c') (color 0): output Route.EAST leaves the layout's "
        "area, where nothing receives Color('c') (color 0)")
    assert f"[route made by paint of Color('c') on region 'a', {__file__}:" in str(leaves.message)
    assert leaves.lineno == line_of("r.paint(IntVector(1, 0), c, [through(Route.RAMP")
    assert "Paint it on region 'b': paint(IntVector(0, 0), b.color('rx'), " \
           "[RoutingPosition().set_input([...]).set_output([Route.RAMP])])" in str(starved.message)
    assert starved.lineno == line_of("b.set_param_all(b.color(\"rx\"))")
    rt = SdkRuntime(art, layout.platform, memcpy_required=False, jit=jit)
    rt.load(); rt.run()
    with pytest.warns(pw.RoutingWarning, match=r"1 wavelet\(s\) left the layout's area where "
                                               r"nothing receives them and are lost \(region 'a' "
                                               r"PE \(1, 0\) toward Route.EAST on Color\('c'\)"):
        rt.stop()


# -- streams and the runtime ---------------------------------------------------------------------

def test_stream_mistakes():
    layout = SdkLayout(platform())
    (a_in, a_out), (b_in, b_out) = chain(layout, [("a", (1, 1)), ("b", (5, 1))])
    big = layout.create_code_region(relay, "big", 1, 2)
    big_in = big.create_input_port(big.color("rx"), Edge.LEFT, [ramp_in()], 4)
    with pytest.raises(pw.LayoutError, match="host streams attach only to one-PE ports"):
        layout.create_input_stream(big_in)
    with pytest.raises(pw.LayoutError, match="expected an input port"):
        layout.create_input_stream(a_out)
    layout.connect(a_out, b_in)
    with pytest.raises(pw.LayoutError, match="already connected"):
        layout.create_output_stream(a_out)


def test_send_receive_and_read_symbol_mistakes():
    layout = SdkLayout(platform())
    (a_in, a_out), = chain(layout, [("a", (2, 2))])
    src, dst = layout.create_input_stream(a_in), layout.create_output_stream(a_out)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False)
    rt.load(); rt.run()
    with pytest.raises(pw.MemcpyError, match="4-byte elements"):
        rt.send(src, np.zeros(4, np.uint16))
    with pytest.raises(pw.MemcpyError, match="cannot receive 5 words into an array of 4"):
        rt.receive(dst, np.zeros(4, np.uint32), 5)
    with pytest.raises(pw.MemcpyError, match="is an output stream; use runtime.receive"):
        rt.send(dst, np.zeros(4, np.uint32))
    with pytest.raises(pw.MemcpyError, match="expected a stream"):
        rt.send("a", np.zeros(4, np.uint32))
    with pytest.raises(pw.MemcpyError, match=r"no code region covers PE \(0, 0\)"):
        rt.read_symbol(0, 0, "data")
    with pytest.raises(pw.MemcpyError, match="has no symbol 'nope'"):
        rt.read_symbol(2, 2, "nope")
    with pytest.raises(pw.MemcpyError, match="memcpy_required=False"):
        SdkRuntime(rt.artifacts, layout.platform)


def test_the_sdks_runtime_options_are_accepted_and_a_misspelled_one_is_not():
    layout = SdkLayout(platform())
    layout.create_code_region(store, "s", 1, 1).set_param_all("value", 7)
    art = layout.compile(out_prefix=None)
    rt = SdkRuntime(art, layout.platform, memcpy_required=False, cmaddr=None,
                    suppress_simfab_trace=True, msg_level="DEBUG", simulator=True)
    rt.load(); rt.run(); rt.stop()
    assert rt.read_symbol(0, 0, "out", dtype=np.int32)[0] == 7
    with pytest.raises(pw.MemcpyError, match=r"unknown keyword jitt=False \(did you mean "
                                             r"jit=\?\); its keywords are bindir, platform"):
        SdkRuntime(art, layout.platform, memcpy_required=False, jitt=False)


def test_two_streams_run_at_once_and_a_chain_of_connections(jit):
    layout = SdkLayout(platform())
    ports = chain(layout, [(f"r{k}", (1 + 3 * k, 1 + (k % 2) * 2)) for k in range(4)], size=6)
    for (_, out), (inp, _) in zip(ports, ports[1:]):
        layout.connect(out, inp)
    src, dst = layout.create_input_stream(ports[0][0]), layout.create_output_stream(ports[-1][1])
    data = np.array([1, 2, 3, 4, 5, 0xFFFFFFFF], np.uint32)
    rt, (out,) = run_streams(layout, [(src, data)], [(dst, 6)], jit)
    assert out.tolist() == data.tolist()
    assert rt.read_symbol(1 + 3 * 2, 1, "data").tolist() == data.tolist()


def test_compiled_artifacts_load_from_disk(tmp_path):
    layout = SdkLayout(platform())
    (a_in, a_out), = chain(layout, [("a", (2, 2))])
    src, dst = layout.create_input_stream(a_in), layout.create_output_stream(a_out)
    layout.compile(out_prefix=str(tmp_path / "out"))
    rt = SdkRuntime(str(tmp_path / "out"), memcpy_required=False)
    rt.load(); rt.run()
    out = np.zeros(4, np.uint32)
    rt.send(src, np.arange(4, dtype=np.uint32), nonblock=True)
    rt.receive(dst, out, 4)
    rt.stop()
    assert out.tolist() == [0, 1, 2, 3]


# -- the tutorials -------------------------------------------------------------------------------

def _load(path: Path):
    """Import an example as a script would (its folder on sys.path: sdklayout-04 imports
    sdklayout-03's program)."""
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


TUTORIALS = sorted(SDK_EXAMPLES.glob("*.py"))


@pytest.mark.parametrize("path, arch", [
    pytest.param(path, *leg.values, marks=leg.marks, id=f"{path.stem}-{leg.values[0]}")
    for path in TUTORIALS for leg in arch_legs(path)])
def test_sdklayout_example(path, arch, jit, tmp_path, capsys):
    _load(path).main(["--arch", arch, "--out", str(tmp_path / "out")] + ([] if jit else ["--no-jit"]))
    assert "SUCCESS" in capsys.readouterr().out
