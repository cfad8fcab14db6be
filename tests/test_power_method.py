"""examples/power_method.py beyond its one-run default (tests/test_examples.py): the
device-side state machine (kernel_power.csl, `f_power`) against the host-launched steps
(kernel.csl), and blas.csl's local nrm2 where plain squares would overflow f32."""
import sys
from pathlib import Path

import numpy as np
import pytest

import pywse as pw

sys.path.insert(0, str(Path(__file__).parent.parent / "examples"))
import power_method as pm  # noqa: E402


def compile_run(tmp_path, layout, arch, jit, m, n, k, zDim, max_ite):
    out = tmp_path / f"out-{layout.__name__}-{arch}"
    params = dict(width=n, height=m, MAX_ZDIM=k, BLOCK_SIZE=2,
                  **{f"C{i}_ID": i for i in range(9)})
    pw.compile(layout, arch=arch, fabric_dims=(n + 7, m + 2), fabric_offsets=(4, 1),
               memcpy=True, channels=1, params=params, out_dir=str(out))
    return pm.run(str(out), zDim, max_ite, jit)      # asserts run.py's rtol 1e-5 itself


@pytest.mark.slow
@pytest.mark.parametrize("arch", ["wse3", "wse2"])
def test_state_machine_matches_the_host_launched_steps(tmp_path, arch, jit, capsys):
    """Three iterations on 3x2 PEs, zDim 4 of MAX_ZDIM 6 (the unused tail stays out): the
    state machine runs the same ops in the same order as the host's launches, so x is
    bit-identical, and both match the host's power method."""
    host = compile_run(tmp_path, pm.layout, arch, jit, 2, 3, 6, 4, 3)
    device = compile_run(tmp_path, pm.layout_power, arch, jit, 2, 3, 6, 4, 3)
    np.testing.assert_array_equal(device, host)
    assert capsys.readouterr().out.count("SUCCESS") == 2


@pw.program
def nrm2_driver(p, *, memcpy_params, n: int):
    sys_mod = p.memcpy(memcpy_params)
    blas_lib = p.import_module(pm.blas)
    y = p.var("y", pw.f32, n, export=True)
    out = p.var("out", pw.f32, 1, export=True)

    @p.export
    def f_nrm2(size: pw.i16):
        out[0] = blas_lib.nrm2(size, y)
        sys_mod.unblock_cmd_stream()


@pytest.mark.parametrize("scale", [1e25, 1.0, 1e-30, 0.0])
def test_blas_nrm2_scales_before_squaring(jit, scale):
    """|y|_2 of 5 values of y[0:4] near `scale`: 1e25 squared overflows f32 and 1e-30
    squared underflows to 0, so only the power-of-two scaling gives the norm; y[4] (outside
    n) is huge and must not count."""
    layout = pw.Layout(1, 1)
    memcpy = layout.memcpy()
    layout.set_tile_code(0, 0, nrm2_driver, memcpy_params=memcpy.get_params(0), n=5)
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit)
    runner.load()
    runner.run()
    y = np.append(np.array([3.0, -4.0, 12.0, 0.5]) * scale, 3e38).astype(np.float32)
    opts = dict(streaming=False, order=pw.MemcpyOrder.ROW_MAJOR,
                data_type=pw.MemcpyDataType.MEMCPY_32BIT, nonblock=False)
    runner.memcpy_h2d(runner.get_id("y"), y, 0, 0, 1, 1, 5, **opts)
    runner.launch("f_nrm2", np.int16(4), nonblock=False)
    got = np.zeros(1, np.float32)
    runner.memcpy_d2h(got, runner.get_id("out"), 0, 0, 1, 1, 1, **opts)
    runner.stop()
    want = np.sqrt((y[:4].astype(np.float64) ** 2).sum())
    assert want > 0 or scale == 0.0
    np.testing.assert_allclose(got[0], want, rtol=1e-6)
