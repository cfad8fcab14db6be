"""power-method: the power method on the sparse matrix of a 3-D 7-point stencil (port of
csl-examples benchmarks/power-method: src/layout.csl, src/kernel.csl, src/layout_power.csl,
src/kernel_power.csl, src/blas.csl, run.py, device_run.py).

The matrix A is the 7-point stencil on a height x width x zDim grid: PE (px, py) of the
core rectangle holds the z-column x[py][px][0:zDim] and seven coefficients (c_west, c_east,
c_south, c_north, c_bottom, c_top, c_center), the same for the whole column; points outside
the grid count as 0. The power method

    x = x0 / |x0|_2;  repeat max_ite times: y = A x;  x = y / |y|_2

runs on the device with two user modules of the benchmark libraries
(examples/benchmark_libs): stencil_3d_7pts computes y = A x, allreduce computes |y|_2
over the whole rectangle (each PE first takes its local 2-norm with this file's `blas`
module, which scales by a power of two near max|y| so the squares cannot overflow) and also
synchronises the PEs to stamp a reference clock at the start.

Two kernels, as the original:
- `kernel` (kernel.csl, compiled by `layout`, what run.py runs): the host launches each step,
  `f_spmv(zDim)`, `f_nrm2_y(zDim)`, `f_scale_x_by_nrm2(zDim)`, max_ite times; every step
  ends with memcpy's `unblock_cmd_stream` (the modules' `f_callback`).
- `kernel_power` (kernel_power.csl, compiled by `layout_power`, what device_run.py runs):
  one launch `f_power(zDim, max_ite)` runs a state machine (task STATE) on every PE that
  steps through SPMV, NRM2 and SCALE max_ite times; the modules call back into the state
  machine (`f_trigger_state_machine`) instead of memcpy.

The host, as run.py (and device_run.py): x0 = arange + 100 normalised, the coefficients
(-1, -2, -3, -4, -5, -6, 6) on every PE, copied in column-major; f_enable_timer, f_sync (the
reference clock), f_reference_timestamps, f_tic; the iterations; f_toc,
f_memcpy_timestamps; the stamps (MEMCPY_16BIT) and x copied back. The check is run.py's:
x from the device against the power method on the host, `assert_allclose` at rtol 1e-5. It
prints the cycles between the first tic and the last toc (pywse's engine clock, not the
hardware's: docs/libraries.md, `## <time>`) and the eigenvalue estimate <x, A x> next to
the largest eigenvalue of A (numpy, dense; the original uses scipy's `eigs`).

The SDK's two steps, with the flags of the original's commands_wse3.sh (commands_wse2.sh:
the same with --arch=wse2):

    pywse compile examples/power_method.py --arch=wse3 --fabric-dims=12,7 \\
        --fabric-offsets=4,1 --params=width:5,height:5,MAX_ZDIM:5 --params=BLOCK_SIZE:2 \\
        --params=C0_ID:0 --params=C1_ID:1 --params=C2_ID:2 --params=C3_ID:3 \\
        --params=C4_ID:4 --params=C5_ID:5 --params=C6_ID:6 --params=C7_ID:7 \\
        --params=C8_ID:8 -o=out --memcpy --channels=1 --width-west-buf=0 --width-east-buf=0
    python examples/power_method.py --name out --zDim=5 --max-ite=1

(the original's run.py takes `-m=5 -n=5 -k=5 --latestlink out --channels=1
--width-west-buf=0 --width-east-buf=0 --zDim=5 --run-only --max-ite=1`; -m, -n, -k are
the compile's height, width and MAX_ZDIM, read here from `out`), or both in one run (it
compiles into a temporary directory first; `--device`: kernel_power, device_run.py's
single launch):

    python examples/power_method.py [--arch wse2|wse3] [--no-jit] [-m 5 -n 5 -k 5] \\
        [--zDim 5] [--max-ite 1] [--device]
"""
import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime
from pywse.lib.time import make_u48

HEAVY_COMPILE = True    # tests/conftest.py: the compiled leg (~80 s of numba cold) runs in the slow tier

try:                                     # run as a script: examples/ is on sys.path
    from benchmark_libs import allreduce
    from benchmark_libs.stencil_3d_7pts import stencil, stencil_layout
except ImportError:                      # imported as examples.power_method
    from examples.benchmark_libs import allreduce
    from examples.benchmark_libs.stencil_3d_7pts import stencil, stencil_layout


