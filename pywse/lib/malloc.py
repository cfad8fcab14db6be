"""`<malloc>`: an arena allocator over a buffer in PE memory (CSL-LIBRARIES §1.15).

    mem = p.import_module("<malloc>", buffer_num_words=256)   # or: from pywse.lib import malloc
    ...
    def go():                                   # in a task body
        a = mem.malloc_f32(n)                   # n f32 from the arena: an array of PE memory
        b = mem.malloc(pw.i16, 2 * n)
        pw.fmovs(pw.mem1d(a), 1.5)              # a DSD operand like any var
        a[0] = a[1] + 2.0                       # or indexed
        mem.free()                              # the whole arena is free again

As in the SDK, the buffer is declared when the library is imported: `buffer_num_words` 16-bit
words (`<instance>.buffer`, counted in the PE's 48 KiB like any var, so an arena that does not
fit is refused when the program is compiled), and allocations are handed out one after the
other from its start; `free()` frees them all at once. `has_enough_space(T, n)`,
`has_enough_words(n)` (16-bit types) and `has_enough_double_words(n)` (32-bit types) say
whether an allocation would succeed.

What pywse assumes where the SDK is silent:
* an allocation that does not fit is an error that stops the task at the call's line, always
  (the SDK checks only with `asserts_enabled=True`, and otherwise hands out memory past the
  buffer; pywse never does: `asserts_enabled` is accepted and changes nothing);
* 32-bit allocations start at an even word (4-byte aligned), so `has_enough_double_words`
  counts the padding word an odd arena top would need;
* an allocation of 0 elements fits always and gives an empty array;
* `malloc(pw.f16, n)` and `has_enough_space(pw.f16, n)` are refused when the program is
  compiled (compiled task bodies cannot hold pw.f16 as a value): call `malloc_f16(n)` and
  `has_enough_words(n)`;
* an f16 allocation (`malloc_f16`) holds f16 bit patterns as u16, as
  compiled task bodies see f16 vars: use it as the operand of the f16 DSD builtins
  (`pw.fmovh`, `pw.faddh`, ...); reading its elements gives bits, in both modes.
"""
from __future__ import annotations

import numpy as np

from ..dsl.kinds import Kind
from ..dsl.modules import library
from ..errors import ProgramError
from ..types import PE_MEMORY_BYTES, f32, i16, i32, u16, u32


def _words(top, T):
    """16-bit words per element of T: 2 for a 32-bit type, 1 for a 16-bit one (the u32 `top`
    viewed as T has one element or two; a way numba and Python both have)."""
    return 3 - top.view(T).size


def _start(top, words_each):
    """Where an allocation of `words_each`-word elements would start (32-bit: even)."""
    at = top[0]
    if words_each == 2 and at % 2 == 1:
        at += 1
    return at


def _fits(buffer, top, words_each, num_values):
    return _start(top, words_each) + words_each * num_values <= buffer.size


def _take(buffer, top, words_each, num_values):
    """The words of the next allocation, the arena's top moved past them."""
    if num_values < 0:
        raise ValueError("<malloc>: the number of values is negative")
    at = _start(top, words_each)
    end = at + words_each * num_values
    if end > buffer.size:
        raise ValueError("<malloc>: the arena is out of space (the allocation does not fit "
                         "in buffer_num_words): import <malloc> with a larger "
                         "buffer_num_words, check has_enough_space first, or free()")
    top[0] = end
    return buffer[at:end]


@library("<malloc>")
def malloc_library(p, *, buffer_num_words, asserts_enabled=False):
    """The `<malloc>` module: its buffer, and allocation helpers for task bodies."""
    if isinstance(buffer_num_words, bool) or not isinstance(buffer_num_words, int) or \
            not 1 <= buffer_num_words <= PE_MEMORY_BYTES // 2:
        raise ProgramError(f"<malloc>: buffer_num_words must be a number of 16-bit words, "
                           f"1..{PE_MEMORY_BYTES // 2}, got {buffer_num_words!r}")
    buffer = p.var("buffer", u16, buffer_num_words, align=4)
    top = p.var("top", u32, 1)

    def malloc(T, num_values):
        """`num_values` elements of type T from the arena (an array of PE memory)."""
        return _take(buffer, top, _words(top, T), num_values).view(T)

    def malloc_i16(num_values):
        return _take(buffer, top, 1, num_values).view(i16)

    def malloc_u16(num_values):
        return _take(buffer, top, 1, num_values)

    def malloc_f16(num_values):
        return _take(buffer, top, 1, num_values)

    def malloc_i32(num_values):
        return _take(buffer, top, 2, num_values).view(i32)

    def malloc_u32(num_values):
        return _take(buffer, top, 2, num_values).view(u32)

    def malloc_f32(num_values):
        return _take(buffer, top, 2, num_values).view(f32)

    def has_enough_space(T, num_values):
        """Would `malloc(T, num_values)` succeed?"""
        return _fits(buffer, top, _words(top, T), num_values)

    def has_enough_words(num_words):
        """Would an allocation of `num_words` 16-bit values succeed?"""
        return _fits(buffer, top, 1, num_words)

    def has_enough_double_words(num_double_words):
        """Would an allocation of `num_double_words` 32-bit values succeed?"""
        return _fits(buffer, top, 2, num_double_words)

    def free():
        """Free every allocation at once."""
        top[0] = 0

    malloc.check_call = _type_rule("malloc", "malloc_f16")
    has_enough_space.check_call = _type_rule("has_enough_space", "has_enough_words")
    return dict(malloc=malloc, malloc_i16=malloc_i16, malloc_u16=malloc_u16,
                malloc_f16=malloc_f16, malloc_i32=malloc_i32, malloc_u32=malloc_u32,
                malloc_f32=malloc_f32, has_enough_space=has_enough_space,
                has_enough_words=has_enough_words,
                has_enough_double_words=has_enough_double_words, free=free,
                buffer_num_words=buffer_num_words, asserts_enabled=asserts_enabled)


def _type_rule(name: str, f16_twin: str):
    """The checker's rule for `name(T, n)`: T a type known at comptime, not f16 (compiled
    task bodies cannot hold pw.f16 as a value: numba has no float16), n an integer."""
    def check_call(args: list[Kind]):
        if len(args) != 2:
            return f"<malloc>.{name} takes 2 arguments (T, num_values), got {len(args)}"
        t, n = args
        if t.what != "type":
            return f"<malloc>.{name} takes an element type known at comptime first " \
                   f"(pw.f32, pw.i16, ...), got {t.describe()}"
        if t.dtype == np.float16:
            return f"<malloc>.{name}(pw.f16, n): task bodies cannot pass pw.f16 as a value " \
                   f"(compiled code has no float16); call {f16_twin}(n)"
        if n.what not in ("scalar", "unknown") or (n.what == "scalar" and n.dtype is not None
                                                   and n.dtype.kind not in "iub"):
            return f"<malloc>.{name} takes an integer number of values, got {n.describe()}"
        return None
    return check_call


library = malloc_library
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(malloc.library,
buffer_num_words=...)`)."""
