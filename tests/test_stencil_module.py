"""The benchmark-libs stencil_3d_7pts module (examples/benchmark_libs/stencil_3d_7pts.py):
a driver kernel imports it as benchmarks/power-method's kernel.csl does, and spmv's y is
compared with a numpy 7-point operator with the original's zero boundary, on wse2 and wse3."""
import sys
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder, SdkRuntime

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
from benchmark_libs.stencil_3d_7pts import stencil, stencil_layout  # noqa: E402

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

EN_STENCIL = (14, 15, 16)       # power-method's entrypoints of the module's three tasks


@pw.program
def stencil_driver(p, *, memcpyParams, stencilParams: dict, MAX_ZDIM: int, BLOCK_SIZE: int):
    """kernel.csl's stencil half: x, y and the coefficients, and f_spmv(n) calling spmv."""
    sys_mod = p.memcpy(memcpyParams)
    stencil_mod = p.import_module(
        stencil, **stencilParams, f_callback=sys_mod.unblock_cmd_stream,
        input_queues=(4, 5, 6, 7),
        output_queues=(4, 5, 6, 7) if p.arch == "wse3" else (3,), output_ut_id=3,
        BLOCK_SIZE=BLOCK_SIZE, dest_dsr_ids=(2, 3), src0_dsr_ids=(2,), src1_dsr_ids=(2, 3))
    x = p.var("x", pw.f32, MAX_ZDIM, export=True)
    y = p.var("y", pw.f32, MAX_ZDIM, export=True)
    stencil_coeff = p.var("stencil_coeff", pw.f32, 7, export=True)

    @p.export
    def f_spmv(n: pw.i16):
        stencil_mod.spmv(n, stencil_coeff, x, y)


def driver_layout(width: int, height: int, MAX_ZDIM: int, BLOCK_SIZE: int) -> pw.Layout:
    """power-method's layout.csl, the stencil's part (colors 0..7)."""
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    get_params = stencil_layout([pw.Color(c) for c in range(8)], EN_STENCIL, width, height)
    for py in range(height):
        for px in range(width):
            lay.set_tile_code(px, py, stencil_driver, memcpyParams=memcpy.get_params(px),
                              stencilParams=get_params(px, py), MAX_ZDIM=MAX_ZDIM,
                              BLOCK_SIZE=BLOCK_SIZE)
    return lay


def reference(x: np.ndarray, coeff: np.ndarray) -> np.ndarray:
    """The 7-point operator on x[height, width, zDim] with zero outside the grid, in f64;
    coeff[py, px] = (west, east, south, north, bottom, top, center) of each PE."""
    xp = np.pad(x.astype(np.float64), 1)        # a zero halo on every side
    c = coeff.astype(np.float64)
    inner = xp[1:-1, 1:-1, 1:-1]
    return (c[..., 0:1] * xp[1:-1, :-2, 1:-1] + c[..., 1:2] * xp[1:-1, 2:, 1:-1]
            + c[..., 2:3] * xp[2:, 1:-1, 1:-1] + c[..., 3:4] * xp[:-2, 1:-1, 1:-1]
            + c[..., 4:5] * xp[1:-1, 1:-1, :-2] + c[..., 5:6] * xp[1:-1, 1:-1, 2:]
            + c[..., 6:7] * inner)


def run_spmv(tmp_path, arch: str, jit: bool, width: int, height: int, zDim: int,
             BLOCK_SIZE: int, calls: int = 1, seed: int = 0):
    """Compile the driver, copy x and per-PE coefficients in, run f_spmv `calls` times
    (the same x each time: a second call must reset what the first left), return y and the
    reference."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (height, width, zDim)).astype(np.float32)
    coeff = rng.uniform(-1, 1, (height, width, 7)).astype(np.float32)
    out = tmp_path / f"out-{arch}"
    pw.compile(driver_layout, arch=arch, fabric_dims=(width + 7, height + 2),
               fabric_offsets=(4, 1), memcpy=True, channels=1, out_dir=str(out),
               params=dict(width=width, height=height, MAX_ZDIM=zDim, BLOCK_SIZE=BLOCK_SIZE))
    opts = dict(streaming=False, data_type=MemcpyDataType.MEMCPY_32BIT,
                order=MemcpyOrder.ROW_MAJOR, nonblock=False)
    runner = SdkRuntime(str(out), jit=jit)
    runner.load()
    runner.run()
    runner.memcpy_h2d(runner.get_id("x"), x.ravel(), 0, 0, width, height, zDim, **opts)
    runner.memcpy_h2d(runner.get_id("stencil_coeff"), coeff.ravel(), 0, 0, width, height, 7,
                      **opts)
    for _ in range(calls):
        runner.launch("f_spmv", np.int16(zDim), nonblock=False)
    y = np.zeros(height * width * zDim, np.float32)
    runner.memcpy_d2h(y, runner.get_id("y"), 0, 0, width, height, zDim, **opts)
    runner.stop()
    return y.reshape(height, width, zDim), reference(x, coeff)


# seven products of numbers in [-1, 1) summed in f32: a few ulps of 7
ATOL, RTOL = 1e-5, 1e-5


@pytest.mark.parametrize("arch", ["wse3", "wse2"])
@pytest.mark.parametrize("width, height", [(3, 3), (4, 2)])
def test_spmv_matches_the_7_point_operator(tmp_path, arch, jit, width, height):
    """zDim 5 in blocks of 2 (2, 2, then a shorter 1): every edge and corner PE, both
    checkerboard parities, and the last block's cut DSDs."""
    y, want = run_spmv(tmp_path, arch, jit, width, height, zDim=5, BLOCK_SIZE=2)
    np.testing.assert_allclose(y, want, atol=ATOL, rtol=RTOL)


def test_spmv_twice_resets_y_and_the_block_length(tmp_path, jit):
    """A second call starts from a last block shorter than BLOCK_SIZE (5 = 2 + 2 + 1): spmv
    must cut every DSD back to the full block and zero y first."""
    y, want = run_spmv(tmp_path, "wse3", jit, 3, 2, zDim=5, BLOCK_SIZE=2, calls=2)
    np.testing.assert_allclose(y, want, atol=ATOL, rtol=RTOL)


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["wse3", "wse2"])
def test_spmv_bigger_grid(tmp_path, arch, jit):
    """power-method's sizes and more: 6x5 PEs, zDim 11 in blocks of 4 (4, 4, 3)."""
    y, want = run_spmv(tmp_path, arch, jit, 6, 5, zDim=11, BLOCK_SIZE=4, seed=1)
    np.testing.assert_allclose(y, want, atol=ATOL, rtol=RTOL)