# -- src/blas.csl --------------------------------------------------------------------------------

@pw.module
def blas(p):
    """blas.csl: nrm2(n, y) = |y[0:n]|_2 on one PE, scaled so that no square overflows."""
    math_lib = p.import_module("<math>")
    # CSL points an i16 dummy's DSD at the f32 y; pywse's set_dsd_base_addr keeps the
    # element type, so the dummy is an f32 here
    dummy = p.var("dummy", pw.f32, 1)
    mem_y_dsd = p.dsd_var(pw.mem1d(dummy, extent=1))

    def approx(x, alpha, inv_alpha):
        """alpha = 2^(E-127) from x's exponent E (1 for 0, inf and NaN; 2^-126 for
        subnormals), inv_alpha = 1/alpha: x * inv_alpha is O(1) with no rounding, and costs
        a few integer ops where a division costs about 50 cycles."""
        x_u32 = pw.bitcast(pw.u32, x)
        exp = x_u32 & pw.u32(0x7F800000)
        mantissa = x_u32 & pw.u32(0x007FFFFF)
        E = pw.u16(exp >> 23)
        if E == 0:
            if mantissa == 0:
                E = pw.u16(127)         # case 3: x = 0, alpha = 1
            else:
                E = pw.u16(1)           # case 2: subnormal, alpha = 2^-126
        if E == 255:
            E = pw.u16(127)             # case 4: inf or NaN, alpha = 1
        alpha[0] = pw.bitcast(pw.f32, pw.u32(E) << 23)
        inv_alpha[0] = pw.bitcast(pw.f32, pw.u32(254 - E) << 23)

    def reduce_fabs(yval, ymax):
        """max(ymax, |yval|): the kernel of ymax = max|y|."""
        yreg = math_lib.abs(yval)
        if yreg > ymax[0]:
            return yreg
        return ymax[0]

    def reduce_scale_square(yval, inv_alpha, total):
        """total + (yval / alpha)^2: the kernel of sum((y / alpha)^2)."""
        yreg = yval * inv_alpha
        return total[0] + yreg * yreg

    def nrm2(n, y):
        nonlocal mem_y_dsd
        alpha = np.zeros(1, pw.f32)
        inv_alpha = np.zeros(1, pw.f32)
        # step 1: ymax = max|y|
        ymax = np.zeros(1, pw.f32)
        mem_y_dsd = pw.set_dsd_base_addr(mem_y_dsd, y)
        mem_y_dsd = pw.set_dsd_length(mem_y_dsd, n)
        pw.map(reduce_fabs, mem_y_dsd, ymax, ymax)
        # step 2: ymax = alpha * (ymax / alpha)
        approx(ymax[0], alpha, inv_alpha)
        # step 3: sum((y / alpha)^2)
        total = np.zeros(1, pw.f32)
        pw.map(reduce_scale_square, mem_y_dsd, inv_alpha[0], total, total)
        # step 4: |y|_2 = alpha * sqrt(sum)
        s = math_lib.sqrt(total[0])
        return s * alpha[0]

    return dict(nrm2=nrm2)


# -- the kernels' common part --------------------------------------------------------------------

def import_modules(p, *, memcpyParams, reduceParams: dict, stencilParams: dict,
                   BLOCK_SIZE: int, f_callback=None):
    """memcpy (queues 0, 1), allreduce (queue 2, DSR 1) and the stencil (input queues 4-7,
    output queues 4-7 on wse3, 3 on wse2, DSRs 2 and 3), both calling `f_callback` when
    done (memcpy's unblock_cmd_stream when None: kernel.csl)."""
    sys_mod = p.memcpy(memcpyParams)
    callback = sys_mod.unblock_cmd_stream if f_callback is None else f_callback
    reduce_mod = p.import_module(allreduce.pe, **reduceParams, f_callback=callback,
                                 queues=[2], dest_dsr_ids=[1], src0_dsr_ids=[1],
                                 src1_dsr_ids=[1])
    # an output queue cannot overlap an input queue (wse2)
    stencil_mod = p.import_module(
        stencil, **stencilParams, f_callback=callback, input_queues=(4, 5, 6, 7),
        output_queues=(4, 5, 6, 7) if p.arch == "wse3" else (3,), output_ut_id=3,
        BLOCK_SIZE=BLOCK_SIZE, dest_dsr_ids=(2, 3), src0_dsr_ids=(2,), src1_dsr_ids=(2, 3))
    return sys_mod, reduce_mod, stencil_mod


