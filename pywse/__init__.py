"""pywse: write, lay out, simulate and unit-test Cerebras WSE programs in Python."""
from .builtins import REGISTRY as _BUILTINS
from . import control
from .compile import Artifacts, compile
from .dsd import fabin, fabout, mem1d, mem4d
from .errors import (DeadlockError, LayoutError, MemcpyError, ProgramError, PywseError,
                     RoutingError, TaskError)
from .layout import Layout
from .memcpy import MemcpyDataType, MemcpyOrder
from .program import Program, program
from .routing import RangeFilter, SwitchPos, Switches
from .runtime import MemcpyTask, SdkRuntime
from .types import (EAST, NORTH, PE_MEMORY_BYTES, RAMP, SOUTH, WEST, Color, f16, f32, i16, i32,
                    u16, u32)

globals().update(_BUILTINS)  # pw.fmovs, pw.activate, pw.increment_dsd_offset, ...

__version__ = "0.1.0"
__all__ = ["Artifacts", "control", "Color", "DeadlockError", "EAST", "Layout", "LayoutError",
           "MemcpyDataType", "MemcpyError", "MemcpyOrder", "MemcpyTask", "NORTH",
           "PE_MEMORY_BYTES", "Program", "ProgramError", "PywseError", "RAMP", "RangeFilter",
           "RoutingError", "SOUTH", "SwitchPos", "Switches", "SdkRuntime", "TaskError", "WEST", "compile", "f16", "f32", "i16", "i32",
           "fabin", "fabout", "mem1d", "mem4d", "program", "u16", "u32", *sorted(_BUILTINS)]
