"""The fabric: forwarding, multicast, backpressure, color swap, hop timing, control tasks."""
import numpy as np
import pytest

import pywse as pw

C = pw.Color(3)      # the color the tests send on
C_SWAPPED = pw.Color(2)


@pw.program
def sender(p, *, memcpy_params, n: int, color: pw.Color = C, sentinel: int = -1,
           out_extent: int = 0):
    """`start` streams data[0:n] out on `color` (async); `done` flips when the op finished.
    With a sentinel, a control wavelet running that control task follows the data."""
    sys = p.memcpy(memcpy_params)
    data = p.var("data", pw.u32, n, export=True)
    done = p.var("done", pw.u32, 1, export=True)
    oq = p.output_queue(2, color)
    out = pw.fabout(color, extent=out_extent or n, queue=oq)
    ctl = pw.fabout(color, extent=1, queue=oq, control=True)
    d_data = pw.mem1d(data)

    @p.local_task(12)
    def report():
        sys.unblock_cmd_stream()

    p.block(report)   # until `join` is launched

    @p.local_task(10)
    def finished():
        done[0] = 1
        pw.activate(report)
        if sentinel >= 0:
            pw.mov32(ctl, pw.control.encode_single_payload(pw.control.NOP, False, sentinel, 77))

    @p.export
    def join():
        pw.unblock(report)

    @p.export
    def start():
        pw.mov32(out, d_data, async_=True, activate=finished)
        sys.unblock_cmd_stream()

    @p.export
    def release():
        sys.unblock_cmd_stream()


