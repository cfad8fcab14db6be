"""The comptime language: what a program body declares (programs, memory, DSDs, control
payloads). Imports only `pywse.errors` / `pywse.types`; knows nothing of layouts or the engine."""
