"""topic-09: a FIFO absorbs a stream (port of csl-examples tutorials/topic-09-fifos).

An async `fadds` pushes each H2D wavelet plus 10 into a 1024-element FIFO, while an async
`fnegs` pops the FIFO onto a loopback color (route RAMP -> RAMP). A data task on that color
cubes each value and sends it to the D2H stream, blocking itself until the send completes
(`unblock=`). memcpy runs one command at a time, so the whole H2D stream must fit in the FIFO
before the D2H stream starts. The check is bit-exact.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_09_fifos.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 --params=num_elems_to_process:512 \\
        --params=MEMCPYH2D_DATA_1_ID:4 --params=MEMCPYD2H_DATA_1_ID:5 -o out --memcpy \\
        --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/topic_09_fifos.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_09_fifos.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def buffer_program(p, *, memcpy_params, num_elems_to_process: int, loopback_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    h2d_data_1_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    d2h_data_1_oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
    loopback_iq = p.input_queue(4, loopback_color)
    loopback_oq = p.output_queue(5, loopback_color)
    fifo = p.fifo(p.var("fifo_buffer", pw.f32, 1024))
    in_dsd = pw.fabin(sys_mod.MEMCPYH2D_1, extent=num_elems_to_process, queue=h2d_data_1_iq)
    loopback_dsd = pw.fabout(loopback_color, extent=num_elems_to_process, queue=loopback_oq)
    ten = p.const(pw.f32, [10.0])
    ten_dsd = pw.mem1d(ten, extent=num_elems_to_process, stride=0)
    out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=d2h_data_1_oq)
    elem = p.var("elem", pw.f32, 1)
    elem_dsd = pw.mem1d(elem, extent=1)

    @p.on_start
    @p.local_task(8)
    def main_task():
        pw.fadds(fifo, in_dsd, ten_dsd, async_=True)
        pw.fnegs(loopback_dsd, fifo, async_=True)

    @p.data_task(loopback_iq)
    def process_task(element: pw.f32):
        pw.block(process_task)
        elem[0] = element * element * element
        pw.fmovs(out_dsd, elem_dsd, async_=True, unblock=process_task)


def layout(MEMCPYH2D_DATA_1_ID: int, MEMCPYD2H_DATA_1_ID: int,
           num_elems_to_process: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    loopback_color = pw.Color(2)
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    lay.set_tile_code(0, 0, buffer_program, memcpy_params=memcpy.get_params(0),
                      loopback_color=loopback_color, num_elems_to_process=num_elems_to_process)
    lay.set_color_config(0, 0, loopback_color, rx=[pw.RAMP], tx=[pw.RAMP])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    size = int(params["num_elems_to_process"])
    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    np.random.seed(seed=7)
    input_tensor = np.random.random(size).astype(np.float32)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, input_tensor, 0, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
    result_tensor = np.zeros(size, np.float32)
    runner.memcpy_d2h(result_tensor, MEMCPYD2H_DATA_1, 0, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
    runner.stop()

    add_ten_negate = -(input_tensor + 10.0)
    expected = add_ten_negate * add_ten_negate * add_ten_negate
    np.testing.assert_equal(result_tensor, expected)
    print("SUCCESS!")


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
    params = {"MEMCPYH2D_DATA_1_ID": 4, "MEMCPYD2H_DATA_1_ID": 5, "num_elems_to_process": 512}
    with tempfile.TemporaryDirectory(prefix="pywse-topic09-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
