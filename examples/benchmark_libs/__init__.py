"""User modules of csl-examples' benchmarks/benchmark-libs, shared by the benchmark ports."""
