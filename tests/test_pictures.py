"""Pictures: `layout.draw(path)` (classic Layout and SdkLayout), `runner.heatmap` /
`h.heatmap`, `pywse show`, big fabrics binned into blocks, and the original csl-examples
game-of-life run.py (it draws a GIF with matplotlib) under `pywse run`, unchanged.

Pictures are checked by what they are (a PNG's or an SVG's first bytes) and by what the
figure holds (titles, arrows per color), not pixel by pixel: matplotlib's rendering differs
between versions."""
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

import pywse as pw
from pywse.host.heatmap import heatmap
from pywse.layout import draw as D
from pywse.layout import pictures as P
from pywse.sdkruntime import SdkLayout
from pywse.sim.stats import METRICS
from pywse.testing import Harness
from pywse.tools.cli import main as cli_main
from test_sdklayout import chain, platform, run_streams
from test_stats import COSTS, pair

ROOT = Path(__file__).resolve().parent.parent
PNG = b"\x89PNG\r\n\x1a\n"


def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == PNG


def is_svg(path: Path) -> bool:
    return b"<svg" in path.read_bytes()[:2000]


def arrows(scene) -> dict[int, int]:
    """Arrows per color the scene has: one per (PE, side) its routes send toward."""
    return {c: int(sum(((scene.tx[:, :, c] & D.BIT[d]) != 0).sum() for d in D.SIDES))
            for c in range(scene.tx.shape[2]) if scene.tx[:, :, c].any()}


# -- the layout picture -------------------------------------------------------------------------

def test_a_classic_layout_draws_as_png_and_svg(tmp_path):
    layout = pair(4)
    assert layout.draw(tmp_path / "pair.png") == tmp_path / "pair.png"
    assert is_png(tmp_path / "pair.png")
    assert is_svg(layout.draw(str(tmp_path / "pair.svg")))
    scene = D.classic_scene(layout, "wse3")
    assert arrows(scene) == {3: 1}                    # (0, 0) sends EAST on color 3
    assert scene.kind_names == ["sender", "counter"] and not scene.memcpy
    assert scene.title == "layout: 2x1 PEs, 2 tile kind(s), wse3"


def example(name: str):
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        return __import__(name)
    finally:
        sys.path.remove(str(ROOT / "examples"))


def test_gemv_08_shows_its_tile_kinds_colors_and_memcpy():
    scene = D.classic_scene(example("gemv_08_routes_3").layout(4, 4, 32, 16), None)
    # colors 0 and 1 go east from every other column; color 2 south down rows 0..2
    assert arrows(scene) == {0: 8, 1: 8, 2: 12}
    assert scene.memcpy
    assert scene.kind_names == ["pe_program (send_east_color=0, recv_west_color=1)",
                                "pe_program (send_east_color=1, recv_west_color=0)"]
    fig = D.render(Figure, scene)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[2:] == ["color 0", "color 1", "color 2", "memcpy (host copies, launches)"]


def test_memcpy_streams_a_layout_names_are_listed():
    scene = D.classic_scene(example("gemv_09_streaming").layout(4, 4, 32, 16, 0, 1, 2), None)
    assert scene.memcpy_streams == ["MEMCPYD2H_1: color 2", "MEMCPYH2D_1: color 0",
                                    "MEMCPYH2D_2: color 1"]
    assert arrows(scene) == {3: 8, 4: 8, 5: 12}


def test_switches_are_marked():
    layout = pw.Layout(2, 1)
    layout.set_color_config(0, 0, 4, rx=[pw.RAMP], tx=[pw.EAST],
                            switches=pw.Switches(pos1=pw.SwitchPos(tx=[pw.RAMP])))
    layout.set_color_config(1, 0, 4, rx=[pw.WEST], tx=[pw.RAMP])
    scene = D.classic_scene(layout, None)
    assert scene.switched[0, 0, 4] and not scene.switched[0, 1, 4]
    assert arrows(scene) == {4: 1}
    legend = D.render(Figure, scene).axes[0].get_legend()
    assert "switch positions" in [t.get_text() for t in legend.get_texts()]


