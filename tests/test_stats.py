"""The cycle account (`runner.stats()`, `h.stats()`, `pywse run --stats`): exact figures on
small programs worked out by hand, the invariant busy + stalled + idle == cycles on every PE,
the same account compiled and as plain Python, pandas, the CLI."""
import sys
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from progs import relay
from pywse.sdkruntime import (
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)
from pywse.sim.stats import METRICS
from pywse.testing import Harness
from pywse.tools.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent
C = pw.Color(3)
# every constant the figures below depend on, pinned (the defaults may be recalibrated);
# scalar code costs nothing, so a task costs its switch and its DSD ops only
COSTS = pw.Costs().without_scalar().evolve(
    task_switch=6, dsd_start=1, dsd_async_start=1, hop=1, host_command_latency=1000,
    rpc_start=50, simd={"fadds": (2, 4), "mov32": (2, 4)})


@pw.program
def worker(p, *, n: int):
    """One task at start: a synchronous f32 add over n elements (wse3: 4 a cycle)."""
    a = p.var("a", pw.f32, n)
    scratch = p.var("scratch", pw.u16, 3)
    d = pw.mem1d(a)

    @p.on_start
    @p.local_task(10)
    def work():
        pw.fadds(d, d, d)
        scratch[0] = 1


@pw.program
def sender(p, *, n: int, tx: pw.Color):
    """Sends n words on `tx` with one async mov32 (a microthread) started at start."""
    vals = p.var("vals", pw.u32, n)
    out = pw.fabout(tx, extent=n, queue=p.output_queue(2, tx))
    src = pw.mem1d(vals)

    @p.on_start
    @p.local_task(10)
    def go():
        pw.mov32(out, src, async_=True)


@pw.program
def counter(p, *, rx: pw.Color):
    """A data task per wavelet on `rx`."""
    count = p.var("count", pw.u32, 1)

    @p.data_task(rx)
    def got(w: pw.u32):
        count[0] += 1


@pw.program
def reader(p, *, rx: pw.Color, n: int, async_: bool):
    """Reads n wavelets from input queue 2 at start: a blocking mov32, or an async one."""
    got = p.var("got", pw.u32, n)
    inq = pw.fabin(rx, extent=n, queue=p.input_queue(2, rx))
    dst = pw.mem1d(got)

    @p.on_start
    @p.local_task(10)
    def read():
        pw.mov32(dst, inq, async_=async_)


@pw.program
def launched(p, *, memcpy_params):
    """`go` only lets the host's next command run."""
    sys_mod = p.memcpy(memcpy_params)
    p.var("data", pw.u32, 64, export=True)

    @p.export
    def go():
        sys_mod.unblock_cmd_stream()


@pw.program
def lined(p, *, n: int):
    """Scalar code, a DSD op and a helper, a line each."""
    a = p.var("a", pw.f32, n)
    d = pw.mem1d(a)

    def twice(k):
        return a[k] * 2.0

    @p.on_start
    @p.local_task(10)
    def work():
        for i in range(n):
            a[i] = a[i] + 1.0
        pw.fadds(d, d, d)
        x = twice(1)
        a[0] = x / 3.0


