"""Heatmaps of the cycle account (`runner.heatmap(path, metric)`, `h.heatmap(...)`): one
per-PE metric of `Stats` (sim/stats.py: busy, stalled, idle, wavelets, received, tasks) over
the kernel, row y downward as in the layout picture.

Past `pictures.MAX_CELLS` PEs a side, PEs are binned into square blocks and a cell shows
its block's mean per PE (the title says so and gives the block size); an SdkLayout run has
its regions outlined.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import PictureError
from ..layout import pictures as P
from ..sim.stats import METRICS

UNITS = {"busy": "cycles busy", "stalled": "cycles stalled", "idle": "cycles idle",
         "wavelets": "wavelets sent", "received": "wavelets received", "tasks": "tasks run"}


def check_metric(metric: str, what: str) -> None:
    """Refuse a metric the cycle account does not have, listing the ones it has."""
    if metric not in METRICS:
        raise PictureError(f"{what}(metric={metric!r}): no such metric; the metrics are "
                           f"{', '.join(METRICS)}")


def heatmap(a: np.ndarray, cycles: int, path, metric: str, regions=()) -> Path:
    """Draw `a`, per-PE metric `metric` (h x w, checked by the caller: `check_metric`) of a
    run of `cycles` cycles, to `path` (.png or .svg); `regions`: (name, x, y, width, height)
    rectangles to outline."""
    out = P.image_path(path, "heatmap")
    Figure = P.figure_class()
    from matplotlib.patches import Rectangle
    h, w = a.shape
    block = P.block_size(w, h)
    cells = P.binned(a, block, "mean")
    bh, bw = cells.shape
    fig, ax = P.canvas(Figure, bw, bh, 2.0)
    im = ax.imshow(cells, cmap="viridis", interpolation="nearest", vmin=0,
                   vmax=max(1.0, float(cells.max())),
                   extent=(-0.5, bw - 0.5, bh - 0.5, -0.5))
    per = "mean per PE of each block" if block > 1 else "per PE"
    fig.colorbar(im, ax=ax, shrink=0.8, label=f"{UNITS[metric]} ({per})")
    for name, x, y, rw, rh in regions:
        ax.add_patch(Rectangle((x / block - 0.5, y / block - 0.5), rw / block, rh / block,
                               fill=False, lw=1.2, ec="white", zorder=3))
        ax.text(x / block - 0.4, y / block - 0.4, name, color="white", fontsize=7, va="top")
    total = int(np.asarray(a).sum())
    ax.set_title(f"{metric}: {UNITS[metric]} per PE, {w}x{h} PEs, {cycles:,} cycles run "
                 f"(total {total:,}, max {int(a.max()):,}){P.block_note(block)}", fontsize=9)
    ax.set_xlabel(f"x (PE{' block' if block > 1 else ''})")
    ax.set_ylabel(f"y (PE{' block' if block > 1 else ''})")
    return P.save(fig, out)
