"""The examples' tasks, unit-tested in isolation with the harness: no host script and no
memcpy, just one example program on a small grid, fed wavelets and read back. Expected values
are computed here with numpy from each task's spec. Every test runs compiled and as plain
Python (the plugin's --pywse-jit=both, set in pyproject.toml). Programs that take
memcpy_params get them from the harness: their H2D streams are fed straight into the input
queue, what they stream to D2H is read with `expect`."""
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import pywse as pw

EXAMPLES = Path(__file__).parent.parent / "examples"
f32 = np.float32


def load(name: str):
    """Import an example as a script would (tests/test_examples.py's loader)."""
    path = EXAMPLES / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gemv06, topic05, life = load("gemv_06_routes_1"), load("topic_05_sentinels"), load("game_of_life")
pipe01, pipe02 = load("pipeline_01_basic"), load("pipeline_02_fifo")
topic06, topic09 = load("topic_06_switches"), load("topic_09_fifos")
sdk05, regions = load("sdklayout/sdklayout_05_gemv"), load("sdklayout/pipeline_regions")


@pw.program
def echo(p, *, memcpy_params):
    """The smallest D2H sender: each H2D_1 wavelet goes back out on D2H_1."""
    sys_mod = p.memcpy(memcpy_params)
    iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    out = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=p.output_queue(3, sys_mod.MEMCPYD2H_1))

    @p.data_task(iq)
    def echo_task(v: pw.u32):
        pw.mov32(out, v)


def test_harness_reads_d2h_colors(pywse_harness):
    h = pywse_harness(echo)
    h.send(h.memcpy.MEMCPYH2D_1, [7])
    h.run_until_idle(max_cycles=10_000)
    h.expect(h.memcpy.MEMCPYD2H_1, [7])


# -- gemv-06: PE 0 sends its partial y east, PE 1 adds it to its own --------------------------

M, N_PER_PE = 4, 3


def gemv06_harness(pywse_harness, pe_id, route, rng):
    h = pywse_harness(gemv06.pe_program, M=M, N_per_PE=N_PER_PE, pe_id=pe_id,
                      send_color=pw.Color(0), routes={0: route})
    A = rng.integers(-8, 8, (M, N_PER_PE)).astype(f32)      # small integers: sums are exact
    x = rng.integers(-4, 4, N_PER_PE).astype(f32)
    b = rng.integers(-9, 9, M).astype(f32)
    h.poke("A", A.T.ravel())                                 # column major
    h.poke("x", x)
    h.poke("y", b)
    return h, A @ x + b


def test_gemv06_sender_sends_its_partial_y_east(pywse_harness):
    h, partial = gemv06_harness(pywse_harness, 0, dict(rx=[pw.RAMP], tx=[pw.EAST]),
                                np.random.default_rng(1))
    h.launch("compute")                     # returns once exit_task unblocks the cmd stream
    h.run_until_idle(max_cycles=10_000)
    h.expect(0, partial, direction=pw.EAST)
    np.testing.assert_array_equal(h.peek("y"), partial)


def test_gemv06_receiver_adds_the_partial_sums_it_receives(pywse_harness):
    h, mine = gemv06_harness(pywse_harness, 1, dict(rx=[pw.WEST], tx=[pw.RAMP]),
                             np.random.default_rng(2))
    theirs = np.array([1.5, -2.0, 40.0, 0.25], f32)         # PE 0's partial y
    h.send(0, theirs, direction=pw.WEST)
    h.launch("compute")                     # waits for the fadds from the fabric to finish
    h.run_until_idle(max_cycles=10_000)
    np.testing.assert_array_equal(h.peek("y"), mine + theirs)


# -- topic-05: a data task sums, the sentinel's control task sends the sum out ----------------

