"""<tile_config> and teardown: a color that starts torn down is routed at run time, carries
data, is torn down by a TEARDOWN control wavelet, and the teardown handlers reroute it the
other way, compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from pywse.sim import fabric
from pywse.testing import Harness

N = 3


@pw.program
def relay(p, *, C=pw.Color(3), n: int = N):
    """A row: PE 0 sends n values east and a TEARDOWN; the last PE sums them. Each PE's
    teardown handler reroutes the color westward; the last PE sends the sum back once both
    the teardown came and all n values are in."""
    tc = p.import_module("<tile_config>")
    cc, sc, td = tc.color_config, tc.switch_config, tc.teardown
    sw = p.import_module("<memcpy/memcpy_switches>")
    first, last = p.x == 0, p.x == p.width - 1
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.EAST, teardown=True)
    iq = p.input_queue(2, C)
    oq = p.output_queue(2, C)
    vals = p.var("vals", pw.u32, n, init=np.arange(1, n + 1) * 10)
    total = p.var("total", pw.u32, 1)
    count = p.var("count", pw.u32, 1)
    got = p.var("got", pw.u32, 1)
    seen = p.var("seen", pw.u32, 3)        # handler runs, get_pending() in it, task id
    tdw = p.var("tdw", pw.u32, 1, init=sw.ctrl(sw.teardown_cmd_1()))
    out = pw.fabout(C, extent=n, queue=oq)
    out1 = pw.fabout(C, extent=1, queue=oq)
    ctl = pw.fabout(C, extent=1, queue=oq, control=True)

    @p.local_task(11)
    def reply():                    # activated by the handler, unblocked when all are in
        pw.mov32(out1, total[0])

    p.block(reply)

    @p.data_task(iq)
    def recv(v: pw.u32):
        if last:
            total[0] = total[0] + v
            count[0] = count[0] + 1
            if count[0] == n:
                pw.unblock(reply)
        else:
            got[0] = v

    @p.on_start
    @p.local_task(10)
    def setup():
        addr = cc.get_color_config_addr(C)
        if first:
            cc.reset_routes(addr, tx=pw.EAST, rx=pw.RAMP)
        elif last:
            cc.reset_routes(addr, tx=pw.RAMP, rx=pw.WEST)
        else:
            cc.reset_routes(addr, tx=pw.EAST, rx=pw.WEST)
        sc.clear_current_position(C)
        sc.set_invalid_for_all_switch_positions(C)
        td.exit(C)
        if first:
            pw.mov32(out, pw.mem1d(vals))
            pw.mov32(ctl, tdw[0])

    def on_teardown():
        pending = td.get_pending()
        if td.is_pending(pending, C):
            seen[0] = seen[0] + 1
        seen[1] = pending
        seen[2] = td.get_task_id()
        if first:
            cc.reset_routes(C, tx=pw.RAMP, rx=pw.EAST)
        elif last:
            cc.reset_routes(C, tx=pw.WEST, rx=pw.RAMP)
        else:
            cc.reset_routes(C, tx=pw.WEST, rx=pw.EAST)
        td.exit(C)
        if last:
            pw.activate(reply)

    p.set_teardown_handler(on_teardown, C)


@pytest.mark.parametrize("width", [2, 4])
def test_teardown_reroutes_and_data_arrives_on_the_new_route(jit, width):
    h = Harness(relay, width=width, height=1, jit=jit)
    h.run_until_idle(max_cycles=100_000)
    assert h.peek("total", pe=(width - 1, 0))[0] == 60
    assert h.peek("got", pe=(0, 0))[0] == 60          # came back west on the new route
    for x in range(width):
        # each handler ran once, with color 3 (and only it) pending, as task 29
        assert list(h.peek("seen", pe=(x, 0))) == [1, 1 << 3, fabric.TEARDOWN_TASK]
        assert h.engine.st.tip[x, 3] & fabric.TIP_ON == 0     # every PE left teardown


@pw.program
def stuck_sender(p, *, C=pw.Color(4)):
    """PE 0 routes the color and sends; PE 1 never leaves teardown."""
    p.set_local_color_config(C, rx=pw.WEST, tx=pw.EAST, teardown=True)
    tc = p.import_module("<tile_config>")
    oq = p.output_queue(2, C)
    iq = p.input_queue(3, C)
    out = pw.fabout(C, extent=2, queue=oq)
    got = p.var("got", pw.u32, 1)
    first = p.x == 0

    @p.data_task(iq)
    def recv(v: pw.u32):
        got[0] = v

    @p.on_start
    @p.local_task(10)
    def go():
        if first:
            tc.color_config.reset_routes(C, tx=pw.EAST, rx=pw.RAMP)
            tc.teardown.exit(C)
            pw.mov32(out, 5, async_=True)


def test_a_router_in_teardown_holds_wavelets_back(jit):
    """Wavelets toward a router whose color is in teardown wait upstream (backpressure): none
    is lost and none reaches the CE."""
    h = Harness(stuck_sender, width=2, height=1, jit=jit)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("got", pe=(1, 0))[0] == 0
    assert h.engine.st.rb_count[0, 4] == 2           # both wait in PE 0's router
    assert h.engine.st.tip[1, 4] & fabric.TIP_ON


def test_not_modelled_submodules_say_so():
    @pw.program
    def xmask(p):
        tc = p.import_module("<tile_config>")

        @p.on_start
        @p.local_task(10)
        def go():
            tc.control_transform.set_mask(0)

    with pytest.raises(pw.TaskError, match=r"control_transform.set_mask` is not supported"):
        Harness(xmask)


@pw.program
def exits_twice(p, *, C=pw.Color(5)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    tc = p.import_module("<tile_config>")

    @p.on_start
    @p.local_task(10)
    def go():
        tc.teardown.exit(C)
        tc.teardown.exit(C)        # nothing left to leave


def test_exit_of_a_color_not_in_teardown_names_pe_color_and_line(jit):
    h = Harness(exits_twice, jit=jit)
    with pytest.raises(pw.TaskError, match=r"PE \(0, 0\) task 'go': <tile_config> "
                       r"teardown.exit\(color 5\): color 5 is not in teardown on this PE"
                       r"(.|\n)*line \d+, in go\n +tc.teardown.exit\(C\)  +# nothing"):
        h.run_until_idle(max_cycles=1000)


@pw.program
def runtime_direction(p, *, C=pw.Color(5)):
    p.set_local_color_config(C, rx=pw.RAMP, tx=pw.RAMP, teardown=True)
    tc = p.import_module("<tile_config>")
    k = p.var("k", pw.u16, 1)

    @p.on_start
    @p.local_task(10)
    def go():
        tc.color_config.reset_routes(C, tx=k[0], rx=pw.RAMP)


def test_route_directions_must_be_comptime():
    with pytest.raises(pw.TaskError, match=r"reset_routes' tx must be a direction known at "
                                           r"comptime"):
        Harness(runtime_direction)
