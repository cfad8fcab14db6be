"""Host streams through bounded rings (sim/rings.py): the same cycles and results with rings of
a word or a few as with rings that hold a whole stream; buffers that follow the PEs on the
stream, not the fabric; host arrays read and written in place."""
import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from progs import relay
from pywse.host import runcheck
from pywse.sdkruntime import (
    Edge,
    Route,
    RoutingPosition,
    SdkLayout,
    SdkRuntime,
    SdkTarget,
    SimfabConfig,
    get_platform,
)
from pywse.sim import rings

EXAMPLES = Path(__file__).parent.parent / "examples"
STREAMING = ["gemv_09_streaming", "pipeline_02_fifo", "topic_05_sentinels",
             "sdklayout/sdklayout_04_h2d_d2h", "sdklayout/sdklayout_05_gemv",
             "sdklayout/pipeline_regions", "sdklayout/allreduce"]
"""Examples that stream: memcpy H2D/D2H over rectangles of PEs, SdkLayout sends and receives."""


def load(name: str):
    """Import an example as a script would (its folder on sys.path: sdklayout-04 imports
    sdklayout-03's program)."""
    path = EXAMPLES / f"{name}.py"
    sys.path.insert(0, str(path.parent))
    try:
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


STOP = pw.SdkRuntime.stop


def recorded_run(name, jit, tmp_path, monkeypatch, capsys) -> tuple:
    """What the example's host commands filled, its cycle count and what it printed."""
    def recording_stop(self):
        STOP(self)
        runcheck.RECORDER.append(("cycles", np.array([self.cycles])))

    monkeypatch.setattr(pw.SdkRuntime, "stop", recording_stop)
    argv = ["--arch", "wse3"] + ([] if jit else ["--no-jit"])
    if name.startswith("sdklayout/"):
        argv += ["--out", str(tmp_path / "out")]
    runcheck.RECORDER = record = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pw.RoutingWarning)
            load(name).main(argv)
    finally:
        runcheck.RECORDER = None
    out = capsys.readouterr().out
    assert "SUCCESS" in out
    return [(label, a.tobytes()) for label, a in record], out


REFERENCE: dict = {}


@pytest.mark.parametrize("ring", [1, 3])
@pytest.mark.parametrize("name", STREAMING)
def test_tiny_rings_change_nothing(name, ring, jit, tmp_path, monkeypatch, capsys):
    """Rings of 1 or 3 words, refilled and drained all the time, against rings that hold
    every stream whole: the same results, cycle counts and printed output."""
    key = (name, jit)
    if key not in REFERENCE:
        monkeypatch.setattr(rings, "POOL_WORDS", 1 << 30)
        REFERENCE[key] = recorded_run(name, jit, tmp_path, monkeypatch, capsys)
    monkeypatch.setattr(rings, "POOL_WORDS", ring)
    monkeypatch.setattr(rings, "MIN_RING", ring)
    assert recorded_run(name, jit, tmp_path, monkeypatch, capsys) == REFERENCE[key]


def test_ring_lengths_and_placement():
    assert rings.ring_len(1, 10) == 10                 # a short stream: all of it
    assert rings.ring_len(1, 1 << 30) == rings.POOL_WORDS
    assert rings.ring_len(1 << 20, 1000) == rings.MIN_RING   # many PEs: the minimum each
    assert rings.ring_len(4, 0) == 1
    assert rings.place([], 5) == 0
    assert rings.place([(0, 4, 1), (10, 4, 1)], 6) == 4    # the gap between two
    assert rings.place([(0, 4, 1), (10, 4, 1)], 7) == 14   # past the last


# -- SdkLayout streams through one relay PE ---------------------------------------------------

@pw.program
def pump(p, *, chunk: int, chunks: int, rx: pw.Color, tx: pw.Color):
    """Passes `chunks` x `chunk` words from rx to tx, one DSD op per chunk."""
    inp = pw.fabin(rx, chunk, queue=p.input_queue(2, rx))
    out = pw.fabout(tx, chunk, queue=p.output_queue(2, tx))
    left = p.var("left", pw.u32, 1, init=[chunks])

    @p.on_start
    @p.local_task(8)
    def main():
        if left[0] > 0:
            left[0] -= 1
            pw.mov32(out, inp, async_=True, activate=main)


@pw.program
def swallow(p, *, chunk: int, rx: pw.Color, tx: pw.Color):
    """Reads words on rx into memory forever, `chunk` at a time (tx is not used)."""
    inp = pw.fabin(rx, chunk, queue=p.input_queue(2, rx))
    buf = pw.mem1d(p.var("buf", pw.u32, chunk))

    @p.on_start
    @p.local_task(8)
    def main():
        pw.mov32(buf, inp, async_=True, activate=main)