def declare_state(p, MAX_ZDIM: int) -> dict:
    """The arrays both kernels declare, the exported ones under the original's symbol names
    (`time_ref` is CSL's time_ref_u16, exported as "time_ref")."""
    timestamp = p.import_module("<time>")
    words = timestamp.tsc_size_words
    return dict(
        timestamp=timestamp,
        tscStartBuffer=p.var("tscStartBuffer", pw.u16, words),   # start of the timing
        tscEndBuffer=p.var("tscEndBuffer", pw.u16, words),       # end of the timing
        x=p.var("x", pw.f32, MAX_ZDIM, export=True),
        y=p.var("y", pw.f32, MAX_ZDIM, export=True),
        dot=p.var("dot", pw.f32, 1),
        nrm2=p.var("nrm2", pw.f32, 1),
        inv_nrm2=p.var("inv_nrm2", pw.f32, 1),
        # {c_west, c_east, c_south, c_north, c_bottom, c_top, c_center}
        stencil_coeff=p.var("stencil_coeff", pw.f32, 7, export=True),
        time_buf_u16=p.var("time_buf_u16", pw.u16, words * 2, export=True),  # start, end
        time_ref_u16=p.var("time_ref", pw.u16, words, export=True),  # allreduce's clock
    )


def export_timers(p, sys_mod, reduce_mod, s: dict) -> None:
    """f_enable_timer, f_tic, f_toc, f_memcpy_timestamps, f_reference_timestamps: the same
    in both kernels."""
    timestamp = s["timestamp"]
    tscStartBuffer, tscEndBuffer = s["tscStartBuffer"], s["tscEndBuffer"]
    time_buf_u16, time_ref_u16 = s["time_buf_u16"], s["time_ref_u16"]

    @p.export
    def f_enable_timer():
        timestamp.enable_tsc()
        sys_mod.unblock_cmd_stream()    # the user must unblock the cmd color on every PE

    @p.export
    def f_tic():
        timestamp.get_timestamp(tscStartBuffer)
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_toc():
        timestamp.get_timestamp(tscEndBuffer)
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_memcpy_timestamps():
        time_buf_u16[0] = tscStartBuffer[0]
        time_buf_u16[1] = tscStartBuffer[1]
        time_buf_u16[2] = tscStartBuffer[2]
        time_buf_u16[3] = tscEndBuffer[0]
        time_buf_u16[4] = tscEndBuffer[1]
        time_buf_u16[5] = tscEndBuffer[2]
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_reference_timestamps():
        time_ref_u16[0] = reduce_mod.tscRefBuffer[0]
        time_ref_u16[1] = reduce_mod.tscRefBuffer[1]
        time_ref_u16[2] = reduce_mod.tscRefBuffer[2]
        sys_mod.unblock_cmd_stream()


# -- src/kernel.csl: the host launches every step ------------------------------------------------

@pw.program
def kernel(p, *, memcpyParams, reduceParams: dict, stencilParams: dict, MAX_ZDIM: int,
           BLOCK_SIZE: int):
    blas_lib = p.import_module(blas)
    math_lib = p.import_module("<math>")
    sys_mod, reduce_mod, stencil_mod = import_modules(
        p, memcpyParams=memcpyParams, reduceParams=reduceParams,
        stencilParams=stencilParams, BLOCK_SIZE=BLOCK_SIZE)
    s = declare_state(p, MAX_ZDIM)
    x, y, dot, nrm2, inv_nrm2 = s["x"], s["y"], s["dot"], s["nrm2"], s["inv_nrm2"]
    stencil_coeff = s["stencil_coeff"]
    export_timers(p, sys_mod, reduce_mod, s)

    @p.export
    def f_spmv(n: pw.i16):
        stencil_mod.spmv(n, stencil_coeff, x, y)        # y = A x; memcpy's callback

    @p.export
    def f_nrm2_y(n: pw.i16):
        nrm2[0] = blas_lib.nrm2(n, y)                   # |y|_2 locally
        reduce_mod.allreduce_nrm2(nrm2)                 # over all PEs; memcpy's callback

    @p.export
    def f_scale_x_by_nrm2(n: pw.i16):
        inv_nrm2[0] = math_lib.inv(nrm2[0])
        for row in range(n):
            yreg = y[row]
            x[row] = yreg * inv_nrm2[0]
        sys_mod.unblock_cmd_stream()

    @p.export
    def f_sync(n: pw.i16):
        reduce_mod.allreduce(n, dot, reduce_mod.TYPE_BINARY_OP.ADD)