def pair(n: int) -> pw.Layout:
    """sender at (0, 0) -> EAST -> counter at (1, 0), on color C."""
    layout = pw.Layout(2, 1)
    layout.set_tile_code(0, 0, sender, n=n, tx=C)
    layout.set_tile_code(1, 0, counter, rx=C)
    layout.set_color_config(0, 0, C, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(1, 0, C, rx=[pw.WEST], tx=[pw.RAMP])
    return layout


def check_invariant(s) -> None:
    """busy + stalled + idle == cycles on every PE, none negative."""
    for name in ("busy", "stalled", "idle"):
        assert (s.metric(name) >= 0).all(), name
    assert ((s.busy + s.stalled + s.idle) == s.cycles).all()


def test_busy_and_idle_by_hand(jit):
    # PE (0, 0): switch 6 + ceil(8 / 4) + 1 = 9 cycles; PE (1, 0): 6 + 4 + 1 = 11
    h = Harness(worker, width=2, jit=jit, costs=COSTS, pe_params=lambda x, y: {"n": 8 * (x + 1)})
    h.run_until_idle(max_cycles=1000)
    s = h.stats()
    assert s.cycles == h.cycles == 11
    assert s.busy.tolist() == [[9, 11]]
    assert s.idle.tolist() == [[2, 0]]
    assert s.stalled.tolist() == [[0, 0]]
    assert s.metric("tasks").tolist() == [[1, 1]]
    assert s.host_latency_cycles == 0 and s.kernel_cycles == 11
    # kinds of one program named by the params that tell them apart, as in layout.draw
    assert [r[:8] for r in s.tasks.rows] == [
        ("worker (n=16)", "work", "local", 1, 1, 11, 0, 11.0),
        ("worker (n=8)", "work", "local", 1, 1, 9, 0, 9.0)]
    assert s.kinds.rows[0][:4] == ("worker (n=8)", "worker", 1, "(0, 0)")
    check_invariant(s)


def test_memory_per_symbol():
    h = Harness(worker, n=10, costs=COSTS)
    rows = {(r["kind"], r["symbol"]): r for r in h.stats().memory}
    assert rows[("worker", "a")] == {"kind": "worker", "symbol": "a", "type": "f32",
                                     "elements": 10, "bytes": 40, "% of 48 KiB": 0.08}
    assert rows[("worker", "scratch")]["bytes"] == 6
    total = rows[("worker", "(total)")]["bytes"]
    assert total == h.engine.images[0].mem_bytes >= 46


@pw.program
def keeps_a_dsd(p):
    buf = p.var("buf", pw.f32, 8)
    p.dsd_var(pw.mem1d(buf))


def test_a_dsd_variable_shows_as_one_not_by_its_internal_name():
    symbols = [r["symbol"] for r in Harness(keeps_a_dsd).stats().memory]
    assert "buf" in symbols and "(p.dsd_var #1)" in symbols
    assert not any(name.startswith("__") for name in symbols)


def test_wavelets_links_tasks_and_a_backed_up_output_queue(jit):
    n = 64
    h = Harness(pair(n), jit=jit, costs=COSTS)
    h.run_until_idle(max_cycles=10_000)
    s = h.stats()
    check_invariant(s)
    # the counter: a 6-cycle data task per wavelet; the sender: its task (6 + 1), then the
    # microthread moves a word a cycle until the output queue backs up
    assert s.busy[0, 1] == 6 * n
    assert [r[:7] for r in s.tasks.rows] == [("counter", "got", "data", 1, n, 6 * n, 0),
                                             ("sender", "go", "local", 1, 1, 7, 0)]
    assert s.metric("wavelets").tolist() == [[n, n]]       # (0, 0) EAST, (1, 0) down RAMP
    assert s.metric("received").tolist() == [[n, n]]       # from its CE, from the WEST
    assert s.sent[0, 0, 3].tolist() == [0, 0, 0, n, 0, 0]  # color 3: toward EAST
    assert s.received[0, 1, 3].tolist() == [0, 0, 0, 0, n, 0]
    assert sorted(s.wavelets.rows) == sorted([(3, "", "RAMP", n, n), (3, "", "EAST", n, 0),
                                              (3, "", "WEST", 0, n)])
    assert s.links.rows[0] == (0, 0, "EAST", n, round(n / s.cycles, 4))
    # every cycle of the sender's op after its task is a move or a wait on output queue 2;
    # it moved its first word while the task held the CE (the op is issued at the task's
    # last cycle, 6: it moves from there)
    (stall,) = [r for r in s.stalls if r["kind"] == "sender"]
    assert stall["queue"] == "output queue 2" and stall["cause"] == "output full"
    assert stall["color"] == "3" and stall["at"] == "(0, 0)"
    assert stall["cycles"] == s.stalled[0, 0] > 0
    assert s.busy[0, 0] == 7 + (n - 1)


def test_a_blocking_read_stalls_the_task(jit):
    # the task starts at 0 and waits in its mov32 until the 4th word is in its queue (the
    # words enter the router at 50..53, reach the queue a hop later); then its 6 + 1 + 1
    h = Harness(reader, rx=C, n=4, async_=False, jit=jit, costs=COSTS)
    h.send(C, np.arange(4, dtype=np.uint32), direction=pw.WEST, start=50)
    h.run_until_idle(max_cycles=1000)
    s = h.stats()
    assert s.stalled[0, 0] == 55 and s.busy[0, 0] == 8 and s.cycles == 63
    assert s.tasks.rows[0][4:7] == (1, 8, 55)
    (stall,) = s.stalls
    assert (stall["queue"], stall["color"], stall["cause"], stall["cycles"]) == \
        ("input queue 2", "3", "input empty", 55)
    check_invariant(s)


def test_an_async_read_stalls_the_pe_while_its_ce_is_free(jit):
    # the task (6 + 1) frees the CE at 7; the op, issued at 6, waits from there and moves a
    # word at each of 51..54: busy 7 + 4, stalled 7..50 (44 cycles), the op's wait 6..50 (45)
    h = Harness(reader, rx=C, n=4, async_=True, jit=jit, costs=COSTS)
    h.send(C, np.arange(4, dtype=np.uint32), direction=pw.WEST, start=50)
    h.run_until_idle(max_cycles=1000)
    s = h.stats()
    assert (s.cycles, s.busy[0, 0], s.stalled[0, 0], s.idle[0, 0]) == (55, 11, 44, 0)
    assert s.stalls.rows[0][5] == 45
    assert h.peek("got").tolist() == [0, 1, 2, 3]


def test_a_wait_still_open_counts_up_to_now():
    h = Harness(reader, rx=C, n=4, async_=True, costs=COSTS)
    h.send(C, np.arange(4, dtype=np.uint32), direction=pw.WEST, start=50)
    h.run(30)
    s = h.stats()
    assert s.cycles == 30 and s.busy[0, 0] == 7 and s.stalled[0, 0] == 23
    assert s.stalls.rows[0][5] == 24        # the op's wait: from its issue at 6
    check_invariant(s)


def test_cycles_per_line_on_request(jit):
    costs = COSTS.evolve(f32_add=1, f32_mul=1, f32_div=30, load=1, store=1, loop_iter=2,
                         call=4)
    h = Harness(lined, n=8, jit=jit, costs=costs, line_cycles=True)
    h.run_until_idle(max_cycles=1000)
    s = h.stats()
    got = {(r["function"], r["code"]): r["cycles"] for r in s.lines}
    assert got == {("work", "a[0] = x / 3.0"): 31,              # a divide and a store
                   ("work", "a[i] = a[i] + 1.0"): 8 * 3,         # load, add, store
                   ("work", "for i in range(n):"): 8 * 2,        # an iteration each
                   ("work", "x = twice(1)"): 4,                  # the call
                   ("work", "pw.fadds(d, d, d)"): 3,             # ceil(8 / 4) + 1
                   ("twice", "return a[k] * 2.0"): 2}            # load, multiply
    assert sum(got.values()) == s.busy[0, 0] - 6                 # all but the task switch
    assert s.lines.rows[0][0] == "tests/test_stats.py" or s.lines.rows[0][0].endswith(
        "test_stats.py")
    assert "cycles per task-body line" in str(s)
    assert Harness(lined, n=8, costs=costs).stats().lines is None    # not asked: none


def test_cycles_per_line_from_the_environment(monkeypatch):
    monkeypatch.setenv("PYWSE_LINE_CYCLES", "1")
    h = Harness(lined, n=4, costs=COSTS)             # the tiered mode, as a script gets it
    h.run_until_idle(max_cycles=1000)
    assert {(r["function"], r["cycles"]) for r in h.stats().lines} == {("work", 2)}   # fadds


def test_compiled_and_plain_give_the_same_account():
    accounts = []
    for jit in (True, False):
        h = Harness(pair(40), jit=jit, costs=COSTS)
        h.run_until_idle(max_cycles=10_000)
        accounts.append(h.stats())
    a, b = accounts
    assert a.cycles == b.cycles
    for name in METRICS:
        assert (a.metric(name) == b.metric(name)).all(), name
    assert (a.sent == b.sent).all() and (a.received == b.received).all()
    for table in ("tasks", "stalls", "wavelets", "links", "memory", "kinds"):
        assert getattr(a, table).rows == getattr(b, table).rows, table


def test_host_latency_is_kept_apart_from_kernel_cycles():
    layout = pw.Layout(1, 1)
    layout.set_tile_code(0, 0, launched, memcpy_params=layout.memcpy().get_params(0))
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), costs=COSTS)
    runner.load()
    runner.run()
    runner.memcpy_h2d(runner.get_id("data"), np.arange(64, dtype=np.uint32), 0, 0, 1, 1, 64)
    copied = runner.cycles
    runner.launch("go")
    runner.stop()
    s = runner.stats()
    # the copy reached the idle device after 1000 cycles, then moved its words; the launch
    # another 1000 cycles later, its RPC PE (0, 0) 50 cycles after that; its task took 6
    assert s.transfer_cycles == copied - 1000 > 0
    assert (s.host_latency_cycles, s.kernel_cycles) == (2000, 56)
    assert s.cycles == copied + 1000 + 56
    assert s.busy[0, 0] == 6 and s.idle[0, 0] == s.cycles - 6
    assert f"= 56 kernel + 2,000 host latency + {s.transfer_cycles:,} memcpy transfer" in str(s)