@pw.program
def receiver(p, *, memcpy_params, n: int, color: pw.Color = C, blocked: bool = False,
             sentinel: int = -1, by_dsd: bool = False):
    """A data task stores every wavelet in arrival order (or, `by_dsd`, an async fabin op
    does, one per cycle); `release` unblocks the data task."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", pw.u32, n, export=True)
    count = p.var("count", pw.u32, 1, export=True)
    ctl_data = p.var("ctl_data", pw.u32, 1, export=True)
    fab_in = pw.fabin(color, extent=n, queue=p.input_queue(2, color))
    d_got = pw.mem1d(got)

    @p.local_task(11)
    def all_in():
        count[0] = n

    if not by_dsd:
        @p.data_task(color)
        def recv(wavelet: pw.u32):
            got[count[0]] = wavelet
            count[0] += 1

        if blocked:
            p.block(recv)
    if sentinel >= 0:
        @p.control_task(sentinel)
        def on_sentinel(data: pw.u16):
            ctl_data[0] = count[0] * 1000 + data   # the sentinel arrives after all the data

    @p.export
    def start():
        if by_dsd:
            pw.mov32(d_got, fab_in, async_=True, activate=all_in)
        sys.unblock_cmd_stream()

    @p.export
    def release():
        if not by_dsd:
            pw.unblock(recv)
        sys.unblock_cmd_stream()

    @p.export
    def join():
        sys.unblock_cmd_stream()


@pw.program
def idle(p, *, memcpy_params):
    """A PE whose router only forwards."""
    sys = p.memcpy(memcpy_params)

    @p.export
    def start():
        sys.unblock_cmd_stream()

    @p.export
    def release():
        sys.unblock_cmd_stream()

    @p.export
    def join():
        sys.unblock_cmd_stream()


def run_chain(width, n, jit, arch="wse3", receivers=(), blocked=False, sentinel=-1,
              swap=False, release=True, by_dsd=False, out_extent=0):
    """PE 0 sends n words east along a 1-row chain; the last PE and `receivers` take them.
    Returns (runtime, sent data); the runtime is stopped unless release is False."""
    layout = pw.Layout(width, 1)
    mc = layout.memcpy()
    last = width - 1
    rx_color = C_SWAPPED if swap else C
    for x in range(width):
        params = {"memcpy_params": mc.get_params(x)}
        if x == 0:
            layout.set_tile_code(0, 0, sender, n=n, color=C, sentinel=sentinel,
                                 out_extent=out_extent, **params)
            layout.set_color_config(0, 0, C, rx=[pw.RAMP], tx=[pw.EAST], color_swap_x=swap)
        elif x == last or x in receivers:
            layout.set_tile_code(x, 0, receiver, n=n, blocked=blocked, sentinel=sentinel,
                                 color=rx_color, by_dsd=by_dsd, **params)
            layout.set_color_config(x, 0, rx_color, rx=[pw.WEST],
                                    tx=[pw.RAMP] if x == last else [pw.RAMP, pw.EAST])
        else:
            layout.set_tile_code(x, 0, idle, **params)
            layout.set_color_config(x, 0, C, rx=[pw.WEST], tx=[pw.EAST])
    art = pw.compile(layout, arch=arch, fabric_dims=(width + 7, 3))
    runner = pw.SdkRuntime(art, jit=jit)
    runner.load()
    runner.run()
    data = (np.arange(n, dtype=np.uint32) * 2654435761 + 12345).astype(np.uint32)
    runner.memcpy_h2d(runner.get_id("data"), data, 0, 0, 1, 1, n)
    runner.launch("start")
    if release:
        runner.launch("release")
        runner.stop()
    return runner, data


def read(runner, x, name):
    ox, oy = runner.artifacts.fabric_offsets
    return runner.read_symbol(ox + x, oy, name, dtype=np.uint32)


def test_forwarding_and_multicast_deliver_in_order(jit):
    runner, data = run_chain(4, 20, jit, receivers=(1,))
    for x in (1, 3):    # PE 1 takes a copy (tx RAMP + EAST), PE 2 only forwards
        assert read(runner, x, "count")[0] == 20
        np.testing.assert_array_equal(read(runner, x, "got"), data)
    assert read(runner, 0, "done")[0] == 1


def test_backpressure_stalls_the_sender_and_never_drops(jit):
    n = 64   # far more than the routers and the input queue hold
    runner, data = run_chain(2, n, jit, blocked=True, release=False)
    out = np.zeros(1, np.uint32)
    runner.memcpy_d2h(out, runner.get_id("done"), 0, 0, 1, 1, 1)   # lets the fabric run on
    assert out[0] == 0, "the sender finished although nothing could take its wavelets"
    assert read(runner, 1, "count")[0] == 0
    runner.launch("release")
    runner.stop()
    assert read(runner, 1, "count")[0] == n
    np.testing.assert_array_equal(read(runner, 1, "got"), data)
    assert read(runner, 0, "done")[0] == 1


def test_color_swap_flips_the_low_color_bit_on_wse2(jit):
    runner, data = run_chain(2, 8, jit, arch="wse2", swap=True)
    np.testing.assert_array_equal(read(runner, 1, "got"), data)


def test_color_swap_is_refused_on_wse3():
    with pytest.raises(pw.LayoutError, match="color swap"):
        run_chain(2, 8, False, arch="wse3", swap=True)


def test_sentinel_control_task_runs_after_the_data_with_its_16_bits(jit):
    runner, data = run_chain(3, 10, jit, sentinel=40)
    np.testing.assert_array_equal(read(runner, 2, "got"), data)
    assert read(runner, 2, "ctl_data")[0] == 10 * 1000 + 77


def test_cycles_hop_per_router_and_one_wavelet_per_link_per_cycle():
    def arrival(width, n):
        """The cycle at which the last PE holds all n words, and the cycles from the end of
        the launch of `start` (it reaches the sender at the same cycle at any width, and ends
        when the farthest PE has it; the copy of n words before it takes longer for more)."""
        runner, _ = run_chain(width, n, True, release=False, by_dsd=True)
        engine, t0 = runner.engine, runner.engine.now
        while read(runner, width - 1, "count")[0] < n:
            assert engine.step()
        return engine.now, engine.now - t0
    assert arrival(10, 1)[0] - arrival(6, 1)[0] == 4 * pw.Costs().hop     # 4 more links
    assert arrival(2, 400)[1] - arrival(2, 200)[1] == 200


def test_a_receiver_that_never_unblocks_is_a_deadlock():
    runner, _ = run_chain(3, 64, False, blocked=True, release=False)
    with pytest.raises(pw.DeadlockError) as err:
        runner.launch("join")    # waits for the sender's op, which can never finish
    text = str(err.value)
    assert "host command launch('join') is still waiting" in text
    assert "PE (0, 0) [sender]: color 3: 2 wavelet(s) in the router (next hop full)" in text
    assert "mov32 stalled at element" in text
    assert "PE (2, 0) [receiver]" in text and "input queue 2 (color 3): 4 wavelet(s)" in text
    assert "blocked: recv" in text


def test_compiled_runs_never_return_to_python_between_tasks(monkeypatch):
    from pywse.sim.engine import Engine
    python_runs = []
    original = Engine._run_row
    monkeypatch.setattr(Engine, "_run_row", lambda self, *a: python_runs.append(a) or original(self, *a))
    runner, data = run_chain(3, 300, True)
    assert read(runner, 2, "count")[0] == 300
    assert runner.engine.tasks_run >= 300 and python_runs == []
    runner, data = run_chain(3, 30, False)           # jit=False runs every task from Python
    assert len(python_runs) >= 30


def test_a_memory_operand_sets_the_length_of_a_fabric_op(jit):
    """As in topic-13 and game-of-life: a fabout of extent 1 sends all 5 memory elements."""
    runner, data = run_chain(2, 5, jit, out_extent=1)
    np.testing.assert_array_equal(read(runner, 1, "got"), data)
