"""topic-02: the SDK's libraries `<random>`, `<time>` and `<math>` (port of csl-examples
tutorials/topic-02-libraries).

One PE estimates pi by Monte Carlo: the host launches `f_run`, which draws `iterations`
points in [-1, 1)^2 with `<random>`'s `random_f32`, counts those whose distance from the
origin (`<math>`'s `sqrt_f32`) is at most 1, and stores 4 * hits / iterations in `result`.
`<time>` stamps the loop's start and end; the host copies both stamps back (three u16 words
each, 16-bit memcpy), prints the cycles between them and checks the estimate against pi
within atol 0.1, as the original does. The cycles are those of pywse's engine clock
(docs/libraries.md, `## <time>`), not the hardware's: the loop is scalar code and library
calls, which pywse's clock does not charge yet, so it prints 0.

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch=wse2):

    pywse compile examples/topic_02_libraries.py --arch=wse3 --fabric-dims=8,3 \\
        --fabric-offsets=4,1 --params=iterations:200 -o out --memcpy --channels=1 \\
        --width-west-buf=0 --width-east-buf=0
    python examples/topic_02_libraries.py --name out --tolerance 0.1

or both in one run (it compiles into a temporary directory first):

    python examples/topic_02_libraries.py [--arch wse2|wse3] [--no-jit] [--iterations N]
"""
import argparse
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib.time import make_u48
from pywse.sdk_utils import memcpy_view


@pw.program
def pe_program(p, *, memcpy_params, iterations: int):
    sys_mod = p.memcpy(memcpy_params)
    random = p.import_module("<random>")
    tsc = p.import_module("<time>")
    math = p.import_module("<math>")

    # the loop's start and end stamps, and the estimate, for the host
    start_buffer = p.var("start_timestamp", pw.u16, tsc.tsc_size_words, export=True)
    finish_buffer = p.var("finish_timestamp", pw.u16, tsc.tsc_size_words, export=True)
    result = p.var("result", pw.f32, 1, export=True)

    @p.export
    def f_run():
        hit_count: pw.u32 = 0
        tsc.enable_tsc()
        tsc.get_timestamp(start_buffer)
        # two random values in [-1, 1) per iteration: inside the unit circle?
        for _ in range(iterations):
            x = random.random_f32(-1.0, 1.0)
            y = random.random_f32(-1.0, 1.0)
            distance_from_origin = math.sqrt_f32(x * x + y * y)
            if distance_from_origin <= 1.0:
                hit_count += 1
        tsc.get_timestamp(finish_buffer)
        result[0] = 4.0 * pw.f32(hit_count) / pw.f32(iterations)
        sys_mod.unblock_cmd_stream()


def layout(iterations: int) -> pw.Layout:
    """The layout.csl twin: one PE; `iterations` is the compile param."""
    lay = pw.Layout(1, 1)
    memcpy = lay.memcpy()
    lay.set_tile_code(0, 0, pe_program, memcpy_params=memcpy.get_params(0),
                      iterations=iterations)
    return lay


def run(name: str, tolerance: float, jit: bool | None = None) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    runner = SdkRuntime(name, jit=jit)
    result_symbol = runner.get_id("result")
    start_ts_symbol = runner.get_id("start_timestamp")
    finish_ts_symbol = runner.get_id("finish_timestamp")
    runner.load()
    runner.run()

    print("step 1: call f_run to start computation")
    runner.launch("f_run", nonblock=False)
    print("step 2: copy back result")
    result = np.zeros(1, np.float32)
    runner.memcpy_d2h(result, result_symbol, 0, 0, 1, 1, 1, streaming=False,
                      data_type=MemcpyDataType.MEMCPY_32BIT, order=MemcpyOrder.COL_MAJOR,
                      nonblock=False)
    print("step 3: copy back timestamps")
    stamps = []
    for symbol in (start_ts_symbol, finish_ts_symbol):
        words_u32 = np.zeros(3, np.uint32)      # a 16-bit memcpy fills the low half of each
        runner.memcpy_d2h(words_u32, symbol, 0, 0, 1, 1, 3, streaming=False,
                          data_type=MemcpyDataType.MEMCPY_16BIT,
                          order=MemcpyOrder.COL_MAJOR, nonblock=False)
        stamps.append(memcpy_view(words_u32, np.dtype(np.uint16)))
    runner.stop()

    cycles = make_u48(stamps[1]) - make_u48(stamps[0])
    print("cycle count:", cycles)
    print(f"result = {result}, np.pi = {np.pi}, tol = {tolerance}")
    np.testing.assert_allclose(result, np.pi, atol=tolerance, rtol=0)
    print("SUCCESS!")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("--tolerance", type=float, default=0.1, help="atol of the pi check")
    parser.add_argument("--iterations", type=int, default=200,
                        help="compile param (without --name)")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, args.tolerance, jit)
        return
    with tempfile.TemporaryDirectory(prefix="pywse-topic02-") as out:
        pw.compile(layout, arch=args.arch, fabric_dims=(8, 3), fabric_offsets=(4, 1),
                   memcpy=True, channels=1, params={"iterations": args.iterations},
                   out_dir=out)
        run(out, args.tolerance, jit)


if __name__ == "__main__":
    main()