def test_flows_named_by_sdklayout():
    layout = SdkLayout(get_platform(None, SimfabConfig(fabric_dims=(10, 6)), SdkTarget.WSE3))
    ports = []
    for name, x in (("a", 1), ("b", 5)):
        r = layout.create_code_region(relay, name, 1, 1)
        rx, tx = r.color("rx"), r.color("tx")
        r.set_param_all("size", 4)
        r.set_param_all(rx)
        r.set_param_all(tx)
        ports.append((r.create_input_port(rx, Edge.LEFT, [RoutingPosition().set_output(
            [Route.RAMP])], 4), r.create_output_port(tx, Edge.RIGHT, [
                RoutingPosition().set_input([Route.RAMP])], 4)))
        r.place(x, 2)
    (a_in, a_out), (b_in, b_out) = ports
    layout.connect(a_out, b_in)
    src, dst = layout.create_input_stream(a_in), layout.create_output_stream(b_out)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False)
    rt.load()
    rt.run()
    rt.send(src, np.arange(4, dtype=np.uint32), nonblock=True)
    out = np.zeros(4, np.uint32)
    rt.receive(dst, out, 4, nonblock=True)
    rt.stop()
    s = rt.stats()
    flows = {r["flow"] for r in s.wavelets}
    assert {"a.rx", "a.tx = b.rx", "b.tx"} <= flows
    east = [r for r in s.wavelets if r["flow"] == "a.tx = b.rx" and r["side"] == "EAST"]
    assert east[0]["sent"] == 4 * 4          # four words over a path of four links
    assert out.tolist() == [0, 1, 2, 3]