def test_an_sdklayout_shows_regions_ports_streams_and_flows(tmp_path):
    layout = SdkLayout(platform((16, 8)))
    (a_in, a_out), (b_in, b_out) = chain(layout, [("a", (1, 3)), ("b", (8, 3))])
    layout.connect(a_out, b_in)
    layout.create_input_stream(a_in)
    layout.create_output_stream(b_out)
    assert is_png(layout.draw(tmp_path / "sdk.png"))
    scene = D.sdk_scene(layout, None)
    assert [r[0] for r in scene.regions] == ["a", "b"]
    assert [p[0] for p in scene.ports] == ["a.rx", "a.tx", "b.rx", "b.tx"]
    assert [s[0] for s in scene.streams] == ["input stream 0", "output stream 0"]
    flow = next(c for c, name in scene.color_names.items() if "a.tx = b.rx" in name)
    assert arrows(scene)[flow] == 8 - 1           # the path from a (x 1) to b (x 8), 7 hops
    assert scene.title.startswith("SdkLayout: 2 region(s) in a 9x4 box of the 16x8 fabric")


def test_a_big_layout_is_drawn_in_blocks():
    n = 300
    layout = pw.Layout(n, n)
    for x in range(n - 1):
        layout.set_color_config(x, 0, 1, rx=[pw.RAMP], tx=[pw.EAST])
    layout.set_color_config(n - 1, 0, 1, rx=[pw.WEST], tx=[pw.RAMP])
    fig = D.render(Figure, D.classic_scene(layout, None))
    block = P.block_size(n, n)
    assert block == 5
    assert fig.axes[0].get_title().endswith("(each cell: a 5x5 block of PEs)")
    # one arrow per block of the first row of blocks
    (quiver,) = [c for c in fig.axes[0].collections if hasattr(c, "U")]
    assert quiver.N == n // block


@pw.program
def numbered(p, *, k: int):
    p.var("a", pw.u32, 1)


def test_a_tile_kind_per_pe_is_drawn_without_listing_them_all():
    n = 150
    layout = pw.Layout(n, n)
    for y in range(n):
        for x in range(n):
            layout.set_tile_code(x, y, numbered, k=y * n + x)
    scene = D.classic_scene(layout, None)
    assert scene.kind_names[:2] == ["numbered #1", "numbered #2"]
    legend = D.render(Figure, scene).axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == D.MAX_KINDS_LISTED + 1 and texts[-1] == "(+22488 more kinds)"


def test_binning_keeps_partial_blocks_honest():
    a = np.arange(5 * 3, dtype=np.int64).reshape(3, 5)      # 3 rows, 5 columns
    assert P.binned(a, 1) is a
    means = P.binned(a, 2)
    assert means.shape == (2, 3)
    assert means[0, 0] == (0 + 1 + 5 + 6) / 4
    assert means[1, 2] == 14                                   # a 1x1 corner block
    assert P.binned(a, 2, "sum")[1, 2] == 14
    bits = np.array([[1, 2], [4, 0]], np.uint8)
    assert P.binned(bits, 2, "or").tolist() == [[7]]


def test_pictures_leave_pyplot_alone(tmp_path):
    backend = matplotlib.get_backend()
    pyplot_loaded = "matplotlib.pyplot" in sys.modules
    pair(2).draw(tmp_path / "a.png")
    assert matplotlib.get_backend() == backend
    assert ("matplotlib.pyplot" in sys.modules) == pyplot_loaded


# -- heatmaps -----------------------------------------------------------------------------------

@pytest.mark.parametrize("metric", METRICS)
def test_runner_heatmap_of_every_metric(metric, tmp_path):
    r = pw.SdkRuntime(pw.compile(pair(16), arch="wse3", memcpy=False), jit=False,
                      memcpy_required=False, costs=COSTS)
    r.load()
    r.run()
    r.run_for(2000)
    assert is_png(r.heatmap(tmp_path / f"{metric}.png", metric))
    assert is_svg(r.heatmap(tmp_path / f"{metric}.svg", metric))


def test_harness_heatmap_compiled_and_plain(jit, tmp_path):
    h = Harness(pair(64), jit=jit, costs=COSTS)
    h.run_until_idle(max_cycles=10_000)
    assert is_png(h.heatmap(tmp_path / "busy.png"))
    assert is_png(h.heatmap(tmp_path / "wavelets.png", metric="wavelets"))


def test_an_sdklayout_heatmap_outlines_its_regions(tmp_path):
    layout = SdkLayout(platform((16, 8)))
    (a_in, a_out), (b_in, b_out) = chain(layout, [("a", (1, 3)), ("b", (8, 3))])
    layout.connect(a_out, b_in)
    src = layout.create_input_stream(a_in)
    dst = layout.create_output_stream(b_out)
    rt, (out,) = run_streams(layout, [(src, np.arange(1, 5, dtype=np.uint32))], [(dst, 4)],
                             False)
    assert out.tolist() == [1, 2, 3, 4]
    assert is_png(rt.heatmap(tmp_path / "busy.png"))


