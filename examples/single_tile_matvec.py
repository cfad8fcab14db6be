"""y = A x on each PE of a 2x2 rectangle, over explicit DSRs (port of csl-examples
benchmarks/single-tile-matvec).

Every PE holds its own nb x nb matrix A (column-major, each column padded to a multiple of
16 bytes, one spare word in front so the columns start 16-byte aligned: element (i, j) sits
at A[j*padded_nb + i + 1]) and vector x; the PEs never talk to each other. `compute` loads
y, y and A's first column into the dest, src0 and src1 DSRs (the A DSR with
`.save_address`, so each op leaves it on the next column) and maps over x: one
`fmacs(y, y, A[:, j], x[j])` per element of x. `<time>` stamps the `iters` repetitions; the
two 48-bit stamps go back to the host packed into three f32 words. The host copies A and x
in, calls `compute`, copies the stamps and y back, checks every PE's y against A @ x with
atol 1e-4 (the original's check under `--verify`; this port always verifies) and prints
the cycle counts and the bandwidth they imply. The cycles are pywse's engine clock
(docs/semantics.md), not the hardware's.

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch wse2):

    pywse compile examples/single_tile_matvec.py --arch=wse3 --fabric-dims=9,4 \\
        --fabric-offsets=4,1 --params=width:2,height:2,tile_size:25,iters:1 \\
        -o=out --memcpy --channels=1
    python examples/single_tile_matvec.py --name out

or both in one run (it compiles into a temporary directory first):

    python examples/single_tile_matvec.py [--arch wse2|wse3] [--no-jit]
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib.time import make_u48

PAD_ALIGN = 16      # bytes: columns of A and y start on a 16-byte boundary (bank conflicts)
ELEM_SIZE = 4       # bytes of an f32


def padded(nb: int) -> int:
    """nb rounded up to a whole number of 16-byte groups of f32."""
    ratio = PAD_ALIGN // ELEM_SIZE
    return -(-nb // ratio) * ratio


@pw.program
def pe_matvec(p, *, memcpy_params, nb: int, iters: int):
    sys_mod = p.memcpy(memcpy_params)
    timestamp = p.import_module("<time>")
    padded_nb = padded(nb)

    tsc_end_buf = p.var("tsc_end_buf", pw.u16, timestamp.tsc_size_words)
    tsc_start_buf = p.var("tsc_start_buf", pw.u16, timestamp.tsc_size_words)
    timer_buf = p.var("maxmin_time", pw.f32, 3, export=True)

    A_array = p.var("A", pw.f32, nb * padded_nb + 1, export=True, align=PAD_ALIGN)
    x_array = p.var("x", pw.f32, nb, export=True, align=PAD_ALIGN)
    y_array = p.var("y", pw.f32, padded_nb, export=True, align=PAD_ALIGN)

    A_dsd = pw.mem1d(A_array, padded_nb, 1)         # |i|{padded_nb} -> A_array[i+1]
    x_dsd = pw.mem1d(x_array, nb)
    y_dsd = pw.mem1d(y_array, padded_nb)

    y_dest_dsr = pw.get_dsr("dsr_dest", 0)
    y_src0_dsr = pw.get_dsr("dsr_src0", 0)
    A_src1_dsr = pw.get_dsr("dsr_src1", 0)

    def gemv_static_step_A(curX):
        pw.fmacs(y_dest_dsr, y_src0_dsr, A_src1_dsr, curX)

    def gemv_map():
        # A * X = Y
        pw.load_to_dsr(y_dest_dsr, y_dsd, save_address=False)
        pw.load_to_dsr(y_src0_dsr, y_dsd, save_address=False)
        pw.load_to_dsr(A_src1_dsr, A_dsd, save_address=True)
        pw.map(gemv_static_step_A, x_dsd)

    @p.local_task(9)                                # EXIT: leaves the RPC
    def f_exit():
        sys_mod.unblock_cmd_stream()

    @p.export
    def compute():
        timestamp.enable_tsc()
        timestamp.get_timestamp(tsc_start_buf)
        for _ in range(iters):
            gemv_map()
        timestamp.get_timestamp(tsc_end_buf)
        timestamp.disable_tsc()

        # six u16 words of the two stamps, packed two to an f32
        timer_buf[0] = pw.bitcast(pw.f32, (pw.u32(tsc_start_buf[1]) << 16)
                                  | pw.u32(tsc_start_buf[0]))
        timer_buf[1] = pw.bitcast(pw.f32, (pw.u32(tsc_end_buf[0]) << 16)
                                  | pw.u32(tsc_start_buf[2]))
        timer_buf[2] = pw.bitcast(pw.f32, (pw.u32(tsc_end_buf[2]) << 16)
                                  | pw.u32(tsc_end_buf[1]))
        pw.activate(f_exit)


def layout(width: int, height: int, tile_size: int, iters: int) -> pw.Layout:
    """layout_matvec.csl: the same program on every PE of a width x height rectangle."""
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    for px in range(width):
        memcpy_params = memcpy.get_params(px)
        for py in range(height):
            lay.set_tile_code(px, py, pe_matvec, memcpy_params=memcpy_params,
                              nb=tile_size, iters=iters)
    return lay


def run(name: str, jit: bool | None = None, seed: int = 0) -> None:
    """The host side, as in the original run.py (with --verify), on the output dir `name`."""
    with open(f"{name}/out.json", encoding="utf-8") as f:
        params = json.load(f)["params"]
    nb, width, height, iters = (int(params[k]) for k in ("tile_size", "width", "height", "iters"))
    print(f"nb = {nb}\nwidth = {width}\nheight = {height}\niters = {iters}")
    padded_nb = padded(nb)
    rng = np.random.default_rng(seed)     # the original is unseeded; a port is deterministic

    runner = SdkRuntime(name, jit=jit)
    A_symbol = runner.get_id("A")
    x_symbol = runner.get_id("x")
    y_symbol = runner.get_id("y")
    symbol_maxmin_time = runner.get_id("maxmin_time")
    runner.load()
    runner.run()

    # the same A on every PE: column j at [j*padded_nb + 1, j*padded_nb + 1 + nb)
    A_mat = rng.random((nb, nb))
    block = np.zeros(nb * padded_nb + 1, np.float32)
    block[1:].reshape(nb, padded_nb)[:, :nb] = A_mat.T
    A_data = np.tile(block, width * height)
    print("Copy A matrices to device...")
    runner.memcpy_h2d(A_symbol, A_data, 0, 0, width, height, nb * padded_nb + 1,
                      streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                      order=MemcpyOrder.ROW_MAJOR, nonblock=False)

    x_vec = rng.random(nb)
    x_data = np.tile(x_vec.astype(np.float32), width * height)
    print("Copy x vectors to device...")
    runner.memcpy_h2d(x_symbol, x_data, 0, 0, width, height, nb, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)

    print("Launch kernel...")
    runner.call("compute", [], nonblock=False)

    data = np.zeros(width * height * 3, np.uint32)
    runner.memcpy_d2h(data, symbol_maxmin_time, 0, 0, width, height, 3, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)
    maxmin_time_hwl = data.reshape(height, width, 3)
    data = np.zeros(width * height * padded_nb, np.uint32)
    runner.memcpy_d2h(data, y_symbol, 0, 0, width, height, padded_nb, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.ROW_MAJOR,
                      nonblock=False)
    y_device_array = data.view(np.float32).reshape(height, width, padded_nb)
    runner.stop()

    print("Test y result is as expected on each PE...")
    expected = A_mat @ x_vec
    for w in range(width):
        for h in range(height):
            np.testing.assert_allclose(y_device_array[h, w, :nb], expected, atol=0.0001,
                                       rtol=0)

    # the three words hold six u16: start stamp in 0..2, end stamp in 3..5
    words = np.stack([maxmin_time_hwl & 0xFFFF, maxmin_time_hwl >> 16], -1)
    words = words.reshape(height, width, 6)
    cycles = make_u48(words[..., 3:]) - make_u48(words[..., :3])      # [h, w]
    by_wh = cycles.T                    # the original scans w, then h: first of ties wins
    (min_w, min_h), (max_w, max_h) = (np.unravel_index(f(by_wh), by_wh.shape)
                                      for f in (np.argmin, np.argmax))
    min_cycles, max_cycles = int(cycles.min()), int(cycles.max())

    # bytes the matvec must touch, bytes fmacs touches (y read and written nb times), flop
    total_relative_accesses = width * height * (4 * nb * nb + 8 * nb)
    total_absolute_accesses = width * height * (12 * nb * nb + 4 * nb)
    total_flop = width * height * (2 * nb * nb - nb)
    secs = max(max_cycles, 1) / 850_000_000.0
    scale = (994.0 * 750.0) / (width * height)
    relative_bw = total_relative_accesses / secs * iters / 1e15
    absolute_bw = total_absolute_accesses / secs * iters / 1e15
    flops_sec = total_flop / secs / 1e15
    print(f"Min cycles ({min_w}, {min_h}): {min_cycles}")
    print(f"Max cycles ({max_w}, {max_h}): {max_cycles}")
    print(f"Relative accesses (bytes): {total_relative_accesses}")
    print(f"Absolute accesses (bytes): {total_absolute_accesses}")
    print(f"FP operations:             {total_flop}")
    print(f"Relative BW (PB/s): {relative_bw}   scaled to 750x994: {relative_bw * scale}")
    print(f"Absolute BW (PB/s): {absolute_bw}   scaled to 750x994: {absolute_bw * scale}")
    print(f"PetaFLOPS:          {flops_sec}   scaled to 750x994: {flops_sec * scale}")
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
    params = dict(width=2, height=2, tile_size=25, iters=1)
    with tempfile.TemporaryDirectory(prefix="pywse-matvec-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(9, 4), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params=params, out_dir=out)
        run(out, jit)


if __name__ == "__main__":
    main()
