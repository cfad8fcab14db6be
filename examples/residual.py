"""|b - A*x| on a 2x2 rectangle of PEs (port of csl-examples benchmarks/residual).

A is cut into 3x2 blocks, one per PE (each block column-major). The first row of PEs gets x
from the host and passes it south; every PE computes its block's A*x; the first column also
holds b and sends b - A*x east, where the last column subtracts its own A*x; the last column
then reduces the infinity norm north, and P1.0 holds the result. Tasks chain by async DSD
ops that activate the next task (COMP -> REDUCE -> DONE -> EXIT). The three "modules" of the
original (gemv.csl, axpy.csl, nrminf.csl) are plain functions that declare what they need
on the PE, as `@import_module` with params does.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/residual.py --arch=wse3 --fabric-dims=9,4 \\
        --fabric-offsets=4,1 --params=width:2,height:2 \\
        --params=LOCAL_OUT_SZ:3,LOCAL_IN_SZ:2 -o=out --memcpy --channels=1 \\
        --width-west-buf=0 --width-east-buf=0
    python examples/residual.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/residual.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

UNUSED = pw.Color(15)     # the original's default for a color a PE does not use


def gemv_module(p):
    """gemv.csl: y = alpha*A*x + beta*y with A column-major, one fmacs per column of A."""
    # a placeholder, rebased onto the caller's arrays before use (the original gives it
    # extent 42 over one element; pywse checks a DSD's reach when it is built)
    dummy = p.var("gemv_dummy", pw.i16, 1)
    dummy_dsd = pw.mem1d(dummy, extent=1)

    def sgemv_outer(m, n, alpha, A, lda, x, beta, y, ws):
        mem_Ax_buf_dsd = pw.set_dsd_base_addr(dummy_dsd, ws)
        mem_Ax_buf_dsd = pw.set_dsd_length(mem_Ax_buf_dsd, m)
        mem_y_buf_dsd = pw.set_dsd_base_addr(mem_Ax_buf_dsd, y)
        pw.fmovs(mem_Ax_buf_dsd, 0.0)
        for col in range(n):                 # Ax += A(:, col) * x(col)
            xj = x[col]
            mem_w_buf_dsd = pw.set_dsd_base_addr(mem_Ax_buf_dsd, A)
            mem_w_buf_dsd = pw.increment_dsd_offset(mem_w_buf_dsd, col * lda, pw.f32)
            pw.fmacs(mem_Ax_buf_dsd, mem_Ax_buf_dsd, mem_w_buf_dsd, xj)
        if beta != 0.0:                      # with beta == 0, y may hold NaN or inf
            pw.fmuls(mem_y_buf_dsd, mem_y_buf_dsd, beta)
        pw.fmacs(mem_y_buf_dsd, mem_y_buf_dsd, mem_Ax_buf_dsd, alpha)
    return sgemv_outer


def axpy_module(p):
    """axpy.csl: y += alpha * x."""
    dummy = p.var("axpy_dummy", pw.i16, 1)
    dummy_dsd = pw.mem1d(dummy, extent=1)   # a placeholder, as in gemv_module

    def saxpy(n, alpha, x, y):
        mem_x_buf_dsd = pw.set_dsd_base_addr(dummy_dsd, x)
        mem_x_buf_dsd = pw.set_dsd_length(mem_x_buf_dsd, n)
        mem_y_buf_dsd = pw.set_dsd_base_addr(mem_x_buf_dsd, y)
        if alpha != 0.0:
            pw.fmacs(mem_y_buf_dsd, mem_y_buf_dsd, mem_x_buf_dsd, alpha)
    return saxpy


def snrminf(n, x, result):
    """nrminf.csl: result[0] = max |x[i]|."""
    nrm_r = pw.f32(0.0)
    for row in range(n):
        yi = x[row]
        if 0.0 > yi:
            yi = -yi
        if nrm_r < yi:
            nrm_r = yi
    result[0] = nrm_r


@pw.program
def residual_program(p, *, memcpy_params, LOCAL_OUT_SZ: int, LOCAL_IN_SZ: int,
                     RXACT_X: pw.Color = UNUSED, TXACT_X: pw.Color = UNUSED,
                     RXACT_Y: pw.Color = UNUSED, TXACT_Y: pw.Color = UNUSED,
                     RXACT_NRM: pw.Color = UNUSED, TXACT_NRM: pw.Color = UNUSED):
    def used(c):
        return c.id != UNUSED.id

    # queues are bound to a color only where the PE uses that color (as the original does)
    TXACT_X_oq = p.output_queue(2, TXACT_X) if used(TXACT_X) else 2
    TXACT_Y_oq = p.output_queue(3, TXACT_Y) if used(TXACT_Y) else 3
    TXACT_NRM_oq = p.output_queue(4, TXACT_NRM) if used(TXACT_NRM) else 4
    RXACT_X_iq = p.input_queue(5, RXACT_X) if used(RXACT_X) else 5
    RXACT_Y_iq = p.input_queue(6, RXACT_Y) if used(RXACT_Y) else 6
    RXACT_NRM_iq = p.input_queue(7, RXACT_NRM) if used(RXACT_NRM) else 7
    sys_mod = p.memcpy(memcpy_params)

    size_A, size_x, size_y = LOCAL_OUT_SZ * LOCAL_IN_SZ, LOCAL_IN_SZ, LOCAL_OUT_SZ
    A = p.var("A", pw.f32, size_A, export=True)
    x = p.var("x", pw.f32, size_x, export=True)
    y = p.var("y", pw.f32, size_y, export=True)
    Ax = p.var("Ax", pw.f32, size_y)
    ws = p.var("ws", pw.f32, size_y)
    nrm = p.var("nrm", pw.f32, 1, export=True)
    local_nrm = p.var("local_nrm", pw.f32, 1)
    _px = p.var("_px", pw.i16, 1)
    _py = p.var("_py", pw.i16, 1)
    px_here, py_here = p.x, p.y       # CSL <layout>: get_x_coord(), get_y_coord()

    mem_x_buf_dsd = pw.mem1d(x, extent=LOCAL_IN_SZ)
    fab_recv_x_wdsd = pw.fabin(RXACT_X, extent=LOCAL_IN_SZ, queue=RXACT_X_iq)
    fab_trans_x_wdsd = pw.fabout(TXACT_X, extent=LOCAL_IN_SZ, queue=TXACT_X_oq)
    mem_y_buf_dsd = pw.mem1d(y, extent=LOCAL_OUT_SZ)
    fab_recv_y_wdsd = pw.fabin(RXACT_Y, extent=LOCAL_OUT_SZ, queue=RXACT_Y_iq)
    fab_trans_psum_wdsd = pw.fabout(TXACT_Y, extent=LOCAL_OUT_SZ, queue=TXACT_Y_oq)
    mem_nrm_buf_dsd = pw.mem1d(nrm, extent=1)
    fab_recv_nrm_wdsd = pw.fabin(RXACT_NRM, extent=1, queue=RXACT_NRM_iq)
    fab_trans_nrm_wdsd_p11 = pw.fabout(TXACT_NRM, extent=1, queue=TXACT_NRM_oq)

    sgemv_outer = gemv_module(p)      # the original's size params only type its pointers
    saxpy = axpy_module(p)

    @p.local_task(12)
    def f_comp():
        sgemv_outer(LOCAL_OUT_SZ, LOCAL_IN_SZ, 1.0, A, LOCAL_OUT_SZ, x, 0.0, Ax, ws)  # Ax = A*x
        if _px[0] == 0:
            pw.activate(f_reduce)            # y = b is already there
        else:                                # receive the partial sum from the west
            pw.mov32(mem_y_buf_dsd, fab_recv_y_wdsd, async_=True, activate=f_reduce)

    @p.local_task(13)
    def f_reduce():
        saxpy(LOCAL_OUT_SZ, -1.0, Ax, y)     # y = b - A*x (px = 0), y_recv - A*x (px = 1)
        if _px[0] == 0:
            pw.mov32(fab_trans_psum_wdsd, mem_y_buf_dsd, async_=True, activate=f_exit)
        else:
            snrminf(LOCAL_OUT_SZ, y, local_nrm)
            if _py[0] == 0:                  # P1.0: receive the norm from the south
                pw.mov32(mem_nrm_buf_dsd, fab_recv_nrm_wdsd, async_=True, activate=f_done)
            else:                            # P1.1: send the local norm north
                pw.fmovs(fab_trans_nrm_wdsd_p11, local_nrm[0])
                pw.activate(f_exit)

    @p.local_task(14)
    def f_done():
        if nrm[0] < local_nrm[0]:
            nrm[0] = local_nrm[0]
        pw.activate(f_exit)

    @p.export
    def bcast_x():
        _px[0] = px_here
        _py[0] = py_here
        if _py[0] == 0:                      # the first row passes x south
            pw.mov32(fab_trans_x_wdsd, mem_x_buf_dsd, async_=True, activate=f_comp)
        else:
            pw.mov32(mem_x_buf_dsd, fab_recv_x_wdsd, async_=True, activate=f_comp)

    @p.local_task(17)
    def f_exit():
        sys_mod.unblock_cmd_stream()         # every PE must unblock the command stream


def layout(width: int, height: int, LOCAL_OUT_SZ: int, LOCAL_IN_SZ: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    assert width == 2 and height == 2, "the routes below are for a 2x2 rectangle"
    RXACT_X, PSUM, NRM = pw.Color(8), pw.Color(9), pw.Color(10)
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    sizes = dict(LOCAL_OUT_SZ=LOCAL_OUT_SZ, LOCAL_IN_SZ=LOCAL_IN_SZ)
    colors = {(0, 0): dict(TXACT_X=RXACT_X, TXACT_Y=PSUM),
              (0, 1): dict(RXACT_X=RXACT_X, TXACT_Y=PSUM),
              (1, 0): dict(TXACT_X=RXACT_X, RXACT_Y=PSUM, RXACT_NRM=NRM),
              (1, 1): dict(RXACT_X=RXACT_X, RXACT_Y=PSUM, TXACT_NRM=NRM)}
    for (x, y), pe_colors in colors.items():
        lay.set_tile_code(x, y, residual_program, memcpy_params=memcpy.get_params(x),
                          **sizes, **pe_colors)
    R, N, S, E, W = pw.RAMP, pw.NORTH, pw.SOUTH, pw.EAST, pw.WEST
    for x in range(2):                       # x: north row to south row
        lay.set_color_config(x, 0, RXACT_X, rx=[R], tx=[S])
        lay.set_color_config(x, 1, RXACT_X, rx=[N], tx=[R])
    for y in range(2):                       # partial sums: west column to east column
        lay.set_color_config(0, y, PSUM, rx=[R], tx=[E])
        lay.set_color_config(1, y, PSUM, rx=[W], tx=[R])
    lay.set_color_config(1, 0, NRM, rx=[S], tx=[R])   # the norm: P1.1 to P1.0
    lay.set_color_config(1, 1, NRM, rx=[R], tx=[N])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    LOCAL_OUT_SZ = int(compile_data["params"]["LOCAL_OUT_SZ"])
    LOCAL_IN_SZ = int(compile_data["params"]["LOCAL_IN_SZ"])
    width, height = 2, 2
    M, N = LOCAL_OUT_SZ * height, LOCAL_IN_SZ * width
    print(f"M = {M}, N = {N}, width = {width}, height = {height}")

    np.random.seed(2)
    A = np.arange(M * N).reshape(M, N).astype(np.float32)
    x = np.arange(N).reshape(N, 1).astype(np.float32) + 100
    b = np.arange(M).reshape(M, 1).astype(np.float32) + 200
    nrm_r = np.linalg.norm(b - np.matmul(A, x), np.inf)
    print(f"nrm_r = |b - A*x| = {nrm_r}")

    dtype, order = MemcpyDataType.MEMCPY_32BIT, MemcpyOrder.ROW_MAJOR
    runner = SdkRuntime(name, jit=jit)
    sym_A, sym_x = runner.get_id("A"), runner.get_id("x")
    sym_y, sym_nrm = runner.get_id("y"), runner.get_id("nrm")
    runner.load()
    runner.run()
    # each PE's LOCAL_OUT_SZ x LOCAL_IN_SZ block of A, column-major
    A3 = A.reshape(height, LOCAL_OUT_SZ, width, LOCAL_IN_SZ).transpose(0, 2, 3, 1) \
          .reshape(height, width, LOCAL_OUT_SZ * LOCAL_IN_SZ)
    runner.memcpy_h2d(sym_A, A3.ravel(), 0, 0, width, height, LOCAL_OUT_SZ * LOCAL_IN_SZ,
                      streaming=False, data_type=dtype, order=order, nonblock=False)
    runner.memcpy_h2d(sym_x, x.ravel(), 0, 0, width, 1, LOCAL_IN_SZ,       # x to py = 0
                      streaming=False, data_type=dtype, order=order, nonblock=False)
    runner.memcpy_h2d(sym_y, b.ravel(), 0, 0, 1, height, LOCAL_OUT_SZ,     # b to px = 0
                      streaming=False, data_type=dtype, order=order, nonblock=False)
    runner.launch("bcast_x", nonblock=False)
    nrm_r_cs = np.zeros(1, np.float32)
    runner.memcpy_d2h(nrm_r_cs, sym_nrm, 1, 0, 1, 1, 1,                     # from P1.0
                      streaming=False, data_type=dtype, order=order, nonblock=False)
    runner.stop()

    print(f"`nrm_r`     from CPU:\n{nrm_r}")
    print(f"`nrm_r_cs`  from CS:\n{nrm_r_cs}")
    print(f"|nrm_r - nrm_r_cs| = {abs(nrm_r - nrm_r_cs[0])}")
    assert np.allclose(nrm_r, nrm_r_cs[0], 1.e-5)
    print("\nSUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    params = dict(width=2, height=2, LOCAL_OUT_SZ=3, LOCAL_IN_SZ=2)
    with tempfile.TemporaryDirectory(prefix="pywse-residual-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(9, 4), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, width_west_buf=0,
                   width_east_buf=0, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
