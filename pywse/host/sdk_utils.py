"""The SDK's host helpers for 16-bit memcpy buffers (`cerebras.sdk.sdk_utils` twins).

memcpy host buffers always have 4-byte elements. 16-bit data travels in the low half of each
32-bit word; these helpers pack and unpack that.
"""
from __future__ import annotations

import numpy as np

from ..errors import MemcpyError


def input_array_to_u32(np_arr: np.ndarray, sentinel, fast_dim_sz: int) -> np.ndarray:
    """Lift an array to the uint32 words memcpy sends.

    16-bit data goes in the low half. With `sentinel` not None, the high half of element i
    holds `i % fast_dim_sz` (an index a data task can read as its second argument); with
    `sentinel` None it is zero. 32-bit data is passed through bit for bit.
    """
    arr = np.ascontiguousarray(np_arr).reshape(-1)
    if arr.dtype.itemsize == 4:
        return arr.view(np.uint32).copy()
    if arr.dtype.itemsize != 2:
        raise MemcpyError(f"input_array_to_u32: expected 16- or 32-bit data, got {arr.dtype}")
    low = arr.view(np.uint16).astype(np.uint32)
    if sentinel is None:
        return low
    if int(fast_dim_sz) < 1:
        raise MemcpyError(f"input_array_to_u32: fast_dim_sz must be >= 1, got {fast_dim_sz}")
    index = (np.arange(arr.size, dtype=np.uint32) % np.uint32(fast_dim_sz)) << np.uint32(16)
    return low | index


def memcpy_view(arr: np.ndarray, dtype) -> np.ndarray:
    """View memcpy's uint32 words as `dtype`: the words themselves for 32-bit types, their low
    halves for 16-bit types. A view (writes reach `arr`, no copy) of `arr`'s shape, as the
    SDK's: run.py scripts index a (h, w, l) container's f16 view as `X[i][j][k]`."""
    dtype = np.dtype(dtype)
    if not isinstance(arr, np.ndarray) or arr.dtype.itemsize != 4:
        raise MemcpyError("memcpy_view: expected a numpy array of 4-byte words")
    if dtype.itemsize == 4:
        return arr.view(dtype)
    if dtype.itemsize == 2:
        # each word as a pair of halves (a new last axis), then the low half (little-endian)
        return arr[..., np.newaxis].view(dtype)[..., 0]
    raise MemcpyError(f"memcpy_view: dtype {dtype} is neither 16- nor 32-bit")
