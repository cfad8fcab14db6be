"""What host commands cost on the device's clock (docs/semantics.md, "Timing"): a launch is
memcpy's RPC, reaching PE (x, y) hop * (x + y) cycles after PE (0, 0); a copy-mode memcpy
takes the time its words need through the I/O channels; host latency is counted apart and
merged for nonblocking commands issued behind a pending one."""
import numpy as np
import pytest

import pywse as pw
from pywse import MemcpyDataType as DT
from pywse import MemcpyOrder as ORD
from pywse.host.memcpy import copy_cycles
from pywse.lib.time import make_u48

W, H = 3, 2


@pw.program
def stamped(p, *, memcpy_params):
    """`stamp` records the PE's clock when the launch runs there (never enabled: the cycles
    since the run started, as the SDK's counter after reset)."""
    sys = p.memcpy(memcpy_params)
    tsc = p.import_module("<time>")
    t = p.var("t", pw.u16, tsc.tsc_size_words, export=True)
    p.var("data", pw.u32, 64, export=True)

    @p.export
    def stamp():
        tsc.get_timestamp(t)
        sys.unblock_cmd_stream()


@pytest.fixture(scope="module")
def artifacts():
    layout = pw.Layout(W, H)
    mc = layout.memcpy()
    for x in range(W):
        for y in range(H):
            layout.set_tile_code(x, y, stamped, memcpy_params=mc.get_params(x))
    return pw.compile(layout, arch="wse3", fabric_dims=(W + 7, H + 2), channels=2)


def started(artifacts, jit, **options) -> pw.SdkRuntime:
    r = pw.SdkRuntime(artifacts, jit=jit, **options)
    r.load()
    r.run()
    return r


def stamps(r) -> np.ndarray:
    """Every PE's `t` as cycles, (H, W)."""
    words = np.zeros(W * H * 3, np.uint32)
    r.memcpy_d2h(words, r.get_id("t"), 0, 0, W, H, 3, data_type=DT.MEMCPY_16BIT)
    return make_u48(words.reshape(H, W, 3).astype(np.int64))


@pytest.mark.parametrize("hop", [1, 2])
def test_a_launch_reaches_each_pe_hop_times_its_distance_after_pe_0_0(artifacts, jit, hop):
    r = started(artifacts, jit, costs={"hop": hop})
    r.launch("stamp")
    t = stamps(r)
    r.stop()
    x, y = np.meshgrid(np.arange(W), np.arange(H))
    np.testing.assert_array_equal(t - t[0, 0], hop * (x + y))


