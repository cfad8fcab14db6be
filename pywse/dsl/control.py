"""The `<control>` library: payloads of control wavelets (switch commands, entry points).

pywse's bit layout (the hardware's is not documented; this one follows the hand-packed
words in the csl-examples benchmarks): bits 0-15 data, bits 16-21 the entry point (the
control task to run at the receiving CE, 0x3F = none), bits 22-23 the switch command for the
first router and bit 24 its CE filter (set: not delivered to that router's CE).
"""
from __future__ import annotations

import numpy as np
from numba.core import types as nbtypes
from numba.extending import overload

NOP, SWITCH_ADV, SWITCH_RST, TEARDOWN = 0, 1, 2, 3
"""Switch commands (CSL `ctrl.opcode.*`)."""
NO_ENTRYPOINT = 0x3F


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