# -- src/layout.csl ------------------------------------------------------------------------------

EN_STENCIL = (14, 15, 16)          # the stencil's three local task ids
EN_REDUCE = (17, 18, 19, 20)       # allreduce's four
STATE = 12                         # kernel_power's state machine


def build_layout(program, width: int, height: int, MAX_ZDIM: int, BLOCK_SIZE: int,
                 color_ids, **extra) -> pw.Layout:
    """layout.csl and layout_power.csl (they differ in the program and kernel_power's STATE):
    colors C0..C7 for the stencil, C8 for allreduce, memcpy on the rest."""
    assert all(a < b for a, b in zip(color_ids, color_ids[1:])), \
        "the colors need C0_ID < C1_ID < ... < C8_ID"
    colors = [pw.Color(c) for c in color_ids]
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    get_stencil_params = stencil_layout(colors[:8], EN_STENCIL, width, height)
    get_reduce_params = allreduce.layout(colors[8:], EN_REDUCE, width, height)
    for py in range(height):
        for px in range(width):
            lay.set_tile_code(px, py, program, memcpyParams=memcpy.get_params(px),
                              reduceParams=get_reduce_params(px, py),
                              stencilParams=get_stencil_params(px, py),
                              MAX_ZDIM=MAX_ZDIM, BLOCK_SIZE=BLOCK_SIZE, **extra)
    return lay


def layout(width: int, height: int, MAX_ZDIM: int, BLOCK_SIZE: int, C0_ID: int, C1_ID: int,
           C2_ID: int, C3_ID: int, C4_ID: int, C5_ID: int, C6_ID: int, C7_ID: int,
           C8_ID: int) -> pw.Layout:
    """The layout.csl twin (kernel); its arguments are the compile params."""
    return build_layout(kernel, width, height, MAX_ZDIM, BLOCK_SIZE,
                        (C0_ID, C1_ID, C2_ID, C3_ID, C4_ID, C5_ID, C6_ID, C7_ID, C8_ID))

def layout_power(width: int, height: int, MAX_ZDIM: int, BLOCK_SIZE: int, C0_ID: int,
                 C1_ID: int, C2_ID: int, C3_ID: int, C4_ID: int, C5_ID: int, C6_ID: int,
                 C7_ID: int, C8_ID: int) -> pw.Layout:
    """The layout_power.csl twin (kernel_power, its state machine on local task 12)."""
    return build_layout(kernel_power, width, height, MAX_ZDIM, BLOCK_SIZE,
                        (C0_ID, C1_ID, C2_ID, C3_ID, C4_ID, C5_ID, C6_ID, C7_ID, C8_ID),
                        STATE=STATE)


# -- src/kernel_power.csl: the power method as a state machine on the device -------------------

STATE_SYNC, STATE_SPMV, STATE_NRM2, STATE_SCALE, STATE_CONV_CHECK, STATE_EXIT = range(6)


