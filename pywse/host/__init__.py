"""The SDK's host side: `SdkRuntime` (the ordered command stream), memcpy commands and the
`sdk_utils` helpers. Imports every layer below; nothing below imports it."""
