"""fft-3d: a 3-D FFT of an N x N x N complex array on a W x W kernel (port of csl-examples
benchmarks/fft-3d: layout.csl, run.py, commands_wse3.sh; wse3 only, as the original).

The original's kernel is the SDK's library `<kernels/fft/fft3d_layout>`: its layout.csl only
imports it and calls `FFT_kernel(WIDTH, N, tensor_type)`, as `layout` below does. Each PE
holds NUM_PENCILS_PER_DIM x NUM_PENCILS_PER_DIM pencils (T = NUM_PENCILS_PER_DIM) along z,
W = N / T PEs a side; FP 0 is f16, FP 1 f32 (as layout.csl reads it). The host, as run.py:
twiddle factors (cos, sin of 2*pi*k/N) to every PE, the array shuffled into the PEs' pencil
order (complex element z*T*T + (y%T)*T + x%T of PE (x//T, y//T)), one launch
(`csfftExecC2C(norm, inverse)`, or with --real `csfftExecR2C(norm)` / `csfftExecC2R(norm)`),
the array and each PE's cycle count (`fft_time`) back. The check is run.py's: the unshuffled
result against `numpy.fft.fftn` (or `ifftn`, with --inverse) of the input (its real part with
--real) with numpy's norm ("backward" 0, "ortho" 1, "forward" 2), `assert_allclose` at
rtol 0.01 (f32) or 0.5 (f16), atol 0. It prints the largest `fft_time` over the PEs.

Where pywse differs: the library is pywse's own (the SDK's source is not public), a pencil
decomposition over `<collectives_2d>` scatters (docs/libraries.md), so its cycles are
pywse's, not the SDK's. The shuffles are numpy reshapes instead of run.py's loops (the same
index formula); run.py's wall-clock time of the copy, launch and copy back is not printed
(it would time the simulator, and the output must be the same run to run).

The SDK's two steps, with the flags of the original's commands_wse3.sh:

    pywse compile examples/fft_3d.py --arch=wse3 --fabric-dims=11,6 --fabric-offsets=4,1 \\
        --params=N:16,NUM_PENCILS_PER_DIM:4,FP:1 --memcpy --channels=1 -o out
    python examples/fft_3d.py --name out --real --norm 1      # or: pywse run run.py --name out ...

or the whole of commands_wse3.sh in one run (FP 1: --real --norm 1, then --inverse --norm 1;
FP 0: the default, then --inverse), each compile into a temporary directory:

    python examples/fft_3d.py [--no-jit] [--size N,T]        # the original's size: 16,4
"""
import argparse
import json
import tempfile

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime, sdk_utils
from pywse.lib.time import make_u48

HEAVY_COMPILE = True    # tests/conftest.py: the compiled leg (~80 s of numba, cold) is in the slow tier

ARCHES = ("wse3",)     # tests/conftest.py: the original runs on wse3 only

ELEM_SIZE = 2          # an element has a real and an imaginary part


def layout(N: int, NUM_PENCILS_PER_DIM: int, FP: int, WIDTH: int | None = None) -> pw.Layout:
    """layout.csl's twin; its arguments are the compile params (WIDTH = N / pencils, as
    layout.csl's param default)."""
    if WIDTH is None:
        WIDTH = N // NUM_PENCILS_PER_DIM
    tensor_type = pw.f16 if FP == 0 else pw.f32
    lay = pw.Layout(WIDTH, WIDTH)
    memcpy = lay.import_module("<memcpy/get_params>", width=WIDTH, height=WIDTH)
    fft_helper = lay.import_module("<kernels/fft/fft3d_layout>", width=WIDTH, memcpy=memcpy)
    fft_helper.FFT_kernel(WIDTH, N, tensor_type)
    return lay


def shuffle(a: np.ndarray, N: int, T: int) -> np.ndarray:
    """run.py's reshuffle: a[y][x][z] -> [y // T][x // T][z*T*T + (y%T)*T + x%T]."""
    w = N // T
    return a.reshape(w, T, w, T, N).transpose(0, 2, 4, 1, 3).reshape(w, w, N * T * T)


def unshuffle(b: np.ndarray, N: int, T: int) -> np.ndarray:
    """run.py's unshuffle, the inverse of `shuffle`."""
    w = N // T
    return b.reshape(w, w, N, T, T).transpose(0, 3, 1, 4, 2).reshape(N, N, N)


