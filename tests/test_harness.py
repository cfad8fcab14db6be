"""The unit-test harness: wavelets in, wavelets out, routes for free, state, bounded runs,
and the bad inputs it refuses. Every test runs compiled and as plain Python (the plugin's
--pywse-jit=both, set in pyproject.toml)."""
import pickle

import numpy as np
import pytest

import pywse as pw
from pywse.testing import ExpectError, Harness, HarnessError


@pw.program
def acc_program(p, *, n, rx, tx):
    iq = p.input_queue(1, rx)
    oq = p.output_queue(2, tx)
    total = p.var("total", pw.u16, 1)
    count = p.var("count", pw.u16, 1)
    out = pw.fabout(tx, extent=1, queue=oq)

    @p.data_task(iq)
    def add(v: pw.u16):
        total[0] += v
        count[0] += 1
        if count[0] == n:
            pw.mov16(out, total[0])


def test_the_issue_example(pywse_harness):
    h = pywse_harness(acc_program, n=4, rx=pw.Color(3), tx=pw.Color(4))
    h.send(pw.Color(3), np.array([1, 2, 3, 4], np.uint16), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(pw.Color(4), [10], direction=pw.EAST)     # what left the PE, in order
    assert h.peek("total")[0] == 10


@pw.program
def relay(p, *, rx, tx, dtype=pw.u32, add=0):
    iq = p.input_queue(1, rx)
    oq = p.output_queue(2, tx)
    seen = p.var("seen", pw.u32, 1)
    out = pw.fabout(tx, extent=1, queue=oq)
    as_is = np.dtype(dtype).kind == "f"

    @p.data_task(iq)
    def forward(v: dtype):
        seen[0] += 1
        if as_is:
            pw.fmovs(out, v)
        else:
            pw.mov32(out, v + add)


@pytest.mark.parametrize("dtype, values", [
    (np.uint32, np.array([0, 1, 70000, 2**32 - 1], np.uint32)),
    (np.int32, np.array([-5, 7, -(2**31)], np.int32)),
    (np.float32, np.array([0.5, -1.25, 3e7], np.float32)),
])
def test_32_bit_and_f32_wavelets_round_trip(pywse_harness, dtype, values):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2), dtype=dtype)
    h.send(1, values, direction=pw.NORTH)
    h.run_until_idle(max_cycles=10_000)
    h.expect(2, values)
    got = h.sent(2, dtype=dtype)
    assert got.values.dtype == dtype and got.values.tolist() == values.tolist()
    assert (np.diff(got.cycles) > 0).all()


def test_16_bit_values_travel_in_the_low_half(pywse_harness):
    h = pywse_harness(acc_program, n=2, rx=pw.Color(3), tx=pw.Color(4))
    h.send(3, np.array([-1, 3], np.int16))                 # 0xFFFF + 3 = 0x10002 -> low 2
    h.run_until_idle(max_cycles=10_000)
    h.expect(4, np.array([2], np.uint16))
    assert h.peek("total")[0] == 2


def test_timed_traffic_with_start_and_interval(pywse_harness):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(1, [10, 20, 30], direction=pw.WEST, start=100, interval=50)
    h.run_until_idle(max_cycles=10_000)
    got = h.sent(2)
    assert got.values.tolist() == [10, 20, 30]
    assert got.cycles[0] >= 100 and (np.diff(got.cycles) >= 50).all()
    h.expect(2, [10, 20, 30], arrival=[200, 250, 300])
    with pytest.raises(ExpectError, match=r"wavelet 0: it arrived later than expected \(by cycle 50\)"):
        h.expect(2, [10, 20, 30], arrival=50)


def test_backpressure_makes_sends_wait_never_drop(pywse_harness):
    h = pywse_harness(acc_program, n=20, rx=pw.Color(3), tx=pw.Color(4))
    h.block("add")
    h.send(3, np.arange(1, 21, dtype=np.uint16), direction=pw.WEST)
    h.run(2_000)
    state = h.task_state("add")
    assert state.blocked and not state.active and 0 < state.pending <= 8
    assert h.peek("count")[0] == 0
    with pytest.raises(pw.DeadlockError, match=r"Harness.send of 20 wavelet\(s\) to PE \(0, 0\) "
                                               r"color 3 from the WEST: \d+ of 20 taken"):
        h.run_until_idle(max_cycles=10_000)
    h.unblock("add")
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("count")[0] == 20
    h.expect(4, [210])


def test_sends_on_one_color_arrive_in_the_order_made(pywse_harness):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(1, [1, 2, 3], direction=pw.WEST, start=50)
    h.send(1, [4, 5], direction=pw.WEST)            # due now, but queued behind the first
    h.run_until_idle(max_cycles=10_000)
    h.expect(2, [1, 2, 3, 4, 5])


