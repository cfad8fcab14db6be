"""The scalar work of a task body, counted per statement by operation class, for the clock.

The checker (taskcheck.py) knows each expression's kind, so it also counts, for every
statement of a task body or helper, the operations that statement's own expressions do: an
f32 multiply, an i16 add, an array element read, a helper call. The engine's task compiler
(sim/jit.py) reads that table and charges each statement's operations, each at its class's
cost in the platform's cost table (sim/costs.py), before the statement runs, in both modes.
This module knows classes and counts only; what a class costs is the platform's business.

What counts (docs/semantics.md, "Timing"):
- arithmetic by the type it computes in: `int_alu` (add, subtract, bitwise, shift, compare,
  `not`/`and`/`or`, negate on integers), `int_mul`, `int_div` (`//`, `%`, `/`), and per float
  width (f16, f32; Python floats count as f32) `_add` (add, subtract, negate, compare, min,
  max, abs), `_mul`, `_div`;
- `load` / `store`: an array element read or written (a one-element var too); plain local
  scalars are registers and free; an index on any axis but an array's last adds the address
  arithmetic (`int_mul` + `int_alu`) unless it is known at comptime;
- `branch`: an `if` / `while` / `assert` test, a conditional expression; `loop_iter`: each
  iteration of a `for` or `while` (with a `while` loop's test again); `call`: a call of a
  helper; `convert`: a type conversion (`pw.f32(x)`, `int(x)`, `x: pw.i16 = v`).
- Nothing for what is known at comptime (literals, params, module numbers and expressions
  of them, `if` tests on them), nor for the operands of a DSD op as such (the op charges
  itself: sim/builtins.py), nor for a builtin's own work.
"""
from __future__ import annotations

from collections import Counter

import numpy as np

CLASSES = ("int_alu", "int_mul", "int_div", "f16_add", "f16_mul", "f16_div", "f32_add",
           "f32_mul", "f32_div", "load", "store", "branch", "loop_iter", "call", "convert")
"""The operation classes, in the order of the engine's cost array (sim/costs.py)."""

INDEX = {name: k for k, name in enumerate(CLASSES)}

OP_COUNTS: dict = {}
"""(code object, file) -> ((line, col), (each, per_iter)) pairs, sorted: for each statement of
that function with scalar work, the operations its own expressions do each time it runs
(`each`) and, for a loop, at the top of every iteration (`per_iter`), as sorted
((class, count), ...) tuples. Read by sim/jit.py; an entry is replaced, never changed in
place, so it can key the lowering cache."""

_GROUP = {"mul": "mul", "pow": "mul", "truediv": "div", "floordiv": "div", "mod": "div"}


def arith_class(op: str, dtype) -> str:
    """The class of operation `op` (a cslops name: add, mul, floordiv, lshift, ..., or
    `compare`, `neg`, `not`) computing in `dtype` (None: not known, counted as an integer)."""
    group = _GROUP.get(op, "add")
    if dtype is not None and np.dtype(dtype).kind == "f":
        return f"{'f16' if np.dtype(dtype).itemsize == 2 else 'f32'}_{group}"
    return {"add": "int_alu", "mul": "int_mul", "div": "int_div"}[group]


def wider(*dtypes):
    """The dtype two operands compute in, for counting: a float if either is one (the wider
    float), else the first known one."""
    known = [np.dtype(d) for d in dtypes if d is not None]
    floats = [d for d in known if d.kind == "f"]
    if floats:
        return max(floats, key=lambda d: d.itemsize)
    return known[0] if known else None


def frozen(counts: Counter) -> tuple:
    return tuple(sorted((k, n) for k, n in counts.items() if n))


def record(tables: dict) -> None:
    """Merge what one check counted ({(code, file): {(line, col): (each, per_iter)}}) into
    OP_COUNTS. A function checked several times (a helper called with operands of other
    types, a task capturing values of other types) charges, per statement and class, the
    most any of its checks counted."""
    for key, table in tables.items():
        old = dict(OP_COUNTS.get(key, ()))
        merged = dict(old)
        for pos, (each, per_iter) in table.items():
            if pos in merged:
                each = _max(merged[pos][0], each)
                per_iter = _max(merged[pos][1], per_iter)
            merged[pos] = (each, per_iter)
        if merged != old:
            OP_COUNTS[key] = tuple(sorted(merged.items()))


