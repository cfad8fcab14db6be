"""Engine primitives for the SDK's libraries: what pywse/lib task code calls as `prim.<name>`.

CSL's `<time>` reads the PE's timestamp counter and `<simprint>` writes to the simulator's
log: hardware and simulator facilities with no CSL spelling. pywse/lib code reaches them
through these internal builtins (kind "internal", registered in the builtin table so the
task-body checker and the task compiler accept them; sim/primitives.py says what they do):

    from ..dsl import primitives as prim
    def get_timestamp(result):          # a <time> helper, called from task bodies
        t = prim.tsc_read()

They are not public (`pw.tsc_read` does not exist) and docs/builtins.md does not list them.
The simprint format strings are parsed here, once for the checker (a wrong placeholder is a
compile-time error at the user's line) and for the engine (which formats the values).
"""
from __future__ import annotations

import re

import numpy as np

from .signatures import INTERNAL, NOT_YET, SUPPORTED, TABLE, Primitive

# what console_value prints (sim/primitives.py formats each)
U16_DEC, U16_HEX, U16_BIN, U32_DEC, U32_HEX, U32_BIN, F16, F32 = range(8)

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
FORMATS = {"d": "decimal", "X": "upper-case hexadecimal", "b": "binary", "f": "decimal float"}


def parse_format(fstr: str) -> list:
    """A simprint format string as pieces: literal text (str) and placeholders ('d', 'X',
    'b' or 'f', as 1-tuples). ValueError names a placeholder simprint does not have."""
    pieces: list = []
    pos = 0
    for m in _PLACEHOLDER.finditer(fstr):
        pieces.append(fstr[pos:m.start()])
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            pieces.append(token[0])
        elif m.group(1) in FORMATS:
            pieces.append((m.group(1),))
        elif token == "}":
            pieces.append("}")
        else:
            raise ValueError(f"{token!r} in format {fstr!r} is not a simprint placeholder; "
                             "use {d} (decimal), {X} (hex), {b} (binary), {f} (float) or {{ "
                             "for a literal brace")
    pieces.append(fstr[pos:])
    return [p for p in pieces if p != ""]


def _check_fmt(args) -> list[str]:
    """Compile-time check of `fmt(fstr, (a, b, ...))`: a literal format, one value per
    placeholder, integers for {d} {X} {b}, floats for {f}."""
    fstr, values = args
    if fstr.what != "str" or not isinstance(fstr.value, str):
        return ["the format of simprint's fmt must be a string literal (CSL: a "
                "comptime_string)"]
    try:
        holes = [p[0] for p in parse_format(fstr.value) if isinstance(p, tuple)]
    except ValueError as e:
        return [str(e)]
    if values.what == "seq":
        items = values.items
    elif values.what == "scalar":
        items = (values,)
    else:
        return [f"simprint's fmt takes its values as a tuple, e.g. fmt({fstr.value!r}, (x, y)); "
                f"got {values.describe()}"]
    if len(items) != len(holes):
        return [f"format {fstr.value!r} has {len(holes)} placeholder(s) but {len(items)} "
                "value(s) were given"]
    problems = []
    for n, (hole, k) in enumerate(zip(holes, items), 1):
        if k.what != "scalar" or k.dtype is None:
            if k.what != "unknown":
                problems.append(f"value {n} of format {fstr.value!r} is {k.describe()}, not a "
                                "number")
        elif hole == "f" and k.dtype.kind not in "f" and not k.weak:
            problems.append(f"{{f}} (value {n} of format {fstr.value!r}) needs a float, got "
                            f"{k.describe()}")
        elif hole != "f" and k.dtype.kind not in "iub":
            problems.append(f"{{{hole}}} (value {n} of format {fstr.value!r}) needs an "
                            f"integer, got {k.describe()}")
    return problems


def _primitive(name: str, params=(), returns: str | None = None, doc: str = "",
               check=None, csl: str = "", status: str = SUPPORTED) -> Primitive:
    p = Primitive(name, csl or f"pywse internal {name}", INTERNAL, tuple(params),
                  returns=returns, doc=doc, check=check, status=status)
    TABLE[name] = p
    return p


tsc_enable = _primitive("tsc_enable", doc="start the PE's timestamp counter at 0")
tsc_disable = _primitive("tsc_disable", doc="stop the PE's timestamp counter (it keeps its value)")
tsc_reset = _primitive("tsc_reset", doc="set the PE's timestamp counter to 0")
tsc_read = _primitive("tsc_read", returns="int64",
                      doc="the PE's timestamp counter (48 bits): cycles counted since enable")
get_perf_cntr = _primitive("get_perf_cntr", ("array", "int"), csl="<time>'s get_perf_cntr",
                           status=NOT_YET, doc="read a hardware performance counter (its "
                                               "events are not documented)")
f32_bits = _primitive("f32_bits", ("value",), returns="uint32",
                      doc="the bits of a number as f32")
f16_bits = _primitive("f16_bits", ("value",), returns="uint16",
                      doc="the bits of a number rounded to f16")
NUMBER_TYPES = ("bool", "u8", "i8", "u16", "i16", "f16", "u32", "i32", "f32")
"""What `number_kind` tells apart (an untyped integer counts as i32, a float as f32)."""
number_kind = _primitive("number_kind", ("value",), returns="int64",
                         doc="the type of a number, as its index in NUMBER_TYPES (known when "
                             "the task is compiled)")
string_id = _primitive("string_id", ("str",), returns="int64",
                       doc="a number for a comptime string, the same for the whole run")
console_text = _primitive("console_text", ("str",),
                          doc="append a string to the PE's simprint line (cut at a NUL)")
console_value = _primitive("console_value", ("int", "value"),
                           doc="append a number to the PE's simprint line, formatted as the "
                               "kind says (U16_DEC, ... F32)")
simprint_fmt = _primitive("simprint_fmt", ("str", "values"), check=_check_fmt,
                          doc="simprint's fmt: a formatted line")
simprint_fmt_no_nl = _primitive("simprint_fmt_no_nl", ("str", "values"), check=_check_fmt,
                                doc="simprint's fmt_no_nl: formatted text, no newline")
simprint_fmt_with_coords = _primitive("simprint_fmt_with_coords", ("str", "values"),
                                      check=_check_fmt,
                                      doc="simprint's fmt_with_coords: 'PE(x,y): ' and a "
                                          "formatted line")

TSC_BITS = 48
MAX_TSC = np.int64((1 << TSC_BITS) - 1)
