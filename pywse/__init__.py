"""pywse: write, lay out, simulate and unit-test Cerebras WSE programs in Python.

The package is layered (docs/architecture.md): `dsl` (the comptime language) <- `layout`
(placement, routes, compile) <- `sim` (the engine) <- `host` (SdkRuntime) <- `lib` (the SDK's
libraries) <- `testing` / `tools`. This module is the public face: `import pywse as pw` gives every user-facing name.
"""
from . import lib as _lib  # noqa: F401  (the SDK's libraries register themselves by CSL name)
from .dsl import control
from .dsl.dsd import fabin, fabout, mem1d, mem4d
from .dsl.modules import Module, module
from .dsl.program import Program, program
from .dsl.signatures import TABLE as _TABLE
from .errors import (
    CostError,
    CycleLimitError,
    DeadlockError,
    JitWarning,
    LayoutError,
    LivelockError,
    MemcpyError,
    MemcpyWarning,
    PictureError,
    ProgramError,
    PywseError,
    ResourceError,
    RoutingError,
    RoutingWarning,
    ScriptError,
    StatsError,
    TaskError,
    TraceError,
    TraceWarning,
    UnreachableTaskWarning,
)
from .host.commands import MemcpyTask
from .host.memcpy import MemcpyDataType, MemcpyOrder
from .host.runtime import SdkRuntime
from .layout.classic import Layout
from .layout.compile import Artifacts, compile
from .layout.routing import Filter, RangeFilter, Switches, SwitchPos
from .sim.costs import Costs
from .types import (
    EAST,
    NORTH,
    PE_MEMORY_BYTES,
    RAMP,
    SOUTH,
    WEST,
    Color,
    f16,
    f32,
    i16,
    i32,
    u16,
    u32,
)

_BUILTINS = {n: b for n, b in _TABLE.items() if b.supported and b.kind != "internal"}
globals().update(_BUILTINS)  # pw.fmovs, pw.activate, pw.increment_dsd_offset, ...

__version__ = "0.1.0"
__all__ = ["Artifacts", "Color", "CostError", "Costs", "CycleLimitError", "DeadlockError", "EAST",
           "Filter", "JitWarning", "Layout", "LayoutError", "LivelockError", "MemcpyDataType",
           "MemcpyError", "MemcpyOrder", "MemcpyTask", "MemcpyWarning", "Module", "NORTH",
           "PE_MEMORY_BYTES", "PictureError", "Program", "ProgramError", "PywseError", "RAMP", "RangeFilter",
           "ResourceError", "RoutingError", "RoutingWarning", "SOUTH", "ScriptError", "SdkRuntime",
           "StatsError", "SwitchPos", "Switches", "TaskError", "TraceError",
           "TraceWarning", "UnreachableTaskWarning", "WEST", "compile", "control",
           "f16", "f32", "fabin", "fabout", "i16", "i32", "mem1d", "mem4d", "module", "program",
           "u16", "u32", *sorted(_BUILTINS)]


def _show_public_paths() -> None:
    """Classes and functions defined inside the layers report `pywse` as their module, so
    `help()`, reprs and tracebacks show the path users import them by (`pywse.Layout`)."""
    for name in __all__:
        obj = globals()[name]
        if isinstance(obj, type) or callable(obj) and hasattr(obj, "__code__"):
            if getattr(obj, "__module__", "").startswith(__name__ + "."):
                obj.__module__ = __name__


_show_public_paths()
