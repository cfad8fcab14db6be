"""The trace's event packets, encoded compiled: the rows of the engine's trace buffer
(sim/tracebuf.py) as length-delimited Perfetto `Trace.packet`s, the bytes perfetto's
streaming builder writes for the same TracePacket. Encoding them one by one from Python cost
about 5 us a packet, 100 times what the compiled engine spends per event; here it is a
fraction of a microsecond.

Per row: a task is a TYPE_SLICE_BEGIN (with debug annotations `cycles` and, when it waited,
`waited`) and a TYPE_SLICE_END; an op or a stall the same without annotations; a queue depth
a TYPE_COUNTER value; a hop two TYPE_INSTANTs, the first with a flow id, the second
terminating it. Names come from a table (`Names`), tracks are given per row by the caller.
"""
from __future__ import annotations

import numba
import numpy as np

from ..sim import tracebuf

BEGIN, END, INSTANT, COUNTER = 1, 2, 3, 4        # TrackEvent.Type
SEQ = 1                                          # trusted_packet_sequence_id of every packet


class Names:
    """Event names as one byte array: name k is `flat[off[k]:off[k + 1]]`."""

    def __init__(self, names: list[str]):
        data = [n.encode() for n in names]
        self.flat = np.frombuffer(b"".join(data) or b"\0", np.uint8).copy()
        self.off = np.zeros(len(data) + 1, np.int64)
        self.off[1:] = np.cumsum([len(d) for d in data])
        self.longest = max((len(d) for d in data), default=0)


@numba.njit(cache=True)
def _varint(buf, i, v):
    while v > 0x7F:
        buf[i] = (v & 0x7F) | 0x80
        v >>= 7
        i += 1
    buf[i] = v
    return i + 1


@numba.njit(cache=True)
def _vlen(v):
    n = 1
    while v > 0x7F:
        v >>= 7
        n += 1
    return n


@numba.njit(cache=True)
def _bytes(buf, i, src, a, b):
    for k in range(a, b):
        buf[i] = src[k]
        i += 1
    return i


@numba.njit(cache=True)
def _name(ev, j, flat, off, k):
    """TrackEvent.name (field 23, tag 0xBA 0x01) = name k of the table."""
    ev[j] = 0xBA
    ev[j + 1] = 0x01
    j = _varint(ev, j + 2, off[k + 1] - off[k])
    return _bytes(ev, j, flat, off[k], off[k + 1])


@numba.njit(cache=True)
def _head(ev, kind, uuid):
    """TrackEvent.type (9) and track_uuid (11)."""
    ev[0] = 0x48
    ev[1] = kind
    ev[2] = 0x58
    return _varint(ev, 3, uuid)


@numba.njit(cache=True)
def _annotation(ev, j, flat, off, k, value):
    """A debug annotation (field 4): name (10) = name k, int_value (4) = `value`."""
    n = off[k + 1] - off[k]
    body = 1 + _vlen(n) + n + 1 + _vlen(value)
    ev[j] = 0x22
    j = _varint(ev, j + 1, body)
    ev[j] = 0x52
    j = _varint(ev, j + 1, n)
    j = _bytes(ev, j, flat, off[k], off[k + 1])
    ev[j] = 0x20
    return _varint(ev, j + 1, value)


@numba.njit(cache=True)
def _fixed64(ev, j, tag0, tag1, v):
    ev[j] = tag0
    ev[j + 1] = tag1
    j += 2
    for k in range(8):
        ev[j + k] = (v >> (8 * k)) & 0xFF
    return j + 8


@numba.njit(cache=True)
def _packet(out, i, t, ev, n):
    """Trace.packet (1) = TracePacket {timestamp (8), trusted_packet_sequence_id (10),
    track_event (11) = ev[:n]}."""
    body = 1 + _vlen(t) + 2 + 1 + _vlen(n) + n
    out[i] = 0x0A
    i = _varint(out, i + 1, body)
    out[i] = 0x40
    i = _varint(out, i + 1, t)
    out[i] = 0x50
    out[i + 1] = SEQ
    out[i + 2] = 0x5A
    i = _varint(out, i + 3, n)
    return _bytes(out, i, ev, 0, n)


@numba.njit(cache=True)
def encode(rows, track, track2, name, flat, off, cycles_k, waited_k, flow0, ev, out):
    """Encode `rows` (sorted) into `out`: returns (bytes written, flows used). `track`: each
    row's track uuid (`track2`: a hop's arrival track); `name`: each row's name in the table
    (a hop: its "out" name, "in" the next one); `ev` a scratch buffer for one event."""
    i = 0
    flows = 0
    for r in range(rows.shape[0]):
        kind, t, b, c = rows[r, 0], rows[r, 1], rows[r, 4], rows[r, 5]
        if kind == tracebuf.EV_QUEUE:
            j = _head(ev, COUNTER, track[r])
            ev[j] = 0xF0                    # counter_value (30)
            ev[j + 1] = 0x01
            j = _varint(ev, j + 2, b)
            i = _packet(out, i, t, ev, j)
        elif kind == tracebuf.EV_FLOW:
            flows += 1
            j = _head(ev, INSTANT, track[r])
            j = _name(ev, j, flat, off, name[r])
            j = _fixed64(ev, j, 0xF9, 0x02, flow0 + flows)          # flow_ids (47)
            i = _packet(out, i, t, ev, j)
            j = _head(ev, INSTANT, track2[r])
            j = _name(ev, j, flat, off, name[r] + 1)
            j = _fixed64(ev, j, 0x81, 0x03, flow0 + flows)          # terminating_flow_ids (48)
            i = _packet(out, i, b, ev, j)
        else:                               # a slice: task, op or stall
            j = _head(ev, BEGIN, track[r])
            j = _name(ev, j, flat, off, name[r])
            if kind == tracebuf.EV_TASK:
                j = _annotation(ev, j, flat, off, cycles_k, b - t)
                if c:
                    j = _annotation(ev, j, flat, off, waited_k, c)
            i = _packet(out, i, t, ev, j)
            j = _head(ev, END, track[r])
            i = _packet(out, i, max(b, t), ev, j)
    return i, flows


def bound(n_rows: int, names: Names) -> tuple[int, int]:
    """(scratch, output) buffer sizes enough for `n_rows` rows."""
    event = names.longest + 64
    return event, n_rows * 2 * (event + 16)
