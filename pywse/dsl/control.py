"""The `<control>` library: payloads of control wavelets (switch commands, entry points).

pywse's bit layout (the hardware's is not documented; this one follows the hand-packed
words in the csl-examples benchmarks): bits 16-21 the entry point (the control task to run
at the receiving CE, 0x3F = none), and up to 8 switch commands, one per router the wavelet
passes (each router pops the first): command k's two bits start at CMD_BITS[k], its CE-ignore
bit (set: not delivered to that router's CE) is CE_IGNORE_BITS[k]. A payload with one command
(`encode_single_payload`) carries 16 data bits in bits 0-15 instead of commands 3-8 (the
control task's argument).
"""
from __future__ import annotations

import numpy as np
from numba.core import types as nbtypes
from numba.extending import overload

NOP, SWITCH_ADV, SWITCH_RST, TEARDOWN = 0, 1, 2, 3
"""Switch commands (CSL `ctrl.opcode.*`)."""
NO_ENTRYPOINT = 0x3F
MAX_CMDS = 8
"""Switch commands one control wavelet carries."""
CMD_BITS = (22, 25, 28, 1, 4, 7, 10, 13)        # command k's lowest bit ...
CE_IGNORE_BITS = (24, 27, 0, 3, 6, 9, 12, 15)   # ... and its CE-ignore bit


class opcode:  # noqa: N801  (CSL spelling: ctrl.opcode.SWITCH_ADV)
    NOP, SWITCH_ADV, SWITCH_RST, TEARDOWN = NOP, SWITCH_ADV, SWITCH_RST, TEARDOWN


def _pack(op, ce_filter, ep, data):
    return np.uint32(((ep & 0x3F) << 16) | ((op & 3) << 22) | ((1 if ce_filter else 0) << 24)
                     | (int(data) & 0xFFFF))


def encode_single_payload(op: int, ce_filter: bool, entrypoint, data: int) -> np.uint32:
    """One switch command (+ CE filter), an optional control task to run, 16 data bits.
    `entrypoint` is a control task (or its id), or None."""
    ep = NO_ENTRYPOINT if entrypoint is None else int(getattr(entrypoint, "id", entrypoint))
    return _pack(op, ce_filter, ep, data)


@overload(encode_single_payload)
def _ol_single(op, ce_filter, entrypoint, data):
    if isinstance(entrypoint, (nbtypes.NoneType, nbtypes.Omitted)):
        return lambda op, ce_filter, entrypoint, data: np.uint32(
            (NO_ENTRYPOINT << 16) | ((op & 3) << 22) | ((1 if ce_filter else 0) << 24)
            | (np.int64(data) & 0xFFFF))
    return lambda op, ce_filter, entrypoint, data: np.uint32(
        ((entrypoint & 0x3F) << 16) | ((op & 3) << 22) | ((1 if ce_filter else 0) << 24)
        | (np.int64(data) & 0xFFFF))


def encode_control_task_payload(entrypoint) -> np.uint32:
    """A control wavelet that only runs control task `entrypoint` at the receiving CE."""
    return encode_single_payload(NOP, False, entrypoint, 0)


@overload(encode_control_task_payload)
def _ol_task(entrypoint):
    return lambda entrypoint: encode_single_payload(NOP, False, entrypoint, 0)


def pack_commands(cmds, ce_ignore, ce_ignore_remaining: bool, entry_field: int) -> np.uint32:
    """Commands `cmds[k]` with CE-ignore bits `ce_ignore[k]`; the rest of the 8 are NOP with
    `ce_ignore_remaining`; `entry_field` in bits 16-21."""
    if len(cmds) > MAX_CMDS or len(ce_ignore) != len(cmds):
        raise ValueError(f"a control payload takes 1..{MAX_CMDS} commands, each with its "
                         f"ce_ignore flag (got {len(cmds)} commands, {len(ce_ignore)} flags)")
    word = (int(entry_field) & 0x3F) << 16
    for k in range(MAX_CMDS):
        cmd, ignore = (int(cmds[k]), bool(ce_ignore[k])) if k < len(cmds) else \
            (NOP, bool(ce_ignore_remaining))
        word |= ((cmd & 3) << CMD_BITS[k]) | (int(ignore) << CE_IGNORE_BITS[k])
    return np.uint32(word)


def encode_payload(n: int, cmds, ce_ignore, ce_ignore_remaining: bool,
                   entrypoint=None) -> np.uint32:
    """Up to 8 switch commands (`n` of them, each with its CE-ignore flag), the rest NOP with
    `ce_ignore_remaining`, and an optional control task to run (None: none); no data."""
    if n != len(cmds):
        raise ValueError(f"encode_payload: n = {n} but {len(cmds)} commands given")
    ep = NO_ENTRYPOINT if entrypoint is None else int(getattr(entrypoint, "id", entrypoint))
    return pack_commands(cmds, ce_ignore, ce_ignore_remaining, ep)