def _max(a: tuple, b: tuple) -> tuple:
    out = dict(a)
    for k, n in b:
        out[k] = max(out.get(k, 0), n)
    return tuple(sorted(out.items()))


class OpCounts:
    """The counting half of the task-body checker (a mixin of taskcheck's `_Checker`): it
    keeps the current statement's counter and the function's table. Counts what runs, not
    what is known at comptime (`comptime`: ids of AST nodes whose value is)."""

    def init_counts(self) -> None:
        self.ops: Counter | None = None       # the statement being checked
        self.loop_ops: dict = {}              # id(loop statement) -> its per-iteration counter
        self.op_table: dict = {}              # (line, col) -> (each, per_iter)
        self.counted: dict = {}               # (code, file) -> table, this function's and its helpers'
        self.comptime: set[int] = set()
        self.operand_of_op: int | None = None  # id of a DSD op's operand: its read is the op's

    def count(self, cls: str, n: int = 1) -> None:
        if self.ops is not None and n:
            self.ops[cls] += n

    def known(self, *nodes) -> bool:
        return all(id(n) in self.comptime for n in nodes)

    def count_arith(self, node, op: str, dtype, operands) -> None:
        """One operation `op` in `dtype` at `node`, unless all its operands are comptime
        (then so is it)."""
        if self.known(*operands):
            self.comptime.add(id(node))
        else:
            self.count(arith_class(op, dtype))

    def counted_statement(self, s, check) -> None:
        """Run `check(s)` with a counter of its own and file what it counted."""
        outer, self.ops = self.ops, Counter()
        try:
            check(s)
        finally:
            each, self.ops = self.ops, outer
        per_iter = self.loop_ops.pop(id(s), Counter())
        if each or per_iter:
            self.op_table[(s.lineno, s.col_offset)] = (frozen(each), frozen(per_iter))

    def count_address(self, base_shape: tuple, parts: list) -> None:
        """Index arithmetic of an element's address: a row offset (multiply and add) for each
        index on an axis other than the array's last, unless it is known at comptime."""
        last = len(base_shape) - 1
        for axis, p in enumerate(parts):
            if axis < last and id(p) not in self.comptime:
                self.count("int_mul")
                self.count("int_alu")

    def count_conversion(self, node, k, dtype) -> None:
        """`pw.f32(x)`, `x: pw.f32 = v`: a conversion, unless the value is known at comptime
        or already of that type."""
        if id(node) in self.comptime:
            return
        if k.what == "scalar" and k.dtype is not None and not k.weak and \
                np.dtype(k.dtype) == np.dtype(dtype):
            return
        self.count("convert")

    def count_python_call(self, name: str, nodes, args) -> None:
        """Python builtins: conversions, min / max / abs (compares, selects), divmod."""
        if all(id(n) in self.comptime for n in nodes) and nodes:
            return
        dtype = wider(*(k.dtype for k in args if k.what == "scalar"))
        if name in ("int", "float", "round"):
            self.count("convert")
        elif name in ("min", "max"):
            self.count(arith_class("compare", dtype), max(len(args) - 1, 0))
        elif name == "abs":
            self.count(arith_class("add", dtype))
        elif name == "bool":
            self.count(arith_class("compare", dtype))
        elif name == "divmod":
            self.count(arith_class("floordiv", dtype))
            self.count(arith_class("mul", dtype))
            self.count(arith_class("sub", dtype))

    def file_counts(self, key) -> None:
        """This function's table joins those of the helpers it checked (`counted`)."""
        if self.op_table:
            merge_tables(self.counted, {key: self.op_table})


def merge_tables(dst: dict, src: dict) -> None:
    """Merge tables {(code, file): {(line, col): (each, per_iter)}} into `dst`, per statement
    and class the larger count."""
    for key, table in src.items():
        mine = dst.setdefault(key, {})
        for pos, (each, per_iter) in table.items():
            if pos in mine:
                each, per_iter = _max(mine[pos][0], each), _max(mine[pos][1], per_iter)
            mine[pos] = (each, per_iter)

