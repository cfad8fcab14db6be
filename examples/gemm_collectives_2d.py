"""gemm-collectives_2d: C = A B by SUMMA on a P x P rectangle of PEs (port of csl-examples
benchmarks/gemm-collectives_2d).

Each PE holds home tiles of A (Mt x Kt), B (Kt x Nt) and C (Mt x Nt), column major. In P
steps, with the `<collectives_2d>` library (pywse/lib/collectives_2d.py) imported once per
axis: at step i the PEs of column i broadcast their tile of A along their rows and the PEs of
row i their tile of B down their columns; once both broadcasts are done (one callback
activates `compute`, the other unblocks it) each PE adds the product of the two tiles it
holds (its home tile or the one it received) into C with `fmacs`, then starts the next step.
It checks what the original run.py checks (rtol 1e-5, atol 1e-6).

The SDK's two steps, with the flags of the original's commands_wse3.sh (wse2 the same):

    pywse compile examples/gemm_collectives_2d.py --arch=wse3 --fabric-dims=11,6 \\
        --fabric-offsets=4,1 --params=P:4,Mt:14,Kt:14,Nt:14 --memcpy --channels=1 -o out
    python examples/gemm_collectives_2d.py --name out     # or: pywse run run.py --name out

The original run.py passes unchanged under `pywse run` after that `pywse compile` (wse2 and
wse3).

or both in one run (it compiles into a temporary directory first, by default at a smaller
size, 4 x 4 PEs with 8 x 6 and 6 x 7 tiles, so that the tests' fast tier stays fast; the
original's is `--size 4,14,14,14`, run by the slow tier):

    python examples/gemm_collectives_2d.py [--arch wse2|wse3] [--no-jit] [--size P,Mt,Kt,Nt]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

HEAVY_COMPILE = True    # tests/conftest.py: the compiled leg (~30 s of numba cold) runs in the slow tier

# local task ids, as in the original: the library's entrypoints 8-11 (layout), these 12-15
EXIT, COMPUTE, X_DONE, Y_DONE = 12, 13, 14, 15


@pw.program
def pe_program(p, *, c2d_params, memcpy_params, Mt: int, Kt: int, Nt: int):
    mpi_x = p.import_module("<collectives_2d/pe>", name="mpi_x", dim_params=c2d_params.x,
                            queues=[2, 4], dest_dsr_ids=[1], src0_dsr_ids=[1],
                            src1_dsr_ids=[1])
    mpi_y = p.import_module("<collectives_2d/pe>", name="mpi_y", dim_params=c2d_params.y,
                            queues=[3, 5], dest_dsr_ids=[2], src0_dsr_ids=[2],
                            src1_dsr_ids=[2])
    sys_mod = p.import_module("<memcpy/memcpy>", memcpy_params)
    P = pw.get_rectangle().width

    # this PE's home tiles, column major; the host writes A and B
    A_tile = p.var("A", pw.f32, Mt * Kt, export=True)
    B_tile = p.var("B", pw.f32, Kt * Nt, export=True)
    C_tile = p.var("C", pw.f32, Mt * Nt, export=True)
    # the tiles received by this step's broadcasts
    A_buffer = p.var("A_buffer", pw.f32, Mt * Kt)
    B_buffer = p.var("B_buffer", pw.f32, Kt * Nt)

    px = p.var("px", pw.u16, 1)
    py = p.var("py", pw.u16, 1)
    step = p.var("step", pw.u16, 1)

    @p.local_task(X_DONE)
    def x_done():
        pw.activate(compute)

    @p.local_task(Y_DONE)
    def y_done():
        pw.unblock(compute)

    def start_step():
        """This step's two broadcasts (CSL: `fn main`, called again by `compute`)."""
        assert step[0] < P
        if step[0] == 0:          # the first time through, initialize the state
            mpi_x.init()
            mpi_y.init()
            px[0] = mpi_x.pe_id
            py[0] = mpi_y.pe_id
        Ap = A_tile if px[0] == step[0] else A_buffer
        Bp = B_tile if py[0] == step[0] else B_buffer
        mpi_x.broadcast(step[0], Ap, Mt * Kt, x_done)
        mpi_y.broadcast(step[0], Bp, Kt * Nt, y_done)

    @p.export
    def main():
        start_step()

    @p.local_task(COMPUTE)
    def compute():
        """C_tile += Ap Bp, column by column, with fmacs; then the next step, or the end."""
        Ap = A_tile if px[0] == step[0] else A_buffer
        Bp = B_tile if py[0] == step[0] else B_buffer
        A_dsd = pw.mem1d(A_tile, extent=Mt)     # a column of Ap, then of C_tile
        A_dsd = pw.set_dsd_base_addr(A_dsd, Ap)
        for k in range(Kt):
            C_dsd = pw.mem1d(C_tile, extent=Mt)
            for j in range(Nt):
                b = Bp[j * Kt + k]
                pw.fmacs(C_dsd, C_dsd, A_dsd, b)
                C_dsd = pw.increment_dsd_offset(C_dsd, Mt, pw.f32)
            A_dsd = pw.increment_dsd_offset(A_dsd, Mt, pw.f32)
        step[0] += 1
        pw.block(compute)
        if step[0] != P:
            start_step()
        else:
            pw.activate(f_exit)

    @p.local_task(EXIT)
    def f_exit():
        sys_mod.unblock_cmd_stream()     # every PE must unblock the command stream

    p.block(compute)    # it runs once activated (x_done) and unblocked (y_done)


