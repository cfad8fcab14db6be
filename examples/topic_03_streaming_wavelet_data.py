"""topic-03: a data task on a memcpy stream (port of csl-examples
tutorials/topic-03-streaming-wavelet-data).

The host streams one i16 value; it arrives as a wavelet that triggers a data task, which stores
it and sends it back on the D2H stream with a blocking `mov16` (fine for a single wavelet).

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_03_streaming_wavelet_data.py --arch=wse3 \\
        --fabric-dims=8,3 --fabric-offsets=4,1 -o out --params=MEMCPYH2D_DATA_1_ID:0 \\
        --params=MEMCPYD2H_DATA_1_ID:1 --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/topic_03_streaming_wavelet_data.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_03_streaming_wavelet_data.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.sdk_utils import input_array_to_u32, memcpy_view


@pw.program
def pe_program(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    h2d_data_1_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    d2h_data_1_oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
    glob = p.var("global", pw.i16, 1, export=True)
    out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=d2h_data_1_oq)

    @p.data_task(h2d_data_1_iq)
    def main_task(wavelet_data: pw.i16):
        glob[0] = wavelet_data
        pw.mov16(out_dsd, glob)   # blocking send: fine for one wavelet


def layout(MEMCPYH2D_DATA_1_ID: int, MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    memcpy_dtype = MemcpyDataType.MEMCPY_16BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    input_tensor = np.array([42], dtype=np.int16)
    tensors_u32 = input_array_to_u32(input_tensor, 1, 1)
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, tensors_u32, 0, 0, 1, 1, 1, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
    out_tensors_u32 = np.zeros(1, np.uint32)
    runner.memcpy_d2h(out_tensors_u32, MEMCPYD2H_DATA_1, 0, 0, 1, 1, 1, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
    result_tensor = memcpy_view(out_tensors_u32, np.dtype(np.int16))
    runner.stop()

    np.testing.assert_equal(result_tensor, [42])
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
    params = {"MEMCPYH2D_DATA_1_ID": 0, "MEMCPYD2H_DATA_1_ID": 1}
    with tempfile.TemporaryDirectory(prefix="pywse-topic03-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
