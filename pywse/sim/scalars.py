"""Scalar builtins of task bodies (`pw.bitcast`, `pw.get_int`) and pointers (`pw.ptr`,
`pw.ptrcast`); their comptime twins are in dsl/twins.py."""
from __future__ import annotations

import numpy as np

from .builtins import lowers

# -- scalar builtins (comptime twins in dsl/twins.py) ---------------------------------------------

@lowers("bitcast")
def _bitcast(st, pe, t, x):
    """`x`'s bits as type `t` (CSL `@bitcast`; the checker made the widths match)."""
    return np.full(1, x).view(t)[0]


@lowers("get_int")
def _get_int(st, pe, x):
    """The integer behind a color or task (both are their ids in a task body)."""
    return np.uint16(x)


# -- pointers: pw.ptr (CSL `&arr[i]`) ------------------------------------------------------------

@lowers("ptr")
def _ptr(st, pe, arr, i):
    """A one-element view of element `i` of `arr` (flat index): writes through it reach the
    array, and in PE memory it is a DSD op's pointer operand as a one-element var is."""
    flat = arr.reshape(arr.size)
    k = np.int64(i)
    if k < 0 or k >= flat.size:
        raise IndexError("pw.ptr: the element is outside the array")
    return flat[k:k + 1]


@lowers("ptrcast", defaults={"at": 0})
def _ptrcast(st, pe, t, arr, at):
    """`arr`'s memory from flat element `at` on, as elements of type `t` (CSL `@ptrcast`):
    a view, so writes through it reach the array, and it stays inside it (never a neighbour
    symbol)."""
    flat = arr.reshape(arr.size)
    k = np.int64(at)
    if k < 0 or k >= flat.size:
        raise IndexError("pw.ptrcast: the element is outside the array")
    rest = flat[k:]
    size = np.empty(0, t).itemsize
    if (rest.size * rest.itemsize) % size != 0:
        raise ValueError("pw.ptrcast: the array's bytes from that element on are not a whole "
                         "number of elements of the new type")
    return rest.view(t)
