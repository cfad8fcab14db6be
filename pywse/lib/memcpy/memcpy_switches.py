"""`<memcpy/memcpy_switches>`: control-wavelet words for switch and teardown commands
(CSL-LIBRARIES §1.13). The SDK does not document this library; pywse builds it from the two
words its users quote, so its payloads match the SDK's bit for bit:

    switches = p.import_module("<memcpy/memcpy_switches>")
    ctrl_11 = p.const(pw.u32, [switches.ctrl(switches.switch_cmd_11())])

* `switch_cmd_11()`: advance the switch on two consecutive routers (SWITCH_ADV twice);
* `teardown_cmd_1()`: TEARDOWN at the first router;
* `ctrl(cmds)`: the payload: the commands in order (pywse.dsl.control's layout), every
  command CE-ignored, the rest NOP, and the entry-point field 31, the SDK's "no control
  task" in these words: `ctrl(switch_cmd_11()) == 0xb5f9249`, `ctrl(teardown_cmd_1()) ==
  0x9df9249`. pywse reads the entry field as six bits (0x3F = none), so such a word must not
  reach a CE: `ctrl` refuses a command that is not CE-ignored.

All three are comptime, as the SDK's users call them (in top-level `var` initialisers).
"""
from __future__ import annotations

import numpy as np

from ...dsl import control as _c
from ...dsl.modules import library
from ...errors import ProgramError

SDK_NO_ENTRYPOINT = 31
"""The entry-point field of the SDK's switch words (a 5-bit 'none')."""


def switch_cmd_11() -> tuple:
    """Commands: advance the switch of this router and the next, neither CE sees it."""
    return ((_c.SWITCH_ADV, True), (_c.SWITCH_ADV, True))


def teardown_cmd_1() -> tuple:
    """Commands: tear the color down at the first router, no CE sees it."""
    return ((_c.TEARDOWN, True),)


def ctrl(cmds) -> np.uint32:
    """The control-wavelet payload of `cmds` (pairs of opcode and CE-ignore flag)."""
    cmds = tuple(cmds)
    if not all(ignore for _, ignore in cmds):
        raise ProgramError("memcpy_switches.ctrl: every command must be CE-ignored (its words "
                           "name no control task the way pywse reads them); build payloads "
                           "that reach a CE with <control>'s encode_payload")
    return _c.pack_commands([op for op, _ in cmds], [True] * len(cmds), True,
                            SDK_NO_ENTRYPOINT)


@library("<memcpy/memcpy_switches>")
def library(p) -> dict:
    """`p.import_module("<memcpy/memcpy_switches>")`: the three comptime functions."""
    return dict(ctrl=ctrl, switch_cmd_11=switch_cmd_11, teardown_cmd_1=teardown_cmd_1)
