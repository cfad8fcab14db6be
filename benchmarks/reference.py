"""Bare numba reference loops: the practical CPU limit for the work pywse simulates.

They model nothing but the data movement — no colors, tasks, queues per PE or clocks per
PE — so `pywse rate / reference rate` says how much of the machine's speed the simulator's
generality costs. Each returns a checksum (so numba cannot drop the work) and its cycles.
"""
import time

import numba
import numpy as np

from .common import best_seconds

CAPACITY = 2   # words each queue holds, as a router's per-color buffer


@numba.njit(cache=True)
def move_words(first_child, children, n_words, cap):
    """Move n_words 32-bit words through a tree of ring-buffer queues, one cycle at a time.

    Queue q's children are children[first_child[q]:first_child[q + 1]] (all > q; queue 0 is
    the root). Each cycle visits every queue from the last to the first — so a word moves at
    most one hop per cycle, as in a router cycle loop — and moves its head word into all its
    children at once if every child has room (multicast); a leaf hands it to its sink. Then
    the source pushes the next word into queue 0. Returns (checksum, cycles).
    """
    nq = len(first_child) - 1
    buf = np.zeros((nq, cap), np.uint32)
    head = np.zeros(nq, np.int64)
    count = np.zeros(nq, np.int64)
    n_leaves = 0
    for q in range(nq):
        if first_child[q] == first_child[q + 1]:
            n_leaves += 1
    expected = n_words * n_leaves
    received = 0
    sent = 0
    checksum = 0
    cycles = 0
    while received < expected:
        for q in range(nq - 1, -1, -1):
            if count[q] == 0:
                continue
            w = buf[q, head[q]]
            lo, hi = first_child[q], first_child[q + 1]
            if lo == hi:
                checksum ^= (np.int64(w) + received) & 0xFFFFFFFF
                received += 1
            else:
                ok = True
                for k in range(lo, hi):
                    if count[children[k]] >= cap:
                        ok = False
                        break
                if not ok:
                    continue
                for k in range(lo, hi):
                    c = children[k]
                    buf[c, (head[c] + count[c]) % cap] = w
                    count[c] += 1
            head[q] = (head[q] + 1) % cap
            count[q] -= 1
        if sent < n_words and count[0] < cap:
            buf[0, (head[0] + count[0]) % cap] = np.uint32(sent * 2654435761)
            count[0] += 1
            sent += 1
        cycles += 1
    return checksum, cycles


def chain_tree(hops: int):
    """A chain of `hops` queues: each word makes `hops` moves (in, hops - 1 links, out)."""
    first_child = np.append(np.arange(hops, dtype=np.int64), hops - 1)
    children = np.arange(1, hops, dtype=np.int64)
    return first_child, children


def broadcast_tree(w: int, h: int):
    """The pywse broadcast's tree: a router queue per PE (row 0 feeds east and south, other
    rows south) plus a CE queue (leaf) per PE except the source; moves per word:
    1 + 2 * (w*h - 1), the same as pywse's."""
    routers = w * h                    # queue y*w + x is the router of PE (x, y)
    kids: list[list[int]] = [[] for _ in range(routers)]
    leaf = routers
    for y in range(h):
        for x in range(w):
            q = y * w + x
            if y == 0 and x + 1 < w:
                kids[q].append(q + 1)
            if y + 1 < h:
                kids[q].append(q + w)
            if q:
                kids[q].append(leaf)
                leaf += 1
    kids += [[] for _ in range(leaf - routers)]
    first_child = np.cumsum([0] + [len(k) for k in kids]).astype(np.int64)
    children = np.array([c for k in kids for c in k], np.int64)
    return first_child, children


def time_move_words(tree, n_words: int) -> dict:
    """Warm (compile once, tiny), then time moving n_words through `tree`."""
    first_child, children = tree
    move_words(first_child, children, 4, CAPACITY)
    t0 = time.perf_counter()
    checksum, cycles = move_words(first_child, children, n_words, CAPACITY)
    return {"s": time.perf_counter() - t0, "cycles": int(cycles), "checksum": int(checksum)}


@numba.njit(cache=True)
def _body(counter, w):
    counter[0] += np.uint32(1) + (w & np.uint32(0))


@numba.njit(cache=True)
def dispatch_calls(n_calls, cap):
    """n_calls trivial "tasks": a producer pushes (task id, word) into a ring-buffer queue
    of `cap` entries, a consumer pops the head and dispatches on the id to a body that
    increments a counter — the bare cost of queue + dispatch + call."""
    ids = np.zeros(cap, np.int64)
    words = np.zeros(cap, np.uint32)
    counter = np.zeros(2, np.uint32)
    head = 0
    count = 0
    sent = 0
    done = 0
    while done < n_calls:
        if sent < n_calls and count < cap:
            slot = (head + count) % cap
            ids[slot] = sent & 1
            words[slot] = np.uint32(sent)
            count += 1
            sent += 1
        if count:
            tid, w = ids[head], words[head]
            head = (head + 1) % cap
            count -= 1
            if tid == 0:
                _body(counter[0:1], w)
            else:
                _body(counter[1:2], w)
            done += 1
    return counter[0] + counter[1]


def time_dispatch(n_calls: int) -> dict:
    dispatch_calls(4, 8)
    t0 = time.perf_counter()
    total = dispatch_calls(n_calls, 8)
    s = time.perf_counter() - t0
    assert total == n_calls
    return {"s": s, "calls": int(total)}


@numba.njit(cache=True)
def transpose_words(dst, src, rows, cols, tile):
    """dst[c * rows + r] = src[r * cols + c] in tile x tile blocks: the bare cost of the
    reordering a COL_MAJOR memcpy does (host words with the PE index fastest, device words
    with the element index fastest), with nothing else."""
    for r0 in range(0, rows, tile):
        for c0 in range(0, cols, tile):
            for c in range(c0, min(c0 + tile, cols)):
                for r in range(r0, min(r0 + tile, rows)):
                    dst[c * rows + r] = src[r * cols + c]


def time_transpose(n_words: int, cols: int, repeats: int = 3) -> float:
    """Best seconds of transposing n_words 32-bit words as (n_words / cols) x cols and back."""
    src = np.arange(n_words, dtype=np.uint32)
    mid = np.ones(n_words, np.uint32)
    back = np.ones(n_words, np.uint32)
    rows = n_words // cols
    transpose_words(mid[:64], src[:64], 8, 8, 8)

    def there_and_back():
        transpose_words(mid, src, rows, cols, 8)     # 8 x 8 tiles: fastest here
        transpose_words(back, mid, cols, rows, 8)
    best = best_seconds(repeats, there_and_back)
    assert np.array_equal(back, src)
    return best