@pw.program
def kernel_power(p, *, memcpyParams, reduceParams: dict, stencilParams: dict, MAX_ZDIM: int,
                 BLOCK_SIZE: int, STATE: int):
    """The state machine (task STATE): sync is SYNC -> EXIT; the power method is
    CONV_CHECK -> EXIT, or SPMV -> NRM2 -> SCALE -> CONV_CHECK. Each step sets next_state
    and starts its work; the work's end (the stencil's or allreduce's callback, or SCALE
    itself) calls f_trigger_state_machine, which moves to next_state and activates STATE."""
    blas_lib = p.import_module(blas)
    math_lib = p.import_module("<math>")
    n = p.var("n", pw.i16, 1)                 # size of the local vector
    max_ite = p.var("max_ite", pw.i16, 1)
    k = p.var("k", pw.i16, 1)
    cur_state = p.var("cur_state", pw.i16, 1)
    next_state = p.var("next_state", pw.i16, 1)

    def f_trigger_state_machine():
        cur_state[0] = next_state[0]          # go to the next state
        pw.activate(f_state)

    sys_mod, reduce_mod, stencil_mod = import_modules(
        p, memcpyParams=memcpyParams, reduceParams=reduceParams,
        stencilParams=stencilParams, BLOCK_SIZE=BLOCK_SIZE,
        f_callback=f_trigger_state_machine)
    s = declare_state(p, MAX_ZDIM)
    x, y, dot, nrm2, inv_nrm2 = s["x"], s["y"], s["dot"], s["nrm2"], s["inv_nrm2"]
    stencil_coeff = s["stencil_coeff"]
    export_timers(p, sys_mod, reduce_mod, s)

    @p.export
    def f_sync():
        cur_state[0] = STATE_SYNC
        pw.activate(f_state)

    @p.export
    def f_power(size: pw.i16, max_ite_val: pw.i16):
        n[0] = size
        max_ite[0] = max_ite_val
        k[0] = 0
        cur_state[0] = STATE_CONV_CHECK
        pw.activate(f_state)

    def f_spmv():
        stencil_mod.spmv(n[0], stencil_coeff, x, y)

    def f_nrm2_y():
        nrm2[0] = blas_lib.nrm2(n[0], y)      # |y|_2 locally
        reduce_mod.allreduce_nrm2(nrm2)       # over all PEs

    def f_scale_x_by_nrm2():
        inv_nrm2[0] = math_lib.inv(nrm2[0])
        for row in range(n[0]):
            yreg = y[row]
            x[row] = yreg * inv_nrm2[0]
        k[0] = k[0] + 1                       # the last operation of an iteration
        f_trigger_state_machine()

    @p.local_task(STATE)
    def f_state():
        state = cur_state[0]
        if state == STATE_SYNC:
            next_state[0] = STATE_EXIT        # sync all PEs with allreduce
            reduce_mod.allreduce(1, dot, reduce_mod.TYPE_BINARY_OP.ADD)
        elif state == STATE_CONV_CHECK:
            if k[0] < max_ite[0]:
                next_state[0] = STATE_SPMV
            else:
                next_state[0] = STATE_EXIT
            f_trigger_state_machine()
        elif state == STATE_SPMV:
            next_state[0] = STATE_NRM2
            f_spmv()                          # y = A x
        elif state == STATE_NRM2:
            next_state[0] = STATE_SCALE
            f_nrm2_y()                        # |y|_2
        elif state == STATE_SCALE:
            next_state[0] = STATE_CONV_CHECK
            f_scale_x_by_nrm2()               # x = y / |y|_2
        elif state == STATE_EXIT:
            sys_mod.unblock_cmd_stream()
        else:
            # CSL's @assert(false), ignored by the hardware, which goes on to unblock
            assert False, "unknown state"  # noqa: B011 (a task body: CSL's @assert)


# -- the host: run.py and device_run.py ----------------------------------------------------------

COEFFS = (-1, -2, -3, -4, -5, -6, 6)     # west, east, south, north, bottom, top, center


def hwl_2_oned_colmajor(A_hwl: np.ndarray) -> np.ndarray:
    """A[height][width][l] as one column-major vector (height varies fastest)."""
    return np.ascontiguousarray(A_hwl.transpose(2, 1, 0)).ravel()


def oned_to_hwl_colmajor(A_1d: np.ndarray, height: int, width: int, l: int) -> np.ndarray:
    return A_1d.reshape(height, width, l, order="F")


def stencil_matrix(coeff: np.ndarray, zDim: int) -> np.ndarray:
    """The dense matrix of the 7-point stencil (util.py's csr_7_pt_stencil) on the
    column-major vector of a height x width x zDim grid, in f32 as the original's."""
    height, width, _ = coeff.shape

    def idx(i, j, k):
        return i + j * height + k * height * width

    N = height * width * zDim
    A = np.zeros((N, N), np.float32)
    for i in range(height):
        for j in range(width):
            c = coeff[i, j]
            for k in range(zDim):
                row = idx(i, j, k)
                A[row, row] = c[6]
                for ok, col, cc in ((j > 0, (i, j - 1, k), c[0]),
                                    (j < width - 1, (i, j + 1, k), c[1]),
                                    (i > 0, (i - 1, j, k), c[3]),
                                    (i < height - 1, (i + 1, j, k), c[2]),
                                    (k > 0, (i, j, k - 1), c[4]),
                                    (k < zDim - 1, (i, j, k + 1), c[5])):
                    if ok:
                        A[row, idx(*col)] = cc
    return A


