"""Draw the pictures docs/pictures.md shows into docs/images/: three examples' layouts and
heatmaps of their runs (gemv-08, game-of-life, sdklayout-05).

    PYTHONPATH=. python docs/make_images.py

Each example runs as its own `main()` does (plain Python task bodies: quick to start); a
stop hook draws the heatmaps of the run's cycle account when the example stops its runtime.
"""
import sys
import tempfile
from pathlib import Path

import pywse as pw
from pywse.host.runtime import STOP_HOOKS
from pywse.sdkruntime import SdkLayout

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "examples" / "sdklayout")]

import game_of_life  # noqa: E402
import gemv_08_routes_3  # noqa: E402
import sdklayout_05_gemv  # noqa: E402


def heatmaps(name: str, metrics=("busy", "stalled", "wavelets")):
    """A stop hook that draws the stopping runtime's heatmaps as docs/images/NAME-METRIC.png."""
    def hook(runtime) -> None:
        for metric in metrics:
            runtime.heatmap(IMAGES / f"{name}-{metric}.png", metric)
    return hook


def run_with(hook, fn, *args, **kwargs) -> None:
    STOP_HOOKS.append(hook)
    try:
        fn(*args, **kwargs)
    finally:
        STOP_HOOKS.remove(hook)


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        # gemv-08: the params of its commands_wse3.sh
        gemv_08_routes_3.layout(4, 4, 32, 16).draw(IMAGES / "gemv-08-layout.png", "wse3")
        out = f"{tmp}/gemv08"
        pw.compile(gemv_08_routes_3.layout(4, 4, 32, 16), arch="wse3", out_dir=out,
                   params=dict(kernel_x_dim=4, kernel_y_dim=4, M=32, N=16))
        run_with(heatmaps("gemv-08"), gemv_08_routes_3.run, out, jit=False)

        game_of_life.layout(12, 12).draw(IMAGES / "game-of-life-layout.png", "wse3")
        out = f"{tmp}/life"
        pw.compile(game_of_life.layout(12, 12), arch="wse3", out_dir=out,
                   params=dict(x_dim=12, y_dim=12))
        run_with(heatmaps("game-of-life"), game_of_life.run, out, jit=False)

        # sdklayout-05 draws its layout just before it compiles it
        sdk = SdkLayout
        compile_sdk = sdk.compile

        def draw_then_compile(layout, *args, **kwargs):
            layout.draw(IMAGES / "sdklayout-05-layout.png")
            return compile_sdk(layout, *args, **kwargs)
        sdk.compile = draw_then_compile
        try:
            run_with(heatmaps("sdklayout-05"), sdklayout_05_gemv.main,
                     ["--no-jit", "--out", f"{tmp}/sdk05"])
        finally:
            sdk.compile = compile_sdk
    print(f"wrote {len(list(IMAGES.glob('*.png')))} pictures into {IMAGES}")


if __name__ == "__main__":
    main()
