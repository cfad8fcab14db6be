"""Copy-mode memcpy: regions, orders, data types, broadcasts, handles, launch args, errors."""
import numpy as np
import pytest

import pywse as pw
from progs import memory_prog
from pywse import MemcpyDataType as DT
from pywse import MemcpyOrder as ORD
from pywse.sdk_utils import input_array_to_u32, memcpy_view

W, H = 4, 3


@pytest.fixture(scope="module")
def artifacts():
    layout = pw.Layout(W, H)
    mc = layout.memcpy()
    for x in range(W):
        for y in range(H):
            layout.set_tile_code(x, y, memory_prog, memcpy_params=mc.get_params(x))
    return pw.compile(layout, arch="wse3", fabric_dims=(W + 7, H + 2))


@pytest.fixture
def runner(artifacts):
    r = pw.SdkRuntime(artifacts, jit=False)
    r.load()
    r.run()
    yield r
    r.stop()


def pe_values(r, name, dtype):
    """symbol `name` of every PE as an (H, W, n) array, read through read_symbol."""
    ox, oy = r.artifacts.fabric_offsets
    return np.array([[r.read_symbol(ox + x, oy + y, name, dtype=dtype) for x in range(W)]
                     for y in range(H)])


@pytest.mark.parametrize("order", [ORD.ROW_MAJOR, ORD.COL_MAJOR])
def test_h2d_d2h_subrectangle_orders_32bit(runner, order):
    px, py, w, h, l = 1, 1, 3, 2, 5
    src = np.arange(w * h * l, dtype=np.uint32) + 100
    sym = runner.get_id("w32")
    runner.memcpy_h2d(sym, src, px, py, w, h, l, streaming=False, data_type=DT.MEMCPY_32BIT,
                      order=order, nonblock=False)
    tensor = src.reshape((h, w, l), order="C" if order is ORD.ROW_MAJOR else "F")
    dev = pe_values(runner, "w32", np.uint32)
    np.testing.assert_array_equal(dev[py:py + h, px:px + w, :l], tensor)
    assert not dev[0].any() and not dev[:, 0].any()        # outside the region untouched
    back = np.zeros_like(src)
    runner.memcpy_d2h(back, sym, px, py, w, h, l, streaming=False, data_type=DT.MEMCPY_32BIT,
                      order=order, nonblock=False)
    np.testing.assert_array_equal(back, src)


def test_col_major_is_fortran_order_of_hwl(runner):
    h, w, l = H, W, 2
    A = np.arange(h * w * l, dtype=np.float32).reshape(h, w, l)
    runner.memcpy_h2d(runner.get_id("f32s"), A.ravel(order="F"), 0, 0, w, h, l,
                      order=ORD.COL_MAJOR)
    np.testing.assert_array_equal(pe_values(runner, "f32s", np.float32)[:, :, :l], A)


def test_16bit_zero_extends_and_strips(runner):
    vals = np.array([1, 65535, 32768, 7], np.uint16)
    words = input_array_to_u32(vals, None, 1)
    words[1] |= 0xABCD0000                                    # upper halves are dropped, with a warning
    sym = runner.get_id("w16")
    with pytest.warns(pw.MemcpyWarning, match=r"1 of 4 value\(s\) for 16-bit symbol 'w16'"):
        runner.memcpy_h2d(sym, words, 0, 0, 1, 1, 4, data_type=DT.MEMCPY_16BIT)
    assert runner.read_symbol(4, 1, "w16", dtype=np.uint16)[:4].tolist() == vals.tolist()
    out = np.full(4, 0xFFFFFFFF, np.uint32)
    runner.memcpy_d2h(out, sym, 0, 0, 1, 1, 4, data_type=DT.MEMCPY_16BIT)
    assert out.tolist() == vals.astype(np.uint32).tolist()
    assert memcpy_view(out, np.uint16).tolist() == vals.tolist()


