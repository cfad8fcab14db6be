"""Engine helpers that compiled task bodies call, compiled once and cached on disk.

A `register_jitable` helper is compiled again inside every task that calls it: the DSD op
machinery (`builtins._start`, the op executor in ops.py) made a one-line task cost ~10 s of
numba time on its first run. A `precompiled` helper is still the plain Python function when
called from Python (`jit=False` runs the same code), but compiled code calls one
`numba.njit(cache=True)` dispatcher, compiled per argument types once and then loaded from
numba's disk cache by every task and every process.
"""
from __future__ import annotations

import inspect
from typing import Callable

import numba
from numba.extending import overload


def precompiled(fn: Callable) -> Callable:
    """Mark `fn` (plain Python, numba-compilable) as a cached helper for compiled code."""
    jitted = numba.njit(cache=True)(fn)
    args = ", ".join(inspect.signature(fn).parameters)
    namespace = {"jitted": jitted}
    exec(f"def impl({args}):\n    return jitted({args})\n\n"
         f"def typer({args}):\n    return impl\n", namespace)
    overload(fn)(namespace["typer"])
    return fn
