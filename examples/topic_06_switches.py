"""topic-06: switches (port of csl-examples tutorials/topic-06-switches).

The center PE of a 3x3 grid alternates control and data wavelets on one color. Its router's
switch starts at position 1 (tx WEST); each control wavelet (SWITCH_ADV with the CE filter
set, so no CE sees it) is routed with the current position, then the switch moves on, so
the data wavelet after it goes the new way: EAST, SOUTH, NORTH (position 0), then WEST
(ring mode wraps). A data task on each neighbour stores what arrives.

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/topic_06_switches.py --arch=wse3 --fabric-dims=10,5 \\
        --fabric-offsets=4,1 -o out --memcpy --channels=1 --width-west-buf=0 \\
        --width-east-buf=0
    python examples/topic_06_switches.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/topic_06_switches.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime


@pw.program
def send(p, *, memcpy_params, tx_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    ctrl = p.import_module("<control>")
    tx_oq = p.output_queue(2, tx_color)
    tx_ctrl_dsd = pw.fabout(tx_color, extent=1, queue=tx_oq, control=True)
    tx_data_dsd = pw.fabout(tx_color, extent=1, queue=tx_oq)

    @p.export
    def main_fn():
        switch_adv_pld = ctrl.encode_single_payload(ctrl.opcode.SWITCH_ADV, True, None, 0)
        pw.mov32(tx_ctrl_dsd, switch_adv_pld)
        pw.mov32(tx_data_dsd, 0)
        pw.mov32(tx_ctrl_dsd, switch_adv_pld)
        pw.mov32(tx_data_dsd, 2)
        pw.mov32(tx_ctrl_dsd, switch_adv_pld)
        pw.mov32(tx_data_dsd, 4)
        pw.mov32(tx_ctrl_dsd, switch_adv_pld)
        pw.mov32(tx_data_dsd, 6)
        sys_mod.unblock_cmd_stream()


@pw.program
def recv(p, *, memcpy_params, rx_color: pw.Color):
    sys_mod = p.memcpy(memcpy_params)
    rx_iq = p.input_queue(2, rx_color)
    result = p.var("result", pw.u32, 1, export=True)

    @p.export
    def main_fn():
        sys_mod.unblock_cmd_stream()

    @p.data_task(rx_iq)
    def rx_task(data: pw.u32):
        result[0] = data


@pw.program
def empty(p, *, memcpy_params):
    sys_mod = p.memcpy(memcpy_params)

    @p.export
    def main_fn():
        sys_mod.unblock_cmd_stream()


def layout() -> pw.Layout:
    """The layout.csl twin."""
    channel = pw.Color(0)
    lay = pw.Layout(3, 3)
    memcpy = lay.memcpy()
    lay.set_tile_code(1, 1, send, memcpy_params=memcpy.get_params(1), tx_color=channel)
    switches = pw.Switches(pos1=pw.SwitchPos(tx=pw.WEST), pos2=pw.SwitchPos(tx=pw.EAST),
                           pos3=pw.SwitchPos(tx=pw.SOUTH), current_switch_pos=1, ring_mode=True)
    lay.set_color_config(1, 1, channel, rx=[pw.RAMP], tx=[pw.NORTH], switches=switches)
    for (x, y), side in {(1, 0): pw.SOUTH, (0, 1): pw.EAST, (2, 1): pw.WEST,
                         (1, 2): pw.NORTH}.items():
        lay.set_tile_code(x, y, recv, memcpy_params=memcpy.get_params(x), rx_color=channel)
        lay.set_color_config(x, y, channel, rx=[side], tx=[pw.RAMP])
    for x, y in ((0, 0), (2, 0), (0, 2), (2, 2)):
        lay.set_tile_code(x, y, empty, memcpy_params=memcpy.get_params(x))
    return lay


def run(name: str, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    runner = SdkRuntime(name, jit=jit)
    result_symbol = runner.get_id("result")
    runner.load()
    runner.run()
    runner.launch("main_fn", nonblock=False)
    results = {}
    for side, (x, y) in {"west": (0, 1), "east": (2, 1), "south": (1, 2),
                         "north": (1, 0)}.items():
        results[side] = np.zeros([1], dtype=np.uint32)
        runner.memcpy_d2h(results[side], result_symbol, x, y, 1, 1, 1, streaming=False,
                          order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                          nonblock=False)
    runner.stop()

    np.testing.assert_equal(0, results["east"])
    np.testing.assert_equal(2, results["south"])
    np.testing.assert_equal(4, results["north"])
    np.testing.assert_equal(6, results["west"])
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
    with tempfile.TemporaryDirectory(prefix="pywse-topic06-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(10, 5), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
