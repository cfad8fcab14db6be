"""`<simprint>`: print from task bodies to the simulator's log (CSL `@import_module("<simprint>")`).

    prt = p.import_module("<simprint>")      # or: from pywse.lib import simprint
                                             #     p.import_module(simprint.library)
    @p.data_task(iq)
    def recv(x: pw.u32):
        prt.print_string("in_data = ")
        prt.print_u32_decimal(x)
        prt.print_string("\\n")              # a line is written out at its newline
        prt.fmt("x = {d}, half = {f}", (x, x / 2.0))   # one call, newline added

Text is buffered per PE and a line is emitted at each "\\n", stamped with the PE and the
cycle of the call that ended it (sim/primitives.py). Text still buffered when the run ends is
lost, as on the SDK. After the run, `SdkRuntime.stop()` prints the lines as the simulator's
`sim.log` holds them, `@<cycle> <text>`, ordered by cycle; `runner.simprint_lines()` returns
them (with each PE's coordinates) and `runner.write_sim_log(path)` writes them to a file
(`PYWSE_SIM_LOG=path`, or `pywse run --sim-log path`, does so at stop()). A harness has
`h.printed()`.

Formats (the SDK does not document its exact output; these are pywse's): decimal as usual;
`print_u16_hex` / `print_u32_hex` zero-padded upper-case hex (4 / 8 digits), `_binary`
zero-padded (16 / 32 digits); floats in numpy's shortest form of their type (`1.5`,
`0.1`). In `fmt`, `{d}` is decimal, `{X}` upper-case hex and `{b}` binary without padding,
`{f}` a float (f16 values arrive in task bodies widened to f32 and print as such), `{{` a
brace. The format must be a string literal: a placeholder simprint does not have, or values
that do not fit the placeholders, is an error when the program is compiled, at the call.

`enable=False` (CSL `.enable = false`) makes every function a no-op. A print costs its call
plus the platform's `simprint` cycles, whatever its text: the SDK's simulator charges a print
far more than an instruction, and topic-13's log is where pywse's figure is fitted
(sim/costs.py).
"""
from __future__ import annotations

from ..dsl import primitives as prim
from ..dsl.modules import library


def _off(x):
    """A print function of a disabled instance (`enable=False`)."""


def _off_fmt(fstr, values):
    """fmt, fmt_no_nl, fmt_with_coords of a disabled instance."""


@library("<simprint>")
def simprint(p, *, enable: bool = True):
    """The `<simprint>` module: print helpers for task bodies."""
    if not enable:
        names = ("print_string print_u16_binary print_u16_decimal print_u16_hex "
                 "print_u32_binary print_u32_decimal print_u32_hex print_f16 print_f32").split()
        return {**{name: _off for name in names},
                **{name: _off_fmt for name in ("fmt", "fmt_no_nl", "fmt_with_coords")}}

    def print_string(s):
        """A comptime string (cut at a NUL byte)."""
        prim.console_text(s)

    def print_u16_decimal(x):
        prim.console_value(prim.U16_DEC, x)

    def print_u16_hex(x):
        prim.console_value(prim.U16_HEX, x)

    def print_u16_binary(x):
        prim.console_value(prim.U16_BIN, x)

    def print_u32_decimal(x):
        prim.console_value(prim.U32_DEC, x)

    def print_u32_hex(x):
        prim.console_value(prim.U32_HEX, x)

    def print_u32_binary(x):
        prim.console_value(prim.U32_BIN, x)

    def print_f16(x):
        prim.console_value(prim.F16, x)

    def print_f32(x):
        prim.console_value(prim.F32, x)

    # fmt and its twins are the primitives themselves, so the checker sees the format
    # string at the user's call and reports a bad placeholder there
    fmt = prim.simprint_fmt
    fmt_no_nl = prim.simprint_fmt_no_nl
    fmt_with_coords = prim.simprint_fmt_with_coords
    return locals()


library = simprint
"""What `p.import_module` takes for the Pythonic spelling (`p.import_module(simprint.library)`)."""
