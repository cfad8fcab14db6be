"""topic-04: sparse data, a value and its index per wavelet (port of csl-examples
tutorials/topic-04-sparse-tensors).

Each wavelet carries a value in its low 16 bits and an index in its high 16 bits; a data task
with two i16 arguments receives both, stores the value at that index, and echoes the value
on the D2H stream.

    python examples/topic_04_sparse_tensors.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.sdk_utils import memcpy_view


@pw.program
def pe_program(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)
    h2d_data_1_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    d2h_data_1_oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
    result = p.var("result", pw.i16, 4, export=True)
    out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=d2h_data_1_oq)

    @p.data_task(h2d_data_1_iq)
    def main_task(wavelet_data: pw.i16, index: pw.i16):
        result[index] = wavelet_data
        pw.mov16(out_dsd, wavelet_data)   # blocking send: fine for two wavelets


def make_layout(MEMCPYH2D_DATA_1_ID: int, MEMCPYD2H_DATA_1_ID: int) -> pw.Layout:
    layout = pw.Layout(1, 1)
    memcpy = layout.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    layout.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0))
    return layout


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="wse3", choices=["wse2", "wse3"])
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--name", help="compile output directory (default: a temporary one)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="pywse-topic04-") as tmp:
        out_dir = args.name or tmp
        params = {"MEMCPYH2D_DATA_1_ID": 0, "MEMCPYD2H_DATA_1_ID": 1}
        pw.compile(make_layout(**params), arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out_dir)

        # the host side, as in the original run.py
        with open(f"{out_dir}/out.json", encoding="utf-8") as json_file:
            params = json.load(json_file)["params"]
        MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
        MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
        memcpy_dtype = MemcpyDataType.MEMCPY_16BIT
        runner = SdkRuntime(out_dir, jit=not args.no_jit)
        runner.load()
        runner.run()
        packed = [(idx << 16) + val for idx, val in [(0, 42), (3, 26)]]
        packed_tensor = np.array(packed, dtype=np.int32)
        runner.memcpy_h2d(MEMCPYH2D_DATA_1, packed_tensor, 0, 0, 1, 1, 2, streaming=True,
                          data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=True)
        out_tensors_u32 = np.zeros(2, np.uint32)
        runner.memcpy_d2h(out_tensors_u32, MEMCPYD2H_DATA_1, 0, 0, 1, 1, 2, streaming=True,
                          data_type=memcpy_dtype, order=MemcpyOrder.COL_MAJOR, nonblock=False)
        result_tensor = memcpy_view(out_tensors_u32, np.dtype(np.int16))
        runner.stop()

        np.testing.assert_equal(result_tensor, [42, 26])
        print("SUCCESS!")


if __name__ == "__main__":
    main()
