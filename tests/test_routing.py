"""Routing-graph checks at compile time (on route arrays, networkx for cycles), each naming
PE and color; the route table behind `layout.routes`."""
import pickle

import networkx as nx
import pytest

import pywse as pw
from pywse import RangeFilter, Switches, SwitchPos

# route-only layouts: their programs bind no colors
pytestmark = pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")


@pw.program
def empty(p):
    pass


def layout_with(routes, w=3, h=2, **memcpy_colors):
    layout = pw.Layout(w, h)
    if memcpy_colors:
        layout.memcpy(**memcpy_colors)
    for x in range(w):
        for y in range(h):
            layout.set_tile_code(x, y, empty)
    for x, y, c, kw in routes:
        layout.set_color_config(x, y, c, **kw)
    return layout


CHAIN = [(0, 0, 1, dict(rx=[pw.RAMP], tx=[pw.EAST])),
         (1, 0, 1, dict(rx=[pw.WEST], tx=[pw.RAMP, pw.EAST])),
         (2, 0, 1, dict(rx=[pw.WEST], tx=[pw.RAMP]))]


def test_valid_chain_and_graph():
    layout = layout_with(CHAIN)
    pw.compile(layout, arch="wse3")
    g = layout.routing_graph()
    assert isinstance(g, nx.DiGraph)
    assert list(nx.topological_sort(g)) == [(0, 0, 1), (1, 0, 1), (2, 0, 1)]


@pytest.mark.parametrize("routes, message", [
    ([(0, 0, 1, dict(rx=[pw.RAMP], tx=[pw.NORTH])), (0, 0, 2, dict(rx=[pw.RAMP], tx=[pw.RAMP]))],
     r"PE \(0, 0\) color 1: tx NORTH leaves the 3x2 fabric"),
    ([(0, 0, 1, dict(rx=[pw.RAMP], tx=[pw.SOUTH]))],
     r"PE \(0, 0\) color 1: tx SOUTH points at PE \(0, 1\), which does not receive"),
    ([(1, 1, 2, dict(rx=[pw.NORTH], tx=[pw.RAMP]))], r"PE \(1, 1\) color 2: rx NORTH but PE \(1, 0\)"),
    ([(0, 0, 3, dict(rx=[pw.RAMP], tx=[pw.EAST])), (2, 0, 3, dict(rx=[pw.RAMP], tx=[pw.WEST])),
      (1, 0, 3, dict(rx=[pw.WEST, pw.EAST], tx=[pw.RAMP]))], r"PE \(1, 0\) color 3: flows from"),
    ([(0, 0, 4, dict(rx=[pw.SOUTH], tx=[pw.EAST])), (1, 0, 4, dict(rx=[pw.WEST], tx=[pw.SOUTH])),
      (1, 1, 4, dict(rx=[pw.NORTH], tx=[pw.WEST])), (0, 1, 4, dict(rx=[pw.EAST], tx=[pw.NORTH]))],
     "color 4 routes in a cycle"),
])
def test_routing_errors(routes, message):
    with pytest.raises(pw.RoutingError, match=message):
        pw.compile(layout_with(routes), arch="wse3", memcpy=False, fabric_offsets=(0, 0))


RING = [(0, 0, 4, dict(rx=[pw.SOUTH], tx=[pw.EAST])),
        (1, 0, 4, dict(rx=[pw.WEST], tx=[pw.SOUTH])),
        (1, 1, 4, dict(rx=[pw.NORTH], tx=[pw.WEST, pw.EAST])),
        (0, 1, 4, dict(rx=[pw.EAST], tx=[pw.NORTH])),
        (2, 1, 4, dict(rx=[pw.WEST], tx=[pw.NORTH])),
        (2, 0, 4, dict(rx=[pw.SOUTH], tx=[pw.RAMP]))]


def test_a_cycle_with_a_tail_is_named_from_its_first_pe():
    # (1, 1) also sends east, out of the ring: a tail Kahn's peeling cannot remove either
    with pytest.raises(pw.RoutingError, match=r"color 4 routes in a cycle \(PE \(0, 0\) -> "
                       r"PE \(1, 0\) -> PE \(1, 1\) -> PE \(0, 1\)\)"):
        pw.compile(layout_with(RING + CHAIN), arch="wse3", memcpy=False, fabric_offsets=(0, 0))


def test_long_chains_and_trees_are_not_cycles():
    w = 12
    chain = [(x, 0, 1, dict(rx=[pw.WEST], tx=[pw.RAMP, pw.EAST])) for x in range(1, w - 1)]
    chain += [(0, 0, 1, dict(rx=[pw.RAMP], tx=[pw.EAST])),
              (w - 1, 0, 1, dict(rx=[pw.WEST], tx=[pw.RAMP]))]
    tree = [(x, 0, 2, dict(rx=[pw.SOUTH], tx=[pw.RAMP])) for x in range(w)]
    tree += [(x, 1, 2, dict(rx=[pw.WEST] if x else [pw.RAMP],
                            tx=[pw.NORTH, pw.EAST] if x < w - 1 else [pw.NORTH])) for x in range(w)]
    pw.compile(layout_with(chain + tree, w=w), arch="wse3")


