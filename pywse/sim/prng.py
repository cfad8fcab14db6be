"""The PE's pseudo-random generators (`@random16`, `@set_active_prng`, `<random>`'s seed):
per-PE LFSR state in `st.prng`, the last column the active generator's index."""
from __future__ import annotations

import numpy as np
from numba.extending import register_jitable

from .builtins import lowers

# Each PRNG is a 23-bit Fibonacci LFSR with feedback polynomial x^23 + x^18 + 1 (CSL-LIBRARIES
# §4.5), in the usual convention for taps 23 and 18 (the SDK publishes no bit convention):
# one step makes b = r[0] ^ r[5] and sets r = (r >> 1) | (b << 22). A call advances 128 steps
# and returns the register's low 16 bits. Sixteen steps at once: the new bits are
# r[0..15] ^ r[5..20], (r ^ (r >> 5)) & 0xFFFF, and enter at bits 7..22.

LFSR_MASK = 0x7FFFFF


@register_jitable
def lfsr_advance(r, steps):
    """The register after `steps` (a multiple of 16) single LFSR steps."""
    for _ in range(steps // 16):
        r = (r >> 16) | (((r ^ (r >> 5)) & 0xFFFF) << 7)
    return r


@lowers("random16")
def _random16(st, pe):
    """The active PRNG's next u16 (CSL `@random16`)."""
    k = st.prng[pe, st.prng.shape[1] - 1]
    r = lfsr_advance(st.prng[pe, k], 128)
    st.prng[pe, k] = r
    return np.uint16(r & 0xFFFF)


@lowers("set_active_prng")
def _set_active_prng(st, pe, prng_id):
    """Make PRNG `id % N` the active one (CSL `@set_active_prng`); `id` is a u16."""
    i = np.int64(prng_id)
    if i < 0 or i > 0xFFFF:
        raise ValueError("pw.set_active_prng: the id is a u16, 0..65535")
    n = st.prng.shape[1] - 1
    st.prng[pe, n] = i % n


@lowers("set_global_prng_seed")
def _set_global_prng_seed(st, pe, seed):
    """Set the active PRNG's state (`<random>.set_global_prng_seed`): the seed's low 23 bits
    (a seed whose low 23 bits are all 0 leaves the LFSR at 0, as any LFSR)."""
    s = np.int64(seed)
    if s < 0 or s > 0xFFFFFFFF:
        raise ValueError("set_global_prng_seed: the seed is a u32, 0..4294967295")
    st.prng[pe, st.prng[pe, st.prng.shape[1] - 1]] = s & LFSR_MASK
