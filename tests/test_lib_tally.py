"""<kernels/tally/layout> + <kernels/tally/pe>: phase 1 (every PE signals), phase 2 (the
kernel's bumps reach phase2_tally), the callback or the wavelet on output_color, and the
mistakes it names."""
import pytest

import pywse as pw
from pywse.dsl.modules import LIBRARIES
from pywse.lib.kernels import tally as tally_lib
from pywse.testing import Harness

CALLBACK = 15


@pw.program
def worker(p, *, tally_params, bumps: int, signals: bool = True, callback: bool = True):
    """Bumps the tally `bumps` times, one per run of `work`, then signals; the root's
    callback copies `local_tally` to `total`."""
    total = p.var("total", pw.u32, 1, export=True)
    fired = p.var("fired", pw.u32, 1, export=True)
    left = p.var("left", pw.u32, 1, init=[bumps])

    @p.local_task(CALLBACK)
    def done():
        total[0] = t.local_tally[0]
        fired[0] += 1

    t = p.import_module("<kernels/tally/pe>", tally_params, input_queues=[6, 7],
                        output_queues=[4, 5], callback=CALLBACK if callback else None)

    @p.on_start
    @p.local_task(10)
    def work():
        if left[0] > 0:
            t.bump_tally(1)
            left[0] = left[0] - 1
            pw.activate(work)
        elif signals:
            t.signal_completion()
            t.signal_completion()          # again: harmless


def kernel(w, h, bumps, goal=None, arch="wse3", jit=False, silent=(), callback=True):
    """A w x h layout of `worker`s on the tally; PE (x, y) bumps bumps(x, y) times; the PEs
    in `silent` never signal."""
    lay = pw.Layout(w, h)
    if goal is None:
        goal = sum(bumps(x, y) for x in range(w) for y in range(h))
    t = lay.import_module("<kernels/tally/layout>", kernel_width=w, kernel_height=h,
                          phase2_tally=goal, colors=[pw.Color(1), pw.Color(2), pw.Color(3)],
                          output_color=pw.Color(4))
    for x in range(w):
        for y in range(h):
            lay.set_tile_code(x, y, worker, tally_params=t.get_params(x, y), bumps=bumps(x, y),
                              signals=(x, y) not in silent, callback=callback)
    return Harness(lay, arch=arch, jit=jit)


@pytest.mark.parametrize("w, h, arch", [(1, 1, "wse3"), (3, 2, "wse2"), (1, 4, "wse3"),
                                        (5, 1, "wse2"), (4, 5, "wse3")])
def test_phase2_many_pes_bump_and_the_root_sees_the_total(w, h, arch, jit):
    bumps = lambda x, y: 1 + x + 2 * y      # noqa: E731
    goal = sum(bumps(x, y) for x in range(w) for y in range(h))
    hz = kernel(w, h, bumps, arch=arch, jit=jit)
    hz.run_until_idle()
    assert hz.peek("total", pe=(w - 1, 0))[0] == goal
    assert hz.peek("fired", pe=(w - 1, 0))[0] == 1
    for x in range(w):
        for y in range(h):
            if (x, y) != (w - 1, 0):
                assert hz.peek("fired", pe=(x, y))[0] == 0


def test_phase1_alone_finishes_with_zero(jit):
    """phase2_tally = 0: done once every PE has signalled."""
    hz = kernel(3, 3, lambda x, y: 0, goal=0, jit=jit)
    hz.run_until_idle()
    assert hz.peek("fired", pe=(2, 0))[0] == 1 and hz.peek("total", pe=(2, 0))[0] == 0


def test_no_callback_until_every_pe_has_signalled():
    hz = kernel(3, 2, lambda x, y: 2, silent={(0, 1)})
    hz.run_until_idle()
    assert hz.peek("fired", pe=(2, 0))[0] == 0
    assert hz.peek("total", pe=(2, 0))[0] == 0


def test_no_callback_until_the_tally_is_reached():
    hz = kernel(2, 2, lambda x, y: 3, goal=13)
    hz.run_until_idle()
    assert hz.peek("fired", pe=(1, 0))[0] == 0


def test_without_a_callback_the_root_sends_the_total_north_on_output_color(jit):
    hz = kernel(3, 2, lambda x, y: x + y, callback=False, jit=jit)
    hz.run_until_idle()
    hz.expect(pw.Color(4), [0 + 1 + 2 + 1 + 2 + 3], pe=(2, 0), direction=pw.NORTH)
    assert hz.peek("fired", pe=(2, 0))[0] == 0


def test_the_pythonic_import_is_the_same_library():
    lay = pw.Layout(1, 1)
    t = lay.import_module(tally_lib.layout_library, kernel_width=1, kernel_height=1,
                          phase2_tally=0, colors=[1, 2, 3], output_color=4)
    assert isinstance(t.get_params(0, 0)["tally"], tally_lib.PEParams)
    assert LIBRARIES["<kernels/tally/pe>"] is tally_lib.library


def _layout(**kw):
    args = dict(kernel_width=2, kernel_height=2, phase2_tally=4, colors=[1, 2, 3],
                output_color=4)
    args.update(kw)
    return pw.Layout(2, 2).import_module("<kernels/tally/layout>", **args)


