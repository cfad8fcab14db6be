"""`<control>`: payloads of control wavelets (CSL-LIBRARIES §1.8).

    ctrl = p.import_module("<control>")     # CSL: const ctrl = @import_module("<control>");
    ...
    pw.mov32(ctrl_dsd, ctrl.encode_single_payload(ctrl.opcode.SWITCH_ADV, True, None, 0))

or `from pywse.lib import control as ctrl`. The encoders are pywse's own (pywse.dsl.control,
also reachable as `pw.control`), so the fabric model reads exactly what they write; the bit
layout is in that module's docstring. `None` stands for CSL's `{}` (no control task);
an entrypoint is a control task (`p.control_task(id)`) or its id.

* `MAX_CMDS` (8), `opcode.NOP / SWITCH_ADV / SWITCH_RST / TEARDOWN` (0..3);
* `encode_control_task_payload(entrypoint)`: run control task `entrypoint` at each CE that
  receives the wavelet (no switch command);
* `encode_single_payload(cmd, ce_ignore, entrypoint, data)`: one switch command, a control
  task to run (or None) and its 16-bit argument;
* `encode_payload(n, cmds, ce_ignore, ce_ignore_remaining, entrypoint)`: up to 8 commands,
  one per router passed, the remaining ones NOP with `ce_ignore_remaining` (as SDK 1.3.0
  fixed it); comptime only (its command lists are comptime in CSL too): build the word in
  the program body and send it from the task.
"""
from __future__ import annotations

from ..dsl import control as _c
from ..dsl.modules import ModuleInstance, library

MAX_CMDS = _c.MAX_CMDS
opcode = _c.opcode
encode_payload = _c.encode_payload


def encode_control_task_payload(entrypoint):
    return _c.encode_control_task_payload(entrypoint)


def encode_single_payload(cmd, ce_ignore, entrypoint, data):
    return _c.encode_single_payload(cmd, ce_ignore, entrypoint, data)


@library("<control>")
def library(p) -> dict:
    """`p.import_module("<control>")`: the encoders; `opcode` as a namespace of ints that
    task bodies can read (`ctrl.opcode.SWITCH_ADV`)."""
    ops = ModuleInstance("opcode", library, {n: getattr(opcode, n) for n in
                                             ("NOP", "SWITCH_ADV", "SWITCH_RST", "TEARDOWN")})
    return dict(MAX_CMDS=MAX_CMDS, opcode=ops, encode_payload=encode_payload,
                encode_control_task_payload=encode_control_task_payload,
                encode_single_payload=encode_single_payload)
