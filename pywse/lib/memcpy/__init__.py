"""The SDK's `<memcpy/...>` libraries that are not memcpy itself (`<memcpy/memcpy_switches>`,
and `<memcpy/get_params>` on the layout side);
`<memcpy/memcpy>` is `p.memcpy(...)` (dsl/program.py)."""