def one_pe(program, **params):
    """`program` on a 1x1 region with an input stream LEFT and an output stream RIGHT."""
    size = params.get("size", params.get("chunk"))          # the ports' sizes
    platform = get_platform(None, SimfabConfig(fabric_dims=(6, 5)), SdkTarget.WSE3)
    layout = SdkLayout(platform)
    region = layout.create_code_region(program, "r", 1, 1)
    rx, tx = region.color("rx"), region.color("tx")
    for name, value in params.items():
        region.set_param_all(name, value)
    region.set_param_all(rx)
    region.set_param_all(tx)
    region.place(2, 2)
    src = layout.create_input_stream(region.create_input_port(
        rx, Edge.LEFT, [RoutingPosition().set_output([Route.RAMP])], size))
    dst = layout.create_output_stream(region.create_output_port(
        tx, Edge.RIGHT, [RoutingPosition().set_input([Route.RAMP])], size))
    return layout, src, dst


def started(layout, jit, **options) -> SdkRuntime:
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False,
                    jit=jit, **options)
    rt.load()
    rt.run()
    return rt


def test_a_long_stream_keeps_one_ring_in_memory(jit, monkeypatch):
    """20,000 words through one PE with 1,000 words in flight per stream: a pool of two
    rings, refilled and drained along the way."""
    monkeypatch.setattr(rings, "POOL_WORDS", 1000)
    layout, src, dst = one_pe(pump, chunk=1000, chunks=20)
    rt = started(layout, jit)
    data = np.arange(20_000, dtype=np.uint32) * 7
    out = np.zeros(20_000, np.uint32)
    rt.send(src, data, nonblock=True)
    rt.receive(dst, out, 20_000)
    rt.stop()
    np.testing.assert_array_equal(out, data)
    assert rt.engine.st.ring.size <= 4000


def test_a_blocking_send_reads_the_array_in_place(jit):
    """A send of 2**40 words (a broadcast view: 4 TiB if it were copied) runs to its cycle
    budget with one ring's worth of them in memory."""
    layout, src, _ = one_pe(swallow, chunk=1000)
    rt = started(layout, jit, max_cycles=20_000)
    endless = np.broadcast_to(np.uint32(7), (1 << 40,))
    with pytest.raises(pw.CycleLimitError, match="budget of 20000 cycles"):
        rt.send(src, endless)
    assert rt.engine.st.ring.size <= rings.POOL_WORDS
    assert int(rt.engine.st.h2d_pos.max()) > 1000


def test_a_nonblocking_send_keeps_its_own_copy(jit):
    layout, src, dst = one_pe(relay, size=8)
    rt = started(layout, jit)
    data = np.arange(8, dtype=np.uint32)
    out = np.zeros(8, np.uint32)
    rt.send(src, data, nonblock=True)
    data[:] = 99                                  # the caller reuses its array at once
    rt.receive(dst, out, 8)
    rt.stop()
    assert out.tolist() == list(range(8))


def test_arrays_that_are_not_contiguous(jit):
    """A strided 2-D array is sent as a flat copy; a 1-D strided one receives in place, a
    2-D one at the end through a buffer."""
    layout, src, dst = one_pe(pump, chunk=8, chunks=2)
    rt = started(layout, jit)
    data = np.arange(16, dtype=np.uint32).reshape(2, 8)[:, ::2]       # [[0 2 4 6] [8 ...]]
    strided = np.zeros(16, np.uint32)
    rt.send(src, data, nonblock=True)
    rt.receive(dst, strided[::2], 8)
    rt.send(src, data, nonblock=True)
    grid = np.zeros((2, 8), np.float32)[:, ::2].view(np.uint32)
    rt.receive(dst, grid, 8)
    rt.stop()
    assert strided[::2].tolist() == data.reshape(-1).tolist() and not strided[1::2].any()
    assert grid.tolist() == data.tolist()


# -- memcpy streaming over a rectangle ---------------------------------------------------------

def test_streaming_memcpy_rings_follow_the_rectangle(jit):
    """Streams to 2 of a 6x4 kernel's PEs: rings for those 2, the rest untouched."""
    from progs import echo
    layout = pw.Layout(6, 4)
    mc = layout.memcpy(MEMCPYH2D_1=2, MEMCPYD2H_1=3)
    for x in range(6):
        for y in range(4):
            layout.set_tile_code(x, y, echo, memcpy_params=mc.get_params(x))
    rt = pw.SdkRuntime(pw.compile(layout, arch="wse3", fabric_dims=(13, 6)), jit=jit)
    rt.load()
    rt.run()
    words = np.arange(8, dtype=np.uint32) + 100
    rt.memcpy_h2d(2, words, 3, 1, 2, 1, 4, streaming=True)
    rt.launch("send_back")
    back = np.zeros((2, 4), np.uint32)[:, ::-1].copy()
    rt.memcpy_d2h(back, 3, 3, 1, 2, 1, 4, streaming=True)
    rt.stop()
    assert back.reshape(-1).tolist() == words.tolist()
    st = rt.engine.st
    assert st.ring.size <= 2 * 2 * 4 and np.count_nonzero(st.ring_base.any(axis=1)) <= 2
