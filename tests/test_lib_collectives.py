"""`<collectives_2d>` (pywse/lib/collectives_2d.py): every function along both axes of
several rectangles, roots at the ends and in the middle, one after another (so each link is
turned both ways), both arches, compiled and plain; and the mistakes it names."""
import numpy as np
import pytest

import pywse as pw
from pywse.lib import collectives_2d
from pywse.testing import Harness

N_WORDS = 3
STEPS = ("broadcast", "reduce_fadds", "scatter", "gather", "broadcast")


@pw.module
def axis_run(p, *, dim_params, me: int, n_pes: int, roots, callback_id: int, n: int):
    """One axis: the five calls of STEPS, each started by the previous one's callback."""
    mpi = p.import_module("<collectives_2d/pe>", name="mpi", dim_params=dim_params)
    root = p.const(pw.u16, roots)
    bc = p.var("bc", pw.u32, n, init=1000 * me + np.arange(n))
    fs = p.var("fs", pw.f32, n, init=me + 0.25 * np.arange(n))
    fr = p.var("fr", pw.f32, n)
    ss = p.var("ss", pw.u32, n * n_pes, init=1000 * me + np.arange(n * n_pes))
    sr = p.var("sr", pw.u32, n)
    gr = p.var("gr", pw.u32, n * n_pes)
    bc2 = p.var("bc2", pw.u32, n, init=2000 + 1000 * me + np.arange(n))
    k = p.var("k", pw.u16, 1)

    @p.local_task(callback_id)
    def next_call():
        k[0] += 1
        r = root[k[0] - 1] if k[0] <= 5 else 0
        if k[0] == 1:
            mpi.init()
            mpi.broadcast(r, bc, n, next_call)
        elif k[0] == 2:
            mpi.reduce_fadds(r, fs, fr, n, next_call)
        elif k[0] == 3:
            mpi.scatter(r, ss, sr, n, next_call)
        elif k[0] == 4:
            mpi.gather(r, sr, gr, n, next_call)
        elif k[0] == 5:
            mpi.broadcast(r, bc2, n, next_call)

    return dict(next_call=next_call, pe_id=mpi.pe_id)


@pw.program
def both_axes(p, *, c2d_params, roots_x, roots_y, n: int):
    x = p.import_module(axis_run, name="x", dim_params=c2d_params.x, me=p.x,
                        n_pes=p.width, roots=roots_x, callback_id=15, n=n)
    y = p.import_module(axis_run, name="y", dim_params=c2d_params.y, me=p.y,
                        n_pes=p.height, roots=roots_y, callback_id=16, n=n)
    seen = p.var("seen", pw.u16, 2)

    @p.on_start
    @p.local_task(20)
    def go():
        seen[0] = x.pe_id
        seen[1] = y.pe_id
        pw.activate(x.next_call)
        pw.activate(y.next_call)


def collectives_layout(w: int, h: int, roots_x, roots_y, n: int = N_WORDS) -> pw.Layout:
    lay = pw.Layout(w, h)
    c2d = lay.import_module("<collectives_2d/params>")
    for px in range(w):
        for py in range(h):
            params = c2d.get_params(px, py, dict(x_colors=(0, 1), x_entrypoints=(10, 11),
                                                 y_colors=(4, 5), y_entrypoints=(12, 13)))
            lay.set_tile_code(px, py, both_axes, c2d_params=params, roots_x=roots_x,
                              roots_y=roots_y, n=n)
    return lay


def expected(n_pes: int, roots, i: int, n: int) -> dict:
    """What PE i of an axis holds after STEPS with `roots`, `n` words a PE."""
    r_b, r_r, r_s, r_g, r_b2 = roots
    sr = 1000 * r_s + np.arange(i * n, (i + 1) * n)
    total = sum(j + 0.25 * np.arange(n, dtype=np.float32) for j in range(n_pes))
    gathered = np.concatenate([1000 * r_s + np.arange(j * n, (j + 1) * n)
                               for j in range(n_pes)])
    return dict(bc=1000 * r_b + np.arange(n),
                fr=total if i == r_r else np.zeros(n),
                sr=sr,
                gr=gathered if i == r_g else np.zeros(n * n_pes),
                bc2=2000 + 1000 * r_b2 + np.arange(n))


def roots_for(n_pes: int, where: str) -> tuple:
    """Five roots: at the ends, or in the middle (then the ends too, to turn links back)."""
    last, mid = n_pes - 1, n_pes // 2
    return (0, last, last, 0, last) if where == "ends" else (mid, mid, 0, mid, last)


