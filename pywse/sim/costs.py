"""The platform's cost table: every constant the simulated clock charges, in one place.

`Costs` is what a user reads (`print(pw.Costs().describe())`) and overrides
(`pw.Costs().evolve(f32_div=40)`, passed as `SdkRuntime(..., costs=)` or `Harness(...,
costs=)`). The engine keeps the values in an int64 array in its state (`st.cost`, laid out
by `Costs.array`) and every charge reads that array at run time, so an override changes the
clock without recompiling a task: compiled task bodies and engine code name positions in the
array (the `C_*` constants here, `dsl.opclasses.INDEX` for the scalar classes), never values.
The host-side latency (`host_command_latency`) is read by the runtime, in Python: it is the
host's, kept apart from device cycles.

Each field's `source` metadata says where its value comes from, "assumed" when no public
source gives one (TIMING.md and CSL-LIBRARIES.md §3 of the project's notes; docs/semantics.md,
"Timing", shows the table).
"""
from __future__ import annotations

import difflib
from typing import Mapping

import attrs
import numpy as np

from ..dsl.opclasses import CLASSES
from ..errors import CostError
from . import ops


def _whole(minimum: int):
    """A validator: a cost is a whole number of cycles, at least `minimum` (the message names
    the constant)."""
    def check(_, attribute, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
                or value < minimum:
            raise CostError(f"pw.Costs: '{attribute.name}' is a whole number of cycles, at "
                            f"least {minimum}; got {value!r}")
    return check


def _cost(default: int, source: str, when: str, minimum: int = 0):
    """A constant of the table: its value, where it comes from, what it is charged for."""
    return attrs.field(default=default, validator=_whole(minimum),
                       metadata={"source": source, "when": when})


def _simd(value) -> tuple:
    """The SIMD table as sorted (op, (wse2, wse3)) pairs: the default table (ops.SIMD) with
    the widths of the ops given replaced (a mapping of a few ops is enough)."""
    table = dict(ops.SIMD)
    items = value.items() if isinstance(value, Mapping) else value
    for name, widths in items:
        if name not in table:
            raise CostError(f"pw.Costs: simd has no op '{name}' (DSD ops: "
                            f"{', '.join(sorted(table))})")
        try:
            w2, w3 = (int(w) for w in widths)
        except (TypeError, ValueError):
            raise CostError(f"pw.Costs: simd['{name}'] is (wse2 width, wse3 width), got "
                            f"{widths!r}") from None
        if w2 < 1 or w3 < 1:
            raise CostError(f"pw.Costs: simd['{name}'] widths must be at least 1, got {widths!r}")
        table[name] = (w2, w3)
    return tuple(sorted(table.items()))


ONE = "assumed: one instruction"


@attrs.frozen(kw_only=True)
class Costs:
    """The platform's cost table: what the simulated clock charges, in cycles.

        costs = pw.Costs().evolve(f32_div=40, hop=1)     # a changed copy
        runner = pw.SdkRuntime(artifacts, costs=costs)   # or Harness(..., costs=costs)

    `describe()` lists every constant with its value, source and when it is charged
    (docs/semantics.md, "Timing"). Scalar classes are counted per statement of a task body
    (dsl/opclasses.py); `simd` holds the DSD ops' SIMD widths, {op: (wse2, wse3)} elements
    per cycle; `evolve(simd={"fmuls": (2, 4)})` changes only the ops named.
    """

    # -- tasks, DSD ops, the fabric, the host ------------------------------------------------
    task_switch: int = _cost(6, "assumed (no public source: TIMING §2, §4)",
                             "every task: picking and entering it, before its body", 1)
    dsd_start: int = _cost(1, "assumed (no public source: TIMING §4)",
                           "a synchronous DSD op or pw.map, on top of ceil(elements / SIMD)")
    dsd_async_start: int = _cost(1, "assumed", "starting an async DSD op (its elements then "
                                               "move one per cycle on the fabric's clock)")
    hop: int = _cost(2, "calibrated on topic-13's sim.log (TIMING §1.1): chained receivers "
                        "print 2 cycles apart, on all 5 wavelets, so a hop costs 2; the "
                        "csl-examples benchmarks' 1 cycle per hop (TIMING §2) is their authors' "
                        "skew correction, not a measurement (docs/semantics.md, Calibration)",
                     "from one router to the next: 1 in the router, hop - 1 on the link "
                     "(pipelined: a link still carries a wavelet per cycle)", 1)
    simprint: int = _cost(12, "fitted on topic-13's cadence (TIMING §1.1: 182 cycles per "
                              "wavelet for a data task with 10 <simprint> calls)",
                          "each <simprint> call that prints (print_*, fmt*), on top of its "
                          "helper call; its line is stamped before it")
    host_command_latency: int = _cost(1000, "assumed (real: tens of microseconds, TIMING §2); "
                                            "host time, not device cycles",
                                      "each host command, from the head of its queue to the "
                                      "device")
    simd: tuple = attrs.field(default=(), converter=_simd, repr=lambda t: f"<{len(t)} ops>",
                              metadata={
        "source": "documented: CSL-LIBRARIES §3 (SDK Appendix); 1 where it is silent "
                  "(fmuls, fmacs, clz, ctz, popcnt)",
        "when": "a DSD op: elements per cycle, (wse2, wse3)"})
    # -- the memcpy infrastructure: copy mode and launch (host/memcpy.py, sim/sched.py) ------
    clock_mhz: int = _cost(850, "convention: the csl-examples convert cycles to time at 850 MHz "
                                "(TIMING §2)", "turns the I/O channels' bit rate into cycles", 1)
    io_channel_mbit_s: int = _cost(7000, "documented: about 7 Gbit/s per I/O channel at most "
                                         "(bandwidth-test's run.py)",
                                   "a copy-mode memcpy: 32 * clock_mhz / io_channel_mbit_s "
                                   "cycles per word through one channel (3.9 by default)", 1)
    io_channels_useful: int = _cost(8, "documented: memcpy bandwidth stops growing at about 8 "
                                       "channels (release notes 0.7.0-1.4.0, known issues)",
                                    "the most of --channels that share a copy's PE rows", 1)
    row_major_pct: int = _cost(130, "assumed: column-major order 'delivers better bandwidth' "
                                    "(SDK, tensor streaming), no figure given",
                               "a ROW_MAJOR copy's channel time, in percent of a COL_MAJOR "
                               "one's", 100)
    memcpy_start: int = _cost(100, "assumed", "a copy-mode memcpy: the command reaching the "
                                              "region before its first word moves")
    rpc_start: int = _cost(50, "assumed", "a launch: the RPC reaching the kernel's PE (0, 0); "
                                          "PE (x, y) gets it hop * (x + y) cycles later")
    # -- scalar code in task bodies, per operation (dsl/opclasses.py) ------------------------
    int_alu: int = _cost(1, ONE, "an integer add, subtract, bitwise op, shift, compare, "
                                 "negate or not")
    int_mul: int = _cost(1, ONE, "an integer multiply")
    int_div: int = _cost(20, "assumed: the PE has no integer divide (a software routine)",
                         "an integer //, % or /")
    f16_add: int = _cost(1, ONE, "an f16 add, subtract, negate, compare, min, max or abs")
    f16_mul: int = _cost(1, ONE, "an f16 multiply")
    f16_div: int = _cost(30, "assumed: a software routine", "an f16 divide")
    f32_add: int = _cost(1, ONE, "an f32 add, subtract, negate, compare, min, max or abs "
                                 "(Python floats count as f32)")
    f32_mul: int = _cost(1, ONE, "an f32 multiply")
    f32_div: int = _cost(30, "assumed: a software routine", "an f32 divide")
    load: int = _cost(1, "assumed: one memory read", "an array element read (a one-element var "
                                                     "too; local scalars are registers)")
    store: int = _cost(1, "assumed: one memory write", "an array element write")
    branch: int = _cost(1, "assumed", "an if / while / assert test, a conditional expression")
    loop_iter: int = _cost(2, "assumed: counter, compare and jump",
                           "each iteration of a for or while loop")
    call: int = _cost(4, "assumed: call, return and argument moves", "a helper function call")
    convert: int = _cost(1, ONE, "a type conversion (pw.f32(x), int(x), x: pw.i16 = v)")

    def evolve(self, **changes) -> "Costs":
        """A copy with these constants changed; an unknown name is a `pw.CostError` that
        lists the valid ones."""
        unknown = sorted(set(changes) - set(NAMES))
        if unknown:
            close = difflib.get_close_matches(unknown[0], NAMES, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise CostError(f"pw.Costs has no constant {', '.join(map(repr, unknown))}{hint}; "
                            f"the constants are: {', '.join(NAMES)}")
        if "simd" in changes:          # the ops named change; the others keep this table's
            new = changes["simd"]
            changes["simd"] = {**dict(self.simd), **dict(
                new.items() if isinstance(new, Mapping) else new)}
        return attrs.evolve(self, **changes)

    def without_scalar(self) -> "Costs":
        """A copy in which scalar code costs nothing (every class of dsl/opclasses.py at 0):
        the clock charges task switches, DSD ops, the fabric and the host only."""
        return attrs.evolve(self, **dict.fromkeys(CLASSES, 0))

    def describe(self) -> str:
        """The table as text: name, value, what it is charged for, where the value comes from."""
        lines = []
        for f in attrs.fields(Costs):
            value = getattr(self, f.name)
            shown = "{op: (wse2, wse3)}, see .simd" if f.name == "simd" else str(value)
            lines.append(f"{f.name:21} {shown:>8}  {f.metadata['when']} "
                         f"[{f.metadata['source']}]")
        return "\n".join(lines)

    def array(self) -> np.ndarray:
        """The engine's copy (`st.cost`): the scalar classes in dsl.opclasses order, then
        the C_* constants, then SIMD widths at C_SIMD + 2 * op code + (0 wse2, 1 wse3)."""
        out = np.ones(C_SIMD + 2 * ops.MAX_OPS, np.int64)
        for k, name in enumerate(CLASSES):
            out[k] = getattr(self, name)
        for k, name in enumerate(FIXED):
            out[len(CLASSES) + k] = getattr(self, name)
        for name, widths in self.simd:
            code = ops.OPS[name][0]
            out[C_SIMD + 2 * code: C_SIMD + 2 * code + 2] = widths
        return out


NAMES = tuple(f.name for f in attrs.fields(Costs))
"""Every constant a user may override."""

FIXED = ("task_switch", "dsd_start", "dsd_async_start", "hop", "simprint",
         "host_command_latency", "rpc_start")
C_TASK_SWITCH, C_DSD_START, C_DSD_ASYNC_START, C_HOP, C_SIMPRINT, C_HOST, C_RPC = range(
    len(CLASSES), len(CLASSES) + len(FIXED))
C_SIMD = len(CLASSES) + len(FIXED)
"""Positions in the engine's cost array (`st.cost`)."""

DEFAULT = Costs()


def resolve(costs) -> Costs:
    """What a run takes for `costs=`: None (the defaults), a `Costs`, or a mapping of
    overrides ({"f32_div": 40})."""
    if costs is None:
        return DEFAULT
    if isinstance(costs, Costs):
        return costs
    if isinstance(costs, Mapping):
        return DEFAULT.evolve(**costs)
    raise CostError(f"costs= takes a pw.Costs (pw.Costs().evolve(f32_div=40)) or a dict of "
                    f"overrides, got {costs!r}")