def test_memcpy_view_keeps_the_shape_and_writes_through():
    """As the SDK's: fft-3d's run.py fills X[i][j][k] of an f16 view of a 3-D container."""
    words = np.zeros((2, 3, 4), np.uint32)
    view = memcpy_view(words, np.dtype(np.float16))
    assert view.shape == (2, 3, 4) and view.dtype == np.float16
    view[1][2][3] = 1.5
    assert words[1, 2, 3] == np.float16(1.5).view(np.uint16) and words.sum() == words[1, 2, 3]
    words[0, 1, 2] = 0xABCD0007                                   # the high half is not seen
    assert memcpy_view(words, np.uint16)[0, 1, 2] == 7
    assert memcpy_view(words, np.float32).shape == (2, 3, 4)


def test_row_and_col_broadcast(runner):
    l = 2
    col = np.arange(H * l, dtype=np.uint32)                   # one column: H x l
    runner.memcpy_h2d_rowbcast(runner.get_id("w32"), col, 0, 0, W, H, l)
    dev = pe_values(runner, "w32", np.uint32)[:, :, :l]
    np.testing.assert_array_equal(dev, np.repeat(col.reshape(H, 1, l), W, axis=1))
    row = np.arange(W * l, dtype=np.uint32) + 50              # one row: W x l
    runner.memcpy_h2d_colbcast(runner.get_id("w32"), row, 0, 0, W, H, l)
    dev = pe_values(runner, "w32", np.uint32)[:, :, :l]
    np.testing.assert_array_equal(dev, np.repeat(row.reshape(1, W, l), H, axis=0))


def test_nonblock_handles_run_in_order(runner):
    sym = runner.get_id("w32")
    src = np.arange(W * H, dtype=np.uint32)
    h1 = runner.memcpy_h2d(sym, src, 0, 0, W, H, 1, nonblock=True)
    h2 = runner.launch("noop", nonblock=True)
    out = np.zeros_like(src)
    h3 = runner.memcpy_d2h(out, sym, 0, 0, W, H, 1, nonblock=True)
    runner.task_wait(h3)
    assert runner.is_task_done(h1) and h2.done() and h3.done()
    np.testing.assert_array_equal(out, src)


def test_launch_args_and_call(runner):
    runner.launch("with_args", np.int16(-5), np.uint16(60000), np.float32(7.9))
    assert runner.read_symbol(4, 1, "args", dtype=np.int32).tolist() == [-5, 60000, 7]
    runner.call("with_args", [3, 4, 1.0], nonblock=False)
    assert runner.read_symbol(5, 2, "args", dtype=np.int32).tolist() == [3, 4, 1]


BAD_CALLS = [
    ("wrong length", lambda r, s: r.memcpy_h2d(s, np.zeros(5, np.uint32), 0, 0, 1, 1, 4),
     "has 5 elements"),
    ("wrong dtype", lambda r, s: r.memcpy_h2d(s, np.zeros(4, np.float64), 0, 0, 1, 1, 4),
     "4-byte elements"),
    ("16-bit host array", lambda r, s: r.memcpy_h2d(s, np.zeros(4, np.uint16), 0, 0, 1, 1, 4),
     "4-byte elements"),
    ("outside kernel", lambda r, s: r.memcpy_h2d(s, np.zeros(8, np.uint32), 3, 0, 2, 1, 4),
     "outside the 4x3 kernel"),
    ("too many elems", lambda r, s: r.memcpy_h2d(s, np.zeros(9, np.uint32), 0, 0, 1, 1, 9),
     "holds 8 elements"),
    ("width mismatch", lambda r, s: r.memcpy_h2d(s, np.zeros(4, np.uint32), 0, 0, 1, 1, 4,
                                                  data_type=DT.MEMCPY_16BIT), "MEMCPY_32BIT"),
    ("unknown symbol id", lambda r, s: r.memcpy_h2d(99, np.zeros(4, np.uint32), 0, 0, 1, 1, 4),
     "not a symbol id"),
    ("unknown function", lambda r, s: r.launch("nope"), "exports no function 'nope'"),
    ("too few args", lambda r, s: r.launch("with_args", 1), "takes 3 argument"),
    ("arg out of range", lambda r, s: r.launch("with_args", 1, -1, 1.0), "fits u16"),
    ("float for int", lambda r, s: r.launch("with_args", 1.5, 1, 1.0), "fits i16"),
    ("bad order", lambda r, s: r.memcpy_h2d(s, np.zeros(4, np.uint32), 0, 0, 1, 1, 4,
                                             order="C"), "MemcpyOrder"),
    ("readonly dest", lambda r, s: r.memcpy_d2h(np.zeros(4, np.uint32)[::-1], s, 0, 0, 1, 1, 4),
     "C-contiguous"),
]


