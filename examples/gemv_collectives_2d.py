"""gemv-collectives_2d: y = A x + b on a rectangle of PEs (port of csl-examples
benchmarks/gemv-collectives_2d).

A kernel_cols x kernel_rows rectangle holds A in tiles of Mt x Nt (row major, one per PE);
the host puts all of x and b on PE (0, 0). With the `<collectives_2d>` library
(pywse/lib/collectives_2d.py), imported once per axis, a chain of tasks then: scatters b down
the first column, scatters x along the first row, broadcasts each PE's tile of x down its
column, computes the local product (plus b's tile in the first column), sums it along each
row into the last column (`reduce_fadds`), and gathers those sums into PE (Pw-1, Ph-1), where
the host reads y. It checks what the original run.py checks (atol 0.01).

The SDK's two steps, with the flags of the original's commands_wse3.sh (wse2 the same):

    pywse compile examples/gemv_collectives_2d.py --arch=wse3 --fabric-dims=11,6 \\
        --fabric-offsets=4,1 --params=kernel_rows:4,kernel_cols:4,matrix_rows:32,matrix_cols:16 \\
        --memcpy --channels=1 -o out
    python examples/gemv_collectives_2d.py --name out     # or: pywse run run.py --name out

The original run.py passes unchanged under `pywse run` after that `pywse compile` (wse2 and
wse3).

or both in one run (it compiles into a temporary directory first, at the original's size):

    python examples/gemv_collectives_2d.py [--arch wse2|wse3] [--no-jit] [--size 4,4,32,16]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

# local task ids, as in the original: the library's entrypoints 14-17 (layout), these 9-13
EXIT, SCATTER_X, BROADCAST_X_DOWN, COMPUTE, GATHER_RESULT = 9, 10, 11, 12, 13


@pw.program
def pe_program(p, *, memcpy_params, c2d_params, Mt: int, Nt: int):
    sys_mod = p.import_module("<memcpy/memcpy>", memcpy_params)
    # the library's default queues and DSR ids (x: queues 2, 4; y: 3, 5)
    mpi_x = p.import_module("<collectives_2d/pe>", name="mpi_x", dim_params=c2d_params.x)
    mpi_y = p.import_module("<collectives_2d/pe>", name="mpi_y", dim_params=c2d_params.y)
    Pw = pw.get_rectangle().width     # size of the rectangle of PEs the kernel runs on
    Ph = pw.get_rectangle().height

    # only PE (0, 0) gets all of x and b from the host
    x_src = p.var("x", pw.f32, Nt * Pw, export=True)
    b_src = p.var("b", pw.f32, Mt * Ph, export=True)
    # each PE's own tile of A, row major
    A_tile = p.var("A", pw.f32, Mt * Nt, export=True)
    dsd_A_tile = pw.mem1d(A_tile, extent=Mt, stride=Nt)    # a column of the tile
    # the tiles of x and b this PE receives
    x_tile = p.var("x_tile", pw.f32, Nt)
    b_tile = p.var("b_tile", pw.f32, Mt)
    dsd_b_tile = pw.mem1d(b_tile, extent=Mt)
    # A_tile x_tile, then its sum along the row of PEs
    local_prod = p.var("local_prod", pw.f32, Mt)
    dsd_local_prod = pw.mem1d(local_prod, extent=Mt)
    row_sum = p.var("row_sum", pw.f32, Mt)
    # y, on PE (Pw-1, Ph-1)
    final_result = p.var("y", pw.f32, Mt * Ph, export=True)

    px = p.var("px", pw.u16, 1)    # this PE's place on each axis, as the library reports it
    py = p.var("py", pw.u16, 1)

    @p.export
    def main():
        """PE (0, 0) scatters b into tiles down the first column."""
        mpi_x.init()
        mpi_y.init()
        px[0] = mpi_x.pe_id
        py[0] = mpi_y.pe_id
        if px[0] == 0:
            mpi_y.scatter(0, b_src, b_tile, Mt, scatter_x)
        else:
            pw.activate(scatter_x)

    @p.local_task(SCATTER_X)
    def scatter_x():
        """Scatter x into tiles along the first row."""
        if py[0] == 0:
            mpi_x.scatter(0, x_src, x_tile, Nt, broadcast_x_down)
        else:
            pw.activate(broadcast_x_down)

    @p.local_task(BROADCAST_X_DOWN)
    def broadcast_x_down():
        """Broadcast each tile of x down its column."""
        mpi_y.broadcast(0, x_tile, Nt, compute)

    @p.local_task(COMPUTE)
    def compute():
        """local_prod = A_tile x_tile (+ b_tile in the first column), then the row's sum."""
        for j in range(Nt):
            dsd_A_offset = pw.increment_dsd_offset(dsd_A_tile, j, pw.f32)   # column j
            pw.fmacs(dsd_local_prod, dsd_local_prod, dsd_A_offset, x_tile[j])
        if px[0] == 0:
            pw.fadds(dsd_local_prod, dsd_local_prod, dsd_b_tile)
        mpi_x.reduce_fadds(Pw - 1, local_prod, row_sum, Mt, gather_result)

    @p.local_task(GATHER_RESULT)
    def gather_result():
        """Gather the row sums into the bottom right PE."""
        mpi_y.gather(Ph - 1, row_sum, final_result, Mt, f_exit)

    @p.local_task(EXIT)
    def f_exit():
        sys_mod.unblock_cmd_stream()


