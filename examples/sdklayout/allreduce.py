"""An allreduce over a W x H grid, its input streamed from the host or preloaded (pywse's own
example; no tutorial has it).

Every PE of the grid holds 16 f32 values; afterwards every PE holds the sum over all PEs.

- *streamed*: the host sends all W*H*16 values on one input stream into the top of a 1 x H
  `scatter` column. Scatter PE y keeps the W*16 values of grid row y (sends them east into the
  row) and forwards the rest south; grid PE x keeps its 16 and forwards the rest east.
- *preloaded*: the same values are set with `set_symbol_all` before the run (no scatter).

Then each row sums eastward (PE x adds its vector to the partial sum from the west and sends
it on), the last column sums southward, the bottom-right PE broadcasts the total north up
the last column and each last-column PE west along its row. The bottom row sends its copy
down into a W x 1 `gather` row, which chains the W vectors west into an output stream. The
host checks them bit for bit against numpy adding in the same order. Every phase is an async
DSD op (`mov32`, `fadds`, `fmovs`) chained by `activate`; neighbouring PEs alternate two
colors (a checkerboard) where a PE both receives and sends in one direction.

    python examples/sdklayout/allreduce.py [--arch wse2|wse3] [--no-jit] [--width W] [--height H]
        [--input streamed|preloaded|both] [--describe]
"""
import argparse

import numpy as np

import pywse as pw
from pywse.geometry import IntRectangle, IntVector
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

HEAVY_COMPILE = True    # tests/conftest.py: the compiled leg (~30 s of numba cold) runs in the slow tier

N = 16                     # f32 values per PE
MAX_EXTENT = 0x7FFF        # wavelets one fabric DSD moves


def route(rx, tx) -> RoutingPosition:
    return RoutingPosition().set_input(rx).set_output(tx)


# -- programs -------------------------------------------------------------------------------

@pw.program
def scatter(p, *, row_words: int, rows_below: int, rx: pw.Color, down: pw.Color,
            east: pw.Color):
    """One PE of the scatter column: the first `row_words` wavelets go east into its grid row,
    the next `rows_below` rows' worth south, one row (one DSD op) at a time."""
    rx_q = p.input_queue(0, rx)
    to_row = pw.fabout(east, row_words, queue=p.output_queue(0, east))
    from_top = pw.fabin(rx, row_words, queue=rx_q)
    left = p.var("rows_left", pw.u32, 1, init=[rows_below])

    if rows_below:
        to_below = pw.fabout(down, row_words, queue=p.output_queue(1, down))

        @p.local_task(22)
        def forward():
            if left[0] > 0:
                left[0] -= 1
                pw.mov32(to_below, from_top, async_=True, activate=forward)

        @p.on_start
        @p.local_task(21)
        def main():
            pw.mov32(to_row, from_top, async_=True, activate=forward)
    else:
        @p.on_start
        @p.local_task(21)
        def main():
            pw.mov32(to_row, from_top, async_=True)


