"""Unit-testing task logic from pytest: `Harness` runs one program on a small grid.
Top layer: may import every layer below, and nothing in the package imports it."""
from .harness import Harness

__all__ = ["Harness"]
