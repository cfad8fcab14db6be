"""row-col-broadcast: one column (or row) of data copied to every column (row) of a region
(port of csl-examples benchmarks/row-col-broadcast).

The device side is bandwidth-test's: the same layout, kernel and sync module, imported from
examples/bandwidth_test.py rather than copied (the original's src/ is a copy of
bandwidth-test's). The host syncs the PEs and stamps the start (`f_sync`, `f_tic`), then
`memcpy_h2d_rowbcast` sends `ph` rows of `pe_length` values (one column's worth) to every
column of the region of interest (`--roi_px/--roi_py/--roi_w/--roi_h`, default 1, 1, 3, 3;
without `--is_row_bcast`: `memcpy_h2d_colbcast`, one row's worth to every row), stamps the
end (`f_toc`), copies the stamps and every PE's `A` back and checks, as the original does,
`np.allclose(E, B_ext, 0)`: the region holds the broadcast data, the rest zeros. It prints
the cycles and bandwidth as bandwidth-test does (pywse's engine clock: docs/libraries.md,
`## <time>`). A broadcast carries one column (row) through the I/O channels and the fabric
copies it, so its bandwidth figure, counted over the whole region, exceeds a channel's; a
column-major `B` (`--use_col_major`) goes faster than a row-major one (docs/semantics.md,
"Timing").

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch wse2):

    pywse compile examples/row_col_broadcast.py --arch=wse3 --fabric-dims=12,7 \\
        --fabric-offsets=4,1 --params=width:5,height:5,pe_length:5 --params=C0_ID:0 \\
        --params=C1_ID:1 --params=C2_ID:2 --params=C3_ID:3 --params=C4_ID:4 -o=out \\
        --memcpy --channels=2 --width-west-buf=0 --width-east-buf=0
    python examples/row_col_broadcast.py --name out --is_row_bcast --loop_count=1

(the original's run.py takes `-m=5 -n=5 -k=5 --latestlink out --is_row_bcast
--loop_count=1`), or both in one run (it compiles into a temporary directory first):

    python examples/row_col_broadcast.py [--arch wse2|wse3] [--no-jit] [--is_row_bcast]
        [--use_col_major] [--channels 2]
"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.layout.compile import import_file

# examples/bandwidth_test.py as module `bandwidth_test`, whether or not examples/ is on
# sys.path (`pywse compile` and `python examples/...` put it there; pytest does not)
bw = import_file(Path(__file__).with_name("bandwidth_test.py"), "bandwidth_test")

layout = bw.layout      # src/layout.csl is bandwidth-test's bw_sync_layout.csl


def run(name: str, is_row_bcast: bool, roi=(1, 1, 3, 3), use_col_major: bool = False,
        loop_count: int = 1, jit: bool | None = None) -> tuple[int, float]:
    """The host side, as in the original run.py, on the compile output directory `name`;
    returns (cycles_send, MB/s)."""
    with open(Path(name) / "out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    width, height, pe_length = (int(params[k]) for k in ("width", "height", "pe_length"))
    print(f"core: width = {width}, height = {height}, pe_length={pe_length}")
    if is_row_bcast:      # one column's worth: h-by-1-by-l
        A = np.arange(height * pe_length, dtype=np.uint32).reshape(height, 1, pe_length)
    else:                 # one row's worth: 1-by-w-by-l
        A = np.arange(width * pe_length, dtype=np.uint32).reshape(1, width, pe_length)
    px, py, pw_, ph = roi
    print(f"ROI: px = {px}, py = {py}, pw = {pw_}, ph = {ph}")
    assert px >= 0 and py >= 0 and pw_ <= width and ph <= height, "the ROI must fit the core"
    B = A[py:py + ph, :, :] if is_row_bcast else A[:, px:px + pw_, :]
    B_1d = B.T.ravel() if use_col_major else B.ravel()
    order = MemcpyOrder.COL_MAJOR if use_col_major else MemcpyOrder.ROW_MAJOR

    runner = SdkRuntime(name, jit=jit, suppress_simfab_trace=True)
    symbol_A = runner.get_id("A")
    runner.load()
    runner.run()
    print("step 1: sync() synchronizes all PEs and records reference clock")
    runner.call("f_sync", [], nonblock=True)
    print("step 2: tic() records time_start")
    runner.call("f_tic", [], nonblock=True)
    bcast = runner.memcpy_h2d_rowbcast if is_row_bcast else runner.memcpy_h2d_colbcast
    for _ in range(loop_count):
        print(f"step 3: memcpy_h2d_{'row' if is_row_bcast else 'col'}bcast(B)")
        bcast(symbol_A, B_1d, px, py, pw_, ph, pe_length, streaming=False,
              data_type=MemcpyDataType.MEMCPY_32BIT, order=order, nonblock=True)
    print("step 4: toc() records time_end")
    runner.call("f_toc", [], nonblock=False)
    start, end, ref = bw.read_timestamps(runner, width, height)
    print("step 9: D2H(A)")
    E_1d = np.zeros(height * width * pe_length, A.dtype)
    runner.memcpy_d2h(E_1d, symbol_A, 0, 0, width, height, pe_length, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.COL_MAJOR,
                      nonblock=False)
    runner.stop()

    E_hwl = np.reshape(E_1d, (height, width, pe_length), order="F")
    B_ext = np.zeros((height, width, pe_length), A.dtype)     # the expected result
    if is_row_bcast:      # B in each column of the ROI
        for w in range(pw_):
            B_ext[py:py + ph, px + w:px + w + 1, :] = B
    else:                 # B in each row of the ROI
        for h in range(ph):
            B_ext[py + h:py + h + 1, px:px + pw_, :] = B
    print("check E_hwl == B_ext")
    assert np.allclose(E_hwl.ravel(), B_ext.ravel(), 0)
    print(f"ROI: pw = {pw_}, ph= {ph}, pe_length={pe_length}")
    figures = bw.report_bandwidth(start, end, ref, pw_ * ph * pe_length, loop_count)
    print("SUCCESS!")
    return figures


def main(argv=None) -> tuple[int, float]:
    """The command line; returns (cycles_send, MB/s) of the run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("-m", type=int, default=5, help="rows (height), without --name")
    parser.add_argument("-n", type=int, default=5, help="columns (width), without --name")
    parser.add_argument("-k", type=int, default=5, help="pe_length, without --name")
    parser.add_argument("--channels", type=int, default=2,
                        help="memcpy I/O channels (1..16), without --name")
    for side, default in (("px", 1), ("py", 1), ("w", 3), ("h", 3)):
        parser.add_argument(f"--roi_{side}", type=int, default=default, help="region of interest")
    parser.add_argument("--use_col_major", action="store_true", help="send B column-major")
    parser.add_argument("--is_row_bcast", action="store_true",
                        help="row broadcast (default: column broadcast)")
    parser.add_argument("--loop_count", type=int, default=1, help="back-to-back broadcasts")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT
    roi = (args.roi_px, args.roi_py, args.roi_w, args.roi_h)
    opts = dict(is_row_bcast=args.is_row_bcast, roi=roi, use_col_major=args.use_col_major,
                loop_count=args.loop_count, jit=jit)

    if args.name:
        return run(args.name, **opts)
    params = dict(width=args.n, height=args.m, pe_length=args.k,
                  C0_ID=0, C1_ID=1, C2_ID=2, C3_ID=3, C4_ID=4)
    with tempfile.TemporaryDirectory(prefix="pywse-rowcol-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(4 + args.n + 3, 1 + args.m + 1),
                   fabric_offsets=(4, 1), memcpy=True, channels=args.channels, params=params,
                   out_dir=out)
        return run(out, **opts)


if __name__ == "__main__":
    main()