def run_and_check(w, h, roots_x, roots_y, n, arch, jit):
    h_ = Harness(collectives_layout(w, h, roots_x, roots_y, n), arch=arch, jit=jit)
    h_.run_until_idle(max_cycles=200_000)
    for px in range(w):
        for py in range(h):
            pe = (px, py)
            assert list(h_.peek("seen", pe=pe)) == [px, py]
            for axis, i, n_pes, roots in (("x", px, w, roots_x), ("y", py, h, roots_y)):
                assert h_.peek(f"{axis}.k", pe=pe)[0] == 6, (axis, pe)   # all five called back
                for name, want in expected(n_pes, roots, i, n).items():
                    got = h_.peek(f"{axis}.{name}", pe=pe)
                    np.testing.assert_array_equal(got, np.asarray(want, got.dtype),
                                                  err_msg=f"{axis}.{name} at {pe}")


@pytest.mark.parametrize("arch", ["wse3", "wse2"])
@pytest.mark.parametrize("w, h", [(1, 1), (1, 4), (4, 1), (3, 5)])
@pytest.mark.parametrize("where", ["ends", "middle"])
def test_every_collective_along_both_axes(w, h, where, arch, jit):
    run_and_check(w, h, roots_for(w, where), roots_for(h, where), N_WORDS, arch, jit)


def test_long_buffers_pass_in_pieces(jit):
    """37 words: a broadcast relays them in rounds of 16, a scatter's and a gather's streams
    (37 times the PEs beyond) are sums of several fixed-size pieces."""
    run_and_check(5, 2, roots_for(5, "middle"), roots_for(2, "ends"), 37, "wse3", jit)


def broadcast_cycles(root: int, n: int, costs=None) -> int:
    lay = pw.Layout(7, 1)
    c2d = lay.import_module(collectives_2d.params_library)
    for px in range(7):
        lay.set_tile_code(px, 0, one_broadcast, root=root, n=n,
                          c2d_params=c2d.get_params(px, 0, x_colors=(2, 3),
                                                    x_entrypoints=(12, 13)))
    h = Harness(lay, jit=False, costs=costs)
    h.run_until_idle()
    assert all((h.peek("buf", pe=(x, 0)) == 100 * root).all() for x in range(7))
    return h.cycles


def test_the_pythonic_spelling_and_a_chain_that_pipelines():
    """`collectives_2d.library` / `.params_library`; a broadcast's cost grows with the
    distance from the root (a chain, not a tree), and a PE passes words on while more come
    (far less than storing all `n` words at every hop), seen on the fabric's and the DSD ops'
    cycles alone (the library's scalar code adds its own per round of 16 words)."""
    assert broadcast_cycles(3, 8) < broadcast_cycles(0, 8)    # 3 hops each way against 6
    fabric_only = pw.Costs().without_scalar()
    assert broadcast_cycles(0, 256, fabric_only) < 6 * 256 / 2   # store-and-forward: 6 * 256


@pw.program
def one_broadcast(p, *, c2d_params, root: int, n: int = 8):
    mpi = p.import_module(collectives_2d.library, dim_params=c2d_params.x, queues=[6, 7])
    buf = p.var("buf", pw.u32, n, init=100 * p.x)

    @p.local_task(14)
    def done():
        pass

    @p.on_start
    @p.local_task(15)
    def go():
        mpi.broadcast(root, buf, n, done)


# -- mistakes ----------------------------------------------------------------------------------

def _one_pe(program=None, x_colors=(0, 1), entrypoints=(10, 11), before=None, **params):
    lay = pw.Layout(2, 1)
    if before:
        before(lay)
    c2d = lay.import_module("<collectives_2d/params>")
    for px in range(2):
        lay.set_tile_code(px, 0, program or one_broadcast, root=0, **params,
                          c2d_params=c2d.get_params(px, 0, x_colors=x_colors,
                                                    x_entrypoints=entrypoints))
    return lay


@pw.program
def queue_clash(p, *, c2d_params, root: int):
    p.input_queue(6, 9)
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x, queues=[6, 7])


@pw.program
def task_clash(p, *, c2d_params, root: int):
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)

    @p.local_task(10)
    def mine():
        pass


@pw.program
def missing_axis(p, *, c2d_params, root: int):
    p.import_module("<collectives_2d/pe>", dim_params=c2d_params.y)


def _layout_error(make):
    with pytest.raises(pw.PywseError) as err:
        Harness(make(), arch="wse3", jit=False)
    return str(err.value)


