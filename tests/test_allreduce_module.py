"""The benchmark-libs allreduce module (examples/benchmark_libs/allreduce.py) on W x H
rectangles: allreduce(ADD), allreduce(MAX) and allreduce_nrm2 one after another on the same
PEs (the state machine restarts, C_ROUTE torn down between calls), every PE's result checked
against numpy, compiled and as plain Python."""
import numpy as np
import pytest

import pywse as pw
from examples.benchmark_libs import allreduce

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

N = 3   # wavelets per PE
NRM2 = 2


@pw.program
def kernel(p, *, memcpy_params, reduce_params, n: int):
    """A kernel as power-method's imports the module: queue 2, DSRs 1, memcpy's callback."""
    sys_mod = p.memcpy(memcpy_params)
    red = p.import_module(allreduce.pe, **reduce_params, f_callback=sys_mod.unblock_cmd_stream,
                          queues=[2], dest_dsr_ids=[1], src0_dsr_ids=[1], src1_dsr_ids=[1])
    x = p.var("x", pw.f32, n, export=True)
    nrm2 = NRM2

    @p.export
    def f_reduce(op: pw.u16):        # one export (one task to compile): ADD, MAX, or 2: nrm2
        if op == nrm2:
            red.allreduce_nrm2(x)
        elif op == red.TYPE_BINARY_OP.ADD:
            red.allreduce(n, x, red.TYPE_BINARY_OP.ADD)
        else:
            red.allreduce(n, x, red.TYPE_BINARY_OP.MAX)


def runtime(width: int, height: int, jit, arch: str = "wse3") -> pw.SdkRuntime:
    layout = pw.Layout(width, height)
    memcpy = layout.memcpy()
    get_params = allreduce.layout([pw.Color(8)], [17, 18, 19, 20], width, height)
    for y in range(height):
        for x in range(width):
            layout.set_tile_code(x, y, kernel, memcpy_params=memcpy.get_params(x),
                                 reduce_params=get_params(x, y), n=N)
    runner = pw.SdkRuntime(pw.compile(layout, arch=arch), jit=jit)
    runner.load()
    runner.run()
    return runner


def call(runner, op: int, data: np.ndarray) -> np.ndarray:
    """Copy `data` ([H, W, N]) into every PE's x, launch f_reduce(op), return every PE's x."""
    h, w, n = data.shape
    sym = runner.get_id("x")
    runner.memcpy_h2d(sym, data.ravel(), 0, 0, w, h, n, streaming=False,
                      order=pw.MemcpyOrder.ROW_MAJOR, data_type=pw.MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    runner.launch("f_reduce", np.uint16(op), nonblock=False)
    out = np.zeros(data.size, np.float32)
    runner.memcpy_d2h(out, sym, 0, 0, w, h, n, streaming=False,
                      order=pw.MemcpyOrder.ROW_MAJOR, data_type=pw.MemcpyDataType.MEMCPY_32BIT,
                      nonblock=False)
    return out.reshape(data.shape)


def check_all(width: int, height: int, jit, arch: str = "wse3", seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    runner = runtime(width, height, jit, arch)
    try:
        data = rng.standard_normal((height, width, N)).astype(np.float32)
        out = call(runner, allreduce.ADD, data)
        # a float sum in another order: relative error a few ulps per term
        np.testing.assert_allclose(out, np.broadcast_to(data.astype(np.float64).sum(
            axis=(0, 1)), out.shape), rtol=1e-5, atol=1e-6 * width * height)
        assert (out == out[-1, -1]).all()           # every PE got the broadcast bits

        data = rng.standard_normal((height, width, N)).astype(np.float32)
        out = call(runner, allreduce.MAX, data)
        assert (out == data.max(axis=(0, 1))).all()

        data = (rng.standard_normal((height, width, N)) * 1e20).astype(np.float32)
        out = call(runner, NRM2, data)
        norm = np.sqrt((data[:, :, 0].astype(np.float64) ** 2).sum())   # no overflow: scaled
        np.testing.assert_allclose(out[:, :, 0], norm, rtol=1e-5)
        assert (out[:, :, 1:] == data[:, :, 1:]).all()   # nrm2 touches x[0] only
    finally:
        runner.stop()


@pytest.mark.parametrize("width,height", [(1, 1), (1, 3), (3, 1), (3, 3), (4, 2)])
def test_allreduce(jit, width, height):
    check_all(width, height, jit)


def test_allreduce_on_wse2(jit):
    check_all(3, 2, jit, arch="wse2")


@pytest.mark.slow
@pytest.mark.parametrize("width,height", [(8, 6), (2, 9)])
def test_allreduce_bigger(jit, width, height):
    check_all(width, height, jit, seed=11)
