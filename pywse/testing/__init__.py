"""Unit-testing task logic: `Harness` runs a program (or a layout) on a small grid, fed and
read by the test; `plugin` is the pytest plugin (fixture `pywse_harness`).
Top layer: may import every layer below, and nothing in the package imports it."""
from ..errors import user_boundaries
from .harness import Harness, TaskState
from .wavelets import ExpectError, HarnessError, Received

user_boundaries(Harness)   # an error leaving the harness shows the user's frames (errors.py)

__all__ = ["ExpectError", "Harness", "HarnessError", "Received", "TaskState"]

for _name in __all__:      # tracebacks and reprs show the path users import them by
    globals()[_name].__module__ = __name__
