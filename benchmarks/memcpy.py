"""memcpy: copy-mode memcpy_h2d + memcpy_d2h throughput, both orders, both data types.

Full size: 32 x 32 PEs holding 32 KiB each (8192 u32, or 16384 u16 with MEMCPY_16BIT):
32 MiB of device memory each way, 64 MiB per h2d + d2h. (16384 32-bit words = 64 KiB per
PE, as first asked, does not fit a PE's 48 KiB; 32 KiB is the largest power of two that
does.) Quick: 4 x 4 PEs, same bytes per PE.

Rate = device bytes / wall seconds of the blocking call. The CPU limit is np.copyto of the
same number of bytes, timed in this run (best of 5). With MEMCPY_16BIT the host array holds
one 32-bit word per 16-bit value (the SDK's convention), so the host touches twice the bytes
the device does; the figures count device bytes. A COL_MAJOR copy is a transpose (the host
has the PE index fastest, the device one PE's elements together): it is also set against
reference.transpose_words, a bare tiled transpose of the same words there and back.
"""
import time

import numpy as np

import pywse as pw
from pywse import MemcpyDataType, MemcpyOrder

from . import programs as P
from . import reference as R
from .common import best_of, best_seconds, ratio

SIZES = {False: {"grid": 32, "bytes_per_pe": 32768, "repeats": 2},
         True: {"grid": 4, "bytes_per_pe": 32768, "repeats": 1}}


def _runner(grid: int, words: int, dtype16: bool) -> pw.SdkRuntime:
    layout = pw.Layout(grid, grid)
    mc = layout.memcpy()
    for y in range(grid):
        for x in range(grid):
            layout.set_tile_code(x, y, P.store, memcpy_params=mc.get_params(x), words=words,
                                 dtype16=dtype16)
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"))
    runner.load()
    runner.run()
    return runner


def _round(runner, grid, words, dtype16, order, seed) -> dict:
    """One h2d then one d2h of the whole grid; checks the data came back unchanged."""
    sym = runner.get_id("w16" if dtype16 else "w32")
    dt = MemcpyDataType.MEMCPY_16BIT if dtype16 else MemcpyDataType.MEMCPY_32BIT
    n = grid * grid * words
    src = np.random.default_rng(seed).integers(0, 1 << (16 if dtype16 else 32), n, dtype=np.uint32)
    dst = np.full(n, 0xFFFFFFFF, np.uint32)   # pages touched, as np.copyto's are
    t0 = time.perf_counter()
    runner.memcpy_h2d(sym, src, 0, 0, grid, grid, words, data_type=dt, order=order)
    t1 = time.perf_counter()
    runner.memcpy_d2h(dst, sym, 0, 0, grid, grid, words, data_type=dt, order=order)
    t2 = time.perf_counter()
    if not np.array_equal(src, dst):
        raise AssertionError(f"memcpy round trip changed the data ({dt.name}, {order.name})")
    return {"s": t2 - t0, "h2d_s": t1 - t0, "d2h_s": t2 - t1}


def _copyto(nbytes: int) -> float:
    """Seconds for np.copyto of nbytes (best of 5, pages touched beforehand)."""
    src = np.random.default_rng(0).integers(0, 255, nbytes, dtype=np.uint8)
    dst = np.ones(nbytes, np.uint8)
    return best_seconds(5, np.copyto, dst, src)


def _measure(grid: int, per_pe: int, dtype16: bool, repeats: int, copy_rate: float):
    """Rows and ratios for one data type, both orders, on one loaded grid."""
    nbytes = grid * grid * per_pe
    words = per_pe // (2 if dtype16 else 4)
    label = "16-bit u16" if dtype16 else "32-bit u32"
    runner = _runner(grid, words, dtype16)
    rows, ratios = [], []
    for order in (MemcpyOrder.ROW_MAJOR, MemcpyOrder.COL_MAJOR):
        _round(runner, grid, words, dtype16, order, 0)               # warm up
        m = best_of(repeats, lambda order=order: _round(runner, grid, words, dtype16, order, 1))
        for direction, secs, k in (("h2d", m["h2d_s"], 1), ("d2h", m["d2h_s"], 1),
                                   ("h2d+d2h", m["s"], 2)):
            rate = k * nbytes / secs
            rows.append({"data": label, "order": order.name, "direction": direction,
                         "MiB": k * nbytes / 2**20, "seconds": secs, "bytes/s": rate,
                         "vs copyto": rate / copy_rate})
        ratios.append(ratio(f"memcpy {label} {order.name}: h2d+d2h / np.copyto",
                            2 * nbytes / m["s"] / copy_rate, 0.5))
    runner.stop()
    return rows, ratios


def run(quick: bool) -> dict:
    s = SIZES[quick]
    grid, per_pe = s["grid"], s["bytes_per_pe"]
    nbytes = grid * grid * per_pe                      # device bytes, each way
    copy_rate = nbytes / _copyto(nbytes)
    rows = [{"data": "np.copyto", "order": "", "direction": "one way", "MiB": nbytes / 2**20,
             "seconds": nbytes / copy_rate, "bytes/s": copy_rate, "vs copyto": 1.0}]
    ratios = []
    for dtype16 in (False, True):
        r, q = _measure(grid, per_pe, dtype16, s["repeats"], copy_rate)
        rows += r
        ratios += q
    transpose_rate = 2 * nbytes / R.time_transpose(nbytes // 4, grid * grid)
    rows.append({"data": "bare numba transpose", "order": "COL_MAJOR", "direction": "there and back",
                 "MiB": 2 * nbytes / 2**20, "seconds": 2 * nbytes / transpose_rate,
                 "bytes/s": transpose_rate, "vs copyto": transpose_rate / copy_rate})
    col32 = next(x for x in rows if x["data"] == "32-bit u32" and x["order"] == "COL_MAJOR"
                 and x["direction"] == "h2d+d2h")
    ratios.append(ratio("memcpy 32-bit u32 COL_MAJOR: h2d+d2h / bare numba transpose",
                        col32["bytes/s"] / transpose_rate, None))
    return {"params": {"pes": f"{grid}x{grid}", "bytes_per_pe": per_pe,
                       "MiB_each_way": nbytes / 2**20, "repeats": s["repeats"]},
            "rows": rows, "ratios": ratios,
            "notes": ["bytes/s counts device bytes; a 16-bit host array is twice as large"]}