def test_a_big_heatmap_is_drawn_in_blocks(tmp_path, monkeypatch):
    titles = []
    monkeypatch.setattr(P, "save", lambda fig, path: titles.append(fig.axes[0].get_title()))
    heatmap(np.add.outer(np.arange(1000), np.arange(1000)), 1234, tmp_path / "big.png", "busy")
    assert titles[0].endswith("(each cell: a 16x16 block of PEs)")
    assert "1000x1000 PEs, 1,234 cycles run" in titles[0]


# -- pywse show ---------------------------------------------------------------------------------

def test_pywse_show_takes_compiles_flags(tmp_path, capsys):
    out = tmp_path / "routes.png"
    assert cli_main(["show", str(ROOT / "examples" / "gemv_08_routes_3.py"), "--arch=wse3",
                     "--params=kernel_x_dim:4,kernel_y_dim:4,M:32,N:16", "-o", str(out)]) == 0
    assert is_png(out) and f"-> {out}" in capsys.readouterr().out
    svg = tmp_path / "life.svg"
    assert cli_main(["show", str(ROOT / "examples" / "game_of_life.py"),
                     "--params=x_dim:6,y_dim:5", "-o", str(svg)]) == 0
    assert is_svg(svg)


def test_pywse_show_draws_a_module_level_sdklayout(tmp_path, capsys):
    layout_file = tmp_path / "regions.py"
    layout_file.write_text(
        "from pywse.sdkruntime import SdkLayout\n"
        "from test_sdklayout import chain, platform\n"
        "layout = SdkLayout(platform((16, 8)))\n"
        "(a_in, a_out), (b_in, b_out) = chain(layout, [('a', (1, 3)), ('b', (8, 3))])\n"
        "layout.connect(a_out, b_in)\n")
    out = tmp_path / "regions.svg"
    assert cli_main(["show", str(layout_file), "-o", str(out)]) == 0, capsys.readouterr().err
    assert is_svg(out)


def test_pywse_show_refuses_clearly(tmp_path, capsys):
    gemv = str(ROOT / "examples" / "gemv_08_routes_3.py")
    assert cli_main(["show", gemv, "-o", str(tmp_path / "x.png")]) == 1
    assert "layout() needs params kernel_x_dim" in capsys.readouterr().err
    assert cli_main(["show", gemv, "--params=kernel_x_dim:1,kernel_y_dim:1,M:1,N:1",
                     "-o", str(tmp_path / "x.gif")]) == 1
    assert "cannot write a .gif image; give a path ending in .png or .svg" in \
        capsys.readouterr().err
    script = ROOT / "examples" / "sdklayout" / "sdklayout_05_gemv.py"
    assert cli_main(["show", str(script), "-o", str(tmp_path / "x.png")]) == 1
    assert "sdklayout_05_gemv.py defines no `layout`" in capsys.readouterr().err


# -- the original game-of-life run.py (matplotlib, a GIF) -----------------------------------------

ORIGINAL = ROOT / "tests" / "originals" / "game-of-life" / "run.py"
ENV = {**os.environ, "PYWSE_JIT": "0", "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def life_out(tmp_path_factory):
    """game-of-life compiled with the flags of the original's commands_wse3.sh."""
    out = tmp_path_factory.mktemp("life") / "out"
    assert cli_main(["compile", str(ROOT / "examples" / "game_of_life.py"), "--arch=wse3",
                     "--fabric-dims=19,14", "--fabric-offsets=4,1",
                     "--params=x_dim:12,y_dim:12", "--memcpy", "--channels=1",
                     "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("gif", [False, True], ids=["plain", "save-animation"])
def test_the_original_game_of_life_run_py_runs_unchanged(life_out, tmp_path, gif):
    """csl-examples' benchmarks/game-of-life/run.py as it is (Apache-2.0, kept verbatim in
    tests/originals): it imports matplotlib and, with --save-animation, writes
    game_of_life.gif with PillowWriter in its working directory."""
    args = ["--name", str(life_out), "--iters", "6"] + (["--save-animation"] if gif else [])
    res = subprocess.run([sys.executable, "-m", "pywse", "run", str(ORIGINAL), *args],
                         cwd=tmp_path, env=ENV, capture_output=True, text=True)
    assert res.returncode == 0 and "SUCCESS!" in res.stdout, res.stdout + res.stderr
    gif_file = tmp_path / "game_of_life.gif"
    assert gif_file.is_file() == gif
    if gif:
        assert gif_file.read_bytes()[:6] in (b"GIF87a", b"GIF89a")
