"""Router filters (counter, sparse_counter, range), `<tile_config>`'s filters at run time,
`pw.get_filter_id` and `pw.dfilt`, compiled and as plain Python.

Every expected list is worked out by hand from the rules (docs/semantics.md, "Filters"):
a counter filter's counter starts at init_counter and moves on each counted wavelet, back to
0 after limit1; a data wavelet reaches the CE iff the counter is <= max_counter as it passes;
with filter_control a control wavelet iff the counter == max_counter. A sparse_counter's
first wrap puts limit2 in limit1's place, its second turns it off.
"""
import numpy as np
import pytest

import pywse as pw
from conftest import arch_legs
from pywse.dsl.control import NOP, encode_single_payload
from pywse.testing import Harness

C = pw.Color(3)
CTL = 20          # the control task that logs control wavelets


@pw.program
def catcher(p, *, filt=None):
    """Color C comes from WEST; PE 0 delivers through `filt` and forwards east, the last PE
    takes all. Data and control wavelets reaching a CE are logged in arrival order (a control
    wavelet as 1000 + its data bits)."""
    last = p.x == p.width - 1
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.RAMP if last else (pw.RAMP, pw.EAST),
                             filter=filt if p.x == 0 else None)
    iq = p.input_queue(2, C)
    log = p.var("log", pw.u32, 16)
    n = p.var("n", pw.u32, 1)

    @p.data_task(iq)
    def on_data(v: pw.u32):
        log[n[0]] = v
        n[0] += 1

    @p.control_task(CTL)
    def on_ctl(d: pw.u16):
        log[n[0]] = 1000 + d
        n[0] += 1


def logged(h, pe=(0, 0)) -> list[int]:
    return h.peek("log", pe=pe)[:h.peek("n", pe=pe)[0]].tolist()


def ctl(data: int) -> int:
    """A control wavelet that runs CTL with `data` (a NOP switch command, delivered)."""
    return int(encode_single_payload(NOP, False, CTL, data))


def run(h):
    h.run_until_idle(max_cycles=20_000)
    return logged(h)


@pytest.mark.parametrize("arch", arch_legs())
def test_counter_filter_passes_a_window_of_each_period_and_forwarding_is_untouched(jit, arch):
    # limit1=5: counter 0..5, 0..5; max_counter=2: wavelets seeing 0, 1, 2 pass
    f = pw.Filter("counter", count_data=True, limit1=5, max_counter=2)
    h = Harness(catcher, width=2, filt=f, jit=jit, arch=arch)
    h.send(C, np.arange(12, dtype=np.uint32), direction=pw.WEST)
    assert run(h) == [0, 1, 2, 6, 7, 8]
    assert logged(h, pe=(1, 0)) == list(range(12))        # PE 1 got every one


def test_counter_filter_starts_at_init_counter(jit):
    # counter 4 5 0 1 2 3 4 5 0 1 2 3 -> <= 2 at wavelets 2, 3, 4, 8, 9, 10
    f = pw.Filter("counter", count_data=True, init_counter=4, limit1=5, max_counter=2)
    h = Harness(catcher, filt=f, jit=jit)
    h.send(C, np.arange(12, dtype=np.uint32), direction=pw.WEST)
    assert run(h) == [2, 3, 4, 8, 9, 10]


def test_sparse_counter_takes_limit2_after_its_first_wrap_and_stops_after_its_second(jit):
    # counter 0 1 2 (limit1 2; wraps: limit2 = 4 takes over) 0 1 2 3 4 (wraps again: off)
    # max_counter 1 passes wavelets 0, 1, then 3, 4; from wavelet 8 on everything passes
    f = pw.Filter("sparse_counter", count_data=True, limit1=2, limit2=4, max_counter=1)
    h = Harness(catcher, filt=f, jit=jit)
    h.send(C, np.arange(14, dtype=np.uint32), direction=pw.WEST)
    assert run(h) == [0, 1, 3, 4, 8, 9, 10, 11, 12, 13]