def test_sends_keep_their_words_in_one_flat_array(pywse_harness):
    """Many short sends and a long one cost their words, not their count times the longest;
    once all are taken, the next send starts the array over."""
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(1, np.arange(300, dtype=np.uint32), direction=pw.WEST)
    for k in range(20):
        h.send(1, [1000 + k], direction=pw.WEST)
    assert h.engine.st.src_data.size < 2 * 320
    h.run_until_idle(max_cycles=100_000)
    h.send(1, [7, 8], direction=pw.WEST)
    h.run_until_idle(max_cycles=100_000)
    h.expect(2, list(range(300)) + [1000 + k for k in range(20)] + [7, 8])
    assert h.engine.st.src_data[:2].tolist() == [7, 8]


def test_many_wavelets_out_grow_the_capture_log(pywse_harness):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(1, np.arange(500, dtype=np.uint32))
    h.run_until_idle(max_cycles=100_000)
    h.expect(2, np.arange(500, dtype=np.uint32))


def test_control_wavelets_run_the_control_task_they_name(pywse_harness):
    @pw.program
    def prog(p):
        iq = p.input_queue(1, pw.Color(5))
        hits = p.var("hits", pw.u32, 1)
        last = p.var("last", pw.u32, 1)

        @p.data_task(iq)
        def data(v: pw.u32):
            last[0] = v

        @p.control_task(40)
        def hit():
            hits[0] += 1

    h = pywse_harness(prog)
    payload = pw.control.encode_control_task_payload(40)
    h.send(5, [payload, payload], control=True, direction=pw.WEST)
    h.send(5, [7], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("hits")[0] == 2 and h.peek("last")[0] == 7


def test_exact_routes_and_edges(pywse_harness):
    routes = {1: dict(rx=[pw.WEST], tx=[pw.RAMP]), 2: dict(rx=[pw.RAMP], tx=[pw.EAST, pw.SOUTH])}
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2), routes=routes)
    h.send(1, [5, 6], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(2, [5, 6], direction=pw.EAST)
    h.expect(2, [5, 6], direction=pw.SOUTH)
    with pytest.raises(HarnessError, match="leaves the grid toward SOUTH and EAST; name one"):
        h.sent(2)
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) color 2: no route sends it NORTH "
                                           r"\(its tx: SOUTH, EAST\)"):
        h.expect(2, [5, 6], direction=pw.NORTH)
    with pytest.raises(HarnessError, match=r"no route takes wavelets from the NORTH \(its rx: WEST\)"):
        h.send(1, [1], direction=pw.NORTH)


def _chain_params(x, y):
    return dict(rx=pw.Color(x % 2), tx=pw.Color((x + 1) % 2))


def _chain_routes(x, y):
    return {x % 2: dict(rx=[pw.WEST], tx=[pw.RAMP]), (x + 1) % 2: dict(rx=[pw.RAMP], tx=[pw.EAST])}


def test_a_chain_of_pes_with_per_pe_params(pywse_harness):
    h = pywse_harness(relay, width=3, pe_params=_chain_params, routes=_chain_routes, add=1)
    h.send(0, [10, 20], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(1, [13, 23], pe=(2, 0), direction=pw.EAST)
    assert [h.peek("seen", pe=(x, 0))[0] for x in range(3)] == [2, 2, 2]
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) color 1 goes EAST to another PE of the "
                                           "harness; only wavelets leaving the grid are recorded"):
        h.expect(1, [11, 21], direction=pw.EAST)


