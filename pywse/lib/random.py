"""`<random>`: CSL's random-number library (CSL-LIBRARIES §1.4), on top of `pw.random16()`.

    rnd = p.import_module("<random>")       # CSL: const random = @import_module("<random>");
    ...
    x = rnd.random_f32(-1.0, 1.0)           # in a task body

or `from pywse.lib import random as rnd` (task bodies only: every function draws from the
PE's active PRNG, engine state). Like CSL's, every function wraps `@random16` (sim/builtins.py:
a 23-bit LFSR, x^23 + x^18 + 1, 128 steps a call, seeded 0xdeadbeef, one state per PE). The
SDK does not publish how it turns 16-bit draws into floats; pywse's way, so a run is
reproducible to the bit in both modes:

* `random_f32(lower, upper)`: two draws make a 24-bit k (the first draw, then the top 8 bits
  of the second); u = k * 2**-24 in [0, 1) exactly; result = lower + (upper - lower) * u in
  f32 (each operation rounded), and `lower` if rounding reached `upper`.
* `random_f16(lower, upper)`: one draw's top 11 bits make u = k * 2**-11; the same formula,
  rounded to f16 (returned widened to f32, as pywse shows f16 values).
* `random_pow_u32(pow)`: two draws make 32 bits (first draw high); the top `pow` of them
  (0 for pow 0, all 32 from 32 up).
* `random_normal_f32()`: Box-Muller, sqrt(-2 ln u1) * cos(2 pi u2), u1 = (k1 + 1) * 2**-24 in
  (0, 1], u2 = k2 * 2**-24, with `<math>`'s f32 functions.
* `set_global_prng_seed(seed)`: the active PRNG's state becomes the seed's low 23 bits.
"""
from __future__ import annotations

from ..dsl.modules import library
from ..dsl.signatures import TABLE
from ..sim import mathops as _k
from ..types import f32, u32
from .argrules import rule

random16 = TABLE["random16"]
set_global_prng_seed = TABLE["set_global_prng_seed"]


def _draw24():
    hi = u32(random16())
    lo = u32(random16())
    return (hi << 8) | (lo >> 8)


def random_f32(lower, upper):
    u = f32(_draw24()) * f32(5.9604644775390625e-08)
    low = f32(lower)
    r = low + (f32(upper) - low) * u
    if r >= upper:
        r = low
    return r


def random_f16(lower, upper):
    u = f32(u32(random16()) >> 5) * f32(0.00048828125)
    low = _k.to_f16(lower)
    r = _k.to_f16(low + (_k.to_f16(upper) - low) * u)
    if r >= upper:
        r = low
    return r


def random_pow_u32(pow):  # noqa: A002  (CSL's parameter name)
    n = u32(pow)
    hi = u32(random16())
    v = (hi << 16) | u32(random16())
    if n == 0:
        return u32(0)
    if n >= 32:
        return v
    return v >> (u32(32) - n)


def random_normal_f32():
    u1 = (f32(_draw24()) + f32(1.0)) * f32(5.9604644775390625e-08)
    u2 = f32(_draw24()) * f32(5.9604644775390625e-08)
    radius = _k.sqrt_f32(f32(-2.0) * _k.log_f32(u1))
    return radius * _k.cos_f32(f32(6.2831855) * u2)


random_f32.check_call = rule("<random>", "random_f32", ("float", "float"), "f32")
random_f16.check_call = rule("<random>", "random_f16", ("float", "float"), "f16")
random_pow_u32.check_call = rule("<random>", "random_pow_u32", ("int",), "u32")
random_normal_f32.check_call = rule("<random>", "random_normal_f32", (), "f32")

MEMBERS = dict(set_global_prng_seed=set_global_prng_seed, random_f16=random_f16,
               random_f32=random_f32, random_pow_u32=random_pow_u32,
               random_normal_f32=random_normal_f32)
"""What `<random>` gives an importer."""


@library("<random>")
def library(p) -> dict:
    """`p.import_module("<random>")`: the random functions (state: the PE's PRNGs)."""
    return dict(MEMBERS)

