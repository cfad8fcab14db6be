"""Route lints: layouts cslc accepts that lose or starve wavelets warn (pw.RoutingWarning);
strict=True / `pywse check --strict` makes them errors. Clean layouts stay silent."""
import importlib.util
import re
import warnings
from pathlib import Path

import pytest

import pywse as pw
from pywse.tools.cli import main as cli


@pw.program
def scan(p, *, memcpy_params, c):
    p.memcpy(memcpy_params)
    iq = p.input_queue(2, c)
    oq = p.output_queue(3, c)
    acc = p.var("acc", pw.u32, 1)
    out = pw.fabout(c, extent=1, queue=oq)

    @p.data_task(iq)
    def got(v: pw.u32):
        acc[0] += v
        pw.mov32(out, acc[0])


@pw.program
def reader(p, *, memcpy_params, c):
    p.memcpy(memcpy_params)
    iq = p.input_queue(2, c)
    n = p.var("n", pw.u32, 1)

    @p.data_task(iq)
    def got(v: pw.u32):
        n[0] += v


@pw.program
def idle(p, *, memcpy_params):
    p.memcpy(memcpy_params)


def row(program, width=4, routes=None, height=1, **params):
    lay = pw.Layout(width, height)
    memcpy = lay.memcpy()
    for y in range(height):
        for x in range(width):
            lay.set_tile_code(x, y, program, memcpy_params=memcpy.get_params(x), **params)
            for color, cfg in (routes(x, y) if routes else {}).items():
                lay.set_color_config(x, y, color, **cfg)
    return lay


