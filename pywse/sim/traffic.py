"""What enters and leaves the fabric from outside the kernel, as engine methods: host streams
(memcpy streaming and SdkLayout streams, driven by host/memcpy.py and host/streams.py) through
bounded rings (rings.py), test sources feeding wavelets and the capture log of what leaves
(testing/harness.py; counted as lost in a plain run), and the run's activity counters and
perturbation seed (host/runcheck.py).

`Traffic` is a part of `Engine` (engine.py), kept apart so each file stays one concept: it
uses the engine's `st` / `st_jit`, `_rows` and `image`.
"""
from __future__ import annotations

import numpy as np

from ..errors import ResourceError
from . import fabric, rings, state, tracebuf


class Traffic:
    # -- host streams (driven by host/memcpy.py and host/streams.py) ---------------------------
    def start_h2d(self, k: int, color: int, pes: np.ndarray, src: np.ndarray,
                  into_router: bool = False) -> None:
        """Stream `src[i // w, i % w, :]` to PE `pes[i]` on `color` (`src` is rows x w x words,
        any strides: the host's own array, read a ring at a time): into its input queue
        (memcpy), or into its router (`into_router`: an SdkLayout input stream at its port)."""
        self._open_ring(k, pes, src)
        st = self.st
        st.h2d_color[k] = color
        st.h2d_entry[k] = int(into_router)
        st.h2d_pos[pes, k] = 0
        st.h2d_left[pes, k] = src.shape[2]
        rings.fill(st.ring, st.ring_base, st.ring_mark, st.h2d_pos, k, int(st.ring_len[k]),
                   self._ring_first[k], pes, src)
        st.h2d_mask[pes] |= np.uint8(1 << k)
        for pe in pes.tolist():
            fabric.activate(st, pe)

    def h2d_done(self, k: int, pes: np.ndarray) -> bool:
        """Has every word entered the fabric? (Then the host's array is let go.)"""
        if self.st.h2d_left[pes, k].any():
            return False
        self._close_ring(k)
        return True

    def start_d2h(self, k: int, color: int, pes: np.ndarray, dst: np.ndarray) -> None:
        """Collect `dst.shape[2]` wavelets on `color` from each PE `pes[i]` into
        `dst[i // w, i % w, :]` (the host's own array, filled a ring at a time)."""
        self._open_ring(rings.D2H_PORT + k, pes, dst)
        st = self.st
        st.d2h_color[k] = color
        st.d2h_done[pes, k] = 0
        st.d2h_left[pes, k] = dst.shape[2]
        for pe in pes.tolist():
            fabric.activate(st, pe)

    def d2h_finish(self, k: int, pes: np.ndarray) -> bool:
        """Once every PE has sent all its wavelets: the rest of them into the host's array,
        the channel closed, True. False while some PE still owes wavelets."""
        st = self.st
        if st.d2h_left[pes, k].any():
            return False
        port = rings.D2H_PORT + k
        if port in self._ring_host:
            rings.drain(st.ring, st.ring_base, st.ring_mark, st.d2h_done, k,
                        int(st.ring_len[port]), self._ring_first[port], pes, self._ring_host[port])
            self._close_ring(port)
        st.d2h_color[k] = -1
        return True

    def check_stream(self, pes: int, words: int, what: str) -> None:
        """Refuse, before allocating, the rings of a stream of `words` words per PE to or
        from `pes` PEs if this machine lacks the memory for them."""
        size = rings.ring_len(pes, words)
        need, have = (4 * size + 16) * pes, state.available_bytes()   # the rings, their listing
        if have is not None and need > have:
            raise ResourceError(
                f"{what}: streaming {words:,} words to or from each of {pes:,} PE(s) keeps up "
                f"to {size:,} words per PE in flight: {state.size_text(need)} of stream "
                f"buffers, and this machine has {state.size_text(have)} available. Stream to or "
                "from fewer PEs per call (a smaller rectangle), move the data with copy mode "
                "(streaming=False) or preload it (set_symbol_all), or free memory")

    def _open_ring(self, port: int, pes: np.ndarray, host: np.ndarray) -> None:
        """A ring per PE of `pes` for a stream on `port`, in a free stretch of the pool (what
        is still listed for the host is done first: those entries may be this port's)."""
        self._close_ring(port)
        size = rings.ring_len(len(pes), host.shape[2])
        first = rings.place(self._ring_segs.values(), len(pes) * size)
        self._ring_segs[port] = (first, len(pes) * size, len(pes))
        st = self.st
        end = first + len(pes) * size
        listed = 2 * sum(n for _, _, n in self._ring_segs.values())   # a ring is listed
        if end > len(st.ring) or listed > len(st.ring_req):          # twice at most
            self._replace(ring=_grown(st.ring, 0, end), ring_req=_grown(st.ring_req, 0, listed))
            st = self.st
        st.ring_len[port] = size
        st.ring_base[pes, port] = first + np.arange(len(pes)) * size
        st.ring_mark[pes, port] = 0
        self._ring_first[port] = first
        self._ring_host[port] = host

    def _close_ring(self, port: int) -> None:
        """The stream on `port` is over: what is listed is done, its rings and the host's
        array are let go."""
        self._serve_rings()
        self._ring_segs.pop(port, None)
        self._ring_host.pop(port, None)

    def host_io(self) -> None:
        """What the fabric asked for before its next cycle (`counters[HOST_IO]`): room in the
        capture log, rings refilled from or drained into the host's arrays."""
        st = self.st
        asked = st.counters[fabric.HOST_IO]
        st.counters[fabric.HOST_IO] = 0
        if asked & fabric.IO_CAPTURE:
            self._grow_capture()
        if asked & tracebuf.IO_TRACE:
            self.trace_sink()
        self._serve_rings()

    def _serve_rings(self) -> None:
        st = self.st
        n = int(st.ring_nreq[0])
        if not n:
            return
        listed = st.ring_req[:n]
        for port in np.unique(listed % rings.N_PORTS).tolist():
            pes = np.unique(listed[listed % rings.N_PORTS == port] // rings.N_PORTS)
            size, first, host = int(st.ring_len[port]), self._ring_first[port], \
                self._ring_host[port]
            if port < rings.D2H_PORT:
                rings.fill(st.ring, st.ring_base, st.ring_mark, st.h2d_pos, port, size, first,
                           pes, host)
            else:
                rings.drain(st.ring, st.ring_base, st.ring_mark, st.d2h_done,
                            port - rings.D2H_PORT, size, first, pes, host)
        st.ring_nreq[0] = 0

    # -- test sources and the capture log (testing/harness.py) ----------------------------------
    def add_source(self, pe: int, color: int, side: int, words: np.ndarray, *, control: bool,
                   start: int, interval: int) -> int:
        """Feed `words` to PE `pe` on `color`, entering its router from `side` (a fabric.D_*)
        or its input queue (fabric.SIDE_QUEUE): the first at cycle `start` or later, each next
        `interval` cycles after the one before, each waiting while its target is full.
        Returns the source's row (see `source_progress`)."""
        st = self.st
        meta = st.src_meta
        used = self._n_sources
        if used == meta.shape[0] and not (meta[:, fabric.SRC_POS] < meta[:, fabric.SRC_LEN]).any():
            used = self._n_sources = 0              # every earlier source is done: reuse rows
            meta[:] = 0
        rows = meta[:used]                # words go after those of unfinished sources
        live = rows[rows[:, fabric.SRC_POS] < rows[:, fabric.SRC_LEN]]
        off = int((live[:, fabric.SRC_OFF] + live[:, fabric.SRC_LEN]).max()) if len(live) else 0
        if used == meta.shape[0] or st.src_data.shape[0] < off + len(words):
            self._replace(src_meta=_grown(meta, 0, used + 1),
                          src_data=_grown(st.src_data, 0, off + len(words)))
            st = self.st
        row = st.src_meta[used]
        row[:] = 0
        row[[fabric.SRC_PE, fabric.SRC_COLOR, fabric.SRC_SIDE, fabric.SRC_CTL, fabric.SRC_INTERVAL,
             fabric.SRC_NEXT, fabric.SRC_LEN, fabric.SRC_OFF]] = (pe, color, side, int(control),
                                                                interval, start, len(words), off)
        st.src_data[off:off + len(words)] = words
        self._n_sources = used + 1
        if len(words):
            st.src_pending[pe] += 1
            fabric.activate(st, pe)
        return used

    def source_progress(self, row: int) -> tuple[int, int]:
        """(wavelets fed so far, wavelets to feed) of source `row`."""
        m = self.st.src_meta[row]
        return int(m[fabric.SRC_POS]), int(m[fabric.SRC_LEN])

    def capture_edges(self, on: bool) -> None:
        """Record wavelets sent off the kernel's edge (in the capture log) instead of
        leaving them stuck in the router."""
        self.st.config[fabric.CFG_CAPTURE_EDGES] = int(on)

    def captured(self) -> np.ndarray:
        """The capture log so far: rows of fabric.CAP_* columns, in the order sent."""
        return self.st.cap_log[:self.st.cap_n[0]].copy()

    def _grow_capture(self) -> None:
        """The capture log is full: a harness gets a bigger one; a run counts what left the
        kernel in `lost` and starts the log over."""
        if self.keep_capture:
            log = self.st.cap_log
            self._replace(cap_log=_grown(log, 0, 2 * log.shape[0]))
        else:
            self.count_lost()
        for pe in np.flatnonzero(self.st.rb_mask).tolist():   # senders that waited for room
            fabric.activate(self.st, pe)

    def count_lost(self) -> dict[tuple[int, int, int], int]:
        """Fold the capture log into `lost`: wavelets per (PE, direction, color) that left
        the kernel where nothing receives them."""
        rows = self.st.cap_log[:self.st.cap_n[0]]
        keys, counts = np.unique(rows[:, [fabric.CAP_PE, fabric.CAP_DIR, fabric.CAP_COLOR]],
                                 axis=0, return_counts=True)
        for key, n in zip(map(tuple, keys.tolist()), counts.tolist()):
            self.lost[key] = self.lost.get(key, 0) + n
        self.st.cap_n[0] = 0
        return self.lost

    def perturb(self, seed: int) -> None:
        """Reorder what the hardware leaves unordered, from `seed`: which of several PEs ready
        at the same cycle runs first, when a PE looks for work (0..7 cycles late), when a
        launch reaches each PE (0..255 cycles late), and which PE's wavelets reach a shared
        router first (sched.py, fabric.py)."""
        rng = np.random.default_rng(seed)
        self.st.pe_prio[:] = rng.permutation(len(self.st.pe_prio))
        self.st.config[fabric.CFG_PERTURB] = int(rng.integers(1, 1 << 30))

    def activity(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Copies of the activity counters: tasks run per row and per PE, wavelets moved per
        color (a livelock report compares two of these)."""
        return self.st.row_runs.copy(), self.st.pe_runs.copy(), self.st.color_moves.copy()

    def row_name(self, row: int) -> str:
        return self._rows[row][1].name

    def _replace(self, **fields) -> None:
        """Swap state arrays for bigger ones (compiled code then gets a new view)."""
        self.st = self.st._replace(**fields)
        self.st_jit = None



def _grown(arr: np.ndarray, axis: int, n: int) -> np.ndarray:
    """`arr` with at least `n` entries along `axis` (doubling), zero-filled past the old end."""
    if arr.shape[axis] >= n:
        return arr
    shape = list(arr.shape)
    shape[axis] = max(n, 2 * shape[axis])
    new = np.zeros(shape, arr.dtype)
    new[tuple(slice(0, k) for k in arr.shape)] = arr
    return new