@pw.program
def cell(p, *, streamed: int, forward: int, first_col: int, last_col: int, first_row: int,
         last_row: int, e_in: pw.Color, e_out: pw.Color, v_in: pw.Color, v_out: pw.Color,
         up: pw.Color, west: pw.Color, down: pw.Color):
    """One grid PE. `forward`: words of the scatter that pass on east (streamed only). Row
    sums travel east on e_in -> e_out, the last column's sums south on v_in -> v_out, the
    total north on `up` and west on `west`; the bottom row sends it `down` to the gather.
    Which tasks a PE has depends on where it is (its params), decided at comptime."""
    buf = p.var("buf", pw.f32, N, export=True)
    vec = pw.mem1d(buf, N)
    if streamed or not first_col:
        e_q = p.input_queue(0, e_in)
        from_west = pw.fabin(e_in, N, queue=e_q)
    if not last_col:
        e_oq = p.output_queue(0, e_out)
        to_east = pw.fabout(e_out, N, queue=e_oq)
        total_from_east = pw.fabin(west, N, queue=p.input_queue(1, west))
    else:
        total_west = pw.fabout(west, N, queue=p.output_queue(1, west))
        if not first_row:
            from_north = pw.fabin(v_in, N, queue=p.input_queue(2, v_in))
        if last_row:
            total_up = pw.fabout(up, N, queue=p.output_queue(2, up))
        else:
            to_south = pw.fabout(v_out, N, queue=p.output_queue(2, v_out))
            total_from_south = pw.fabin(up, N, queue=p.input_queue(3, up))
    if last_row:
        to_gather = pw.fabout(down, N, queue=p.output_queue(3, down))

    # the row's sum, west to east: the last column ends up with it (tasks that activate
    # one defined further down find it there when they run)
    if first_col:
        @p.local_task(23)
        def row_sum():
            pw.fmovs(to_east, vec, async_=True, activate=wait_total)
    elif not last_col:
        @p.local_task(23)
        def row_sum():
            pw.fadds(to_east, from_west, vec, async_=True, activate=wait_total)
    else:
        @p.local_task(23)
        def row_sum():
            pw.fadds(vec, from_west, vec, async_=True, activate=col_sum)
    # before it, when streamed: take this PE's 16 values, pass the rest of the row's on east
    if not streamed:
        p.on_start(row_sum)
    elif forward:
        passing = pw.fabin(e_in, forward, queue=e_q)
        passed = pw.fabout(e_out, forward, queue=e_oq)

        @p.local_task(22)
        def pass_on():
            pw.mov32(passed, passing, async_=True, activate=row_sum)

        @p.on_start
        @p.local_task(21)
        def take_own():
            pw.mov32(vec, from_west, async_=True, activate=pass_on)
    else:
        @p.on_start
        @p.local_task(21)
        def take_own():
            pw.mov32(vec, from_west, async_=True, activate=row_sum)

    # (last column) the column's sum, north to south: the bottom-right PE has the total
    if last_col and first_row:
        @p.local_task(24)
        def col_sum():
            pw.fmovs(to_south, vec, async_=True, activate=wait_total)
    elif last_col and not last_row:
        @p.local_task(24)
        def col_sum():
            pw.fadds(to_south, from_north, vec, async_=True, activate=wait_total)
    elif last_col:
        @p.local_task(24)
        def col_sum():
            pw.fadds(vec, from_north, vec, async_=True, activate=broadcast)

    # the total comes back: up the last column, then west along each row
    if not last_col:
        @p.local_task(25)
        def wait_total():
            pw.mov32(vec, total_from_east, async_=True, activate=broadcast)
    elif not last_row:
        @p.local_task(25)
        def wait_total():
            pw.mov32(vec, total_from_south, async_=True, activate=broadcast)

    # pass the total on (last column: west; bottom-right: north too) and, in the bottom
    # row, down to the gather row
    if last_col and last_row:
        @p.local_task(26)
        def broadcast():
            pw.fmovs(total_up, vec, async_=True)
            pw.fmovs(total_west, vec, async_=True)
            pw.fmovs(to_gather, vec, async_=True)
    elif last_col:
        @p.local_task(26)
        def broadcast():
            pw.fmovs(total_west, vec, async_=True)
    elif last_row:
        @p.local_task(26)
        def broadcast():
            pw.fmovs(to_gather, vec, async_=True)
    else:
        @p.local_task(26)
        def broadcast():
            pass


@pw.program
def gather(p, *, forward: int, rx: pw.Color, w_in: pw.Color, w_out: pw.Color):
    """One PE of the gather row: its column's vector, then the `forward` words from the east,
    go west."""
    oq = p.output_queue(0, w_out)
    mine = pw.fabin(rx, N, queue=p.input_queue(0, rx))
    out = pw.fabout(w_out, N, queue=oq)
    if forward:
        rest_in = pw.fabin(w_in, forward, queue=p.input_queue(1, w_in))
        rest_out = pw.fabout(w_out, forward, queue=oq)

        @p.local_task(22)
        def pass_on():
            pw.mov32(rest_out, rest_in, async_=True)

        @p.on_start
        @p.local_task(21)
        def main():
            pw.mov32(out, mine, async_=True, activate=pass_on)
    else:
        @p.on_start
        @p.local_task(21)
        def main():
            pw.mov32(out, mine, async_=True)


# -- layout ---------------------------------------------------------------------------------

def column(x: int, height: int) -> IntRectangle:
    return IntRectangle(IntVector(x, 0), IntVector(x + 1, height))


def row(y: int, width: int) -> IntRectangle:
    return IntRectangle(IntVector(0, y), IntVector(width, y + 1))


