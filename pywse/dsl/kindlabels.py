"""A short label per PE kind (a program and its params), shared by everything that names
kinds to a user: the layout picture's legend, the cycle account's tables and the trace's task
slices, so one kind reads the same in all three.

A kind is its program's name; where kinds share a program, the params that tell them apart
(`pe_program (send_east_color=0, recv_west_color=1)`), cut short, or a number (`worker #2`)
when there are too many kinds or the params do not tell them apart in a short label.
"""
from __future__ import annotations

from typing import Any

MAX_KINDS_TOLD_APART = 64    # up to this many kinds, labels name the params that differ
MAX_PARAMS_TEXT = 48         # the params' text, cut with "..." past this


def kind_labels(kinds: list[tuple[Any, dict]]) -> list[str]:
    """A label per (program, params) pair, in order; labels are distinct."""
    names = [prog.name for prog, _ in kinds]
    numbered = [n if names.count(n) == 1 else f"{n} #{k}" for k, n in enumerate(names, 1)]
    if len(kinds) > MAX_KINDS_TOLD_APART:        # params per PE: a number tells them apart
        return numbered
    out = []
    for prog, params in kinds:
        alike = [p for q, p in kinds if q.name == prog.name]
        if len(alike) == 1:
            out.append(prog.name)
            continue
        differ = [k for k in params if any(_shown(p.get(k)) != _shown(params[k]) for p in alike)]
        text = ", ".join(f"{k}={_shown(params[k])}" for k in differ)
        cut = text[:MAX_PARAMS_TEXT - 3] + "..." if len(text) > MAX_PARAMS_TEXT else text
        out.append(f"{prog.name} ({cut})")
    return out if len(set(out)) == len(out) else numbered


def _shown(value) -> str:
    return str(int(value)) if hasattr(value, "id") else str(value)     # a Color: its id
