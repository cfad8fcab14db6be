"""<kernels/fft/fft3d_layout>: every transform (C2C forward and inverse, R2C, C2R) with every
norm, f32 and f16, against numpy at fft-3d's tolerances and bit for bit against the arithmetic
docs/libraries.md describes; the edge shapes (one pencil a PE, one PE); the SDK doc's
five-argument FFT_kernel; several launches on one load; fft_time. The mistakes it names are
entries of tests/test_errors.py."""
import functools

import numpy as np
import pytest

import pywse as pw
from pywse import MemcpyDataType as DT
from pywse import sdk_utils
from pywse.lib.kernels import fft as fft_lib
from pywse.lib.time import make_u48

pytestmark = pytest.mark.compile_heavy    # its compiled leg: slow tier (tests/conftest.py)

KINDS = {"C2C forward": (False, False), "C2C inverse": (True, False),
         "R2C": (False, True), "C2R": (True, True)}       # name: (inverse, real)
NP_NORMS = ("backward", "ortho", "forward")


def kernel(N: int, T: int, fp16: bool, five_args: bool = False) -> pw.Layout:
    W = N // T
    lay = pw.Layout(W, W)
    memcpy = lay.import_module("<memcpy/get_params>", width=W, height=W)
    fft = lay.import_module("<kernels/fft/fft3d_layout>", width=W, memcpy=memcpy)
    dtype = pw.f16 if fp16 else pw.f32
    fft.FFT_kernel(*((0, 0) if five_args else ()), W, N, dtype)
    return lay


@functools.cache
def artifacts(N: int, T: int, fp16: bool) -> pw.Artifacts:
    return pw.compile(kernel(N, T, fp16), arch="wse3", memcpy=True, channels=1)


