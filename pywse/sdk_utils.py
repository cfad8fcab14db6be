"""`pywse.sdk_utils`: the name real run.py scripts import (`cerebras.sdk.sdk_utils`'s twin).
The helpers live in `pywse.host.sdk_utils`."""
from .host.sdk_utils import input_array_to_u32, memcpy_view

__all__ = ["input_array_to_u32", "memcpy_view"]