def test_a_filter_counting_control_wavelets_with_filter_control(jit):
    # counts control wavelets only; limit1 2, max_counter 1; data passes while counter <= 1,
    # control only at counter == 1:
    #   d0 (c 0: pass)  C100 (c 0: drop, c -> 1)  d1 (c 1: pass)  C101 (c 1: pass, c -> 2)
    #   d2 (c 2: drop)  C102 (c 2: drop, c -> 0)  d3 (c 0: pass)  C103 (c 0: drop, c -> 1)
    #   d4 (c 1: pass)
    f = pw.Filter("counter", count_control=True, filter_control=True, limit1=2, max_counter=1)
    h = Harness(catcher, filt=f, jit=jit)
    for k in range(4):
        h.send(C, [k], direction=pw.WEST)
        h.send(C, [ctl(100 + k)], direction=pw.WEST, control=True)
    h.send(C, [4], direction=pw.WEST)
    assert run(h) == [0, 1, 1101, 3, 4]


def test_without_filter_control_control_wavelets_always_pass(jit):
    # counts data: counter 0 1 0 1 ...; max_counter 0 passes data at counter 0 only
    f = pw.Filter("counter", count_data=True, limit1=1, max_counter=0)
    h = Harness(catcher, filt=f, jit=jit)
    for k in range(3):
        h.send(C, [2 * k, 2 * k + 1], direction=pw.WEST)
        h.send(C, [ctl(k)], direction=pw.WEST, control=True)
    assert run(h) == [0, 1000, 2, 1001, 4, 1002]


def test_range_filter_checks_the_index_and_passes_control(jit):
    words = [(i << 16) | (50 + i) for i in range(6)]
    h = Harness(catcher, filt=pw.RangeFilter(2, 3), jit=jit)
    h.send(C, np.array(words, np.uint32), direction=pw.WEST)
    h.send(C, [ctl(7)], direction=pw.WEST, control=True)
    assert run(h) == [words[2], words[3], 1007]


def test_filter_options_are_checked():
    assert pw.Filter("counter", limit1=3, max_counter=1).count_data is False
    with pytest.raises(pw.RoutingError, match="a range filter takes min_idx, max_idx, not "
                                              "limit1"):
        pw.Filter("range", min_idx=0, max_idx=3, limit1=2)
    with pytest.raises(pw.RoutingError, match=r"needs limit2="):
        pw.Filter("sparse_counter", limit1=3, max_counter=1)
    with pytest.raises(pw.RoutingError, match="0..65535"):
        pw.Filter("counter", limit1=70000, max_counter=1)
    with pytest.raises(pw.RoutingError, match="did you mean max_counter"):
        pw.Filter("counter", limit1=3, max_count=1)


@pw.program
def retuned(p, *, wse3_view: bool = False):
    """A counter filter on C rewritten at start through <tile_config>'s filters; a range
    filter on color 1 first, so C's filter has id 1."""
    tc = p.import_module("<tile_config>")
    fl = tc.filters
    p.set_local_color_config(pw.Color(1), rx=pw.RAMP, tx=pw.RAMP, filter=pw.RangeFilter(0, 0))
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.RAMP,
                             filter=pw.Filter("counter", count_data=True, limit1=0,
                                              max_counter=0))
    iq = p.input_queue(2, C)
    log = p.var("log", pw.u32, 16)
    n = p.var("n", pw.u32, 1)
    seen = p.var("seen", pw.u32, 6)

    @p.data_task(iq)
    def on_data(v: pw.u32):
        log[n[0]] = v
        n[0] += 1

    @p.on_start
    @p.local_task(10)
    def retune():
        f = pw.get_filter_id(C)
        seen[4] = f
        seen[5] = fl.num_filters
        if wse3_view:
            fl.set_pass_count(f, 4)          # pass 2 wavelets ...
            fl.set_drop_count(f, 6)          # ... then drop 3
            fl.set_counter_and_state(f, 2, fl.counter_filter_state.DROP)   # 1 into DROP
            seen[0] = fl.get_state(f)
            seen[1] = fl.get_counter_value(f)
            seen[2] = fl.get_pass_count(f)
            seen[3] = fl.get_drop_count(f)
        else:
            fl.set_active_limit(f, 3)
            fl.set_max_counter(f, 0)
            fl.set_counter(f, 1)


