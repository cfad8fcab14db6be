"""Unit-testing task logic: `Harness` runs a program (or a layout) on a small grid, fed and
read by the test; `plugin` is the pytest plugin (fixture `pywse_harness`).
Top layer: may import every layer below, and nothing in the package imports it."""
from .harness import Harness, TaskState
from .wavelets import ExpectError, HarnessError, Received

__all__ = ["ExpectError", "Harness", "HarnessError", "Received", "TaskState"]
