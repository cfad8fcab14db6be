"""topic-08: range filters (port of csl-examples tutorials/topic-08-filters).

PE (0, 0) sends twelve wavelets east along a row; each carries an f16 value in its low half and
its index in the high half. Every other PE forwards all of them east but, by a range filter
on its router, delivers only indices 3k..3k+2 to its own CE. A data task with an f16 argument
halves each value; after its third wavelet it unblocks the command stream.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_08_filters.py --arch=wse3 --fabric-dims=11,3 \\
        --fabric-offsets=4,1 -o out --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/topic_08_filters.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_08_filters.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

SIZE = 12
NUM_TO_RECV = 3


def pack(index: int, value: float) -> int:
    """An index in the high 16 bits, f16 data in the low 16 bits."""
    return (index << 16) | int(np.float16(value).view(np.uint16))


@pw.program
def send(p, *, memcpy_params, pe_id: int, exch_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    tx_oq = p.output_queue(2, exch_color)
    data = p.const(pw.u32, [pack(i, 10.0 + i) for i in range(SIZE)])
    in_dsd = pw.mem1d(data, extent=SIZE)
    out_dsd = pw.fabout(exch_color, extent=SIZE, queue=tx_oq)

    @p.local_task(10)
    def exit_task():
        sys_mod.unblock_cmd_stream()

    @p.export
    def main_fn():
        pw.mov32(out_dsd, in_dsd, async_=True, activate=exit_task)


@pw.program
def recv(p, *, memcpy_params, pe_id: int, recv_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    rx_iq = p.input_queue(2, recv_color)
    result = p.var("result", pw.f32, NUM_TO_RECV, export=True)
    it = p.var("iter", pw.i16, 1)

    @p.data_task(rx_iq)
    def recv_task(data: pw.f16):   # f16 arrives widened to f32 (exactly)
        result[it[0]] = data / 2.0
        it[0] += 1
        if it[0] == NUM_TO_RECV:
            sys_mod.unblock_cmd_stream()

    @p.export
    def main_fn():
        pass   # the data task unblocks the command stream after its last wavelet


def layout() -> pw.Layout:
    """The layout.csl twin."""
    data_color = pw.Color(1)
    lay = pw.Layout(4, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, send, memcpy_params=memcpy.get_params(0), pe_id=0,
                      exch_color=data_color)
    lay.set_color_config(0, 0, data_color, rx=[pw.RAMP], tx=[pw.EAST])
    for pe_id in range(1, 4):
        lay.set_tile_code(pe_id, 0, recv, memcpy_params=memcpy.get_params(pe_id),
                          pe_id=pe_id, recv_color=data_color)
        tx = [pw.RAMP] if pe_id == 3 else [pw.RAMP, pw.EAST]
        lay.set_color_config(pe_id, 0, data_color, rx=[pw.WEST], tx=tx,
                             filter=pw.RangeFilter(min_idx=pe_id * 3, max_idx=pe_id * 3 + 2))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    runner = SdkRuntime(name, jit=jit)
    result_symbol = runner.get_id("result")
    runner.load()
    runner.run()
    num_recv_pes, elems_per_pe = 3, 3
    runner.launch("main_fn", nonblock=False)
    result = np.zeros(num_recv_pes * elems_per_pe, np.float32)
    runner.memcpy_d2h(result, result_symbol, 1, 0, num_recv_pes, 1, elems_per_pe,
                      streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                      order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    runner.stop()

    oracle = [6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5]
    np.testing.assert_allclose(result, oracle, atol=0.0001, rtol=0)
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic08-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(11, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