def power_method(A: np.ndarray, x0: np.ndarray, max_ite: int) -> np.ndarray:
    """power_method.py: x = x0 / |x0|_2, then max_ite times y = A x, x = y / |y|_2."""
    x = x0 / np.linalg.norm(x0, 2)
    prev_mu = 0.0
    for i in range(max_ite):
        y = A.dot(x)
        mu = np.dot(x, y)
        print(f"i = {i}, mu = {mu}, |prev_mu - mu| = {abs(mu - prev_mu)}")
        x = y / np.linalg.norm(y, 2)
        prev_mu = mu
    return x


def timing_analysis(time_memcpy: np.ndarray, time_ref: np.ndarray) -> int:
    """run.py's figures: start and end stamps shifted by the reference clock (less the
    propagation delay from the bottom-right PE), cycles from the first start to the last
    end."""
    height, width, _ = time_ref.shape
    start = make_u48(time_memcpy[..., 0:3].astype(np.int64))
    end = make_u48(time_memcpy[..., 3:6].astype(np.int64))
    ref = make_u48(time_ref.astype(np.int64))
    py, px = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    ref = ref - ((width + height - 2) - (px + py))
    cycles_send = (end - ref).max() - (start - ref).min()
    print(f"cycles_send = {cycles_send} cycles")
    print(f"time_send = {(cycles_send / 0.85) * 1.0e-3} us")
    return int(cycles_send)


