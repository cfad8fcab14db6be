"""The SDK's `<kernels/...>` libraries (CSL-LIBRARIES §1.11): `<kernels/tally/...>`."""
from . import tally  # noqa: F401  (<kernels/tally/layout>, <kernels/tally/pe>)
