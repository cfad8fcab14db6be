"""Ports of the csl-examples benchmark-libs modules (benchmarks/benchmark-libs): modules that
benchmark kernels import (`allreduce`), each a layout half and a `@pw.module` PE half."""
