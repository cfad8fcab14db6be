"""Data structure registers (CSL `@get_dsr`, `@load_to_dsr`): DSDs held in a register that
DSD operations read, and that can move themselves along an array (`.save_address`).

CSL's compiler loads a DSR for every DSD operand; a program that takes DSRs itself loads one
once and lets each op walk it, as csl-examples' single-tile-matvec does with
`@fmacs(y_dest, y_src0, A_src1, x)` inside an `@map`. In pywse a DSR is a small hidden array
in PE memory (so each PE has its own and every task sees what another loaded), declared by
`pw.get_dsr(kind, id)` in the program body. It holds an op's operand row (sim/ops.py), with
the array's address kept relative to the register itself so the words mean the same on
every PE.
"""
from __future__ import annotations

import attrs
import numpy as np

from ..errors import ProgramError
from .dsd import FABIN, FABOUT, DsdVar, FabDesc, MemDesc
from .symbols import Var

KINDS = ("dsr_dest", "dsr_src0", "dsr_src1")
"""CSL's DSR types: `dsr_dest` holds destinations, `dsr_src1` sources, `dsr_src0` either."""

# register words: the operand row of sim/ops.py (KIND .. CTRL, ADDR relative to the
# register), then the array's size in elements, .save_address, and an async load's options
# (its microthread UT: -1 none)
KIND, REL, OFF, E0, S0, E1, S1, E2, S2, E3, S3, WIDTH, QUEUE, CTRL = range(14)
SIZE, SAVE, ASYNC, ACT, UNB, UT = range(14, 20)
WORDS = 20
MEM = 1
"""ops.K_MEM: a memory operand (FABIN/FABOUT are dsd.FABIN/FABOUT)."""
MAX_ID = 31


@attrs.frozen(eq=False)
class Dsr:
    """A DSR of one PE kind: `kind` (CSL's type), `id`, and its register in PE memory."""

    kind: str
    id: int
    reg: Var

    def __repr__(self) -> str:
        return f"<DSR {self.kind} {self.id}>"


def get_dsr(kind: str, id: int) -> Dsr:
    """The DSR `id` of type `kind` ("dsr_dest", "dsr_src0" or "dsr_src1"), for this PE's
    program (CSL `@get_dsr(dsr_dest, 1)`); each (kind, id) may be taken once."""
    from .program import current_builder
    if kind not in KINDS:
        raise ProgramError(f"pw.get_dsr: kind {kind!r} is not one of {', '.join(KINDS)}")
    if not isinstance(id, (int, np.integer)) or not 0 <= int(id) <= MAX_ID:
        raise ProgramError(f"pw.get_dsr({kind!r}, {id!r}): the id must be an integer 0..{MAX_ID}")
    return current_builder("pw.get_dsr").dsr(kind, int(id))


def load_to_dsr(dsr, dsd, save_address: bool = False, async_: bool = False,
                activate=None, unblock=None, ut_id=None) -> None:
    """Load a memory DSD into a DSR before the program starts (CSL's comptime
    `@load_to_dsr`); task bodies load memory and fabric DSDs at run time."""
    from .program import current_builder
    if not isinstance(dsr, Dsr):
        raise ProgramError(f"pw.load_to_dsr needs a DSR from pw.get_dsr, got {dsr!r}")
    if isinstance(dsd, DsdVar):
        dsd = dsd.initial
    if isinstance(dsd, FabDesc):
        raise ProgramError("pw.load_to_dsr of a fabric DSD in the program body is not supported "
                           "yet: load it in a task body")
    if not isinstance(dsd, MemDesc):
        raise ProgramError(f"pw.load_to_dsr needs a memory DSD, got {dsd!r}")
    if async_ or activate is not None or unblock is not None or ut_id is not None:
        raise ProgramError("pw.load_to_dsr: async_=, activate=, unblock= and ut_id= are for "
                           "fabric DSDs (CSL), not a memory DSD")
    check_kind(dsr, MEM)
    e, s = dsd.extents, dsd.strides
    words = [MEM, dsd.var.offset - dsr.reg.offset, dsd.offset, e[0], s[0], e[1], s[1], e[2],
             s[2], e[3], s[3], dsd.var.dtype.itemsize, 0, 0, dsd.var.size, int(save_address),
             0, -1, -1, -1]
    current_builder("pw.load_to_dsr").set_init(dsr.reg, np.array(words, np.int32))


def check_kind(dsr: Dsr, what: int) -> None:
    """CSL's rule: a fabin never goes in a `dsr_dest`, a fabout never in a source DSR."""
    if what == FABIN and dsr.kind == "dsr_dest":
        raise ProgramError(f"a fabin DSD cannot be loaded into {dsr!r} (a destination DSR)")
    if what == FABOUT and dsr.kind != "dsr_dest":
        raise ProgramError(f"a fabout DSD cannot be loaded into {dsr!r} (a source DSR)")