def run(name: str, jit: bool | None = None, inverse: bool = False, real: bool = False,
        norm: int = 0, check: bool = True, save_output: bool = False) -> None:
    """The host side, as in the original run.py, on the compile output directory `name`."""
    NORM, INVERSE = np.int16(norm), np.int16(inverse)
    np_norm = "backward" if NORM == 0 else "forward" if NORM == 2 else "ortho"
    with open(f"{name}/out.json", encoding="utf-8") as json_file:
        compile_params = json.load(json_file)["params"]
    N = int(compile_params["N"])
    T = int(compile_params["NUM_PENCILS_PER_DIM"])
    FP = int(compile_params["FP"])
    width = N // T
    precision_type = np.dtype(np.float16 if FP == 0 else np.float32)
    print(f"N: {N}, num_pencils_per_dim: {T}, kernel width: {width}, data type: "
          f"{precision_type}")
    LOCAL_TENSOR_LEN = T * T * N * ELEM_SIZE
    GLOBAL_TENSOR_LEN = N * N * N * ELEM_SIZE

    # twiddle factors: cos, sin of 2*pi*k/N, k < N/2
    f_container = np.zeros(N, dtype=np.uint32)
    f = sdk_utils.memcpy_view(f_container, precision_type)
    Nh = N >> 1
    exponent = np.pi * np.arange(Nh) / Nh
    f[0::2] = np.cos(exponent).astype(precision_type)
    f[1::2] = np.sin(exponent).astype(precision_type)

    np.random.seed(seed=7)
    if check:
        random_array = np.random.random(GLOBAL_TENSOR_LEN).astype(precision_type)
    else:
        random_array = np.arange(GLOBAL_TENSOR_LEN).astype(precision_type)
    X_pre = random_array.reshape((N, N, N, ELEM_SIZE))
    X_container = np.zeros((width, width, LOCAL_TENSOR_LEN), dtype=np.uint32)
    X = sdk_utils.memcpy_view(X_container, precision_type).reshape(X_container.shape)
    X[..., 0::2] = shuffle(X_pre[..., 0], N, T)
    X[..., 1::2] = 0 if real else shuffle(X_pre[..., 1], N, T)

    memcpy_dtype = MemcpyDataType.MEMCPY_32BIT if precision_type == np.float32 \
        else MemcpyDataType.MEMCPY_16BIT
    memcpy_order = MemcpyOrder.ROW_MAJOR
    runner = SdkRuntime(name, jit=jit)
    runner.load()
    runner.run()
    symbol_X = runner.get_id("X")
    symbol_twiddle = runner.get_id("twiddle_array")
    symbol_timestamps = runner.get_id("fft_time")

    f_fill = np.full((width, width, N), f_container, dtype=np.uint32)
    runner.memcpy_h2d(symbol_twiddle, f_fill.ravel(), 0, 0, width, width, N,
                      streaming=False, data_type=memcpy_dtype, order=memcpy_order, nonblock=False)
    runner.memcpy_h2d(symbol_X, X_container.ravel(), 0, 0, width, width, LOCAL_TENSOR_LEN,
                      streaming=False, data_type=memcpy_dtype, order=memcpy_order, nonblock=False)
    if real:
        runner.launch("csfftExecC2R" if INVERSE else "csfftExecR2C", NORM, nonblock=False)
    else:
        runner.launch("csfftExecC2C", NORM, INVERSE, nonblock=False)
    X_res_container = np.zeros((width, width, LOCAL_TENSOR_LEN), dtype=np.uint32)
    runner.memcpy_d2h(X_res_container.ravel(), symbol_X, 0, 0, width, width, LOCAL_TENSOR_LEN,
                      streaming=False, data_type=memcpy_dtype, order=memcpy_order, nonblock=False)

    timestamps = np.zeros((width, width, 2), dtype=np.uint32)
    runner.memcpy_d2h(timestamps.ravel(), symbol_timestamps, 0, 0, width, width, 2,
                      streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                      order=memcpy_order, nonblock=False)
    timestamps = np.frombuffer(timestamps.tobytes(), dtype=np.uint16).reshape((width, width, 4))
    cycles = make_u48(timestamps[..., :3]).max()
    print(f"Compute time on WSE: {cycles / 850000000.0}s, {cycles} cycles (pywse's clock)")
    runner.stop()

    X_res = sdk_utils.memcpy_view(X_res_container, precision_type).reshape(
        X_res_container.shape).astype(np.float64)
    result_array = unshuffle(X_res[..., 0::2] + 1j * X_res[..., 1::2], N, T)
    if save_output:
        np.save("result_array.npy", result_array)
    if real:
        random_array_sq = random_array.reshape((N, N, N, 2))[:, :, :, 0]
    else:
        random_array_sq = random_array.astype(np.float32).reshape((N, N, N * 2)).view(np.csingle)
    if INVERSE:
        reference_array = np.fft.ifftn(random_array_sq, norm=np_norm)
    else:
        reference_array = np.fft.fftn(random_array_sq, norm=np_norm)
    if check:
        # 16-bit calculation can have large relative errors for entries close to 0
        rtol = 0.5 if precision_type == np.float16 else 0.01
        np.testing.assert_allclose(result_array, reference_array, rtol=rtol, atol=0)
        print("\nSUCCESS!")


RUNS = {1: [dict(real=True, norm=1), dict(inverse=True, norm=1)],     # commands_wse3.sh
        0: [dict(), dict(inverse=True)]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse3"],
                      help="compile for this arch into a temporary directory, then run "
                           "commands_wse3.sh's runs")
    parser.add_argument("--size", default="8,2",
                        help="N,NUM_PENCILS_PER_DIM for the compiles (the original's: 16,4)")
    parser.add_argument("-i", "--inverse", action="store_true", help="the inverse FFT")
    parser.add_argument("-r", "--real", action="store_true", help="a real FFT")
    parser.add_argument("--norm", type=int, default=0,
                        help="normalization (0=backward, 1=ortho, 2=forward)")
    parser.add_argument("-no_check", "--no-check-outcome", action="store_true",
                        help="do not check the outcome against numpy")
    parser.add_argument("--save-output", action="store_true",
                        help="save the result to result_array.npy")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, jit, args.inverse, args.real, args.norm, not args.no_check_outcome,
            args.save_output)
        return
    if args.inverse or args.real or args.norm or args.save_output:
        parser.error("--inverse, --real, --norm and --save-output go with --name; without it "
                     "the script runs commands_wse3.sh's four runs")
    N, T = (int(v) for v in args.size.split(","))
    for FP, runs in RUNS.items():
        with tempfile.TemporaryDirectory(prefix="pywse-fft-3d-") as out:
            pw.compile(layout, arch=args.arch, fabric_dims=(max(11, N // T + 7),
                                                            max(6, N // T + 2)),
                       fabric_offsets=(4, 1), memcpy=True, channels=1,
                       params={"N": N, "NUM_PENCILS_PER_DIM": T, "FP": FP}, out_dir=out)
            for kw in runs:
                run(out, jit, check=not args.no_check_outcome, **kw)


if __name__ == "__main__":
    main()
