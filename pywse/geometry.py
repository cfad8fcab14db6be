"""`pywse.geometry`: the drop-in for `cerebras.geometry.geometry` (SdkLayout coordinates).

    from pywse.geometry import IntVector, IntRectangle
"""
from .layout.geometry import IntRectangle, IntVector

IntVector.__module__ = IntRectangle.__module__ = __name__

__all__ = ["IntRectangle", "IntVector"]