@pytest.mark.parametrize("kw, message", [
    (dict(colors=[1, 1, 3]), "colors must be three distinct colors and output_color a "
                             "fourth, got colors=[1, 1, 3], output_color=4"),
    (dict(output_color=2), "output_color a fourth, got colors=[1, 2, 3], output_color=2"),
    (dict(colors=[1, 2]), "colors must be three distinct colors"),
    (dict(kernel_width=0), "kernel_width must be an integer in 1..1024, got 0"),
    (dict(phase2_tally=-1), "phase2_tally must be an integer in 0..4294967295, got -1"),
    (dict(kernel_height=3), "a 2x3 kernel does not fit the 2x2 rectangle"),
])
def test_layout_side_mistakes_are_named(kw, message):
    with pytest.raises(pw.LayoutError) as err:
        _layout(**kw)
    assert message in str(err.value)


def test_get_params_outside_the_kernel_is_named():
    with pytest.raises(pw.LayoutError) as err:
        _layout().get_params(2, 0)
    assert "get_params(2, 0): outside the 2x2 kernel" in str(err.value)


def _pe_import(arch="wse3", **kw):
    @pw.program
    def prog(p, *, tally_params):
        args = dict(input_queues=[6, 7], output_queues=[4, 5])
        args.update(kw)
        p.import_module("<kernels/tally/pe>", tally_params, **args)

    lay = pw.Layout(2, 1)
    t = lay.import_module("<kernels/tally/layout>", kernel_width=2, kernel_height=1,
                          phase2_tally=0, colors=[1, 2, 3], output_color=4)
    for x in range(2):
        lay.set_tile_code(x, 0, prog, tally_params=t.get_params(x, 0))
    pw.compile(lay, arch=arch)


@pytest.mark.parametrize("arch, kw, message", [
    ("wse3", dict(input_queues=[6, 6]), "input_queues must be two distinct queue ids, got "
                                        "(6, 6)"),
    ("wse3", dict(output_queues=None), "output_queues must be two distinct queue ids"),
    ("wse3", dict(output_queues=[6, 5]), "on wse3 the input and output queues must differ, "
                                         "got input_queues=[6, 7], output_queues=[6, 5]"),
    ("wse2", dict(callback=31), "callback must be a local task id (0..30 on wse2) or a local "
                                "task, got 31"),
    ("wse3", dict(sender_task_id=3), "sender_task_id must be a local task id (8..30 on wse3)"),
    ("wse3", dict(output_queues=[4, 9]), "queue 9 out of range 0..7"),
])
def test_pe_side_mistakes_are_named(arch, kw, message):
    with pytest.raises(pw.ProgramError) as err:
        _pe_import(arch, **kw)
    assert message in str(err.value) and "<kernels/tally/pe> at (" in str(err.value)


def test_pe_import_without_the_layout_params_says_what_to_pass():
    @pw.program
    def prog(p):
        p.import_module("<kernels/tally/pe>", input_queues=[6, 7], output_queues=[4, 5])

    with pytest.raises(pw.ProgramError) as err:
        Harness(prog, jit=False)
    assert "give it the params of <kernels/tally/layout>.get_params(x, y)" in str(err.value)


def test_a_queue_the_program_uses_is_named():
    @pw.program
    def prog(p, *, tally_params):
        p.output_queue(4, pw.Color(9))
        p.import_module("<kernels/tally/pe>", tally_params, input_queues=[6, 7],
                        output_queues=[4, 5])

    lay = pw.Layout(2, 1)
    t = lay.import_module("<kernels/tally/layout>", kernel_width=2, kernel_height=1,
                          phase2_tally=0, colors=[1, 2, 3], output_color=4)
    for x in range(2):
        lay.set_tile_code(x, 0, prog, tally_params=t.get_params(x, 0))
    with pytest.raises(pw.ProgramError) as err:
        pw.compile(lay, arch="wse3")
    text = str(err.value)
    assert "<kernels/tally/pe> at (0, 0)" in text and "output queue 4 is bound to color 9" in text
    assert "give the library queues and colors the program does not use" in text


def test_on_an_sdklayout_region(jit):
    """The PE side routes the links, so a code region placed anywhere works too."""
    from pywse.geometry import IntVector
    from pywse.sdkruntime import SdkLayout, SdkRuntime, SdkTarget, SimfabConfig, get_platform

    platform = get_platform(None, SimfabConfig(fabric_dims=(10, 8)), SdkTarget.WSE3)
    layout = SdkLayout(platform)
    t = layout.import_module("<kernels/tally/layout>", kernel_width=3, kernel_height=2,
                             phase2_tally=9, colors=[1, 2, 3], output_color=4)
    region = layout.create_code_region(worker, "k", 3, 2)
    for x in range(3):
        for y in range(2):
            region.set_param(IntVector(x, y), "tally_params", t.get_params(x, y))
            region.set_param(IntVector(x, y), "bumps", x + y)
    region.place(2, 2)
    runtime = SdkRuntime(layout.compile(out_prefix=None), platform, memcpy_required=False,
                         jit=jit)
    runtime.load()
    runtime.run()
    runtime.stop()
    assert runtime.read_symbol(4, 2, "total")[0] == 9      # the root: region (2, 0)
    assert runtime.read_symbol(4, 2, "fired")[0] == 1
