"""Unit-testing task logic from pytest: `Harness` runs one program on a small grid.
Top layer: may import every layer below, and nothing in the package imports it."""
from ..errors import user_boundaries
from .harness import Harness

user_boundaries(Harness)   # an error leaving the harness shows the user's frames (errors.py)

__all__ = ["Harness"]
