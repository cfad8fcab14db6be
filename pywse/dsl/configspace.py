"""A PE's configuration space as task bodies reach it: `@get_config` / `@set_config` (and their
`_unchecked` twins) on the router's per-color registers, and `<tile_config>`'s exception mask.

CSL addresses configuration registers by word address. pywse models the two per-color router
registers the SDK's own code reads and writes this way (csl-examples spmv-hypersparse's
allreduce2R1E, through `@bitcast(*u16, addr * 2).*`, the form SDK 1.4 deprecates in favour of
these builtins); what each bit means is docs/semantics.md, "Configuration registers":

* color config, `COLOR_CONFIG + color` (0x7f20..0x7f37): the base route (position 0),
  color swap, pop mode, teardown;
* switch config, `SWITCH_CONFIG + color` (0x7f40..0x7f57): switch positions 1..3, ring
  mode, the current position.

These are WSE-2's addresses (the allreduce's comments). WSE-3's are not published: pywse
uses the same numbers on both arches (pywse's own), and `<tile_config>`'s
`get_color_config_addr(c)` / `get_switch_config_addr(c)` give them, so a program that takes
its addresses from `<tile_config>` runs the same on both. Any other address is an error
naming it and these ranges: at compile time when it is a literal, else when the call runs.

What each builtin does at run time: sim/configregs.py. The exception mask
(`tile_config.exceptions.set_exception_mask`): sim/fpexcept.py.
"""
from __future__ import annotations

from ..errors import ProgramError
from ..types import N_COLORS
from .primitives import _primitive
from .signatures import TABLE, Builtin

COLOR_CONFIG = 0x7F20
"""Word address of color 0's color config register (`get_color_config_addr(c)` is
COLOR_CONFIG + c; dsl/tileprims.py's CONFIG_BASE)."""
SWITCH_CONFIG = 0x7F40
"""Word address of color 0's switch config register (tileprims.SWITCH_BASE)."""
REGISTERS = ((COLOR_CONFIG, "color config"), (SWITCH_CONFIG, "switch config"))
RANGES_TEXT = (f"the modelled ones are the color config registers {COLOR_CONFIG:#06x}.."
               f"{COLOR_CONFIG + N_COLORS - 1:#06x} and the switch config registers "
               f"{SWITCH_CONFIG:#06x}..{SWITCH_CONFIG + N_COLORS - 1:#06x} (color_config."
               "get_color_config_addr(c) / switch_config.get_switch_config_addr(c))")


def register_of(addr: int) -> tuple[str, int] | None:
    """(register name, color) of a modelled word address, else None."""
    for base, name in REGISTERS:
        if base <= addr < base + N_COLORS:
            return name, addr - base
    return None


def _u16_problems(args, what: tuple[str, ...]) -> list[str]:
    """Integer arguments; a literal address must be a modelled register, a literal value a
    u16 (CSL: machine-word-sized unsigned integers)."""
    problems = []
    for k, role in zip(args, what):
        if k is None or k.what == "unknown":
            continue
        if k.what != "scalar" or k.dtype is None or k.dtype.kind not in "iub":
            problems.append(f"the {role} of a config register access must be an integer (a "
                            f"u16), got {k.describe()}")
        elif isinstance(k.value, int) and not isinstance(k.value, bool):
            if not 0 <= k.value <= 0xFFFF:
                problems.append(f"the {role} {k.value} is not a u16 (0..65535)")
            elif role == "address" and register_of(k.value) is None:
                problems.append(f"address {k.value:#06x} is no configuration register pywse "
                                f"models; {RANGES_TEXT}")
    return problems


class ConfigBuiltin(Builtin):
    """A config-register builtin: its arguments are checked when `pw.compile` checks the
    task (`check`, as an internal primitive's)."""

    def check(self, args) -> list[str]:
        return _u16_problems(args, ("address", "value"))


def comptime_config(name: str, shown: str = "pw"):
    """What `pw.<name>` (`shown` "pw") or `p.<name>` ("p") does in a program body: a
    ProgramError saying why pywse has no comptime form."""
    def twin(*args, **kwargs):
        raise ProgramError(
            f"{shown}.{name} in a program body: CSL's top-level comptime form refuses the "
            "routing and switch ranges (the compiler owns them), and those are the only "
            "configuration registers pywse models (each color's color config and switch "
            "config); set a color's route with p.set_local_color_config / "
            f"layout.set_color_config, or call pw.{name} in a task body")
    twin.__name__ = name
    return twin


_DOC_GET = ("read a configuration register by word address: a color's color config or "
            "switch config (docs/semantics.md, Configuration registers)")
_DOC_SET = ("write a configuration register by word address: a color's color config or "
            "switch config; the router changes at once, as <tile_config>'s calls do")
for _name, _params, _ret, _doc in (
        ("get_config", ("int",), "uint16", _DOC_GET),
        ("get_config_unchecked", ("int",), "uint16", _DOC_GET + " (pywse checks it as "
                                                                "@get_config)"),
        ("set_config", ("int", "int"), None, _DOC_SET),
        ("set_config_unchecked", ("int", "int"), None, _DOC_SET + " (pywse checks it as "
                                                                  "@set_config)")):
    TABLE[_name] = ConfigBuiltin(_name, f"@{_name}", "config", _params, returns=_ret, doc=_doc,
                                 comptime_twin=comptime_config(_name))


# -- <tile_config>'s exceptions (CSL-LIBRARIES §1.7): the exception mask register ---------------

EXCEPTIONS = ("PERF_CNT_0_OVERFLOW", "PERF_CNT_1_OVERFLOW", "SW_EXCEPTION", "FP_UNDERFLOW",
              "FP_OVERFLOW", "FP_INEXACT", "FP_INVALID", "FP_DIV_BY_0")
"""Bit k of the exception mask register is exception k (pywse's numbering; the SDK gives the
constants' names, not their values). A set bit masks the exception; `set_exception_mask(m)`
writes the register, so each constant is the all-masked word with its own bit cleared and
`FP_OVERFLOW & FP_UNDERFLOW` unmasks both (the SDK's example)."""
EXCEPTION_BIT = {name: 1 << k for k, name in enumerate(EXCEPTIONS)}
ALL_MASKED = 0xFFFF
FP_BITS = sum(EXCEPTION_BIT[n] for n in ("FP_UNDERFLOW", "FP_OVERFLOW", "FP_INVALID",
                                         "FP_DIV_BY_0"))
"""The exceptions pywse detects (sim/fpexcept.py); FP_INEXACT it refuses to unmask."""


def mask_constant(name: str) -> int:
    """`exceptions.<name>`: the mask word that unmasks exception `name` alone."""
    return ALL_MASKED & ~EXCEPTION_BIT[name]


def _check_mask(args) -> list[str]:
    problems = _u16_problems(args, ("mask",))
    k = args[0] if args else None
    if not problems and k is not None and isinstance(k.value, int) and \
            not k.value & EXCEPTION_BIT["FP_INEXACT"]:
        problems.append("set_exception_mask: " + INEXACT_REFUSED)
    return problems


INEXACT_REFUSED = (
    "this mask unmasks FP_INEXACT, which pywse does not model: nearly "
    "every float operation rounds, and pywse cannot say which ones the hardware counts as "
    "inexact; leave FP_INEXACT masked (e.g. exceptions.FP_OVERFLOW & exceptions.FP_INVALID)")

tc_set_exception_mask = _primitive(
    "tc_set_exception_mask", ("int",), check=_check_mask,
    csl="<tile_config>'s exceptions.set_exception_mask",
    doc="write the PE's exception mask register: an unmasked floating-point exception stops "
        "the run")