def twiddles(N: int, dt) -> np.ndarray:
    """cos, sin of 2*pi*k/N, k < N/2, interleaved and rounded to dt (fft-3d's run.py)."""
    e = np.pi * np.arange(N // 2) / (N // 2)
    f = np.zeros(N, dt)
    f[0::2], f[1::2] = np.cos(e).astype(dt), np.sin(e).astype(dt)
    return f


class Device:
    """The kernel loaded once; `transform` writes X, launches, reads X back (unshuffled)."""

    def __init__(self, N: int, T: int, fp16: bool, jit: bool):
        self.N, self.T, self.W = N, T, N // T
        self.dt = np.dtype(np.float16 if fp16 else np.float32)
        self.mdt = DT.MEMCPY_16BIT if fp16 else DT.MEMCPY_32BIT
        self.runner = pw.SdkRuntime(artifacts(N, T, fp16), jit=jit)
        self.runner.load()
        self.runner.run()
        words = np.zeros(N, np.uint32)
        sdk_utils.memcpy_view(words, self.dt)[:] = twiddles(N, self.dt)
        self.copy_in("twiddle_array", np.tile(words, self.W * self.W), N)

    def copy_in(self, name, words, n):
        self.runner.memcpy_h2d(self.runner.get_id(name), words, 0, 0, self.W, self.W, n,
                               data_type=self.mdt)

    def transform(self, data: np.ndarray, inverse: bool, real: bool, norm: int) -> np.ndarray:
        """`data` (N, N, N, 2) of dt as [y][x][z][re, im], on the device's pencils."""
        N, T, W = self.N, self.T, self.W
        L = 2 * T * T * N
        words = np.zeros((W, W, L), np.uint32)
        view = sdk_utils.memcpy_view(words, self.dt)
        # PE (x // T, y // T), complex element z*T*T + (y%T)*T + x%T
        view[:] = data.reshape(W, T, W, T, N, 2).transpose(0, 2, 4, 1, 3, 5).reshape(W, W, L)
        self.copy_in("X", words.ravel(), L)
        if real:
            self.runner.launch("csfftExecC2R" if inverse else "csfftExecR2C", np.int16(norm))
        else:
            self.runner.launch("csfftExecC2C", np.int16(norm), np.int16(inverse))
        out = np.zeros(W * W * L, np.uint32)
        self.runner.memcpy_d2h(out, self.runner.get_id("X"), 0, 0, W, W, L, data_type=self.mdt)
        res = sdk_utils.memcpy_view(out, self.dt).reshape(W, W, N, T, T, 2)
        return res.transpose(0, 3, 1, 4, 2, 5).reshape(N, N, N, 2)

    def fft_time(self) -> np.ndarray:
        words = np.zeros(self.W * self.W * 2, np.uint32)
        self.runner.memcpy_d2h(words, self.runner.get_id("fft_time"), 0, 0, self.W, self.W, 2)
        return np.frombuffer(words.tobytes(), np.uint16).reshape(self.W, self.W, 4)


def model(data: np.ndarray, inverse: bool, real: bool, norm: int, dt) -> np.ndarray:
    """The library's arithmetic as docs/libraries.md states it, each step rounded to dt:
    radix-2 DIT along z, then x, then y; a butterfly t = (Br*wr + Bi*(-wi), Bi*wr + Br*wi)
    (w the host's twiddle, conjugated forward; products rounded, then sums), B = A - t,
    A = A + t; last, one multiplication by the norm's scale rounded to dt."""
    N = data.shape[0]
    tw = twiddles(N, dt)
    re, im = data[..., 0].copy(), data[..., 1].copy()
    if real:
        im[:] = 0
    rev = fft_lib.bit_reversed(N)
    r = lambda v: np.asarray(v).astype(dt)        # noqa: E731

    for axis in (2, 1, 0):
        re, im = np.moveaxis(re, axis, 0)[rev].copy(), np.moveaxis(im, axis, 0)[rev].copy()
        h = 1
        while h < N:
            for g in range(0, N, 2 * h):
                for j in range(h):
                    k = j * (N // (2 * h))
                    wr, wi = tw[2 * k], tw[2 * k + 1] * (1 if inverse else -1)
                    a, b = g + j, g + j + h
                    tr = r(r(re[b] * wr) + r(im[b] * -wi))
                    ti = r(r(im[b] * wr) + r(re[b] * wi))
                    re[b], im[b] = r(re[a] - tr), r(im[a] - ti)
                    re[a], im[a] = r(re[a] + tr), r(im[a] + ti)
            h *= 2
        re, im = np.moveaxis(re, 0, axis), np.moveaxis(im, 0, axis)
    scale = {1: 1 / np.sqrt(float(N) ** 3)}.get(
        norm, 1 / float(N) ** 3 if (norm == 0) == inverse else 1.0)
    s = dt.type(scale)
    return np.stack([r(re * s), r(im * s)], axis=-1)


def check(got, data, inverse, real, norm, dt):
    """fft-3d's run.py's check (numpy, its rtol, atol 0), and the model to the bit."""
    src = data[..., 0].astype(np.float64) + (0 if real else 1j * data[..., 1].astype(np.float64))
    ref = (np.fft.ifftn if inverse else np.fft.fftn)(src, norm=NP_NORMS[norm])
    z = got[..., 0].astype(np.float64) + 1j * got[..., 1].astype(np.float64)
    np.testing.assert_allclose(z, ref, rtol=0.5 if dt == np.float16 else 0.01, atol=0)
    bits = np.uint16 if dt == np.float16 else np.uint32
    np.testing.assert_array_equal(got.view(bits), model(data, inverse, real, norm, dt).view(bits))


def random_data(N, dt, seed=7):
    return np.random.default_rng(seed).random((N, N, N, 2)).astype(dt)


@pytest.mark.parametrize("fp16", [False, True], ids=["f32", "f16"])
def test_every_transform_and_norm_matches_numpy_and_the_documented_arithmetic(fp16, jit):
    """N = 8 on 4 x 4 PEs (2 x 2 pencils each), eight launches on one load: both C2C
    directions with each norm (the scale depends on both), R2C and C2R with two each."""
    dev = Device(8, 2, fp16, jit)
    data = random_data(8, dev.dt)
    for name, norms in (("C2C forward", (0, 1, 2)), ("C2C inverse", (0, 1, 2)),
                        ("R2C", (1, 2)), ("C2R", (0, 1))):
        inverse, real = KINDS[name]
        for norm in norms:
            check(dev.transform(data, inverse, real, norm), data, inverse, real, norm, dev.dt)
    dev.runner.stop()


@pytest.mark.parametrize("N, T", [(4, 1), (4, 4), pytest.param(16, 4, marks=pytest.mark.slow)],
                         ids=["one pencil a PE", "one PE", "fft-3d's size"])
def test_edge_shapes_and_the_originals_size(N, T, jit):
    """T = 1 (W = N: a transpose moves single values), W = 1 (no fabric at all), and the
    original's N = 16, T = 4."""
    dev = Device(N, T, False, jit)
    data = random_data(N, dev.dt, seed=N + T)
    check(dev.transform(data, False, False, 0), data, False, False, 0, dev.dt)
    check(dev.transform(data, True, True, 1), data, True, True, 1, dev.dt)
    dev.runner.stop()


def test_forward_then_inverse_round_trips_and_fft_time_counts_the_transform(jit):
    dev = Device(8, 2, False, jit)
    data = random_data(8, dev.dt, seed=3)
    before = dev.runner.cycles
    there = dev.transform(data, False, False, 0)
    spent = dev.runner.cycles - before
    back = dev.transform(there, True, False, 0)
    np.testing.assert_allclose(back, data, rtol=0, atol=1e-5)
    stamps = dev.fft_time()
    cycles = make_u48(stamps[..., :3])
    # every PE's count is the second transform's (forward and inverse cost the same here),
    # within what the whole round of memcpy, launch and readback took; the fourth word is 0
    assert (stamps[..., 3] == 0).all()
    assert (cycles > 1000).all() and (cycles < spent).all(), (cycles, spent)
    dev.runner.stop()


def test_the_sdk_docs_five_argument_form_places_the_same_kernel():
    three, five = kernel(4, 2, False), kernel(4, 2, False, five_args=True)
    assert [prog.name for prog, _ in three.tile_kinds] == ["fft3d_pe"]
    assert (three.tile_kind > 0).all() and (five.tile_kind > 0).all()
    assert [params for _, params in five.tile_kinds][0].keys() == \
        [params for _, params in three.tile_kinds][0].keys()