def test_tile_config_rewrites_a_counter_filter_at_run_time(jit):
    # limit1 3, max_counter 0, counter from 1: 1 2 3 0 1 2 3 0 -> wavelets 3 and 7 pass
    h = Harness(retuned, jit=jit)
    h.send(C, np.arange(8, dtype=np.uint32), direction=pw.WEST, start=200)
    assert run(h) == [3, 7]
    assert h.peek("seen")[4:].tolist() == [1, 4]     # C's id follows color 1's; 4 filters


def test_wse3_pass_drop_view_of_a_counter_filter(jit):
    # pass 2, drop 3 wavelets: max_counter 1, limit1 4; DROP with 1 counted: counter 3;
    # counter 3 4 0 1 2 3 4 0 1 2 -> wavelets 2, 3, 7, 8 pass
    h = Harness(retuned, wse3_view=True, jit=jit)
    h.send(C, np.arange(10, dtype=np.uint32), direction=pw.WEST, start=200)
    assert run(h) == [2, 3, 7, 8]
    # DROP, 2 half-wavelets counted in it, pass 4 and drop 6 half-wavelets
    assert h.peek("seen").tolist() == [1, 2, 4, 6, 1, 4]


@pw.program
def skipper(p):
    """`pw.dfilt` drops what comes on C until 2 control wavelets have come, then a mov32
    takes the next 3 data wavelets; the control wavelets still run their control task."""
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.RAMP)
    iq = p.input_queue(2, C)
    p.unblock(iq)                       # control wavelets reach the CE (no data task)
    got = p.var("got", pw.u32, 3)
    log = p.var("log", pw.u32, 4)
    n = p.var("n", pw.u32, 1)
    state = p.var("state", pw.u32, 2)
    d_skip = pw.fabin(C, extent=2, queue=iq)
    d_take = pw.fabin(C, extent=3, queue=iq)
    into = pw.mem1d(got)

    @p.local_task(12)
    def done():
        state[1] = 1

    @p.local_task(11)
    def take():
        state[0] = n[0]                 # control wavelets logged when the dfilt finished
        pw.mov32(into, d_take, async_=True, activate=done)

    @p.control_task(CTL)
    def on_ctl(d: pw.u16):
        log[n[0]] = 1000 + d
        n[0] += 1

    @p.on_start
    @p.local_task(10)
    def start():
        pw.dfilt(d_skip, async_=True, activate=take)


@pytest.mark.parametrize("arch", arch_legs())
def test_dfilt_drops_data_until_extent_control_wavelets_passed(jit, arch):
    h = Harness(skipper, jit=jit, arch=arch)
    h.send(C, [10, 11], direction=pw.WEST)
    h.send(C, [ctl(1)], direction=pw.WEST, control=True)
    h.send(C, [12], direction=pw.WEST)
    h.send(C, [ctl(2)], direction=pw.WEST, control=True)
    h.send(C, [13, 14, 15], direction=pw.WEST)
    h.run_until_idle(max_cycles=20_000)
    assert h.peek("got").tolist() == [13, 14, 15]
    assert h.peek("log")[:h.peek("n")[0]].tolist() == [1001, 1002]
    assert h.peek("state")[1] == 1
    assert h.peek("state")[0] in (1, 2)    # the second one may reach the CE after `take`


@pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")    # routes nothing uses
def test_filter_budget():
    from pywse.layout.filters import filter_limit
    assert filter_limit("wse3", memcpy=True) == 3 and filter_limit("wse2", memcpy=False) == 4
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, catcher)
    for c in (5, 6, 7, 8):
        layout.set_color_config(0, 0, c, rx=pw.RAMP, tx=pw.RAMP, filter=pw.RangeFilter(0, 1))
    pw.compile(layout, arch="wse3", memcpy=False)       # four: fits without memcpy
    with pytest.raises(pw.RoutingError, match=r"PE \(0, 0\) has 4 filters"):
        pw.compile(layout, arch="wse3", memcpy=True)