@pytest.mark.parametrize("case", BAD_CALLS, ids=[c[0] for c in BAD_CALLS])
def test_bad_calls_raise_and_write_nothing(runner, case):
    _, call, message = case
    sym = runner.get_id("w32")
    before = runner.engine.st.arena.copy()
    with pytest.raises(pw.MemcpyError, match=message):
        call(runner, sym)
    np.testing.assert_array_equal(runner.engine.st.arena, before)


def test_symbol_errors(runner):
    with pytest.raises(pw.MemcpyError, match="no PE exports a symbol 'zzz'"):
        runner.get_id("zzz")
    with pytest.raises(pw.MemcpyError, match="is not exported"):
        runner.memcpy_h2d("hidden", np.zeros(1, np.uint32), 0, 0, 1, 1, 1)
    with pytest.raises(pw.MemcpyError, match="fabric coordinates"):
        runner.read_symbol(0, 0, "w32")


def test_commands_before_run_are_refused(artifacts):
    r = pw.SdkRuntime(artifacts)
    with pytest.raises(pw.MemcpyError, match="load"):
        r.launch("noop")


@pw.program
def typed_args_prog(p, *, memcpy_params):
    """go(...) stores its arguments' raw bits, one u32 each (floats through a bit cast)."""
    sys = p.memcpy(memcpy_params)
    got = p.var("got", pw.u32, 6, export=True)
    f = p.var("f", pw.f32, 1)
    got_4 = pw.mem1d(got, extent=1, offset=4)

    @p.export
    def go(a: pw.i16, b: pw.u16, c: pw.i32, d: pw.u32, e: pw.f32, h: pw.f16):
        got[0] = a
        got[1] = b
        got[2] = c
        got[3] = d
        f[0] = e + h
        pw.mov32(got_4, f)   # f's bits
        got[5] = 1
        sys.unblock_cmd_stream()


def test_launch_args_of_every_type_in_both_modes(jit):
    layout = pw.Layout(2, 1)
    mc = layout.memcpy()
    for x in range(2):
        layout.set_tile_code(x, 0, typed_args_prog, memcpy_params=mc.get_params(x))
    r = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=jit)
    r.load()
    r.run()
    r.launch("go", np.int16(-5), np.uint16(60000), np.int32(-2_000_000_000),
             np.uint32(4_000_000_000), np.float32(1.5), np.float16(0.25))
    out = np.zeros(12, np.uint32)
    r.memcpy_d2h(out, r.get_id("got"), 0, 0, 2, 1, 6)
    r.stop()
    want = [np.uint32(np.int32(-5)), 60000, np.uint32(np.int32(-2_000_000_000)), 4_000_000_000,
            np.float32(1.75).view(np.uint32), 1]
    assert out.reshape(2, 6).tolist() == [want, want]


def test_nonblocking_h2d_keeps_its_own_copy(runner):
    """The host may reuse its array once a nonblocking memcpy_h2d is issued."""
    sym = runner.get_id("w32")
    src = np.arange(W * H, dtype=np.uint32)
    runner.launch("noop", nonblock=True)
    handle = runner.memcpy_h2d(sym, src, 0, 0, W, H, 1, nonblock=True)
    src[:] = 0
    runner.task_wait(handle)
    out = np.zeros_like(src)
    runner.memcpy_d2h(out, sym, 0, 0, W, H, 1)
    np.testing.assert_array_equal(out, np.arange(W * H, dtype=np.uint32))
