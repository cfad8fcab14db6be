"""docs/builtins.md, written from the builtin table (dsl/signatures.py).

`python -m pywse.tools.builtins_doc > docs/builtins.md` writes the page; a test keeps the page
and the table the same, so the page is always what `pw.compile` checks task bodies against.
"""
from __future__ import annotations

from ..dsl.signatures import COMPLETION, LATER_OPTIONS, LIBRARY_OF, TABLE
from ..types import type_name

_KINDS = [("op", "DSD operations"), ("task", "Tasks"), ("dsd", "Changing a DSD"),
          ("memcpy", "memcpy"), ("prng", "Pseudo-random numbers"), ("map", "@map"),
          ("cast", "Casts"), ("ptr", "Pointers"), ("comptime", "Program-body builtins"),
          ("dsr", "DSRs"), ("queue", "Queue flushes (wse3)"), ("filter", "Filters"),
          ("config", "Configuration registers"),
          ("later", "Other CSL builtins")]
_ROLES = {"dst": "D", "src": "D", "task": "task", "dsd": "DSD", "int": "integer",
          "type": "type", "array": "array", "operands...": "D or s, ...", "kind": "kind",
          "dsr": "DSR", "value": "value", "color": "color"}


def _call(b) -> str:
    if b.kind == "memcpy":
        return "`sys.unblock_cmd_stream()`"
    if b.kind == "op":
        return f"`pw.{b.name}(" + ", ".join(b.forms[0]) + ")`"
    return f"`pw.{b.name}(" + ", ".join([_ROLES.get(r, r) for r in b.params]
                                        + [f"{o}=" for o, _ in b.options]) + ")`"


def _forms(b) -> str:
    if b.kind != "op":
        if b.returns in ("dsd", "value"):
            return f"returns a {'new DSD' if b.returns == 'dsd' else 'value'}"
        return f"returns a {type_name(b.returns)}" if b.returns else "—"
    return " ".join("(" + ", ".join(f) + ")" for f in b.forms)


def _width(b) -> str:
    if b.kind != "op":
        return ""
    if len(set(b.types)) == 1:
        return f"{8 * b.width[0]}-bit"
    names = {"i": "i16", "w": "32-bit", "h": "f16", "f": "f32"}
    srcs = ", ".join(dict.fromkeys(names[t] for t in b.types[1:]))
    return f"{srcs} → {names[b.types[0]]}"


def markdown() -> str:
    lines = [
        "# Builtins",
        "",
        "Every CSL builtin a task body may call, as pywse spells it, the operand forms CSL "
        "accepts and whether pywse runs it yet. `pw.compile` checks every call in a task body "
        "against this table (the page is written from it: "
        "`python -m pywse.tools.builtins_doc > docs/builtins.md`).",
        "",
        "Operand forms, destination first: **D** a DSD (memory `pw.mem1d`/`pw.mem4d`, fabric "
        "`pw.fabin`/`pw.fabout`, a FIFO, or a DSR from `pw.get_dsr`), **s** a scalar source "
        "(a number, or a one-element "
        "var read as a scalar), **p** a one-element var as destination (CSL's `&x`). A fabin "
        "is a source only, a fabout a destination only.",
        "",
        "Every DSD operation takes the options " + ", ".join(f"`{o}=`" for o, _ in COMPLETION)
        + " (CSL's `.async`, `.activate`, `.unblock`, `.ut_id`: wse3, from `pw.get_ut_id`). "
        "Not supported yet: "
        + ", ".join(f"`{v}`" for v in LATER_OPTIONS.values()) + ".",
        "",
    ]
    for kind, title in _KINDS:
        rows = [b for b in TABLE.values() if b.kind == kind]
        lines += [f"## {title}", "", "| pywse | CSL | forms | elements | status | what it does |",
                  "|---|---|---|---|---|---|"]
        for b in sorted(rows, key=lambda b: (not b.supported, b.name)):
            lines.append(f"| {_call(b)} | `{b.csl}` | {_forms(b)} | {_width(b)} | {b.status} | "
                         f"{b.doc.replace('|', chr(92) + '|')} |")
        lines.append("")
    lines += ["## Library functions", "",
              "CSL has these in a library, not as builtins; `pw.<name>` in a task body says "
              "which library.", "", "| library | functions |", "|---|---|"]
    by_lib: dict[str, list[str]] = {}
    for name, lib in LIBRARY_OF.items():
        by_lib.setdefault(lib, []).append(name)
    for lib, names in sorted(by_lib.items()):
        lines.append(f"| `{lib}` | " + ", ".join(f"`{n}`" for n in sorted(names)) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
