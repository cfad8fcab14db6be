"""Program declarations, cslc rules, out.json, loading a compile directory, the CLI."""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import pywse as pw
from progs import scale_prog
from pywse.tools.cli import main as cli_main

ROOT = Path(__file__).resolve().parent.parent   # the child process imports this checkout


def one_pe(program=scale_prog, **params):
    layout = pw.Layout(1, 1)
    mc = layout.memcpy()
    layout.set_tile_code(0, 0, program, memcpy_params=mc.get_params(0), **params)
    return layout


@pytest.mark.parametrize("kwargs, message", [
    (dict(fabric_dims=(7, 3)), "need at least 8,3"),
    (dict(fabric_dims=(8, 2)), "need at least 8,3"),
    (dict(fabric_offsets=(3, 1)), "offset x >= 4"),
    (dict(fabric_offsets=(4, 0)), "offset y >= 1"),
    (dict(channels=0), "1..16"),
    (dict(channels=17), "1..16"),
    (dict(arch="wse4"), "unknown arch"),
])
def test_cslc_rules(kwargs, message):
    with pytest.raises(pw.LayoutError, match=message):
        pw.compile(one_pe(), **kwargs)


def test_every_pe_needs_code():
    layout = pw.Layout(2, 2)
    mc = layout.memcpy()
    layout.set_tile_code(0, 0, scale_prog, memcpy_params=mc.get_params(0))
    with pytest.raises(pw.LayoutError, match=r"PE \(1, 0\) has no code"):
        pw.compile(layout)


def test_param_errors():
    layout = pw.Layout(1, 1)
    with pytest.raises(pw.ProgramError, match="has no param bogus"):
        layout.set_tile_code(0, 0, scale_prog, memcpy_params=None, bogus=1)
    with pytest.raises(pw.ProgramError, match="needs param memcpy_params"):
        layout.set_tile_code(0, 0, scale_prog)
    with pytest.raises(pw.LayoutError, match="outside the 1x1 rectangle"):
        layout.set_tile_code(1, 0, scale_prog)


def test_memory_limit_names_pe_and_largest_symbols():
    @pw.program
    def big(p, *, memcpy_params):
        p.var("small", pw.f32, 10)
        p.var("huge", pw.f32, 12000)
        p.var("medium", pw.u16, 1000)

    layout = pw.Layout(3, 1)
    mc = layout.memcpy()
    for x in range(3):
        layout.set_tile_code(x, 0, big, memcpy_params=mc.get_params(x))
    with pytest.raises(pw.ProgramError, match=r"PE \(0, 0\).*49152.*'huge' 48000 B, 'medium' 2000 B"):
        pw.compile(layout)


def test_comptime_runs_per_tile_kind_and_per_pe_only_where_coordinates_are_read():
    calls = []

    @pw.program
    def plain(p, *, memcpy_params, n):
        calls.append(("plain", n))
        p.var("a", pw.u32, n)

    @pw.program
    def placed(p, *, memcpy_params):
        calls.append(("placed", p.x, p.y))

    layout = pw.Layout(4, 2)
    mc = layout.memcpy()
    for y in range(2):
        for x in range(4):
            if x < 2:
                layout.set_tile_code(x, y, plain, memcpy_params=mc.get_params(x), n=1 + y)
            else:
                layout.set_tile_code(x, y, placed, memcpy_params=mc.get_params(x))
    art = pw.compile(layout, arch="wse3")
    assert calls == [("plain", 1), ("placed", 2, 0), ("placed", 3, 0), ("plain", 2),
                     ("placed", 2, 1), ("placed", 3, 1)]
    assert art.pe_image.tolist() == [0, 0, 1, 2, 3, 3, 4, 5]     # images in first-PE order
    assert [im.program.name for im in art.pe_images] == ["plain"] * 2 + ["placed"] * 2 + \
        ["plain"] * 2 + ["placed"] * 2