def layout(kernel_rows: int, kernel_cols: int, matrix_rows: int, matrix_cols: int) -> pw.Layout:
    """The layout.csl twin: colors 0, 1 (x) and 4, 5 (y), entrypoints 14-17."""
    if matrix_rows % kernel_rows or matrix_cols % kernel_cols:
        raise pw.LayoutError(f"matrix_rows ({matrix_rows}) must be a multiple of kernel_rows "
                             f"({kernel_rows}) and matrix_cols ({matrix_cols}) of kernel_cols "
                             f"({kernel_cols})")
    Mt, Nt = matrix_rows // kernel_rows, matrix_cols // kernel_cols
    lay = pw.Layout(kernel_cols, kernel_rows)
    memcpy = lay.import_module("<memcpy/get_params>", width=kernel_cols, height=kernel_rows)
    c2d = lay.import_module("<collectives_2d/params>")
    for Px in range(kernel_cols):
        memcpy_params = memcpy.get_params(Px)
        for Py in range(kernel_rows):
            c2d_params = c2d.get_params(Px, Py, x_colors=(pw.Color(0), pw.Color(1)),
                                        x_entrypoints=(14, 15),
                                        y_colors=(pw.Color(4), pw.Color(5)),
                                        y_entrypoints=(16, 17))
            lay.set_tile_code(Px, Py, pe_program, memcpy_params=memcpy_params,
                              c2d_params=c2d_params, Mt=Mt, Nt=Nt)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    kernel_rows = int(compile_data["params"]["kernel_rows"])
    kernel_cols = int(compile_data["params"]["kernel_cols"])
    matrix_rows = int(compile_data["params"]["matrix_rows"])
    matrix_cols = int(compile_data["params"]["matrix_cols"])

    np.random.seed(seed=7)
    A = np.random.rand(matrix_rows, matrix_cols).astype(np.float32)
    X = np.random.rand(matrix_cols).astype(np.float32)
    B = np.random.rand(matrix_rows).astype(np.float32)
    y_expected = (A @ X) + B

    runner = SdkRuntime(name, jit=jit)
    dtype, order = MemcpyDataType.MEMCPY_32BIT, MemcpyOrder.ROW_MAJOR
    symbol_A = runner.get_id("A")
    symbol_x = runner.get_id("x")
    symbol_b = runner.get_id("b")
    symbol_y = runner.get_id("y")
    runner.load()
    runner.run()

    per_pe_rows = matrix_rows // kernel_rows
    per_pe_cols = matrix_cols // kernel_cols
    # PE (i, j)'s tile of A, row major, in the order memcpy's ROW_MAJOR h x w x l wants
    data = np.stack(np.split(np.stack(np.split(A, kernel_cols, axis=1)), kernel_rows,
                             axis=1)).ravel()
    runner.memcpy_h2d(symbol_A, data, 0, 0, kernel_cols, kernel_rows, per_pe_rows * per_pe_cols,
                      streaming=False, data_type=dtype, nonblock=False, order=order)
    runner.memcpy_h2d(symbol_x, X, 0, 0, 1, 1, matrix_cols,
                      streaming=False, data_type=dtype, nonblock=False, order=order)
    runner.memcpy_h2d(symbol_b, B, 0, 0, 1, 1, matrix_rows,
                      streaming=False, data_type=dtype, nonblock=False, order=order)
    runner.launch("main", nonblock=False)
    y = np.zeros(matrix_rows, dtype=np.float32)
    runner.memcpy_d2h(y, symbol_y, kernel_cols - 1, kernel_rows - 1, 1, 1, matrix_rows,
                      streaming=False, data_type=dtype, nonblock=False, order=order)
    runner.stop()

    np.testing.assert_allclose(y, y_expected, atol=0.01, rtol=0)
    print("SUCCESS")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--size", default="4,4,32,16",
                        help="kernel_rows,kernel_cols,matrix_rows,matrix_cols (the original's)")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    kr, kc, mr, mc = (int(v) for v in args.size.split(","))
    params = dict(kernel_rows=kr, kernel_cols=kc, matrix_rows=mr, matrix_cols=mc)
    with tempfile.TemporaryDirectory(prefix="pywse-gemv-c2d-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(max(11, kc + 7), max(6, kr + 2)),
                   fabric_offsets=(4, 1), memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
