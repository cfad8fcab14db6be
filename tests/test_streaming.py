"""memcpy streaming mode: both orders, both data types, H2D and D2H, mixed with copy mode."""
import numpy as np
import pytest

import pywse as pw
from progs import echo
from pywse import MemcpyDataType as DT
from pywse import MemcpyOrder as ORD

W, H, L = 3, 2, 4


@pytest.fixture(scope="module")
def artifacts():
    layout = pw.Layout(W, H)
    mc = layout.memcpy(MEMCPYH2D_1=2, MEMCPYD2H_1=3)
    for x in range(W):
        for y in range(H):
            layout.set_tile_code(x, y, echo, memcpy_params=mc.get_params(x))
    return pw.compile(layout, arch="wse3", fabric_dims=(W + 7, H + 2))


def got_tensor(runner):
    """Every PE's `got` as an (H, W, L) array."""
    ox, oy = runner.artifacts.fabric_offsets
    return np.array([[runner.read_symbol(ox + x, oy + y, "got", dtype=np.uint32)
                      for x in range(W)] for y in range(H)])


@pytest.mark.parametrize("dtype", [DT.MEMCPY_32BIT, DT.MEMCPY_16BIT])
@pytest.mark.parametrize("order", [ORD.ROW_MAJOR, ORD.COL_MAJOR])
def test_stream_in_and_out(artifacts, jit, order, dtype):
    runner = pw.SdkRuntime(artifacts, jit=jit)
    runner.load()
    runner.run()
    words = np.random.default_rng(1).integers(0, 2**32, W * H * L, dtype=np.uint32)
    runner.memcpy_h2d(2, words, 0, 0, W, H, L, streaming=True, data_type=dtype, order=order,
                      nonblock=True)
    runner.launch("send_back")
    back = np.zeros_like(words)
    runner.memcpy_d2h(back, 3, 0, 0, W, H, L, streaming=True, data_type=dtype, order=order,
                      nonblock=False)
    runner.stop()
    # data_type only matters in copy mode: a streamed wavelet carries the whole 32-bit word
    # (16-bit kernels read its low half), so both types round-trip the words unchanged
    expected = words
    tensor = expected.reshape((H, W, L), order="C" if order is ORD.ROW_MAJOR else "F")
    np.testing.assert_array_equal(got_tensor(runner), tensor)
    np.testing.assert_array_equal(back, expected)


def test_d2h_issued_before_the_data_exists_waits_for_it(artifacts):
    """nonblock D2H first, then the H2D and the launch that produce its data."""
    runner = pw.SdkRuntime(artifacts, jit=False)
    runner.load()
    runner.run()
    words = np.arange(W * H * L, dtype=np.uint32)
    back = np.zeros_like(words)
    d2h = runner.memcpy_d2h(back, 3, 0, 0, W, H, L, streaming=True, nonblock=True)
    with pytest.raises(pw.DeadlockError, match="memcpy_d2h"):
        # memcpy runs commands in order: the D2H holds the stream, nothing feeds it
        runner.memcpy_h2d(2, words, 0, 0, W, H, L, streaming=True, nonblock=False)
    assert not runner.is_task_done(d2h)


def test_streaming_and_copy_commands_interleave(artifacts):
    runner = pw.SdkRuntime(artifacts, jit=False)
    runner.load()
    runner.run()
    first = np.arange(W * H * L, dtype=np.uint32)
    runner.memcpy_h2d(2, first, 0, 0, W, H, L, streaming=True, nonblock=True)
    copied = np.zeros_like(first)
    runner.memcpy_d2h(copied, runner.get_id("got"), 0, 0, W, H, L, streaming=False,
                      nonblock=False)
    np.testing.assert_array_equal(copied, first)   # the stream landed before the copy ran
    runner.stop()


def test_stream_into_a_subrectangle(artifacts):
    runner = pw.SdkRuntime(artifacts, jit=False)
    runner.load()
    runner.run()
    words = np.arange(2 * 1 * L, dtype=np.uint32) + 7
    runner.memcpy_h2d(2, words, 1, 1, 2, 1, L, streaming=True, nonblock=False)
    runner.stop()
    dev = got_tensor(runner)
    np.testing.assert_array_equal(dev[1, 1:], words.reshape(2, L))
    assert not dev[0].any() and not dev[:, 0].any()