@pytest.mark.parametrize("make, message", [
    (lambda: pw.Layout(2, 1).import_module("<collectives_2d/parms>"),
     "pywse has no layout library '<collectives_2d/parms>' (did you mean "
     "'<collectives_2d/params>'?)"),
    (lambda: pw.Layout(2, 1).import_module("<collectives_2d/pe>"),
     "<collectives_2d/pe> is imported on the PE side in CSL"),
    (lambda: pw.Layout(2, 1).import_module("<collectives_2d/params>").get_params(
        2, 0, x_colors=(0, 1), x_entrypoints=(10, 11)),
     "get_params(2, 0): outside the 2x1 rectangle"),
    (lambda: pw.Layout(2, 1).import_module("<collectives_2d/params>").get_params(
        0, 0, x_colors=(0, 1), x_entrypoints=(10, 11), y_colors=(1, 4),
        y_entrypoints=(12, 13)),
     "x_colors and y_colors share [1]; each axis needs its own"),
    (lambda: _one_pe(before=lambda lay: lay.set_color_config(0, 0, 0, rx=[pw.RAMP],
                                                             tx=[pw.EAST])),
     "PE (0, 0) color 0 is routed twice: by the layout (set_color_config) and by its program "
     "'one_broadcast' (p.set_local_color_config)"),
    (lambda: _one_pe(queue_clash),
     "<collectives_2d/pe> (x axis) at (0, 0) binds queue 6 to its color 0, but: program "
     "'queue_clash': input queue 6 is bound to color 9 and 0"),
    (lambda: _one_pe(task_clash),
     "task id 10 is bound twice ('collectives_2d.step' and 'mine'; 'collectives_2d.step' is "
     "<collectives_2d/pe>'s); give the library other task ids"),
    (lambda: _one_pe(missing_axis),
     "dim_params must be c2d_params.x or c2d_params.y"),
    (lambda: _one_pe(x_colors=(10, 11)),      # the links turn with switches
     "PE (0, 0) color 10: on wse3 only colors 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 20, "
     "21 have switches"),
    (lambda: _one_pe(entrypoints=(4, 5)), "entrypoint 4 is not a local task id on wse3"),
])
def test_mistakes_are_named(make, message):
    assert message in _layout_error(make)


@pw.program
def short_buffer(p, *, c2d_params, root: int, n: int):
    mpi = p.import_module("<collectives_2d/pe>", dim_params=c2d_params.x)
    src = p.var("src", pw.u32, 4)
    dst = p.var("dst", pw.u32, 2)

    @p.local_task(15)
    def done():
        pass

    @p.on_start
    @p.local_task(16)
    def go():
        mpi.scatter(root, src, dst, n, done)


@pytest.mark.parametrize("root, n, message", [
    (0, 2, "PE (0, 0) task 'go': ValueError: <collectives_2d>: send_buf is shorter than what "
           "the call sends (count words; count * N at a scatter's root)"),
    (1, 3, "PE (0, 0) task 'go': ValueError: <collectives_2d>: recv_buf is shorter"),
    (3, 1, "PE (0, 0) task 'go': ValueError: <collectives_2d>: the root is not a PE of this "
           "axis (0..N-1)"),
])
def test_calls_that_do_not_fit_are_named(root, n, message, jit):
    lay = pw.Layout(3, 1)
    c2d = lay.import_module("<collectives_2d/params>")
    for px in range(3):
        lay.set_tile_code(px, 0, short_buffer, root=root, n=n,
                          c2d_params=c2d.get_params(px, 0, x_colors=(0, 1),
                                                    x_entrypoints=(10, 11)))
    with pytest.raises(pw.TaskError) as err:
        Harness(lay, jit=jit).run_until_idle()
    assert message in str(err.value)


def test_an_sdklayout_region_runs_the_collectives(jit):
    """On an SdkLayout, a region's PEs take the params with set_param_all; their place on
    each axis is their place in the region. An SdkLayout has no memcpy params."""
    from pywse.sdkruntime import SdkLayout, SdkRuntime, SdkTarget, get_platform
    layout = SdkLayout(get_platform(None, None, SdkTarget.WSE3))
    c2d = layout.import_module("<collectives_2d/params>")
    region = layout.create_code_region(one_broadcast, "row", 5, 1)
    region.set_param_all("c2d_params", c2d.get_params(0, 0, x_colors=(2, 3),
                                                      x_entrypoints=(12, 13)))
    region.set_param_all("root", 2)
    region.place(3, 2)
    rt = SdkRuntime(layout.compile(out_prefix=None), layout.platform, memcpy_required=False,
                    jit=jit)
    rt.load()
    rt.run()
    rt.stop()
    for x in range(5):
        assert (rt.read_symbol(3 + x, 2, "buf", dtype=np.uint32) == 200).all()
    with pytest.raises(pw.LayoutError, match="has no memcpy params"):
        layout.import_module("<memcpy/get_params>")


def test_memcpy_params_import_as_in_csl():
    lay = pw.Layout(3, 2)
    memcpy = lay.import_module("<memcpy/get_params>", width=3, height=2, MEMCPYH2D_1=4)
    assert memcpy is lay.memcpy_info and memcpy.MEMCPYH2D_1 == pw.Color(4)
    with pytest.raises(pw.LayoutError, match="width = 4, but the layout's rectangle is 3x2"):
        pw.Layout(3, 2).import_module("<memcpy/get_params>", width=4)
