"""Conway's game of life, one cell per PE (port of csl-examples benchmarks/game-of-life).

Every generation each PE sends its state to its north and south neighbours and to its west
and east neighbours, then forwards what it received from north and south on to west and
east, so each cell hears from all eight neighbours over four links. Two colors per direction
alternate with the PE's column (row) parity. Block/unblock handshakes between the tasks keep
generations apart: a PE does not send again until it has forwarded, and does not accept a
neighbour's next value until it has started the next generation.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/game_of_life.py --arch=wse3 --fabric-dims=19,14 \\
        --fabric-offsets=4,1 --params=x_dim:12,y_dim:12 --memcpy --channels=1 -o out
    python examples/game_of_life.py --name out --initial-state glider --iters 20

or both in one run (it compiles into a temporary directory first):

    python examples/game_of_life.py [--arch wse2|wse3] [--no-jit] [--iters N]
                                    [--initial-state glider|random] [--show-ascii-animation]

This port leaves out the original's `--save-animation` (a GIF drawn with matplotlib); the
original run.py itself, GIF included, runs unchanged on the compiled `out` with the `viz`
extra installed: `pywse run run.py --name out --save-animation` (tests/test_pictures.py
runs it). The program relies on fair task picking (docs/semantics.md): a PE must forward its neighbours' values
before the next generation's data tasks overwrite them.
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

MAX_GENERATIONS = 1000   # generations the states array can hold


@pw.program
def pe_program(p, *, memcpy_params, is_east_edge: bool, is_west_edge: bool,
               is_south_edge: bool, is_north_edge: bool,
               send_east_color: pw.Color, send_west_color: pw.Color,
               send_south_color: pw.Color, send_north_color: pw.Color,
               recv_east_color: pw.Color, recv_west_color: pw.Color,
               recv_south_color: pw.Color, recv_north_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    send_east_oq = p.output_queue(2, send_east_color)
    send_west_oq = p.output_queue(3, send_west_color)
    send_south_oq = p.output_queue(4, send_south_color)
    send_north_oq = p.output_queue(5, send_north_color)
    recv_east_iq = p.input_queue(2, recv_east_color)
    recv_west_iq = p.input_queue(3, recv_west_color)
    recv_south_iq = p.input_queue(4, recv_south_color)
    recv_north_iq = p.input_queue(5, recv_north_color)

    has_w, has_e, has_n, has_s = (not is_west_edge, not is_east_edge, not is_north_edge,
                                  not is_south_edge)
    num_ns_nbrs = has_n + has_s
    num_west_nbrs = has_w * (1 + num_ns_nbrs)
    num_east_nbrs = has_e * (1 + num_ns_nbrs)
    num_neighbors = num_west_nbrs + num_east_nbrs + num_ns_nbrs

    iters = p.var("iters", pw.u16, 1)                  # generations of this run
    current_iter = p.var("current_iter", pw.u16, 1)    # generations completed so far
    states = p.var("states", pw.u32, MAX_GENERATIONS, export=True)
    state_dsd = p.dsd_var(pw.mem1d(states, extent=1))  # the current generation's state
    num_recv = p.var("num_recv", pw.u16, 1)
    current_sum = p.var("current_sum", pw.u32, 1)
    num_west_recv = p.var("num_west_recv", pw.u16, 1)
    num_east_recv = p.var("num_east_recv", pw.u16, 1)
    num_ns_recv = p.var("num_ns_recv", pw.u16, 1)
    fwd_vals = p.var("fwd_vals", pw.u32, 2)            # [0] from north, [1] from south
    fwd_dsd = pw.mem1d(fwd_vals, extent=max(num_ns_nbrs, 1), offset=0 if has_n else 1)

    send_west_dsd = pw.fabout(send_west_color, extent=1, queue=send_west_oq)
    send_east_dsd = pw.fabout(send_east_color, extent=1, queue=send_east_oq)
    send_north_dsd = pw.fabout(send_north_color, extent=1, queue=send_north_oq)
    send_south_dsd = pw.fabout(send_south_color, extent=1, queue=send_south_oq)

    @p.local_task(8)
    def send():
        if has_n:
            pw.fmovs(send_north_dsd, state_dsd, async_=True)
        if has_s:
            pw.fmovs(send_south_dsd, state_dsd, async_=True)
        # forwarding north/south values waits for both east and west sends
        if has_w:
            pw.fmovs(send_west_dsd, state_dsd, async_=True, unblock=sync_fwd)
        else:
            pw.unblock(sync_fwd)
        if has_e:
            pw.fmovs(send_east_dsd, state_dsd, async_=True, activate=sync_fwd)
        else:
            pw.activate(sync_fwd)
        pw.block(send)      # no new generation before this one is forwarded

    @p.local_task(10)
    def sync_fwd():
        pw.block(sync_fwd)
        pw.unblock(fwd_east_west)

    @p.local_task(12)
    def fwd_east_west():
        if has_w:
            pw.fmovs(send_west_dsd, fwd_dsd, async_=True, unblock=sync_send)
        else:
            pw.unblock(sync_send)
        if has_e:
            pw.fmovs(send_east_dsd, fwd_dsd, async_=True, activate=sync_send)
        else:
            pw.activate(sync_send)
        pw.block(fwd_east_west)

    @p.local_task(9)
    def sync_send():
        pw.block(sync_send)
        pw.unblock(send)

    def received(val):
        num_recv[0] += 1
        current_sum[0] += val

    @p.data_task(recv_west_iq)
    def recv_west(val: pw.u32):
        num_west_recv[0] += 1
        received(val)
        if num_west_recv[0] == num_west_nbrs:
            pw.block(recv_west)        # the rest belongs to the next generation
        if num_recv[0] == num_neighbors:
            pw.activate(start_next_gen)

    @p.data_task(recv_east_iq)
    def recv_east(val: pw.u32):
        num_east_recv[0] += 1
        received(val)
        if num_east_recv[0] == num_east_nbrs:
            pw.block(recv_east)
        if num_recv[0] == num_neighbors:
            pw.activate(start_next_gen)

    @p.data_task(recv_north_iq)
    def recv_north(val: pw.u32):
        num_ns_recv[0] += 1
        received(val)
        pw.block(recv_north)           # one value from the north per generation
        fwd_vals[0] = val
        if num_ns_recv[0] == num_ns_nbrs:
            pw.activate(fwd_east_west)
        if num_recv[0] == num_neighbors:
            pw.activate(start_next_gen)

    @p.data_task(recv_south_iq)
    def recv_south(val: pw.u32):
        num_ns_recv[0] += 1
        received(val)
        pw.block(recv_south)
        fwd_vals[1] = val
        if num_ns_recv[0] == num_ns_nbrs:
            pw.activate(fwd_east_west)
        if num_recv[0] == num_neighbors:
            pw.activate(start_next_gen)

    @p.local_task(11)
    def start_next_gen():
        nonlocal state_dsd
        current_iter[0] += 1
        state_dsd = pw.increment_dsd_offset(state_dsd, 1, pw.u32)
        k = current_iter[0]
        total = current_sum[0]
        if states[k - 1] == 1:
            states[k] = 1 if total == 2 or total == 3 else 0
        else:
            states[k] = 1 if total == 3 else 0
        if current_iter[0] == iters[0] - 1:
            pw.activate(exit_task)
        else:
            current_sum[0] = 0
            num_recv[0] = 0
            num_west_recv[0] = 0
            num_east_recv[0] = 0
            num_ns_recv[0] = 0
            pw.unblock(recv_west)
            pw.unblock(recv_east)
            pw.unblock(recv_north)
            pw.unblock(recv_south)
            pw.activate(send)

    @p.local_task(13)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.export
    def generate(num_gen: pw.u16):
        iters[0] = num_gen
        assert iters[0] <= MAX_GENERATIONS
        pw.activate(send)

    p.block(sync_send)
    p.block(sync_fwd)
    p.block(fwd_east_west)    # unblocked by the first sync_fwd


def layout(x_dim: int, y_dim: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    east_0, east_1, west_0, west_1 = (pw.Color(c) for c in range(4))
    south_0, south_1, north_0, north_1 = (pw.Color(c) for c in range(4, 8))
    lay = pw.Layout(x_dim, y_dim)
    memcpy = lay.memcpy()
    x_colors = [dict(send_east_color=east_0, send_west_color=west_1,      # even columns
                     recv_east_color=west_0, recv_west_color=east_1),
                dict(send_east_color=east_1, send_west_color=west_0,      # odd columns
                     recv_east_color=west_1, recv_west_color=east_0)]
    y_colors = [dict(send_south_color=south_0, send_north_color=north_1,
                     recv_south_color=north_0, recv_north_color=south_1),
                dict(send_south_color=south_1, send_north_color=north_0,
                     recv_south_color=north_1, recv_north_color=south_0)]
    for x in range(x_dim):
        for y in range(y_dim):
            lay.set_tile_code(x, y, pe_program, memcpy_params=memcpy.get_params(x),
                              is_west_edge=x == 0, is_east_edge=x == x_dim - 1,
                              is_north_edge=y == 0, is_south_edge=y == y_dim - 1,
                              **x_colors[x % 2], **y_colors[y % 2])
    out_of, into = [pw.RAMP], [pw.RAMP]
    for x in range(x_dim):
        for y in range(y_dim):
            # a PE sends on one color of each pair and receives the other (by parity)
            mine_e, theirs_e = (east_0, east_1) if x % 2 == 0 else (east_1, east_0)
            mine_w, theirs_w = (west_1, west_0) if x % 2 == 0 else (west_0, west_1)
            mine_s, theirs_s = (south_0, south_1) if y % 2 == 0 else (south_1, south_0)
            mine_n, theirs_n = (north_1, north_0) if y % 2 == 0 else (north_0, north_1)
            for mine, theirs, out, back in ((mine_e, theirs_e, pw.EAST, pw.WEST),
                                            (mine_w, theirs_w, pw.WEST, pw.EAST),
                                            (mine_s, theirs_s, pw.SOUTH, pw.NORTH),
                                            (mine_n, theirs_n, pw.NORTH, pw.SOUTH)):
                lay.set_color_config(x, y, mine, rx=out_of, tx=[out])
                lay.set_color_config(x, y, theirs, rx=[back], tx=into)
    return lay


def create_initial_state(state_type: str, x_dim: int, y_dim: int) -> np.ndarray:
    """The original's initial states: tiled gliders, or a seeded random field."""
    initial_state = np.zeros((x_dim, y_dim), dtype=np.uint32)
    if state_type == "glider":
        assert x_dim >= 4 and y_dim >= 4, "a glider needs x_dim and y_dim of at least 4"
        glider = np.array([[0, 0, 1], [1, 0, 1], [0, 1, 1]])
        for i in range(x_dim // 4):
            for j in range(y_dim // 4):
                tile = glider if i % 2 == 0 and j % 2 == 0 else \
                    glider[:, ::-1] if i % 2 == 0 else glider[::-1, :]
                initial_state[4 * i:4 * i + 3, 4 * j:4 * j + 3] = tile
        return initial_state
    np.random.seed(seed=7)
    return np.random.binomial(1, 0.5, (x_dim, y_dim)).astype(np.uint32)


def game_of_life_ref(initial_state: np.ndarray, num_generations: int) -> np.ndarray:
    """Generations computed on the host, as the original does (dead cells outside the grid)."""
    x_dim, y_dim = initial_state.shape
    ref = np.zeros((x_dim, y_dim, num_generations))
    ref[:, :, 0] = initial_state
    for gen in range(1, num_generations):
        prev = ref[:, :, gen - 1]
        for i in range(x_dim):
            for j in range(y_dim):
                total = sum(prev[i + di, j + dj] for di in (-1, 0, 1) for dj in (-1, 0, 1)
                            if (di or dj) and 0 <= i + di < x_dim and 0 <= j + dj < y_dim)
                if prev[i, j] == 1:
                    ref[i, j, gen] = 1 if total in (2, 3) else 0
                else:
                    ref[i, j, gen] = 1 if total == 3 else 0
    return ref


def run(name: str, jit: bool | None = None, iters: int = 20, initial: str = "glider",
        show: bool = False) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    x_dim, y_dim = int(params["x_dim"]), int(params["y_dim"])
    initial_state = create_initial_state(initial, x_dim, y_dim)
    runner = SdkRuntime(name, jit=jit)
    states_symbol = runner.get_id("states")
    runner.load()
    runner.run()
    runner.memcpy_h2d(states_symbol, initial_state.flatten(), 0, 0, x_dim, y_dim, 1,
                      streaming=False, order=MemcpyOrder.ROW_MAJOR,
                      data_type=MemcpyDataType.MEMCPY_32BIT, nonblock=False)
    runner.launch("generate", np.uint16(iters), nonblock=False)
    states_result = np.zeros([x_dim * y_dim * iters], dtype=np.uint32)
    runner.memcpy_d2h(states_result, states_symbol, 0, 0, x_dim, y_dim, iters, streaming=False,
                      order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.stop()
    all_states = states_result.reshape((x_dim, y_dim, iters))
    if show:
        for gen in range(iters):
            print(f"Generation {gen}:")
            print("\n".join(" ".join("#" if c else "." for c in row) for row in all_states[:, :, gen]))
    np.testing.assert_equal(game_of_life_ref(initial_state, iters), all_states)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--iters", type=int, default=20, help="number of generations")
    parser.add_argument("--initial-state", choices=["glider", "random"], default="glider")
    parser.add_argument("--show-ascii-animation", action="store_true")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit, args.iters, args.initial_state, args.show_ascii_animation)
        return
    with tempfile.TemporaryDirectory(prefix="pywse-gol-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(19, 14), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"x_dim": 12, "y_dim": 12}, out_dir=out)
        run(out, jit, args.iters, args.initial_state, args.show_ascii_animation)


if __name__ == "__main__":
    main()