def layout(P: int, Mt: int, Kt: int, Nt: int) -> pw.Layout:
    """The layout.csl twin: colors 0, 1 (x) and 4, 5 (y), entrypoints 8-11."""
    lay = pw.Layout(P, P)
    memcpy = lay.import_module("<memcpy/get_params>", width=P, height=P)
    c2d = lay.import_module("<collectives_2d/params>")
    for Px in range(P):
        memcpy_params = memcpy.get_params(Px)
        for Py in range(P):
            c2d_params = c2d.get_params(Px, Py, x_colors=(pw.Color(0), pw.Color(1)),
                                        x_entrypoints=(8, 9),
                                        y_colors=(pw.Color(4), pw.Color(5)),
                                        y_entrypoints=(10, 11))
            lay.set_tile_code(Px, Py, pe_program, memcpy_params=memcpy_params,
                              c2d_params=c2d_params, Mt=Mt, Kt=Kt, Nt=Nt)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_data = json.load(json_file)
    P = int(compile_data["params"]["P"])
    Mt = int(compile_data["params"]["Mt"])
    Kt = int(compile_data["params"]["Kt"])
    Nt = int(compile_data["params"]["Nt"])
    M, K, N = Mt * P, Kt * P, Nt * P      # A is M x K, B is K x N, C is M x N
    dtype = MemcpyDataType.MEMCPY_32BIT

    np.random.seed(seed=7)
    A = np.random.rand(M, K).astype(np.float32)
    B = np.random.rand(K, N).astype(np.float32)

    runner = SdkRuntime(name, jit=jit)
    sym_A = runner.get_id("A")
    sym_B = runner.get_id("B")
    sym_C = runner.get_id("C")
    runner.load()
    runner.run()

    w = h = P
    # (h, lh, w, lw) -> (h, w, lw, lh): each PE's tile, column major, in ROW_MAJOR h x w x l
    A3 = A.reshape(h, Mt, w, Kt).transpose(0, 2, 3, 1).reshape(h, w, Mt * Kt)
    runner.memcpy_h2d(sym_A, A3.ravel(), 0, 0, w, h, Mt * Kt, streaming=False,
                      data_type=dtype, order=MemcpyOrder.ROW_MAJOR, nonblock=True)
    B3 = B.reshape(h, Kt, w, Nt).transpose(0, 2, 3, 1).reshape(h, w, Kt * Nt)
    runner.memcpy_h2d(sym_B, B3.ravel(), 0, 0, w, h, Kt * Nt, streaming=False,
                      data_type=dtype, order=MemcpyOrder.ROW_MAJOR, nonblock=True)
    runner.launch("main", nonblock=False)
    C3_1d_u32 = np.zeros(h * w * Mt * Nt, np.uint32)
    runner.memcpy_d2h(C3_1d_u32, sym_C, 0, 0, w, h, Mt * Nt, streaming=False,
                      data_type=dtype, order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    # (h, w, Nt, Mt), each tile column major -> (h, Mt, w, Nt) -> M x N, as f32
    C = C3_1d_u32.reshape((h, w, Nt, Mt)).transpose(0, 3, 1, 2).reshape(M, N).view(np.float32)
    runner.stop()

    np.testing.assert_allclose(np.dot(A, B), C, rtol=1e-05, atol=1e-06)
    print("SUCCESS")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--size", default="4,8,6,7",
                        help="P,Mt,Kt,Nt (the original's scripts: 4,14,14,14)")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    P, Mt, Kt, Nt = (int(v) for v in args.size.split(","))
    with tempfile.TemporaryDirectory(prefix="pywse-gemm-c2d-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(max(11, P + 7), max(6, P + 2)),
                   fabric_offsets=(4, 1), memcpy=True, channels=1,
                   params=dict(P=P, Mt=Mt, Kt=Kt, Nt=Nt), out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
