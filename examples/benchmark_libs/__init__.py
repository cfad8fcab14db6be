"""Ports of the csl-examples benchmark-libs modules (benchmarks/benchmark-libs) that benchmark
kernels import (`allreduce`, `stencil_3d_7pts`), each a layout half and a `@pw.module` PE half."""
