"""What enters and leaves the fabric from outside the kernel, as engine methods: memcpy's
streams (driven by host/memcpy.py and host/streams.py), test sources feeding wavelets and the
capture log of what leaves (testing/harness.py; counted as lost in a plain run), and the run's
activity counters and perturbation seed (host/runcheck.py).

`Traffic` is a part of `Engine` (engine.py), kept apart so each file stays one concept: it
uses the engine's `st` / `st_jit`, `_rows` and `image`.
"""
from __future__ import annotations

import numpy as np

from . import fabric


class Traffic:
    # -- memcpy streaming (driven by memcpy.py commands) ---------------------------------------
    def start_h2d(self, k: int, color: int, pes: np.ndarray, words: np.ndarray,
                  into_router: bool = False) -> None:
        """Stream `words[i]` to PE `pes[i]` on `color`: into its input queue (memcpy), or
        into its router (`into_router`: an SdkLayout input stream at its port PE)."""
        st = self.st
        if st.h2d_data.shape[2] < words.shape[1]:
            self._grow("h2d_data", words.shape[1])
            st = self.st
        st.h2d_color[k] = color
        st.h2d_entry[k] = int(into_router)
        st.h2d_data[pes, k, :words.shape[1]] = words
        st.h2d_pos[pes, k] = 0
        st.h2d_left[pes, k] = words.shape[1]
        st.h2d_mask[pes] |= np.uint8(1 << k)
        for pe in pes.tolist():
            fabric.activate(st, pe)

    def h2d_done(self, k: int, pes: np.ndarray) -> bool:
        return not self.st.h2d_left[pes, k].any()

    def start_d2h(self, k: int, color: int, pes: np.ndarray, n: int) -> None:
        if self.st.d2h_out.shape[2] < n:
            self._grow("d2h_out", n)
        st = self.st
        st.d2h_color[k] = color
        st.d2h_done[pes, k] = 0
        st.d2h_left[pes, k] = n
        for pe in pes.tolist():
            fabric.activate(st, pe)

    def d2h_result(self, k: int, pes: np.ndarray, n: int):
        """The words collected so far, or None while some PE still owes wavelets."""
        st = self.st
        if st.d2h_left[pes, k].any():
            return None
        st.d2h_color[k] = -1
        return st.d2h_out[pes, k, :n].copy()

    def _grow(self, field: str, n: int) -> None:
        old = getattr(self.st, field)
        self._replace(**{field: _grown(old, 2, max(n, 2 * old.shape[2]))})

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
        if used == meta.shape[0] or st.src_data.shape[1] < len(words):
            self._replace(src_meta=_grown(meta, 0, used + 1),
                          src_data=_grown(_grown(st.src_data, 0, used + 1), 1, len(words)))
            st = self.st
        row = st.src_meta[used]
        row[:] = 0
        row[[fabric.SRC_PE, fabric.SRC_COLOR, fabric.SRC_SIDE, fabric.SRC_CTL, fabric.SRC_INTERVAL,
             fabric.SRC_NEXT, fabric.SRC_LEN]] = (pe, color, side, int(control), interval,
                                                 start, len(words))
        st.src_data[used, :len(words)] = words
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
        self.st.counters[fabric.CAP_FULL] = 0
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