def test_the_first_pe_in_row_major_order_reports_a_comptime_error():
    @pw.program
    def fails_at(p, *, memcpy_params, bad_x):
        if p.x == bad_x:
            raise ValueError("no")

    layout = pw.Layout(3, 1)
    mc = layout.memcpy()
    for x, bad_x in enumerate((2, 1, 2)):     # PE (2, 0) shares PE (0, 0)'s params
        layout.set_tile_code(x, 0, fails_at, memcpy_params=mc.get_params(x), bad_x=bad_x)
    with pytest.raises(pw.ProgramError, match=r"for PE \(1, 0\): ValueError"):
        pw.compile(layout, arch="wse3")


def test_a_param_array_changed_after_set_tile_code_is_read_at_compile():
    @pw.program
    def prog(p, *, memcpy_params, table):
        p.var("t", pw.f32, 3, init=table)

    table = np.zeros(3, np.float32)
    layout = pw.Layout(2, 1)
    mc = layout.memcpy()
    layout.set_tile_code(0, 0, prog, memcpy_params=mc.get_params(0), table=table)
    table[:] = 7                              # the same array: compile sees its values then
    layout.set_tile_code(1, 0, prog, memcpy_params=mc.get_params(1),
                         table=np.full(3, 7, np.float32))
    art = pw.compile(layout, arch="wse3")
    assert len(art.images) == 1
    assert np.frombuffer(art.images[0].init, np.float32)[:3].tolist() == [7, 7, 7]


@pytest.mark.parametrize("arch, tid, message", [
    ("wse3", 5, r"out of range for wse3 \(8..30\)"),
    ("wse2", 31, r"out of range for wse2 \(0..30\)"),
    ("wse2", 27, "reserved by memcpy"),
    ("wse3", 28, "reserved by memcpy"),
    ("wse3", 30, "reserved by memcpy"),
    ("wse2", 29, "reserved by the system"),
])
def test_task_ids(arch, tid, message):
    @pw.program
    def prog(p, *, memcpy_params, tid):
        @p.local_task(tid)
        def t():
            pass

    with pytest.raises((pw.ProgramError, pw.LayoutError), match=message):
        pw.compile(one_pe(prog, tid=tid), arch=arch)


def test_declaration_errors():
    @pw.program
    def twice(p):
        p.var("a", pw.f32, 1)
        p.var("a", pw.f32, 1)

    @pw.program
    def bad_type(p):
        p.var("a", np.float64, 1)

    @pw.program
    def untyped_export(p):
        @p.export
        def f(n):
            pass

    for prog, message in ((twice, "declared twice"), (bad_type, "unsupported element type"),
                          (untyped_export, "needs a type annotation")):
        layout = pw.Layout(1, 1)
        layout.set_tile_code(0, 0, prog)
        with pytest.raises(pw.ProgramError, match=message):
            pw.compile(layout, memcpy=False)


def test_out_dir_round_trip(tmp_path):
    art = pw.compile(one_pe(size=3), arch="wse3", params={"size": 3}, out_dir=tmp_path)
    meta = json.loads((tmp_path / "out.json").read_text())
    assert meta["params"] == {"size": 3} and meta["pywse"]["arch"] == "wse3"
    r = pw.SdkRuntime(str(tmp_path), jit=False)
    assert r.artifacts.pe_images[0].symbol("data").size == 3 and art.arch == "wse3"