def run(name: str, zDim: int, max_ite: int, jit: bool | None = None) -> np.ndarray:
    """The host side of run.py (kernel) or device_run.py (kernel_power, found by its
    `f_power`) on the compile output directory `name`; returns x from the device."""
    with open(Path(name) / "out.json", encoding="utf-8") as json_file:
        params = json.load(json_file)["params"]
    width, height, pe_length = (int(params[k]) for k in ("width", "height", "MAX_ZDIM"))
    print(f"width={width}, height={height}, pe_length={pe_length}, zDim={zDim}")
    print(f"max_ite = {max_ite}")
    assert pe_length >= 2, "the maximum size of z must be greater than 1"
    assert zDim <= pe_length, "[0, zDim) cannot exceed the storage"

    x = np.arange(height * width * zDim).reshape(height, width, zDim).astype(np.float32) + 100
    x_1d = hwl_2_oned_colmajor(x)
    x_1d = x_1d / np.linalg.norm(x_1d.ravel(), 2)       # |x0|_2 = 1
    stencil_coeff = np.broadcast_to(np.array(COEFFS, np.float32), (height, width, 7))
    A = stencil_matrix(stencil_coeff, zDim)
    xf_1d = power_method(A, x_1d, max_ite)

    opts = dict(streaming=False, order=MemcpyOrder.COL_MAJOR)
    f32, u16 = MemcpyDataType.MEMCPY_32BIT, MemcpyDataType.MEMCPY_16BIT
    runner = SdkRuntime(name, jit=jit)
    device = "f_power" in runner.artifacts.images[0].exports
    symbol_x = runner.get_id("x")
    runner.load()
    runner.run()
    print("copy vector x of type f32")
    runner.memcpy_h2d(symbol_x, x_1d, 0, 0, width, height, zDim, **opts, data_type=f32,
                      nonblock=True)
    print("copy 7 coefficients of type f32")
    runner.memcpy_h2d(runner.get_id("stencil_coeff"), hwl_2_oned_colmajor(stencil_coeff),
                      0, 0, width, height, 7, **opts, data_type=f32, nonblock=True)
    print("step 0: enable timer")
    runner.launch("f_enable_timer", nonblock=False)
    print("step 1: sync all PEs")
    if device:
        runner.launch("f_sync", nonblock=False)
    else:
        runner.launch("f_sync", np.int16(1), nonblock=False)
    print("step 2: copy reference clock from reduce module to the kernel")
    runner.launch("f_reference_timestamps", nonblock=False)
    print("step 3: tic() records time_start")
    runner.launch("f_tic", nonblock=True)
    print(f"step 4: power method with max_ite = {max_ite}, zDim = {zDim}")
    if device:
        runner.launch("f_power", np.int16(zDim), np.int16(max_ite), nonblock=False)
    else:
        for _ in range(max_ite):
            runner.launch("f_spmv", np.int16(zDim), nonblock=False)             # y = A x
            runner.launch("f_nrm2_y", np.int16(zDim), nonblock=False)           # |y|_2
            runner.launch("f_scale_x_by_nrm2", np.int16(zDim), nonblock=False)  # x = y/|y|
    print("step 5: toc() records time_end")
    runner.launch("f_toc", nonblock=False)
    print("step 6: prepare (time_start, time_end)")
    runner.launch("f_memcpy_timestamps", nonblock=False)
    print("step 7: D2H (time_start, time_end)")
    time_memcpy_1d = np.zeros(height * width * 6, np.uint32)
    runner.memcpy_d2h(time_memcpy_1d, runner.get_id("time_buf_u16"), 0, 0, width, height, 6,
                      **opts, data_type=u16, nonblock=False)
    print("step 8: D2H reference clock")
    time_ref_1d = np.zeros(height * width * 3, np.uint32)
    runner.memcpy_d2h(time_ref_1d, runner.get_id("time_ref"), 0, 0, width, height, 3,
                      **opts, data_type=u16, nonblock=False)
    print("step 9: D2H x[zDim]")
    xf_wse_1d = np.zeros(height * width * zDim, np.float32)
    runner.memcpy_d2h(xf_wse_1d, symbol_x, 0, 0, width, height, zDim, **opts, data_type=f32,
                      nonblock=False)
    runner.stop()

    timing_analysis(oned_to_hwl_colmajor(time_memcpy_1d & 0xFFFF, height, width, 6),
                    oned_to_hwl_colmajor(time_ref_1d & 0xFFFF, height, width, 3))
    print(f"|xf|_2 = {np.linalg.norm(xf_wse_1d, 2)}")
    print(f"|xf_ref - xf_wse| = {np.linalg.norm(xf_1d - xf_wse_1d, np.inf)}")
    np.testing.assert_allclose(xf_1d, xf_wse_1d, 1.0e-5)     # run.py's check
    print("\nSUCCESS!")
    mu = np.dot(xf_1d, A.dot(xf_1d))
    print(f"Approximated largest eigenvalue <xf, A*xf> = {mu}")
    print(f"Exact largest eigenvalue = {np.abs(np.linalg.eigvals(A)).max()}")
    return xf_wse_1d


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    step = parser.add_mutually_exclusive_group()
    step.add_argument("--name", help="run on this `pywse compile` output directory")
    step.add_argument("--arch", default="wse3", choices=["wse2", "wse3"],
                      help="compile for this arch into a temporary directory, then run")
    parser.add_argument("--no-jit", action="store_true", help="run task bodies as plain Python")
    parser.add_argument("-m", type=int, default=5, help="rows (height), without --name")
    parser.add_argument("-n", type=int, default=5, help="columns (width), without --name")
    parser.add_argument("-k", type=int, default=5, help="MAX_ZDIM, without --name")
    parser.add_argument("--blockSize", type=int, default=2, help="BLOCK_SIZE, without --name")
    parser.add_argument("--zDim", type=int, default=5, help="values per PE in y = A x")
    parser.add_argument("--max-ite", type=int, default=1, help="power iterations")
    parser.add_argument("--device", action="store_true",
                        help="kernel_power (device_run.py): one f_power launch, without --name")
    args = parser.parse_args(argv)
    jit = False if args.no_jit else None    # None: the compile's choice, then PYWSE_JIT

    if args.name:
        run(args.name, args.zDim, args.max_ite, jit)
        return
    params = dict(width=args.n, height=args.m, MAX_ZDIM=args.k, BLOCK_SIZE=args.blockSize,
                  **{f"C{i}_ID": i for i in range(9)})
    with tempfile.TemporaryDirectory(prefix="pywse-power-method-") as out:
        # run.py's smallest fabric: 4 columns west of the core (memcpy), 3 east, 1 row each side
        fabric_dims = (4 + args.n + 3, 1 + args.m + 1)
        pw.compile(layout_power if args.device else layout, arch=args.arch,
                   fabric_dims=fabric_dims, fabric_offsets=(4, 1), memcpy=True, channels=1,
                   params=params, out_dir=out)
        run(out, args.zDim, args.max_ite, jit)


if __name__ == "__main__":
    main()
