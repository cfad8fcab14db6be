"""The clock's charges for scalar code, written into a task body before it is lowered.

The checker counted, per statement of each task body and helper, the operations its own
expressions do by class (dsl/opclasses.py). Here each counted statement gets one charge
before it, `__st.cycles[__pe] += __st.cost[k] * n + ...`, and a loop's body one at its top for
each iteration. The charges name positions in the engine's cost array, never values, so the
same code serves every cost table (costs.py), compiled or as plain Python (sim/jit.py runs
the same rewritten function in both modes).
"""
from __future__ import annotations

import ast

from ..dsl.opclasses import INDEX, OP_COUNTS


def counts_of(fn) -> tuple:
    """What the checker counted in `fn`'s statements (opclasses.OP_COUNTS): a new count (a
    later check of a helper with other operand types) lowers it again."""
    return OP_COUNTS.get((fn.__code__, fn.__code__.co_filename), ())


def with_charges(stmts: list, table: dict) -> list:
    """`stmts` with, before each statement the checker counted work in, its charge, and at
    the top of a loop's body the charge of one iteration (a `while` loop's test included).
    Done on the user's AST before any rewriting, where (line, col) names one statement."""
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                setattr(s, field, with_charges(inner, table))
        each, per_iter = table.get((s.lineno, s.col_offset), ((), ()))
        if per_iter and isinstance(s, (ast.For, ast.While)):
            s.body.insert(0, _charge(per_iter, s))
        if each:
            out.append(_charge(each, s))
        out.append(s)
    return out


def _charge(counts: tuple, s) -> ast.stmt:
    """`__st.cycles[__pe] += __st.cost[k] * n + ...` for ((class, n), ...), at `s`'s line;
    marked `pywse_charge` so that the rewriter leaves it as it is (no CSL typing, no site)."""
    terms = " + ".join(f"__st.cost[{INDEX[cls]}]" + (f" * {n}" if n != 1 else "")
                       for cls, n in counts)
    charge = ast.parse(f"__st.cycles[__pe] += {terms}").body[0]
    ast.copy_location(charge, s)
    ast.fix_missing_locations(charge)
    for node in ast.walk(charge):
        if isinstance(node, ast.expr):
            ast.copy_location(node, s)
    charge.pywse_charge = True
    return charge