def build_grid(layout: SdkLayout, width: int, height: int, streamed: bool, data: np.ndarray):
    """The W x H grid at (2, 1): params and routes per column and row, and the input port of
    its left edge (streamed) or the data as a symbol (preloaded)."""
    grid = layout.create_code_region(cell, "grid", width, height)
    e = grid.color("e0"), grid.color("e1")
    v = grid.color("v0"), grid.color("v1")
    up, west, down = grid.color("up"), grid.color("west"), grid.color("down")
    for name, value in (("streamed", int(streamed)), ("forward", 0), ("first_col", 0),
                        ("last_col", 0), ("first_row", 0), ("last_row", 0)):
        grid.set_param_all(name, value)
    for name, c in (("v_in", v[0]), ("v_out", v[1]), ("up", up), ("west", west), ("down", down)):
        grid.set_param_all(name, c)
    for x in range(width):
        col = column(x, height)
        grid.set_param_range(col, "e_in", e[x % 2])
        grid.set_param_range(col, "e_out", e[(x + 1) % 2])
        if streamed:
            grid.set_param_range(col, "forward", (width - 1 - x) * N)
        if x > 0 or streamed:
            grid.paint_range(col, e[x % 2], [route([Route.WEST], [Route.RAMP])])
        if x < width - 1:
            grid.paint_range(col, e[(x + 1) % 2], [route([Route.RAMP], [Route.EAST])])
        # the total, west along every row from the last column
        if x == width - 1:
            grid.paint_range(col, west, [route([Route.RAMP], [Route.WEST])])
        elif x > 0:
            grid.paint_range(col, west, [route([Route.EAST], [Route.RAMP, Route.WEST])])
        else:
            grid.paint_range(col, west, [route([Route.EAST], [Route.RAMP])])
    grid.set_param_range(column(0, height), "first_col", 1)
    last = column(width - 1, height)
    grid.set_param_range(last, "last_col", 1)
    grid.set_param_range(row(0, width), "first_row", 1)
    grid.set_param_range(row(height - 1, width), "last_row", 1)
    for y in range(height):                      # the last column: sums south, the total north
        pe = IntVector(width - 1, y)
        grid.set_param(pe, "v_in", v[y % 2])
        grid.set_param(pe, "v_out", v[(y + 1) % 2])
        if y > 0:
            grid.paint(pe, v[y % 2], [route([Route.NORTH], [Route.RAMP])])
        if y < height - 1:
            grid.paint(pe, v[(y + 1) % 2], [route([Route.RAMP], [Route.SOUTH])])
        if height > 1:
            up_route = (route([Route.RAMP], [Route.NORTH]) if y == height - 1 else
                        route([Route.SOUTH], [Route.RAMP]) if y == 0 else
                        route([Route.SOUTH], [Route.RAMP, Route.NORTH]))
            grid.paint(pe, up, [up_route])
    grid.place(2, 1)
    to_gather = grid.create_output_port(down, Edge.BOTTOM,
                                        [RoutingPosition().set_input([Route.RAMP])], N)
    if not streamed:
        grid.set_symbol_all("buf", data, width * N, height)
        return grid, None, to_gather
    from_scatter = grid.create_input_port(e[0], Edge.LEFT,
                                          [RoutingPosition().set_output([Route.RAMP])], width * N)
    return grid, from_scatter, to_gather


def build_scatter(layout: SdkLayout, width: int, height: int):
    """The 1 x H column left of the grid; its top PE takes the host's stream."""
    col = layout.create_code_region(scatter, "scatter", 1, height)
    c = col.color("c0"), col.color("c1")
    east = col.color("east")
    col.set_param_all("row_words", width * N)
    col.set_param_all(east)
    for y in range(height):
        pe = IntVector(0, y)
        col.set_param(pe, "rows_below", height - 1 - y)
        col.set_param(pe, "rx", c[y % 2])
        col.set_param(pe, "down", c[(y + 1) % 2])
        if y > 0:
            col.paint(pe, c[y % 2], [route([Route.NORTH], [Route.RAMP])])
        if y < height - 1:
            col.paint(pe, c[(y + 1) % 2], [route([Route.RAMP], [Route.SOUTH])])
    col.place(1, 1)
    from_host = col.create_input_port(c[0], Edge.TOP, [RoutingPosition().set_output([Route.RAMP])],
                                      width * height * N)
    to_grid = col.create_output_port(east, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])],
                                     width * N)
    return from_host, to_grid


