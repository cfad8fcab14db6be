"""topic-05: sentinels (port of csl-examples tutorials/topic-05-sentinels).

A 2 x size grid. Each left-column PE first receives a count on one H2D stream, then forwards
that many data wavelets from a second H2D stream east, followed by a control wavelet naming
control task 43: a sentinel that ends the stream. The right-column PE sums the data in a
data task; the sentinel, arriving after all the data on the same color, runs the control
task that sends the sum to the D2H stream.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_05_sentinels.py --arch=wse3 --fabric-dims=11,12 \\
        --fabric-offsets=4,1 -o out --params=MEMCPYH2D_DATA_1_ID:2 \\
        --params=MEMCPYH2D_DATA_2_ID:3 --params=MEMCPYD2H_DATA_1_ID:4 --params=size:4 \\
        --memcpy --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/topic_05_sentinels.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_05_sentinels.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

END_COMPUTATION = 43


@pw.program
def sentinel_program(p, *, memcpy_params, sentinel: int, main_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    ctrl = p.import_module("<control>")
    h2d_1_iq = p.input_queue(2, sys_mod.MEMCPYH2D_1)
    h2d_2_iq = p.input_queue(3, sys_mod.MEMCPYH2D_2)
    main_oq = p.output_queue(4, main_color)
    num_wvlts = p.var("num_wvlts", pw.i16, 1)
    index = p.var("index", pw.i16, 1)
    fab_trans_wdsd = pw.fabout(main_color, extent=1, queue=main_oq)
    fab_trans_ctrl_wdsd = pw.fabout(main_color, extent=1, queue=main_oq, control=True)

    @p.data_task(h2d_1_iq)
    def wtt_h2d_in_1(data: pw.u32):
        num_wvlts[0] = data

    @p.data_task(h2d_2_iq)
    def wtt_h2d_in_2(data: pw.u32):
        pw.mov32(fab_trans_wdsd, data)
        index[0] += 1
        if index[0] >= num_wvlts[0]:
            pw.mov32(fab_trans_ctrl_wdsd, ctrl.encode_control_task_payload(sentinel))
            index[0] = 0


@pw.program
def pe_program(p, *, memcpy_params, sentinel: int, main_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    main_iq = p.input_queue(2, main_color)
    d2h_1_oq = p.output_queue(3, sys_mod.MEMCPYD2H_1)
    result = p.var("result", pw.f32, 1)
    result_dsd = pw.mem1d(result, extent=1)
    out_dsd = pw.fabout(sys_mod.MEMCPYD2H_1, extent=1, queue=d2h_1_oq)

    @p.data_task(main_iq)
    def main_task(data: pw.f32):
        result[0] += data

    @p.control_task(sentinel)
    def send_result():
        pw.fmovs(out_dsd, result_dsd, async_=True)


def layout(MEMCPYH2D_DATA_1_ID: int, MEMCPYH2D_DATA_2_ID: int, MEMCPYD2H_DATA_1_ID: int,
           size: int) -> pw.Layout:
    """The layout.csl twin; its arguments are the compile params."""
    main_color = pw.Color(0)
    lay = pw.Layout(2, size)
    memcpy = lay.memcpy(MEMCPYH2D_1=MEMCPYH2D_DATA_1_ID, MEMCPYH2D_2=MEMCPYH2D_DATA_2_ID,
                        MEMCPYD2H_1=MEMCPYD2H_DATA_1_ID)
    for idx in range(size):
        lay.set_tile_code(0, idx, sentinel_program, memcpy_params=memcpy.get_params(0),
                          main_color=main_color, sentinel=END_COMPUTATION)
        lay.set_color_config(0, idx, main_color, rx=[pw.RAMP], tx=[pw.EAST])
        lay.set_tile_code(1, idx, pe_program, memcpy_params=memcpy.get_params(1),
                          main_color=main_color, sentinel=END_COMPUTATION)
        lay.set_color_config(1, idx, main_color, rx=[pw.WEST], tx=[pw.RAMP])
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    MEMCPYH2D_DATA_1 = int(params["MEMCPYH2D_DATA_1_ID"])
    MEMCPYH2D_DATA_2 = int(params["MEMCPYH2D_DATA_2_ID"])
    MEMCPYD2H_DATA_1 = int(params["MEMCPYD2H_DATA_1_ID"])
    size = int(params["size"])
    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    num_wvlts = 11
    h2d1_u32 = np.ones(size).astype(np.uint32) * num_wvlts
    runner.memcpy_h2d(MEMCPYH2D_DATA_1, h2d1_u32.ravel(), 0, 0, 1, size, 1, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.ROW_MAJOR, nonblock=True)
    np.random.seed(seed=7)
    input_tensor = np.random.rand(size, num_wvlts).astype(np.float32)
    expected = np.sum(input_tensor, axis=1)
    runner.memcpy_h2d(MEMCPYH2D_DATA_2, input_tensor.ravel(), 0, 0, 1, size, num_wvlts,
                      streaming=True, data_type=memcpy_dtype, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=True)
    result_tensor = np.zeros(size, np.float32)
    runner.memcpy_d2h(result_tensor, MEMCPYD2H_DATA_1, 1, 0, 1, size, 1, streaming=True,
                      data_type=memcpy_dtype, order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    runner.stop()

    np.testing.assert_allclose(result_tensor, expected, atol=0.05, rtol=0)
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
    params = {"MEMCPYH2D_DATA_1_ID": 2, "MEMCPYH2D_DATA_2_ID": 3, "MEMCPYD2H_DATA_1_ID": 4,
              "size": 4}
    with tempfile.TemporaryDirectory(prefix="pywse-topic05-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 12), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
