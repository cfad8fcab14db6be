"""The error hierarchy: every user mistake is a `PywseError` naming where and how to fix it."""
from __future__ import annotations


class PywseError(Exception):
    """Base class of every error pywse raises for a user mistake."""


class ProgramError(PywseError):
    """A PE program (comptime code, vars, DSDs, task declarations) is malformed."""


class TaskError(PywseError):
    """A task body cannot be compiled, or failed while running on a PE."""


class LayoutError(PywseError):
    """The layout or a compile option breaks one of cslc's rules."""


class RoutingError(LayoutError):
    """The routing graph is wrong (colors, routes, memcpy-reserved resources)."""


class RoutingWarning(UserWarning):
    """Routes cslc accepts that lose or starve wavelets (layout/lints.py); an error under
    `pw.compile(..., strict=True)`."""


class MemcpyError(PywseError):
    """A host command (memcpy, launch, read_symbol) got bad arguments."""


class DeadlockError(PywseError):
    """The simulation can make no more progress while work is still pending."""


class CycleLimitError(PywseError):
    """A run went past its cycle budget (`max_cycles`, `PYWSE_MAX_CYCLES`) with work left."""


class LivelockError(CycleLimitError):
    """A host command waited past its budget while the fabric kept moving: something runs
    forever (a task that re-triggers itself, wavelets circling). The report names what."""


class ScriptError(PywseError):
    """`pywse run` cannot start the host script it was given (missing file, a directory)."""


def pe_name(x: int, y: int) -> str:
    return f"PE ({x}, {y})"