def test_a_blocking_copy_takes_its_host_latency_and_its_channel_time(artifacts, jit):
    r = started(artifacts, jit)
    before = r.cycles
    src = np.arange(W * H * 64, dtype=np.uint32)
    r.memcpy_h2d(r.get_id("data"), src, 0, 0, W, H, 64, order=ORD.COL_MAJOR)
    costs = pw.Costs()
    channel = copy_cycles(costs, 2, W, H, 64, ORD.COL_MAJOR)
    assert r.cycles - before == costs.host_command_latency + channel
    # two rows on two channels: each carries one row of W * 64 words at 3.9 cycles a word
    assert channel == costs.memcpy_start + -(-W * 64 * 32 * 850 // 7000) + costs.hop * (W + H)
    r.stop()


def test_copy_time_follows_channels_order_and_broadcast():
    c = pw.Costs()
    one = copy_cycles(c, 1, 4, 8, 100, ORD.COL_MAJOR)
    assert copy_cycles(c, 2, 4, 8, 100, ORD.COL_MAJOR) < one
    assert copy_cycles(c, 8, 4, 8, 100, ORD.COL_MAJOR) == copy_cycles(c, 16, 4, 8, 100,
                                                                      ORD.COL_MAJOR)
    assert copy_cycles(c, 1, 4, 8, 100, ORD.ROW_MAJOR) > one
    assert copy_cycles(c, 1, 1, 1, 100, ORD.ROW_MAJOR) == copy_cycles(c, 1, 1, 1, 100,
                                                                      ORD.COL_MAJOR)
    assert copy_cycles(c, 1, 4, 8, 100, ORD.COL_MAJOR, "rows") < one
    faster = c.evolve(io_channel_mbit_s=14000)
    assert copy_cycles(faster, 1, 4, 8, 100, ORD.COL_MAJOR) < one


def test_nonblocking_commands_behind_a_pending_one_come_without_latency(artifacts):
    r = started(artifacts, False)
    first = r.launch("stamp", nonblock=True)
    second = r.launch("stamp", nonblock=True)
    second.wait()
    assert first.done() and r.host_latency_cycles == pw.Costs().host_command_latency
    r.launch("stamp")
    r.launch("stamp")                     # blocking: each waits for the host
    assert r.host_latency_cycles == 3 * pw.Costs().host_command_latency
    r.stop()


# -- runs in steps: runner.run_for(cycles) -------------------------------------------------------

@pw.program
def counter(p, *, memcpy_params, n: int = 200):
    """`count` adds one per task run, `n` times in a chain of local tasks after `go`."""
    sys = p.memcpy(memcpy_params)
    count = p.var("count", pw.u32, 1, export=True)

    @p.local_task(10)
    def tick():
        count[0] += 1
        if count[0] < n:
            pw.activate(tick)

    @p.export
    def go():
        pw.activate(tick)
        sys.unblock_cmd_stream()


@pytest.fixture(scope="module")
def counting():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, counter, memcpy_params=layout.memcpy().get_params(0))
    return pw.compile(layout, arch="wse3", fabric_dims=(8, 3))


def count_now(r) -> int:
    ox, oy = r.artifacts.fabric_offsets
    return int(r.read_symbol(ox, oy, "count")[0])


def test_run_for_steps_a_nonblocking_launch_and_reads_memory_between_steps(counting, jit):
    r = started(counting, jit)
    handle = r.launch("go", nonblock=True)
    assert r.run_for(800) == 800 and not handle.done()   # the host latency is 1,000 cycles
    assert count_now(r) == 0 and "launch('go') is on its way" in r.snapshot()
    seen = []
    while len(seen) < 4:
        assert r.run_for(300) == 300
        seen.append(count_now(r))
    assert 0 < seen[0] < seen[1] < seen[2] < seen[3] < 200 and handle.done()
    ran = r.run_for(10**9)                                # returns early once idle
    assert ran < 10_000 and count_now(r) == 200
    assert r.run_for(100) == 0 and "no host command is pending" in r.snapshot()
    r.stop()


def test_harness_run_steps_through_the_runtime(counting):
    from pywse.testing import Harness
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, counter, memcpy_params=layout.memcpy().get_params(0))
    h = Harness(layout, jit=False)
    h.runtime.launch("go", nonblock=True)
    assert h.run(2_000) == 2_000
    assert 0 < h.peek("count")[0] < 200
    h.run(10**6)
    assert h.peek("count")[0] == 200


@pytest.mark.parametrize("cycles", [-1, 2.5, "10", True])
def test_run_for_refuses_a_count_that_is_not_a_whole_number(counting, cycles):
    r = started(counting, False)
    with pytest.raises(pw.MemcpyError, match=r"run_for\(.*\): give a whole number of cycles"):
        r.run_for(cycles)
    r.stop()


def test_run_for_refuses_to_step_past_a_blocking_command_that_failed(counting):
    r = started(counting, False, max_cycles=1_020)
    with pytest.raises(pw.CycleLimitError):
        r.launch("go")                                    # the budget ends it mid-way
    with pytest.raises(pw.MemcpyError, match=r"blocking command launch\(.go.\) did not finish"):
        r.run_for(100)


def test_run_for_before_run_is_refused(counting):
    r = pw.SdkRuntime(counting, jit=False)
    with pytest.raises(pw.MemcpyError, match="run_for: call load"):
        r.run_for(10)
