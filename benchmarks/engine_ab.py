"""python -m benchmarks.engine_ab [--rounds N]: the engine's hot paths timed for an A/B
between two checkouts (not a case of `python -m benchmarks`: one checkout cannot time
another in its own process).

Prints one JSON line: for wavelet_hops' chain and broadcast and task_dispatch's local and data
tasks (compiled, full sizes), the best of N runs in seconds, after a warm-up that loads the
numba cache. Run it in the two checkouts in turn, several rounds, and compare the medians of
the per-round ratios (docs/performance.md, "Tracing"):

    for i in 1 2 3 4 5; do
      (cd $BEFORE && python -m benchmarks.engine_ab > /tmp/before_$i.json)
      (cd $AFTER && python -m benchmarks.engine_ab > /tmp/after_$i.json)
    done
"""
from __future__ import annotations

import argparse
import json

from . import task_dispatch as T
from . import wavelet_hops as W

SIZES = {"chain": 131_068, "broadcast": 20_000, "local task": 1_000_000, "data task": 1_000_000}


def _cases() -> dict:
    """Case name -> a function of n that runs it once and returns its seconds."""
    def hops(shape):
        return lambda n: W._pywse(shape["make"], n, shape["hops"], True, shape["last"])["s"]
    chain, bcast = W._shapes({"chain_w": 16, "bcast": (8, 8), "chain_n": 0, "chain_n_nojit": 0,
                              "bcast_n": 0, "bcast_n_nojit": 0})
    return {"chain": hops(chain), "broadcast": hops(bcast),
            "local task": lambda n: T.local_tasks(n, True)["s"],
            "data task": lambda n: T.data_tasks(n, True)["s"]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="runs per case; the best counts")
    args = parser.parse_args(argv)
    out = {}
    for name, run in _cases().items():
        run(64)                                       # warm-up: numba's cache loaded
        out[name] = min(run(SIZES[name]) for _ in range(args.rounds))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