def test_a_harness_from_a_layout(pywse_harness):
    layout = pw.Layout(3, 1)
    for x in range(3):
        layout.set_tile_code(x, 0, relay, add=1, **_chain_params(x, 0))
        for color, cfg in _chain_routes(x, 0).items():
            layout.set_color_config(x, 0, color, **cfg)
    h = pywse_harness(layout)
    h.send(0, [1], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(1, [4], pe=(2, 0), direction=pw.EAST)
    assert h.cycles > 0


@pw.program
def counter(p, *, limit):
    n = p.var("n", pw.u32, 1)

    @p.local_task(12)
    def tick():
        n[0] += 1
        if n[0] < limit:
            pw.activate(tick)


def test_state_activate_run_until_and_launch(pywse_harness):
    h = pywse_harness(counter, limit=50)
    assert h.task_state("tick") == pw.testing.TaskState("tick", "local", False, False, 0)
    h.activate("tick")
    assert h.task_state("tick").active
    h.run_until(lambda: h.peek("n")[0] >= 10, max_cycles=100_000)
    assert 10 <= h.peek("n")[0] < 50
    h.run_until_idle(max_cycles=100_000)
    assert h.peek("n")[0] == 50
    with pytest.raises(pw.DeadlockError, match="run_until: everything stopped at cycle"):
        h.run_until(lambda: h.peek("n")[0] > 50, max_cycles=100_000)
    h.poke("n", [0])
    h.activate("tick")
    with pytest.raises(pw.CycleLimitError, match=r"budget of 30 cycles \(run_until\(max_cycles=...\)\): "
                                                 r"the condition still does not hold"):
        h.run_until(lambda: h.peek("n")[0] >= 49, max_cycles=30)


def test_bad_inputs_say_what_to_do(pywse_harness):
    h = pywse_harness(acc_program, n=4, rx=pw.Color(3), tx=pw.Color(4))
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) color 7: the PE neither routes nor "
                                           "binds this color"):
        h.send(7, [1], direction=pw.WEST)
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) color 7: no input queue is bound"):
        h.send(7, [1])
    with pytest.raises(HarnessError, match=r"value 70000 \(index 1\) does not fit a u16 wavelet"):
        h.send(3, [1, 70000], dtype=np.uint16)
    with pytest.raises(HarnessError, match="the program also sends on this color"):
        h.send(4, [1], direction=pw.WEST)
    with pytest.raises(HarnessError, match=r"has no task 'ad' \(its tasks: add\)"):
        h.task_state("ad")
    with pytest.raises(HarnessError, match=r"has no symbol 'totl' \(its symbols: total, count\)"):
        h.peek("totl")
    with pytest.raises(HarnessError, match="'add' is a data task, not a local one; it runs when "
                                           r"a wavelet arrives on color 3: h.send\(pw.Color\(3\)"):
        h.activate("add")
    with pytest.raises(HarnessError, match="max_cycles=0: a cycle budget is a positive whole"):
        h.run_until_idle(max_cycles=0)
    with pytest.raises(HarnessError, match=r"max_cycles=-5"):
        h.run_until(lambda: True, max_cycles=-5)
    with pytest.raises(HarnessError, match=r"PE \(0, 0\) color 3: nothing on this color leaves"):
        h.expect(3, [1])
    with pytest.raises(HarnessError, match=r"PE \(1, 0\) is outside the 1x1 harness grid"):
        h.peek("total", pe=(1, 0))
    with pytest.raises(HarnessError, match="direction='UP'"):
        h.send(3, [1], direction="UP")
    with pytest.raises(HarnessError, match="start=-1 is in the past"):
        h.send(3, [1], start=-1)


def test_expect_failure_shows_index_expected_received_and_cycle(pywse_harness):
    h = pywse_harness(relay, rx=pw.Color(1), tx=pw.Color(2))
    h.send(1, [1, 2, 3], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    with pytest.raises(AssertionError) as info:
        h.expect(2, [1, 5, 3, 4], direction=pw.EAST)
    text = str(info.value)
    assert isinstance(info.value, pw.PywseError)
    assert text.splitlines()[0] == "expect PE (0, 0) color 2 toward EAST: wavelet 1: a different value arrived"
    cycles = h.sent(2).cycles
    assert f">    1             5             2  {cycles[1]:>7}" in text
    assert "     3             4             -        -" in text
    assert "expected 4 wavelet(s), 3 left by cycle" in text
    with pytest.raises(ExpectError, match="wavelet 2: an extra wavelet arrived"):
        h.expect(2, [1, 2])
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ExpectError and str(again) == text


@pw.program
def spin(p):
    n = p.var("n", pw.u32, 1)

    @p.on_start
    @p.local_task(12)
    def again():
        n[0] += 1
        pw.activate(again)


def test_a_self_activating_task_is_stopped_by_the_budget(pywse_harness):
    h = pywse_harness(spin)
    with pytest.raises(pw.CycleLimitError, match="budget of 5000 cycles") as info:
        h.run_until_idle(max_cycles=5_000)
    assert "PE (0, 0) [spin]" in str(info.value) and "again" in str(info.value)


def test_a_plain_harness_works_without_the_plugin():
    h = Harness(acc_program, n=1, rx=pw.Color(3), tx=pw.Color(4), jit=False)
    h.send(3, [9])
    h.run_until_idle()
    h.expect(4, [9])


@pw.program
def sized(p, *, width):
    p.var("row", pw.u32, width)


def test_a_param_named_like_a_harness_keyword_goes_in_params(pywse_harness):
    with pytest.raises(HarnessError, match=r"program 'sized' takes param width, also a harness "
                                           r"keyword \(the grid's\); pass it as params=\{'width': ...\}"):
        pywse_harness(sized)
    h = pywse_harness(sized, width=2, params={"width": 5})
    assert h.peek("row", pe=(1, 0)).shape == (5,)
    with pytest.raises(HarnessError, match="param n given twice"):
        pywse_harness(acc_program, params={"n": 1}, n=2, rx=3, tx=4)


def test_d2h_colors_are_read_by_the_test(pywse_harness):
    @pw.program
    def echo(p, *, memcpy_params):
        sys_mod = p.memcpy(memcpy_params)
        iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
        oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
        out = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=oq)

        @p.data_task(iq)
        def echo_task(v: pw.u32):
            pw.mov32(out, v + 1)

    h = pywse_harness(echo)
    h.send(h.memcpy.MEMCPYH2D_1, [7, 8])
    h.run_until_idle(max_cycles=10_000)
    h.expect(h.memcpy.MEMCPYD2H_1, [8, 9])