def test_the_printed_account_and_metrics():
    h = Harness(pair(64), costs=COSTS)
    h.run_until_idle(max_cycles=10_000)
    s = h.stats()
    text = str(s)
    for part in ("cycle account:", "PE time", "most busy: (1, 0)", "tasks (per PE kind",
                 "stalls", "wavelets", "busiest links", "memory (per PE kind)"):
        assert part in text, part
    assert s.metric("busy").shape == (1, 2)
    with pytest.raises(pw.StatsError, match="no such metric; the metrics are busy, stalled"):
        s.metric("hot")
    pes = s.pes()
    assert pes.columns == ("x", "y", "kind", *METRICS) and len(pes) == 2
    assert pes.rows[1][:3] == (1, 0, "counter")


def test_dataframes_with_pandas():
    pd = pytest.importorskip("pandas")
    h = Harness(pair(16), costs=COSTS)
    h.run_until_idle(max_cycles=10_000)
    s = h.stats()
    frames = s.to_dataframes()
    assert set(frames) == {"pes", "tasks", "stalls", "wavelets", "links", "memory", "kinds"}
    assert isinstance(s.to_pandas(), pd.DataFrame)
    assert frames["pes"]["busy"].tolist() == s.busy.ravel().tolist()
    assert frames["tasks"].columns.tolist()[:3] == ["kind", "task", "type"]


def test_without_pandas_the_error_names_the_install(monkeypatch):
    h = Harness(worker, n=4, costs=COSTS)
    h.run_until_idle(max_cycles=100)
    s = h.stats()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(pw.StatsError, match="pip install pandas"):
        s.to_dataframes()
    with pytest.raises(pw.StatsError, match="pip install pandas"):
        s.tasks.to_pandas()
    assert "worker" in str(s.tasks)      # the tables still print


@pytest.mark.filterwarnings("ignore::pywse.RoutingWarning")     # the original's edge routes
def test_pywse_run_stats_prints_the_account(capsys):
    assert cli_main(["run", "--stats", str(ROOT / "examples" / "game_of_life.py"),
                     "--iters", "3"]) == 0
    out = capsys.readouterr().out
    assert "== pywse run --stats: SdkRuntime #1 ==" in out
    assert "cycle account:" in out and "recv_" in out and "SUCCESS" in out
