"""The SDK's `<memcpy/...>` libraries that are not memcpy itself (`<memcpy/memcpy_switches>`);
`<memcpy/memcpy>` is `p.memcpy(...)` (dsl/program.py)."""