def test_of_several_mistakes_the_first_port_in_row_major_order_is_reported():
    routes = [(2, 1, 1, dict(rx=[pw.NORTH], tx=[pw.RAMP])),
              (1, 1, 2, dict(rx=[pw.NORTH], tx=[pw.RAMP]))]
    with pytest.raises(pw.RoutingError, match=r"PE \(1, 1\) color 2: rx NORTH"):
        pw.compile(layout_with(routes), arch="wse3")


def test_routes_read_as_a_mapping_and_survive_pickling():
    layout = layout_with(CHAIN + [(x, y, 5, dict(rx=[pw.RAMP], tx=[pw.RAMP]))
                                  for x in range(3) for y in range(2)])
    routes = layout.routes
    assert len(routes) == 9 and len(routes.patterns) == 4     # one pattern for color 5's six
    assert (1, 0, 1) in routes and (1, 1, 1) not in routes and (5, 0, 1) not in routes
    assert list(routes)[:4] == [(0, 0, 1), (0, 0, 5), (1, 0, 1), (1, 0, 5)]  # row-major
    assert routes[(1, 0, 1)].tx == {pw.RAMP, pw.EAST}
    copy = pickle.loads(pickle.dumps(layout))
    assert dict(copy.routes) == dict(routes)
    with pytest.raises(pw.RoutingError, match="configured twice"):
        copy.set_color_config(0, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    copy.set_color_config(0, 1, 2, rx=[pw.RAMP], tx=[pw.RAMP])
    pw.compile(copy, arch="wse3")
    with pytest.raises(pw.LayoutError, match="saved by an older pywse"):
        pw.Layout.__new__(pw.Layout).__setstate__({"tiles": {}, "routes": {}})


def test_memcpy_reserved_color():
    with pytest.raises(pw.RoutingError, match="color 21 is reserved by memcpy"):
        pw.compile(layout_with([(0, 0, 21, dict(rx=[pw.RAMP], tx=[pw.RAMP]))]), arch="wse3")


def test_tx_into_memcpy_columns_is_allowed():
    pw.compile(layout_with([(2, 0, 1, dict(rx=[pw.RAMP], tx=[pw.EAST]))]), arch="wse3")


def test_user_route_on_memcpy_streaming_color_is_refused():
    layout = layout_with([(0, 0, 5, dict(rx=[pw.RAMP], tx=[pw.RAMP]))], MEMCPYH2D_1=5)
    with pytest.raises(pw.RoutingError, match="memcpy's MEMCPYH2D_1 streaming color"):
        pw.compile(layout, arch="wse2")


def test_switched_ring_is_not_a_cycle_error():
    sw = Switches(pos1=SwitchPos(tx=[pw.RAMP]), ring_mode=True)
    routes = [(0, 0, 4, dict(rx=[pw.SOUTH], tx=[pw.EAST], switches=sw)),
              (1, 0, 4, dict(rx=[pw.WEST], tx=[pw.SOUTH])),
              (1, 1, 4, dict(rx=[pw.NORTH], tx=[pw.WEST])),
              (0, 1, 4, dict(rx=[pw.EAST], tx=[pw.NORTH]))]
    pw.compile(layout_with(routes), arch="wse3")


def test_arch_and_config_errors():
    layout = layout_with([(0, 0, 10, dict(rx=[pw.RAMP], tx=[pw.RAMP], color_swap_x=True))])
    with pytest.raises(pw.RoutingError, match="color swap does not exist on wse3"):
        pw.compile(layout, arch="wse3")
    pw.compile(layout, arch="wse2")
    sw = Switches(pos1=SwitchPos(tx=[pw.RAMP]))
    layout = layout_with([(0, 0, 11, dict(rx=[pw.RAMP], tx=[pw.RAMP], switches=sw))])
    with pytest.raises(pw.RoutingError, match="only colors .* have switches"):
        pw.compile(layout, arch="wse3")
    with pytest.raises(pw.RoutingError, match="configured twice"):
        layout.set_color_config(0, 0, 11, rx=[pw.RAMP], tx=[pw.RAMP])
    with pytest.raises(pw.RoutingError, match="not a direction"):
        layout.set_color_config(1, 0, 11, rx=["UP"], tx=[pw.RAMP])
    with pytest.raises(pw.RoutingError, match="not a valid position"):
        Switches(current_switch_pos=2)
    layout.set_color_config(2, 0, 12, rx=[pw.RAMP], tx=[pw.RAMP], filter=RangeFilter(0, 3))