def build_gather(layout: SdkLayout, width: int, height: int):
    """The W x 1 row below the grid; its left PE feeds the output stream."""
    out = layout.create_code_region(gather, "gather", width, 1)
    w = out.color("w0"), out.color("w1")
    rx = out.color("rx")
    out.set_param_all(rx)
    for x in range(width):
        pe = IntVector(x, 0)
        out.set_param(pe, "forward", (width - 1 - x) * N)
        out.set_param(pe, "w_out", w[x % 2])
        out.set_param(pe, "w_in", w[(x + 1) % 2])
        if x > 0:
            out.paint(pe, w[x % 2], [route([Route.RAMP], [Route.WEST])])
        if x < width - 1:
            out.paint(pe, w[(x + 1) % 2], [route([Route.EAST], [Route.RAMP])])
    out.place(2, height + 1)
    from_grid = out.create_input_port(rx, Edge.TOP, [RoutingPosition().set_output([Route.RAMP])], N)
    to_host = out.create_output_port(w[0], Edge.LEFT, [RoutingPosition().set_input([Route.RAMP])],
                                     width * N)
    return from_grid, to_host


def build(platform, width: int, height: int, streamed: bool, data: np.ndarray):
    """The layout, its input stream (None when preloaded) and its output stream."""
    if width < 2 or height < 2:
        raise ValueError(f"a {width}x{height} grid: give at least 2x2 PEs")
    if width * N > MAX_EXTENT:
        raise ValueError(f"--width {width}: a row of {width * N} values exceeds one DSD op "
                         f"({MAX_EXTENT} wavelets)")
    layout = SdkLayout(platform)
    _, from_scatter, to_gather = build_grid(layout, width, height, streamed, data)
    from_grid, to_host = build_gather(layout, width, height)
    layout.connect(to_gather, from_grid)
    source = None
    if streamed:
        from_host, to_grid = build_scatter(layout, width, height)
        layout.connect(to_grid, from_scatter)
        source = layout.create_input_stream(from_host)
    return layout, source, layout.create_output_stream(to_host)


def platform_for(width: int, height: int, arch: str):
    target = SdkTarget.WSE3 if arch == "wse3" else SdkTarget.WSE2
    return get_platform(None, SimfabConfig(fabric_dims=(width + 4, height + 3)), target)


def reference(data: np.ndarray, width: int, height: int) -> np.ndarray:
    """The total as the PEs add it, in f32: along each row west to east, then the row sums
    north to south."""
    v = data.reshape(height, width, N)
    rows = v[:, 0]
    for x in range(1, width):
        rows = rows + v[:, x]
    total = rows[0]
    for y in range(1, height):
        total = total + rows[y]
    return total


def start(width: int, height: int, streamed: bool, arch: str = "wse3", jit: bool = True,
          out: str | None = None, seed: int = 0, max_cycles: int | None = None,
          describe: bool = False):
    """Compile and load the allreduce and issue its host commands (nonblocking). Returns the
    runtime, the host's result array and the input data; `runtime.stop()` finishes it."""
    data = np.random.default_rng(seed).uniform(-1.0, 1.0, (height, width * N)).astype(np.float32)
    platform = platform_for(width, height, arch)
    layout, source, sink = build(platform, width, height, streamed, data)
    artifacts = layout.compile(out_prefix=out)
    if describe:
        print(layout.describe())
    runtime = SdkRuntime(artifacts, platform, memcpy_required=False, jit=jit,
                         max_cycles=max_cycles)
    runtime.load()
    runtime.run()
    result = np.zeros(width * N, np.float32)
    if streamed:
        runtime.send(source, data, nonblock=True)
    runtime.receive(sink, result, width * N, nonblock=True)
    return runtime, result, data


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", choices=["wse2", "wse3"], default="wse3")
    parser.add_argument("--out", default="out", help="artifacts directory")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--width", type=int, default=4, help="grid width W")
    parser.add_argument("--height", type=int, default=3, help="grid height H")
    parser.add_argument("--input", choices=["streamed", "preloaded", "both"], default="both")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random values")
    parser.add_argument("--describe", action="store_true", help="print the chosen routes")
    args = parser.parse_args(argv)

    modes = ["streamed", "preloaded"] if args.input == "both" else [args.input]
    for mode in modes:
        runtime, result, data = start(args.width, args.height, mode == "streamed", args.arch,
                                      not args.no_jit, args.out, args.seed,
                                      describe=args.describe)
        runtime.stop()
        total = reference(data, args.width, args.height)
        np.testing.assert_array_equal(result.reshape(args.width, N),
                                      np.broadcast_to(total, (args.width, N)))
        print(f"{mode}: allreduce of {args.width}x{args.height} PEs x {N} f32 in "
              f"{runtime.cycles} cycles")
    print("SUCCESS!")


if __name__ == "__main__":
    main()
