"""pipeline-01: redirect a fabric input to a fabric output (port of csl-examples
tutorials/pipeline-01-basic).

One PE: a task activated at startup runs one async `add16` from the H2D stream (fabin) plus a
stride-0 DSD over `buf[0] = 1` into the D2H stream (fabout). The host streams `size` i16
values in (nonblocking) and then streams them back out. memcpy runs commands one at a time,
so the H2D stream must fit in the hardware queues before the D2H stream starts: above 14
wavelets it stalls, and pywse reports that as a DeadlockError.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/pipeline_01_basic.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 --params=size:12 -o out --params=MEMCPYH2D_DATA_1_ID:0 \\
        --params=MEMCPYD2H_DATA_1_ID:1 --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/pipeline_01_basic.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/pipeline_01_basic.py [--arch wse2|wse3] [--no-jit] [--size N]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.sdk_utils import input_array_to_u32, memcpy_view


@pw.program
def pe_program(p, *, memcpy_params, size: int):
    sys_mod = p.memcpy(memcpy_params)
    h2d_1_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    d2h_1_oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
    in_dsd = pw.fabin(sys_mod.MEMCPYH2D_1, extent=size, queue=h2d_1_iq)
    out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=size, queue=d2h_1_oq)
    buf = p.var("buf", pw.i16, 1)
    one_dsd = pw.mem1d(buf, extent=size, stride=0)

    @p.on_start
    @p.local_task(8)
    def main_task():
        buf[0] = 1
        # async: the CE stays free for memcpy; a blocking add16 would stall the program
        pw.add16(out_dsd, in_dsd, one_dsd, async_=True)


def layout(size: int, MEMCPYH2D_DATA_1_ID: int, MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0), size=size)
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`
    (seeded: the original is unseeded)."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    size = int(params["size"])
    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    input_tensor = np.random.default_rng(7).integers(256, size=size, dtype=np.int16)
    input_tensor_u32 = input_array_to_u32(input_tensor, 1, size)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, input_tensor_u32, 0, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
    output_tensor_u32 = np.zeros(size, np.uint32)
    runner.memcpy_d2h(output_tensor_u32, MEMCPYD2H_DATA_1, 0, 0, 1, 1, size, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
    result_tensor = memcpy_view(output_tensor_u32, np.dtype(np.int16))
    runner.stop()

    np.testing.assert_equal(result_tensor, input_tensor + 1)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--size", type=int, default=12, help="compile param (without --name)")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit)
        return
    params = {"size": args.size, "MEMCPYH2D_DATA_1_ID": 0, "MEMCPYD2H_DATA_1_ID": 1}
    with tempfile.TemporaryDirectory(prefix="pywse-pipeline01-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
