"""pywse's benchmark suite: how fast and how big simulations are, measured side by side.

    python -m benchmarks [--quick] [--out benchmarks/results.json] [--only CASE ...]

Cases (one module each, `run(quick) -> dict`): wavelet_hops, task_dispatch, memcpy,
idle_scaling, footprint, examples. Every ratio compares two things timed in the same run
(pywse against a bare numba loop in reference.py, against np.copyto, against itself with
jit=False or on a bigger grid); nothing is compared with stored numbers. programs.py holds
the PE programs the cases share, common.py the timing, table and child-process helpers.
"""
