"""Stream rings: bounded buffers between the host's arrays and the fabric.

A host stream (memcpy streaming H2D / D2H over a rectangle of PEs, an SdkLayout `send` /
`receive` at its port PE) moves at most one word per cycle per PE. Buffering all its words
for every PE of the fabric cost the fabric times the data (a 256x256 streamed program asked
for 1 TiB); instead each PE *on the stream* gets a ring of `ring_len[port]` words in one pool
(`st.ring`), and the engine moves words between the rings and the host's own array while the
fabric runs:

- ports 0..3 are the H2D channels (memcpy's MEMCPYH2D_n, input streams), 4..7 the D2H ones;
- `ring_base[pe, port]`: where the PE's ring starts in the pool; `ring_mark[pe, port]`: how
  many words of the stream the host has put in (H2D) or taken out (D2H) so far. Word j of a
  PE's stream sits at `ring[ring_base + j % ring_len]`;
- the fabric (fabric.py, `ring_moved`) lists a ring in `ring_req` once half of it is used
  (H2D: taken, D2H: filled) while the host or the fabric still has words for it, and once
  all of it is; all of it also sets `counters[HOST_IO]`, which ends the run at the end of that
  cycle. The engine then tops up or drains every listed ring (`Traffic.host_io`) before the
  next cycle, so no word ever waits for the host and a run takes the same cycles as with
  unbounded buffers. A ring is refilled or drained when the fabric has used half of it, so a
  rectangle of PEs streaming at about the same pace costs one host round trip per half ring,
  not one per PE.
"""
from __future__ import annotations

import numba

N_PORTS = 8                 # 4 H2D channels, then 4 D2H channels
D2H_PORT = 4                # port of D2H channel k: D2H_PORT + k
POOL_WORDS = 1 << 18        # words in flight per stream (1 MiB), spread over its PEs ...
MIN_RING = 64               # ... but at least this many per PE (or all the PE's words)


def ring_len(pes: int, words: int) -> int:
    """Words buffered per PE for a stream of `words` words to or from each of `pes` PEs."""
    return max(1, min(words, max(MIN_RING, POOL_WORDS // max(pes, 1))))


def place(segments, need: int) -> int:
    """The first offset of the pool where `need` words fit between the `segments` in use
    ((start, length, ...) tuples); past the last one if no gap is big enough."""
    end = 0
    for start, length, *_ in sorted(segments):
        if start - end >= need:
            return end
        end = max(end, start + length)
    return end


@numba.njit(cache=True)
def fill(ring, base, mark, taken, port, size, first, pes, src):
    """Top up the H2D rings of `pes`: the host's words mark..(taken + size) of each PE, from
    `src` (rows, columns, words: PE i of the stream is src[i // columns, i % columns]; the
    ring of PE i starts at first + i * size)."""
    cols, total = src.shape[1], src.shape[2]
    for pe in pes:
        i = (base[pe, port] - first) // size
        y, x = i // cols, i % cols
        start = base[pe, port]
        j1 = min(taken[pe, port] + size, total)
        for j in range(mark[pe, port], j1):
            ring[start + j % size] = src[y, x, j]
        mark[pe, port] = j1


@numba.njit(cache=True)
def drain(ring, base, mark, stored, k, size, first, pes, dst):
    """Move what the D2H rings of `pes` hold (words mark..stored of each PE) into `dst`
    (laid out as `fill`'s `src`); `k` is the D2H channel, the ring's port D2H_PORT + k."""
    port = D2H_PORT + k
    cols = dst.shape[1]
    for pe in pes:
        start = base[pe, port]
        i = (start - first) // size
        y, x = i // cols, i % cols
        for j in range(mark[pe, port], stored[pe, k]):
            dst[y, x, j] = ring[start + j % size]
        mark[pe, port] = stored[pe, k]
