"""The SDK's `<kernels/...>` libraries (CSL-LIBRARIES §1.11, §1.12): `<kernels/tally/...>`,
`<kernels/fft/fft3d_layout>`."""
from . import (
    fft,  # noqa: F401  (<kernels/fft/fft3d_layout>)
    tally,  # noqa: F401  (<kernels/tally/layout>, <kernels/tally/pe>)
)
