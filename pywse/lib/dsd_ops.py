"""`<dsd_ops>`: CSL's typed wrappers around the DSD op builtins (CSL-LIBRARIES §1.15).

    ops = p.import_module("<dsd_ops>")      # CSL: const ops = @import_module("<dsd_ops>");
    ...
    ops.mov(pw.f32, d_out, d_in)                        # in a task body: pw.fmovs(d_out, d_in)
    ops.fmac(pw.f32, pw.f16, d_y, d_y, d_a, 2.0)        # pw.fmachs(d_y, d_y, d_a, 2.0)
    ops.add(pw.i16, pw.i16, d_out, d_in, 1, async_=True, activate=done)

or `from pywse.lib import dsd_ops as ops` (task bodies only). As the SDK documents, each call
is exactly one DSD builtin, chosen by its leading element type(s) (one for `mov`, `sub`, `mul`,
`neg`, `abs`, `norm`, `scale`, `max`; destination then source type for `convert`, `add`,
`fmac`), and takes that builtin's operands (DSDs, DSRs, numbers, one-element vars as
pointers) and options (`async_=`, `activate=`, `unblock=`, `ut_id=`: CSL's config struct).
The config must be known at comptime: an option given a value the task computes or takes as
an argument is refused when the program is compiled. The call is checked and run as the
builtin it names (dsl/typedops.py), so it costs the builtin's cycles and nothing more.

What pywse assumes: CSL's wrappers return a bool (a sync FIFO op's result); pywse's return
nothing, as its DSD builtins do. `@fp16()` is f16 (pywse has no cb16/bf16). `norm` names
`@fnorms` / `@fnormh`, which pywse does not support (the SDK does not say what they compute):
a call is refused at compile time with that message.
"""
from __future__ import annotations

from ..dsl.modules import library
from ..dsl.typedops import TypedBuiltin

_LIB = "<dsd_ops>"


def _one(name: str, ops: dict[str, str], doc: str) -> TypedBuiltin:
    return TypedBuiltin(_LIB, name, 1, {(t,): b for t, b in ops.items()}, doc)


def _two(name: str, ops: dict[tuple[str, str], str], doc: str) -> TypedBuiltin:
    return TypedBuiltin(_LIB, name, 2, ops, doc)


mov = _one("mov", {"f16": "fmovh", "f32": "fmovs", "i16": "mov16", "u16": "mov16",
                   "i32": "mov32", "u32": "mov32"}, "copy: mov(T, dst, src)")
convert = _two("convert", {
    ("f16", "f32"): "fs2h", ("f16", "i16"): "xp162fh", ("f16", "f16"): "fmovh",
    ("f32", "f16"): "fh2s", ("f32", "i16"): "xp162fs", ("f32", "f32"): "fmovs",
    ("i16", "f16"): "fh2xp16", ("i16", "f32"): "fs2xp16", ("i16", "i16"): "mov16"},
    "type conversion: convert(Tdst, Tsrc, dst, src)")
add = _two("add", {("f16", "f16"): "faddh", ("f32", "f16"): "faddhs",
                   ("f32", "f32"): "fadds", ("i16", "i16"): "add16", ("u16", "u16"): "add16"},
           "addition: add(Tdst, Tsrc, dst, src0, src1)")
sub = _one("sub", {"f16": "fsubh", "f32": "fsubs", "i16": "sub16"},
           "subtraction: sub(T, dst, src0, src1)")
mul = _one("mul", {"f16": "fmulh", "f32": "fmuls"}, "multiplication: mul(T, dst, src0, src1)")
fmac = _two("fmac", {("f16", "f16"): "fmach", ("f32", "f16"): "fmachs",
                     ("f32", "f32"): "fmacs"},
            "fused multiply-add: fmac(Tdst, Tsrc, dst, src0, src1, x) = src0 + src1 * x")
neg = _one("neg", {"f16": "fnegh", "f32": "fnegs"}, "negation: neg(T, dst, src)")
abs = _one("abs", {"f16": "fabsh", "f32": "fabss"},  # noqa: A001  (CSL's name)
           "absolute value: abs(T, dst, src)")
norm = _one("norm", {"f16": "fnormh", "f32": "fnorms"},
            "normalization: norm(T, dst, src) (@fnorms/@fnormh: not supported by pywse yet)")
scale = _one("scale", {"f16": "fscaleh", "f32": "fscales"},
             "exponent scaling: scale(T, dst, src, k) = src * 2**k")
max = _one("max", {"f16": "fmaxh", "f32": "fmaxs"},  # noqa: A001  (CSL's name)
           "elementwise maximum: max(T, dst, src0, src1)")

MEMBERS = dict(mov=mov, convert=convert, add=add, sub=sub, mul=mul, fmac=fmac, neg=neg,
               abs=abs, norm=norm, scale=scale, max=max)
"""What `<dsd_ops>` gives an importer."""


@library("<dsd_ops>")
def library(p) -> dict:
    """`p.import_module("<dsd_ops>")`: the typed wrappers (no state, no resources)."""
    return dict(MEMBERS)
