"""topic-11: collectives (port of csl-examples tutorials/topic-11-collectives).

Every row of the Pw x Ph rectangle broadcasts from its first PE and then reduces (f32 sum)
back to it; every column scatters from its first PE and then gathers back to it, all with
the `<collectives_2d>` library (pywse/lib/collectives_2d.py), imported once per axis. Each
PE's task walks a small state machine: the library activates it again when a collective is
done, and its last state unblocks the command stream.

The device side (program + layout below) is 66 non-blank, non-comment lines against the
original's 149 (layout.csl 47 + pe_program.csl 102), counted without the docstrings and the
host code; it checks what the original run.py checks, exactly.

The SDK's two steps, with the flags of the original's commands_wse3.sh (wse2 the same):

    pywse compile examples/topic_11_collectives.py --arch=wse3 --fabric-dims=22,17 \\
        --fabric-offsets=4,1 --params=Pw:15,Ph:15,chunk_size:3 -o out --memcpy \\
        --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/topic_11_collectives.py --name out

The original run.py passes unchanged under `pywse run` after that `pywse compile` (15x15,
chunk_size 3, wse2 and wse3).

or both in one run (it compiles into a temporary directory first, at a small size):

    python examples/topic_11_collectives.py [--arch wse2|wse3] [--no-jit] [--size 4,3,2]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def pe_program(p, *, memcpy_params, c2d_params, chunk_size: int, task_x_id: int,
               task_y_id: int):
    sys_mod = p.import_module("<memcpy/memcpy>", memcpy_params)
    rect_width, rect_height = p.width, p.height
    mpi_x = p.import_module("<collectives_2d/pe>", name="mpi_x", dim_params=c2d_params.x,
                            queues=[2, 4], dest_dsr_ids=[1], src0_dsr_ids=[1],
                            src1_dsr_ids=[1])
    mpi_y = p.import_module("<collectives_2d/pe>", name="mpi_y", dim_params=c2d_params.y,
                            queues=[3, 5], dest_dsr_ids=[2], src0_dsr_ids=[2],
                            src1_dsr_ids=[2])
    Nx = chunk_size * rect_width
    Ny = chunk_size * rect_height
    # broadcast_data and scatter_data are written by the host
    broadcast_data = p.var("broadcast_data", pw.u32, Nx, export=True)
    broadcast_recv = p.var("broadcast_recv", pw.u32, Nx, export=True)
    faddh_result = p.var("faddh_result", pw.u32, Nx, export=True)
    scatter_data = p.var("scatter_data", pw.u32, Ny, export=True)
    scatter_recv = p.var("scatter_recv", pw.u32, Ny)
    gather_recv = p.var("gather_recv", pw.u32, Ny, export=True)

    task_x_state = p.var("task_x_state", pw.u16, 1)

    @p.local_task(task_x_id)
    def task_x():
        if task_x_state[0] == 0:
            mpi_x.init()
            if mpi_x.pe_id == 0:
                mpi_x.broadcast(0, broadcast_data, Nx, task_x)
            else:
                mpi_x.broadcast(0, broadcast_recv, Nx, task_x)
            task_x_state[0] += 1
        elif task_x_state[0] == 1:    # the u32 arrays are summed as f32
            mpi_x.reduce_fadds(0, pw.ptrcast(pw.f32, broadcast_recv),
                               pw.ptrcast(pw.f32, faddh_result), Nx, task_x)
            task_x_state[0] += 1
        else:
            sys_mod.unblock_cmd_stream()    # every PE must unblock the command stream

    task_y_state = p.var("task_y_state", pw.u16, 1)

    @p.local_task(task_y_id)
    def task_y():
        if task_y_state[0] == 0:
            mpi_y.init()
            mpi_y.scatter(0, scatter_data, scatter_recv, chunk_size, task_y)
            task_y_state[0] += 1
        elif task_y_state[0] == 1:
            mpi_y.gather(0, scatter_recv, gather_recv, chunk_size, task_y)
            task_y_state[0] += 1
        else:
            sys_mod.unblock_cmd_stream()

    @p.export
    def f_run_x():
        pw.activate(task_x)           # task_x unblocks the command stream when it is done

    @p.export
    def f_run_y():
        pw.activate(task_y)


def layout(Pw: int, Ph: int, chunk_size: int) -> pw.Layout:
    """The layout.csl twin: colors 0, 1 (x) and 4, 5 (y), entrypoints 10-13, callbacks 15, 16."""
    lay = pw.Layout(Pw, Ph)
    c2d = lay.import_module("<collectives_2d/params>")
    memcpy = lay.import_module("<memcpy/get_params>", width=Pw, height=Ph)
    for px in range(Pw):
        for py in range(Ph):
            params = c2d.get_params(px, py, x_colors=(pw.Color(0), pw.Color(1)),
                                    x_entrypoints=(10, 11),
                                    y_colors=(pw.Color(4), pw.Color(5)),
                                    y_entrypoints=(12, 13))
            lay.set_tile_code(px, py, pe_program, memcpy_params=memcpy.get_params(px),
                              c2d_params=params, chunk_size=chunk_size, task_x_id=15,
                              task_y_id=16)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as f:
        params = json.load(f)["params"]
    Pw, Ph, chunk_size = int(params["Pw"]), int(params["Ph"]), int(params["chunk_size"])
    Nx, Ny = Pw * chunk_size, Ph * chunk_size
    dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    broadcast_data = np.ones((Ph, 1, Nx)).astype(np.float32)
    runner.memcpy_h2d(runner.get_id("broadcast_data"), broadcast_data.ravel(), 0, 0, 1, Ph, Nx,
                      streaming=False, data_type=dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=True)
    scatter_data = np.ones((1, Pw, Ny)).astype(np.int32)
    runner.memcpy_h2d(runner.get_id("scatter_data"), scatter_data.ravel(), 0, 0, Pw, 1, Ny,
                      streaming=False, data_type=dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=True)
    runner.launch("f_run_x", nonblock=False)
    runner.launch("f_run_y", nonblock=False)
    broadcast_recv = np.zeros(Ph * Pw * Nx, np.float32)
    runner.memcpy_d2h(broadcast_recv, runner.get_id("broadcast_recv"), 0, 0, Pw, Ph, Nx,
                      streaming=False, data_type=dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)
    faddh_result = np.zeros(Ph * Nx, np.float32)
    runner.memcpy_d2h(faddh_result, runner.get_id("faddh_result"), 0, 0, 1, Ph, Nx,
                      streaming=False, data_type=dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)
    gather_recv = np.zeros(Pw * Ny, np.int32)
    runner.memcpy_d2h(gather_recv, runner.get_id("gather_recv"), 0, 0, Pw, 1, Ny,
                      streaming=False, data_type=dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)
    runner.stop()

    broadcast_recv = broadcast_recv.reshape((Ph, Pw, Nx))
    for y in range(Ph):                 # the root (x = 0) keeps its zeros
        for x in range(1, Pw):
            np.testing.assert_equal(broadcast_recv[y, x], np.ones(Nx, np.float32))
    faddh_result = faddh_result.reshape((Ph, 1, Nx))
    for y in range(Ph):
        np.testing.assert_equal(faddh_result[y, 0], np.full(Nx, Pw - 1, np.float32))
    gather_recv = gather_recv.reshape((1, Pw, Ny))
    for x in range(Pw):
        np.testing.assert_equal(gather_recv[0, x], np.ones(Ny, np.int32))
    print("SUCCESS")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--size", default="4,3,2",
                        help="Pw,Ph,chunk_size (the original's scripts: 15,15,3)")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    Pw, Ph, chunk_size = (int(v) for v in args.size.split(","))
    params = dict(Pw=Pw, Ph=Ph, chunk_size=chunk_size)
    with tempfile.TemporaryDirectory(prefix="pywse-topic11-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(Pw + 7, Ph + 2), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