def test_cli_compile_and_run(tmp_path):
    (tmp_path / "layout.py").write_text(textwrap.dedent('''
        import pywse as pw

        @pw.program
        def prog(p, *, memcpy_params, size):
            sys = p.memcpy(memcpy_params)
            data = p.var("data", pw.i32, size, export=True)

            @p.export
            def fill():
                for i in range(size):
                    data[i] = i * i
                sys.unblock_cmd_stream()

        def layout(size):
            lay = pw.Layout(2, 1)
            mc = lay.memcpy()
            for x in range(2):
                lay.set_tile_code(x, 0, prog, memcpy_params=mc.get_params(x), size=size)
            return lay
    '''))
    (tmp_path / "run.py").write_text(textwrap.dedent('''
        import argparse, json
        import numpy as np
        from pywse import SdkRuntime, MemcpyDataType, MemcpyOrder
        parser = argparse.ArgumentParser()
        parser.add_argument("--name")
        args = parser.parse_args()
        size = json.load(open(f"{args.name}/out.json"))["params"]["size"]
        r = SdkRuntime(args.name, cmaddr=None)
        sym = r.get_id("data")
        r.load(); r.run()
        r.launch("fill", nonblock=False)
        out = np.zeros(2 * size, np.int32)
        r.memcpy_d2h(out, sym, 0, 0, 2, 1, size, streaming=False,
                     order=MemcpyOrder.ROW_MAJOR, data_type=MemcpyDataType.MEMCPY_32BIT,
                     nonblock=False)
        r.stop()
        np.testing.assert_array_equal(out, np.tile(np.arange(size) ** 2, 2))
        print("SUCCESS!")
    '''))
    out = tmp_path / "out"
    assert cli_main(["compile", str(tmp_path / "layout.py"), "--arch=wse3", "--fabric-dims=9,3",
                     "--fabric-offsets=4,1", "--memcpy", "--channels=1", "--params=size:5",
                     "-o", str(out)]) == 0
    res = subprocess.run([sys.executable, str(tmp_path / "run.py"), "--name", str(out)],
                         capture_output=True, text=True, cwd=tmp_path, env={"PYWSE_JIT": "0",
                         "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)})
    assert "SUCCESS!" in res.stdout, res.stderr


def test_cli_reports_errors(tmp_path, capsys):
    (tmp_path / "layout.py").write_text("import pywse as pw\nlayout = pw.Layout(1, 1)\n")
    assert cli_main(["compile", str(tmp_path / "layout.py"), "--memcpy", "-o",
                     str(tmp_path / "o")]) == 1
    assert "has no code" in capsys.readouterr().err


def test_cli_names_a_missing_layout_file(tmp_path, capsys):
    assert cli_main(["compile", str(tmp_path / "nope.py"), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "layout file" in err and "nope.py' does not exist" in err and "Traceback" not in err


def test_loading_an_out_dir_whose_layout_file_moved(tmp_path):
    layout_file = tmp_path / "lay.py"
    layout_file.write_text(textwrap.dedent('''
        import pywse as pw

        @pw.program
        def prog(p, *, memcpy_params):
            p.memcpy(memcpy_params)

        def layout():
            lay = pw.Layout(1, 1)
            lay.set_tile_code(0, 0, prog, memcpy_params=lay.memcpy().get_params(0))
            return lay
    '''))
    assert cli_main(["compile", str(layout_file), "--memcpy", "-o", str(tmp_path / "o")]) == 0
    layout_file.rename(tmp_path / "elsewhere.py")
    with pytest.raises(pw.LayoutError, match=r"was compiled from .*lay\.py, which no longer exists"):
        pw.SdkRuntime(str(tmp_path / "o"))


def test_cli_names_a_missing_param(tmp_path, capsys):
    (tmp_path / "lay.py").write_text("def layout(M, N, k=1):\n    raise AssertionError\n")
    assert cli_main(["compile", str(tmp_path / "lay.py"), "--params=M:4", "-o",
                     str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "layout() needs param N; pass it as --params=N:<value>" in err


def test_a_module_level_sdklayout_is_checked_and_not_compiled(tmp_path, capsys):
    """`pywse check` builds an SdkLayout as its own compile() would; `pywse compile` (the
    cslc twin, for a pw.Layout) says to compile it in its script."""
    layout_file = tmp_path / "regions.py"
    layout_file.write_text(
        "import pywse as pw\n"
        "from pywse.sdkruntime import SdkLayout\n"
        "from test_sdklayout import platform\n"
        "@pw.program\n"
        "def idle(p):\n"
        "    pass\n"
        "layout = SdkLayout(platform((10, 8)))\n"
        "layout.create_code_region(idle, 'k', 2, 2).place(2, 2)\n")
    assert cli_main(["check", str(layout_file)]) == 0, capsys.readouterr().err
    assert "checked" in capsys.readouterr().out
    assert cli_main(["compile", str(layout_file), "-o", str(tmp_path / "out")]) == 1
    assert "`layout` is an SdkLayout; compile it in its script with " \
           "layout.compile(out_prefix=...)" in capsys.readouterr().err
