"""What every picture shares: matplotlib (optional: the `viz` extra), the image format, and
binning PEs into blocks so that a big fabric stays readable and quick to draw.

Pictures are drawn on a bare `matplotlib.figure.Figure` and saved with its own `savefig`,
never through `pyplot`: pyplot's global state (its backend, the open-figure list) stays the
user's, and no window opens. The layout's pictures (draw.py) and the runtime's heatmaps
(host/heatmap.py) both come here.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np

from ..errors import PictureError

FORMATS = (".png", ".svg")
MAX_CELLS = 64          # a picture shows at most this many cells a side; more PEs are binned


def figure_class():
    """matplotlib's Figure, or a PictureError saying how to install it."""
    try:
        importlib.import_module("matplotlib")
        return importlib.import_module("matplotlib.figure").Figure
    except ImportError:
        raise PictureError('pictures need matplotlib: pip install "pywse[viz]"') from None


def image_path(path, what: str) -> Path:
    """`path` as a Path, refused unless it ends in .png or .svg (the format comes from it)."""
    out = Path(path)
    if out.suffix.lower() not in FORMATS:
        raise PictureError(f"{what}({str(path)!r}): cannot write a {out.suffix or 'suffixless'} "
                           f"image; give a path ending in .png or .svg (the format is taken "
                           "from the suffix)")
    return out


def block_size(width: int, height: int, cells: int = MAX_CELLS) -> int:
    """PEs a block's side: 1 (one cell per PE) up to `cells` PEs a side, else the least
    that fits the longer side into `cells` blocks."""
    return max(1, -(-max(width, height) // cells))


def binned(a: np.ndarray, block: int, how: str = "mean") -> np.ndarray:
    """`a` (h x w, or h x w x ...) reduced over `block` x `block` squares ("mean", "sum",
    "any", or "or": bitwise, of bit masks); a partial square at the right or bottom edge
    counts only its PEs."""
    if block == 1:
        return a
    h, w = a.shape[:2]
    bh, bw = -(-h // block), -(-w // block)
    pad = [(0, bh * block - h), (0, bw * block - w)] + [(0, 0)] * (a.ndim - 2)
    cube = np.pad(a, pad).reshape(bh, block, bw, block, *a.shape[2:])
    if how == "mean":
        counts = np.pad(np.ones((h, w)), pad[:2]).reshape(bh, block, bw, block).sum(axis=(1, 3))
        sums = cube.sum(axis=(1, 3), dtype=np.float64)
        return sums / counts.reshape(counts.shape + (1,) * (a.ndim - 2))
    if how == "or":
        return np.bitwise_or.reduce(np.bitwise_or.reduce(cube, axis=3), axis=1)
    return {"sum": cube.sum, "any": cube.any}[how](axis=(1, 3))


def canvas(Figure, cells_wide: int, cells_high: int, extra_width: float):
    """A figure sized for `cells_wide` x `cells_high` cells, `extra_width` inches more for a
    legend or a colorbar, and its axes, ticked on whole cells (PEs or blocks)."""
    side = min(0.6, 10 / max(cells_wide, cells_high))
    fig = Figure(figsize=(max(4.0, cells_wide * side) + extra_width,
                          max(3.0, cells_high * side) + 1.2))
    ax = fig.add_subplot()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return fig, ax


def block_note(block: int) -> str:
    """The title's note of the block size ('' when each cell is one PE)."""
    return "" if block == 1 else f" (each cell: a {block}x{block} block of PEs)"


def save(fig, path: Path) -> Path:
    """Write `fig` to `path` (PNG or SVG, by its suffix) and return the path."""
    fig.savefig(path, format=path.suffix.lower()[1:], dpi=100, bbox_inches="tight")
    return path