def lints_of(layout, arch="wse3"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pw.compile(layout, arch=arch)
    return [str(w.message) for w in caught if issubclass(w.category, pw.RoutingWarning)]


MISTAKES = {
    "tx off the kernel": (
        lambda: row(scan, c=pw.Color(1), routes=lambda x, y: {1: dict(
            rx=[pw.RAMP] if x == 0 else [pw.WEST], tx=[pw.EAST] if x == 0 else [pw.RAMP, pw.EAST])}),
        r"PE \(3, 0\) color 1: tx EAST leaves the kernel, where nothing receives color 1: "
        r"wavelets sent there are lost. Route them to a PE that reads them, or drop EAST from tx"),
    "rx nothing feeds": (
        lambda: row(reader, width=2, c=pw.Color(1),
                    routes=lambda x, y: {1: dict(rx=[pw.SOUTH], tx=[pw.RAMP])}),
        r"PE \(0, 0\) color 1: rx SOUTH, but the kernel ends there: nothing feeds this route"),
    "own sends come back": (
        lambda: row(scan, c=pw.Color(1), routes=lambda x, y: {1: dict(
            rx=[pw.WEST, pw.RAMP], tx=[pw.EAST, pw.RAMP])}),
        r"PE \(0, 0\) color 1: rx RAMP and tx RAMP on a color this PE sends on, while it also "
        r"receives it from WEST: its own sends come back to its input queue"),
    "delivered, never read": (
        lambda: row(idle, width=2, routes=lambda x, y: {4: dict(
            rx=[pw.RAMP] if x == 0 else [pw.WEST], tx=[pw.EAST] if x == 0 else [pw.RAMP])}),
        r"PE \(1, 0\) color 4: the route delivers to the CE \(tx RAMP\), but no input queue, "
        r"data task or fabin DSD of this PE reads color 4"),
    "read, never routed": (
        lambda: row(reader, width=1, c=pw.Color(6)),
        r"PE \(0, 0\) color 6: data task 'got' reads color 6, but this PE has no route for it: "
        r"it never gets a wavelet. Add set_color_config\(0, 0, 6, rx=\[...\], tx=\[RAMP\]\)"),
}


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_warns_and_strict_makes_it_an_error(name):
    build, message = MISTAKES[name]
    assert issubclass(pw.RoutingWarning, UserWarning)
    assert any(re.search(message, text) for text in lints_of(build()))
    with pytest.raises(pw.RoutingError, match=r"\(strict=True\):\n  (.*\n  )*" + message):
        pw.compile(build(), arch="wse3", strict=True)


def test_many_places_are_counted_not_listed():
    lay = row(reader, width=10, height=2, c=pw.Color(1),
              routes=lambda x, y: {1: dict(rx=[pw.NORTH] if y == 0 else [pw.SOUTH], tx=[pw.RAMP])})
    (text,) = lints_of(lay)
    assert text.count("nothing feeds this route") == 3 and text.endswith("... and 17 more like it")


def test_a_clean_layout_is_silent():
    lay = row(scan, width=2, c=pw.Color(1), routes=lambda x, y: {
        1: dict(rx=[pw.RAMP], tx=[pw.EAST]) if x == 0 else dict(rx=[pw.WEST], tx=[pw.RAMP])})
    assert lints_of(lay) == []
    lay = row(reader, width=2, c=pw.Color(1),
              routes=lambda x, y: {1: dict(rx=[pw.RAMP], tx=[pw.RAMP])})
    assert lints_of(lay) == []   # a loopback on a color the PE does not send on: fine


def test_pywse_check_prints_lints_and_strict_fails(tmp_path, capsys):
    layout_file = tmp_path / "scan_layout.py"
    layout_file.write_text(
        "import pywse as pw\n\n\n"
        "@pw.program\n"
        "def echo(p, *, memcpy_params, c):\n"
        "    p.memcpy(memcpy_params)\n"
        "    iq = p.input_queue(2, c)\n"
        "    oq = p.output_queue(3, c)\n"
        "    out = pw.fabout(c, extent=1, queue=oq)\n\n"
        "    @p.data_task(iq)\n"
        "    def got(v: pw.u32):\n"
        "        pw.mov32(out, v)\n\n\n"
        "def layout():\n"
        "    lay = pw.Layout(4, 1)\n"
        "    memcpy = lay.memcpy()\n"
        "    for x in range(4):\n"
        "        lay.set_tile_code(x, 0, echo, memcpy_params=memcpy.get_params(x), c=pw.Color(1))\n"
        "        lay.set_color_config(x, 0, 1, rx=[pw.WEST, pw.RAMP], tx=[pw.EAST, pw.RAMP])\n"
        "    return lay\n")
    args = ["check", str(layout_file), "--arch=wse3", "--memcpy", "--fabric-dims=11,3"]
    assert cli(args) == 0
    out = capsys.readouterr()
    assert "pywse check: warning: PE (3, 0) color 1: tx EAST leaves the kernel" in out.err
    assert "checked" in out.out and "2 warning(s)" in out.out
    assert cli(args + ["--strict"]) == 1
    assert "pywse check: error: the routes lose or starve wavelets (strict=True)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pw.program
def spare_queue(p, *, memcpy_params, c, use: bool):
    """A fabin DSD on every PE, but only PEs with `use` start an op on it (bandwidth-test's
    sync module declares its DSDs this way and picks one by a comptime `if`)."""
    p.memcpy(memcpy_params)
    buf = pw.mem1d(p.var("buf", pw.u32, 1), extent=1)
    recv = pw.fabin(c, extent=1, queue=p.input_queue(2, c))

    @p.on_start
    @p.local_task(10)
    def go():
        if use:
            pw.mov32(buf, recv, async_=True)


@pytest.mark.parametrize("arch", ["wse3", "wse2"])
def test_a_queue_only_dsds_use_is_not_starved_but_a_data_task_is(arch):
    assert lints_of(row(spare_queue, width=2, c=pw.Color(6), use=False), arch) == []
    (text,) = lints_of(row(reader, width=1, c=pw.Color(6)), arch)
    assert "data task 'got' reads color 6, but this PE has no route for it" in text


@pw.program
def waits_unrouted(p, *, memcpy_params, c):
    sys_mod = p.memcpy(memcpy_params)
    buf = pw.mem1d(p.var("buf", pw.u32, 1), extent=1)
    recv = pw.fabin(c, extent=1, queue=p.input_queue(2, c))

    @p.local_task(10)
    def done():
        sys_mod.unblock_cmd_stream()

    @p.export
    def go():
        pw.mov32(buf, recv, async_=True, activate=done)


def test_an_op_waiting_on_an_unrouted_queue_is_named_at_run_time():
    """What the lint leaves to the run: the deadlock report names the queue and the route."""
    layout = row(waits_unrouted, width=1, c=pw.Color(6))
    assert lints_of(layout) == []
    runner = pw.SdkRuntime(pw.compile(layout, arch="wse3"), jit=False)
    runner.load()
    runner.run()
    with pytest.raises(pw.DeadlockError) as err:
        runner.launch("go", nonblock=False)
    assert ("mov32 stalled at element 0 of 1: waits for input queue 2 (color 6): 0 of 1 "
            "wavelet(s) arrived, the rest would come but no route takes color 6 to its CE on "
            "this PE") in str(err.value)


# -- routes at the kernel's edge -----------------------------------------------------------------

def example(stem):
    path = Path(__file__).parent.parent / "examples" / f"{stem}.py"
    spec = importlib.util.spec_from_file_location(f"lint_example_{stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("arch", ["wse2", "wse3"])
def test_cerebras_stencils_edge_routes_do_not_warn(arch):
    """game-of-life, gemv-08 and gemv-09 give edge PEs their row's or column's routes (tx off
    the kernel, rx from outside it), as the originals' layout.csl files do, at their sizes."""
    gemv = dict(kernel_x_dim=4, kernel_y_dim=3, M=6, N=8)
    for stem, params, dims in (
            ("game_of_life", dict(x_dim=12, y_dim=12), (19, 14)),
            ("gemv_08_routes_3", gemv, (11, 5)),
            ("gemv_09_streaming", dict(gemv, MEMCPYH2D_DATA_1_ID=0, MEMCPYH2D_DATA_2_ID=1,
                                       MEMCPYD2H_DATA_1_ID=2), (11, 5))):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            pw.compile(example(stem).layout, arch=arch, fabric_dims=dims, params=params)
        assert not [str(w.message) for w in caught], stem


@pw.program
def stencil(p, *, memcpy_params, send: pw.Color, recv: pw.Color):
    """Sends on `send` and reads `recv` with a data task, on every PE (edges included)."""
    p.memcpy(memcpy_params)
    out = pw.fabout(send, extent=1, queue=p.output_queue(2, send))
    n = p.var("n", pw.u32, 1)

    @p.data_task(p.input_queue(3, recv))
    def got(v: pw.u32):
        n[0] += v
        pw.mov32(out, v)


def test_a_route_only_its_own_pe_uses_at_the_edge_is_quiet():
    # the row's route clipped at both ends: x=0 receives from WEST, x=3 sends EAST
    lay = pw.Layout(4, 1)
    memcpy = lay.memcpy()
    for x in range(4):
        lay.set_tile_code(x, 0, stencil, memcpy_params=memcpy.get_params(x),
                          send=pw.Color((x + 1) % 2), recv=pw.Color(x % 2))
        lay.set_color_config(x, 0, x % 2, rx=[pw.WEST], tx=[pw.RAMP])
        lay.set_color_config(x, 0, (x + 1) % 2, rx=[pw.RAMP], tx=[pw.EAST])
    assert lints_of(lay) == []
    # a route from outside to the CE on a color the PE does not read
    assert lints_of(row(idle, width=2, routes=lambda x, y: {4: dict(rx=[pw.NORTH],
                                                                     tx=[pw.RAMP])})) == []
    # a tx off the edge from the CE on a color the PE never sends on
    assert lints_of(row(idle, width=2, routes=lambda x, y: {4: dict(rx=[pw.RAMP],
                                                                     tx=[pw.SOUTH])})) == []


def test_an_edge_route_that_reads_or_passes_on_what_nothing_feeds_still_warns():
    # every PE reads color 1 from the SOUTH, which is outside: no PE is fed by that route
    (text,) = lints_of(row(reader, width=2, c=pw.Color(1),
                           routes=lambda x, y: {1: dict(rx=[pw.SOUTH], tx=[pw.RAMP])}))
    assert "PE (0, 0) color 1: rx SOUTH, but the kernel ends there" in text
    # a column whose top PE has the interior's pass-on route: nothing enters the column
    (text,) = lints_of(row(reader, width=1, height=3, c=pw.Color(1), routes=lambda x, y: {
        1: dict(rx=[pw.NORTH], tx=[pw.RAMP] + ([pw.SOUTH] if y < 2 else []))}))
    assert "PE (0, 0) color 1: rx NORTH, but the kernel ends there" in text