def test_topic05_sentinel_sends_the_sum_only_after_the_control_wavelet(pywse_harness):
    h = (pywse_harness(topic05.pe_program, sentinel=43, main_color=pw.Color(0)))
    d2h = h.memcpy.MEMCPYD2H_1
    data = np.random.default_rng(3).random(11).astype(f32)
    total = f32(0)
    for v in data:                          # the data task's f32 additions, in order
        total = f32(total + v)
    h.send(0, data, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("result")[0] == total
    h.expect(d2h, np.array([], f32))        # no sentinel yet: nothing sent
    h.send(0, [pw.control.encode_control_task_payload(43)], control=True, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(d2h, [total])


def test_topic05_forwarder_ends_its_stream_with_a_sentinel(pywse_harness):
    h = pywse_harness(topic05.sentinel_program, sentinel=43, main_color=pw.Color(0))
    data = np.array([0.5, -1.0, 3.25], f32)
    h.send(h.memcpy.MEMCPYH2D_1, [len(data)])               # the count comes first
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("num_wvlts")[0] == len(data)
    h.send(h.memcpy.MEMCPYH2D_2, data)
    h.run_until_idle(max_cycles=10_000)
    sentinel = pw.control.encode_control_task_payload(43)
    h.expect(0, [*data.view(np.uint32), sentinel], direction=pw.EAST)
    assert h.sent(0).control.tolist() == [False, False, False, True]
    assert h.peek("index")[0] == 0                           # reset for the next stream


# -- game of life: one interior cell, its eight neighbours over four links --------------------

# the colors game_of_life.layout() gives a PE in an even column and an even row
EVEN_CELL = dict(send_east_color=pw.Color(0), send_west_color=pw.Color(3),
                 recv_east_color=pw.Color(2), recv_west_color=pw.Color(1),
                 send_south_color=pw.Color(4), send_north_color=pw.Color(7),
                 recv_south_color=pw.Color(6), recv_north_color=pw.Color(5))


def life_rule(alive, around):
    n = around.sum() - around[1, 1]
    return int(n == 3 or (alive and n == 2))


def test_game_of_life_cell_counts_its_neighbours_and_forwards(pywse_harness):
    h = pywse_harness(life.pe_program, is_east_edge=False, is_west_edge=False,
                      is_south_edge=False, is_north_edge=False, **EVEN_CELL)
    around = [np.array([[1, 1, 0],              # generation 1: three alive around a dead
                        [0, 0, 0],              # cell, so it is born ...
                        [0, 0, 1]]),
              np.array([[0, 0, 1],              # generation 2: four, so it dies again
                        [1, 0, 1],
                        [0, 1, 0]])]
    states = [0]
    h.poke("states", [states[0]] + [0] * (life.MAX_GENERATIONS - 1))
    # what generate(3) does; launching it would wait for the last generation, and the
    # neighbours' values of a generation may only come once the cell is done with the one
    # before (the program relies on that, as the example's docstring says)
    h.poke("iters", len(around) + 1)
    h.activate("send")
    sideways = []                                             # what goes east and west
    for g, nb in enumerate(around):                           # nb[row, col] around the cell
        # the north and south neighbours send their state; the west (east) one its state,
        # then what it got from the north and south: our NW and SW (NE and SE)
        h.send(5, [nb[0, 1]], direction=pw.NORTH)
        h.send(6, [nb[2, 1]], direction=pw.SOUTH)
        h.send(1, [nb[1, 0], nb[0, 0], nb[2, 0]], direction=pw.WEST)
        h.send(2, [nb[1, 2], nb[0, 2], nb[2, 2]], direction=pw.EAST)
        h.run_until_idle(max_cycles=100_000)
        states.append(life_rule(states[-1], nb))
        assert states[-1] == 1 - g                            # born, then dead
        assert h.peek("states")[:g + 2].tolist() == states
        assert h.peek("current_iter")[0] == g + 1
        sideways += [states[g], nb[0, 1], nb[2, 1]]          # its state, then the forwards
        then = states[-1:] if g + 1 < len(around) else []     # the next state goes out at once
        h.expect(0, sideways + then, direction=pw.EAST)
        h.expect(3, sideways + then, direction=pw.WEST)
        h.expect(7, states[:g + 1] + then, direction=pw.NORTH)
        h.expect(4, states[:g + 1] + then, direction=pw.SOUTH)


# -- pipeline-01: one stage, H2D in, +1, D2H out ----------------------------------------------

def test_pipeline01_stage_adds_one_to_each_value(pywse_harness):
    h = (pywse_harness(pipe01.pe_program, size=12))
    values = np.random.default_rng(5).integers(-300, 300, 12).astype(np.int16)
    h.send(h.memcpy.MEMCPYH2D_1, values)
    h.run_until_idle(max_cycles=10_000)
    h.expect(h.memcpy.MEMCPYD2H_1, (values + 1).astype(np.int16))


def test_pipeline02_stage_relays_a_stream_longer_than_its_queues_through_its_fifo(pywse_harness):
    n = 200                                 # > what the input and loopback queues hold
    h = (pywse_harness(pipe02.pe_program, size=n, C1=pw.Color(9),
                                  routes={9: dict(rx=[pw.RAMP], tx=[pw.RAMP])}))
    values = np.random.default_rng(9).integers(-1000, 1000, n).astype(np.int16)
    h.send(h.memcpy.MEMCPYH2D_1, values)
    h.run_until_idle(max_cycles=50_000)
    h.expect(h.memcpy.MEMCPYD2H_1, (values + 1).astype(np.int16))


# -- topic-09: a FIFO absorbs the stream while the consumer is blocked -------------------------

def test_topic09_fifo_holds_a_stream_the_blocked_consumer_cannot_take(pywse_harness):
    n = 100
    h = (pywse_harness(topic09.buffer_program, num_elems_to_process=n,
                                  loopback_color=pw.Color(2),
                                  routes={2: dict(rx=[pw.RAMP], tx=[pw.RAMP])}))
    x = np.random.default_rng(6).random(n).astype(f32)
    h.block("process_task")
    h.send(h.memcpy.MEMCPYH2D_1, x)
    h.run_until_idle(max_cycles=20_000)     # every send taken: the FIFO holds what queues can't
    state = h.task_state("process_task")
    assert state.blocked and 0 < state.pending < n
    np.testing.assert_array_equal(h.peek("fifo_buffer")[:n], x + f32(10))
    h.expect(h.memcpy.MEMCPYD2H_1, np.array([], f32))
    h.unblock("process_task")
    h.run_until_idle(max_cycles=50_000)
    neg = -(x + f32(10))
    h.expect(h.memcpy.MEMCPYD2H_1, neg * neg * neg)          # all of them, in order


# -- topic-06: a switch steers one color four ways, one control wavelet at a time --------------

def test_topic06_switch_moves_on_after_each_control_wavelet(pywse_harness):
    switches = pw.Switches(pos1=pw.SwitchPos(tx=pw.WEST), pos2=pw.SwitchPos(tx=pw.EAST),
                           pos3=pw.SwitchPos(tx=pw.SOUTH), current_switch_pos=1, ring_mode=True)
    h = pywse_harness(topic06.send, tx_color=pw.Color(0),
                      routes={0: dict(rx=[pw.RAMP], tx=[pw.NORTH], switches=switches)})
    h.launch("main_fn")
    h.run_until_idle(max_cycles=10_000)
    adv = pw.control.encode_single_payload(pw.control.SWITCH_ADV, True, None, 0)
    # a control wavelet goes the current way, then turns the switch: the data after it and
    # the next control wavelet go the next way (WEST, EAST, SOUTH, NORTH, WEST: ring mode)
    ways = {pw.WEST: [adv, 6], pw.EAST: [0, adv], pw.SOUTH: [2, adv], pw.NORTH: [4, adv]}
    for way, wavelets in ways.items():
        h.expect(0, wavelets, direction=way)
        assert h.sent(0, direction=way).control.tolist() == [w == adv for w in wavelets]


# -- sdklayout-05: the x demux and a gemv PE ---------------------------------------------------

ADVANCE = pw.control.encode_single_payload(pw.control.SWITCH_ADV, True, None, 0)


def test_sdklayout05_demux_takes_one_batch_then_forwards_the_rest(pywse_harness):
    take_then_forward = dict(rx=[pw.WEST], tx=[pw.RAMP],
                             switches=pw.Switches(pos1=pw.SwitchPos(rx=pw.WEST, tx=pw.EAST)))
    h = pywse_harness(sdk05.demux, size=4, in_color=pw.Color(1), out_color=pw.Color(2),
                      entry_point=40, has_sentinel=1,
                      routes={1: take_then_forward, 2: dict(rx=[pw.RAMP], tx=[pw.SOUTH])})
    x = np.arange(1, 13, dtype=f32)
    h.send(1, x[:4], direction=pw.WEST)
    h.send(1, [ADVANCE], control=True, direction=pw.WEST)   # the switch: now forward east
    h.send(1, x[4:], direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    sentinel = pw.control.encode_control_task_payload(40)
    h.expect(2, [*x[:4].view(np.uint32), sentinel], direction=pw.SOUTH)  # its batch, then
    assert h.sent(2).control.tolist() == [False] * 4 + [True]           # the gemv's sentinel
    h.expect(1, x[4:], direction=pw.EAST)


def test_sdklayout05_gemv_pe_adds_its_a_x_to_the_partial_sums_at_the_sentinel(pywse_harness):
    rows, cols = 8, 4
    # its params `width` and `height` are also the harness's grid keywords: pe_params passes them
    h = pywse_harness(sdk05.gemv, x_in=pw.Color(1), b_in=pw.Color(2), y_out=pw.Color(3),
                      control_ep=40, params=dict(width=cols, height=rows),
                      routes={1: dict(rx=[pw.NORTH], tx=[pw.RAMP]),
                              2: dict(rx=[pw.WEST], tx=[pw.RAMP]),
                              3: dict(rx=[pw.RAMP], tx=[pw.EAST])})
    rng = np.random.default_rng(7)
    A = rng.integers(-8, 8, (rows, cols)).astype(f32)
    x = rng.integers(-4, 4, cols).astype(f32)
    b = rng.integers(-50, 50, rows).astype(f32)              # the partial sums from the west
    h.poke("A", A)
    h.send(1, x, direction=pw.NORTH)
    h.send(2, b, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    assert h.peek("idx")[0] == cols
    h.expect(3, np.array([], f32), direction=pw.EAST)        # nothing before the sentinel
    h.send(1, [pw.control.encode_control_task_payload(40)], control=True, direction=pw.NORTH)
    h.run_until_idle(max_cycles=10_000)
    np.testing.assert_array_equal(h.peek("Ax_temp"), A @ x)
    h.expect(3, A @ x + b, direction=pw.EAST)


# -- pipeline_regions: a stage's op, one wavelet in, one out -----------------------------------

STAGE_OPS = {"pass": lambda w, a: w, "scale": lambda w, a: w * a, "shift": lambda w, a: w + a,
             "square": lambda w, a: w * w,
             "running_sum": lambda w, a: np.add.accumulate(w, dtype=f32)}   # in order, in f32


@pytest.mark.parametrize("op, a", [("pass", 0.0), ("scale", 3.0), ("shift", -2.0),
                                   ("square", 0.0), ("running_sum", 0.0)])
def test_pipeline_regions_stage_applies_its_op_to_each_wavelet(pywse_harness, op, a):
    h = pywse_harness(regions.stage, op=op, a=a, rx=pw.Color(4), tx=pw.Color(5))
    w = np.random.default_rng(8).uniform(-1.0, 1.0, 6).astype(f32)
    h.send(4, w, direction=pw.WEST)
    h.run_until_idle(max_cycles=10_000)
    h.expect(5, STAGE_OPS[op](w, f32(a)).astype(f32))
    assert h.peek("count")[0] == len(w)