# -- an SdkLayout ---------------------------------------------------------------------------------

def _sdk_chain():
    """Two regions of `relay` (progs.py: `size` words in, the same words out), a connection
    between them, an input stream into the first and an output stream out of the second."""
    from progs import relay as sdk_relay
    from pywse.sdkruntime import (
        Edge,
        Route,
        RoutingPosition,
        SdkLayout,
        SdkTarget,
        SimfabConfig,
        get_platform,
    )
    layout = SdkLayout(get_platform(None, SimfabConfig(fabric_dims=(12, 6)), SdkTarget.WSE3))
    ports = []
    for name, x in (("first", 1), ("second", 6)):
        r = layout.create_code_region(sdk_relay, name, 1, 1)
        rx, tx = r.color("rx"), r.color("tx")
        r.set_param_all("size", 3)
        r.set_param_all(rx)
        r.set_param_all(tx)
        r.place(x, 2)
        ports.append((r.create_input_port(rx, Edge.LEFT, [RoutingPosition().set_output([Route.RAMP])], 3),
                      r.create_output_port(tx, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])], 3)))
    layout.connect(ports[0][1], ports[1][0])
    return layout, layout.create_input_stream(ports[0][0]), layout.create_output_stream(ports[1][1])


def test_a_harness_from_an_sdklayout_in_its_own_terms(pywse_harness):
    layout, source, sink = _sdk_chain()
    h = pywse_harness(layout)
    h.send(source, [7, 8, 9])                           # in across the port's edge
    h.run_until_idle(max_cycles=10_000)
    h.expect(sink, [7, 8, 9])                           # what the host would receive
    assert h.peek("data", pe=("second", 0, 0)).tolist() == [7, 8, 9]   # region-local
    assert h.peek("data", pe=(6, 2)).tolist() == [7, 8, 9]             # or fabric
    first = layout.regions["first"]
    assert h.task_state("main", pe=(first, 0, 0)).active is False
    with pytest.raises(ExpectError, match=r"expect region 'second' PE \(0, 0\), "
                                          r"second.color\('tx'\) \(color \d+\)"):
        h.expect(sink, [7, 8, 10])
    with pytest.raises(HarnessError, match=r"PE \(1, 0\) is outside region 'first' \(1x1; "
                                           r"coordinates are local to it\)"):
        h.peek("data", pe=("first", 1, 0))
    with pytest.raises(HarnessError, match="the layout has no region 'third' "
                                           r"\(its regions: first, second\)"):
        h.peek("data", pe=("third", 0, 0))
    with pytest.raises(HarnessError, match="is an output stream; use Harness.expect"):
        h.send(sink, [1])
    with pytest.raises(HarnessError, match="a stream's PE and side are its port's"):
        h.expect(sink, [7, 8, 9], pe=(6, 2))
    with pytest.raises(HarnessError, match=r"Color\('nope'\) is not a color of this layout"):
        from pywse.sdkruntime import Color
        h.send(Color("nope"), [1], direction=pw.WEST)


def test_an_sdklayout_harness_feeds_a_color_and_refuses_params():
    layout, _, sink = _sdk_chain()
    h = Harness(layout, jit=False)
    assert h.artifacts.arch == "wse3"          # the platform's
    second = layout.regions["second"]
    h.send(second.color("rx"), [4, 5, 6], pe=("second", 0, 0), direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(sink, [4, 5, 6])
    h.close()
    with pytest.raises(HarnessError, match="pass them to set_param_all / paint instead"):
        Harness(layout, size=3)
    other = Harness(layout, arch="wse2", jit=False)     # the harness's arch, if given
    assert other.artifacts.arch == "wse2"
    other.close()
